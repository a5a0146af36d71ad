"""The register as a spreadsheet: XLSX (risks, controls, actions) and CSV (risks).

Cells hold what people read on screen (choice labels, never codes; dates as
dates) and text that a spreadsheet would run as a formula is neutralised. The
rows come from risks.export_rows, read as plain values and streamed.

The workbook is written by XlsxWriter in constant-memory mode: each row goes
to a temporary file as it is written, so memory stays flat however long the
register. Measured against openpyxl's write-only mode on the same three sheets,
it takes about 70% of the CPU time (docs/performance-exports.md).
"""

import tempfile
from collections.abc import Iterable, Sequence
from datetime import date
from typing import BinaryIO

import xlsxwriter
from django.db.models import QuerySet
from openpyxl.worksheet.worksheet import Worksheet

from .export_rows import (
    ACTION_COLUMNS,
    CONTROL_COLUMNS,
    RISK_COLUMNS,
    Column,
    action_rows,
    control_rows,
    risk_rows,
)
from .models import Risk
from .spreadsheets import neutralise, neutralise_row

DATE_FORMAT = "dd/mm/yyyy"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_COLUMN_WIDTH = 60
# XlsxWriter takes a column's width as Excel shows it and stores it with Excel's
# padding of 5 pixels (a character being 7); the widths below are the stored
# ones, as openpyxl wrote them, so the padding is taken off to keep them.
EXCEL_PADDING = 5 / 7
WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "default_date_format": DATE_FORMAT,
    # Text is always text: never a formula, a number or a hyperlink.
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


def csv_header() -> list[str]:
    return [column.header for column in RISK_COLUMNS]


def csv_rows(risks: QuerySet[Risk]) -> Iterable[tuple]:
    """Yield the Risks sheet's rows; csv.writer writes dates as YYYY-MM-DD."""
    return risk_rows(risks)


def _write_sheet(sheet, columns: Sequence[Column], rows: Iterable[tuple], bold) -> None:
    last = len(columns) - 1
    for index, column in enumerate(columns):
        width = min(column.width, MAX_COLUMN_WIDTH)
        sheet.set_column(index, index, width - EXCEL_PADDING)
    sheet.write_row(0, 0, [column.header for column in columns], bold)
    sheet.freeze_panes(1, 0)
    number = 0
    for number, row in enumerate(rows, start=1):
        # None and "" leave the cell empty; dates take DATE_FORMAT.
        sheet.write_row(number, 0, neutralise_row(row))
    sheet.autofilter(0, 0, number, last)


def write_workbook(
    output: BinaryIO,
    risks: QuerySet[Risk],
    *,
    ordering: Sequence[str],
    today: date,
) -> None:
    """Write the XLSX export to `output`: Risks, Controls and Actions sheets."""
    workbook = xlsxwriter.Workbook(output, WORKBOOK_OPTIONS)
    bold = workbook.add_format({"bold": True})
    sheets = (
        ("Risks", RISK_COLUMNS, risk_rows(risks.order_by(*ordering))),
        ("Controls", CONTROL_COLUMNS, control_rows(risks, ordering)),
        ("Actions", ACTION_COLUMNS, action_rows(risks, ordering, today)),
    )
    for name, columns, rows in sheets:
        _write_sheet(workbook.add_worksheet(name), columns, rows, bold)
    workbook.close()


def workbook_file(
    risks: QuerySet[Risk], *, ordering: Sequence[str], today: date
) -> BinaryIO:
    """Return the XLSX export in a temporary file, read from its start.

    On disk rather than in memory, so that a long register costs the server
    no more memory than a short one; the file goes when it is closed.
    """
    output = tempfile.TemporaryFile()  # the caller closes it
    try:
        write_workbook(output, risks, ordering=ordering, today=today)
    except BaseException:
        output.close()
        raise
    output.seek(0)
    return output


def write_cell(sheet: Worksheet, row: int, column: int, value: object) -> None:
    """Write one value to an openpyxl sheet: dates as dates, text never a formula."""
    cell = sheet.cell(row=row, column=column)
    if value is None or value == "":
        return
    if isinstance(value, str):
        cell.value = neutralise(value)
        # A string is stored as text even if it still looked like a formula.
        cell.data_type = "s"
        return
    cell.value = value
    if isinstance(value, date):
        cell.number_format = DATE_FORMAT
