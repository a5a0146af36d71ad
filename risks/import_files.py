"""Reading an uploaded register (XLSX or CSV) into rows of plain text."""

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath

from django.conf import settings
from openpyxl import load_workbook

from .import_columns import (
    ACTIONS,
    CONTROLS,
    GUIDANCE,
    RISKS,
    SHEET_COLUMNS,
    column_index,
    header_key,
    normal,
)
from .spreadsheets import FORMULA_PREFIXES

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_ROWS = 2000
# A zipped workbook can hide a huge sheet in a small file; refuse one that
# would unpack to more than this.
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_COLUMNS = 100
# Formatted but empty rows can run to the sheet's end; stop after this many.
BLANK_ROWS_AT_END = 1000
EXTENSIONS = (".xlsx", ".csv")


def max_bytes() -> int:
    return getattr(settings, "RISK_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_rows() -> int:
    return getattr(settings, "RISK_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


def size_label(size: int) -> str:
    """Write a byte count as people say it: 2 MB, 500 KB, 1000 bytes."""
    megabyte = 1024 * 1024
    if size >= megabyte:
        number = size / megabyte
        return f"{number:.0f} MB" if number.is_integer() else f"{number:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message says why."""


@dataclass
class RawSheet:
    """A sheet as text: the header row and the numbered non-blank rows."""

    name: str
    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    # (row number, column index) of cells holding a formula, not a value.
    formulas: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class RawWorkbook:
    file_name: str
    sheets: dict[str, RawSheet]

    def has_sheet(self, name: str) -> bool:
        sheet = self.sheets.get(name)
        return sheet is not None and bool(sheet.headers)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "RawWorkbook":
        sheets = {
            name: RawSheet(
                name=sheet["name"],
                headers=list(sheet["headers"]),
                rows=[(number, list(cells)) for number, cells in sheet["rows"]],
                formulas=[(number, index) for number, index in sheet["formulas"]],
            )
            for name, sheet in data["sheets"].items()
        }
        return cls(file_name=data["file_name"], sheets=sheets)


def unneutralise(text: str) -> str:
    """Drop the apostrophe an export put before text that looks like a formula."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def cell_text(value: object) -> str:
    """Write a cell's value as text; dates as YYYY-MM-DD, whole numbers bare."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    return unneutralise(text)


def _sheet_from_rows(
    name: str,
    rows: Iterable[Sequence[tuple[str, bool]]],
    *,
    limit: int,
) -> RawSheet:
    """Build a RawSheet from rows of (text, is_formula) cells, first row headers."""
    iterator = iter(rows)
    try:
        first = next(iterator)
    except StopIteration:
        first = []
    headers = [text for text, _ in first]
    while headers and not headers[-1]:
        headers.pop()
    sheet = RawSheet(name=name, headers=headers)
    blanks = 0
    for number, row in enumerate(iterator, start=2):
        row = row[: len(headers)]  # cells beyond the headings belong to no column
        cells = [text for text, _ in row]
        if not any(cells):
            blanks += 1
            if blanks >= BLANK_ROWS_AT_END:
                break
            continue
        blanks = 0
        if len(sheet.rows) >= limit:
            where = "file" if name == RISKS else f"{name} sheet"
            raise ImportFileError(
                f"The {where} has more than {limit:,} rows. Split it into files "
                f"of {limit:,} rows or fewer."
            )
        sheet.rows.append((number, cells))
        sheet.formulas.extend(
            (number, index) for index, (_, formula) in enumerate(row) if formula
        )
    return sheet


def _read_csv(data: bytes, *, limit: int) -> dict[str, RawSheet]:
    if b"\x00" in data:
        raise ImportFileError(
            "The file is not a CSV file we can read. Save it from your "
            "spreadsheet as “CSV UTF-8 (comma delimited)” and try again."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's plain "CSV (comma delimited)" is Windows-1252.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as error:
            raise ImportFileError(
                "The file's text could not be read. Save it as “CSV UTF-8 "
                "(comma delimited)” and try again."
            ) from error
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ImportFileError(
            f"The file is not a CSV file we can read ({error})."
        ) from error
    cells = ([(cell_text(value), False) for value in row[:MAX_COLUMNS]] for row in rows)
    return {RISKS: _sheet_from_rows(RISKS, cells, limit=limit)}


def _check_zip(data: bytes) -> None:
    not_xlsx = ImportFileError(
        "The file is not an Excel workbook we can read. Save it as “Excel "
        "Workbook (.xlsx)” and try again."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise not_xlsx from error
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        raise ImportFileError(
            "The workbook is too large once unpacked. Remove unused sheets, "
            "images and formatting, or split it, and try again."
        )


# How a workbook's XML writes a character it cannot hold (a control character)
# or text that looks like such an escape (`_x005F_` is the underscore).
XML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(value: object) -> object:
    """Return text as typed, undoing the workbook's `_xHHHH_` escapes (openpyxl
    keeps them, while Excel, and our own export, write them)."""
    if isinstance(value, str) and "_x" in value:
        return XML_ESCAPE.sub(lambda match: chr(int(match[1], 16)), value)
    return value


def _sheet_cells(worksheet) -> Iterable[list[tuple[str, bool]]]:
    # Some programs write a wrong sheet size; read the rows that are there.
    worksheet.reset_dimensions()
    for row in worksheet.iter_rows(max_col=MAX_COLUMNS):
        yield [
            (cell_text(unescape(cell.value)), getattr(cell, "data_type", "") == "f")
            for cell in row
        ]


def _read_xlsx(data: bytes, *, limit: int) -> dict[str, RawSheet]:
    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds on a bad file
        raise ImportFileError(
            "The file is not an Excel workbook we can read. Save it as “Excel "
            "Workbook (.xlsx)” and try again."
        ) from error
    try:
        by_name = {normal(ws.title): ws for ws in workbook.worksheets}
        if not by_name:
            raise ImportFileError("The workbook has no sheets.")
        sheets = {}
        for name in SHEET_COLUMNS:
            worksheet = by_name.get(normal(name))
            first = workbook.worksheets[0]
            if (
                worksheet is None
                and name == RISKS
                and normal(first.title)
                not in {normal(other) for other in (CONTROLS, ACTIONS, GUIDANCE)}
            ):
                # Without a sheet called Risks, the first sheet holds the risks.
                worksheet = first
            sheets[name] = (
                _sheet_from_rows(name, _sheet_cells(worksheet), limit=limit)
                if worksheet is not None
                else RawSheet(name=name, headers=[])
            )
        return sheets
    except ImportFileError:
        raise
    except Exception as error:  # a damaged sheet fails while it is read
        raise ImportFileError(
            "Part of the workbook could not be read. Save it again as “Excel "
            "Workbook (.xlsx)” and try again."
        ) from error
    finally:
        workbook.close()


def read_upload(
    file_name: str,
    data: bytes,
    *,
    size_limit: int | None = None,
    row_limit: int | None = None,
) -> RawWorkbook:
    """Read an .xlsx or .csv file into text rows, or raise ImportFileError."""
    size_limit = max_bytes() if size_limit is None else size_limit
    row_limit = max_rows() if row_limit is None else row_limit
    name = PurePath(file_name or "").name
    extension = PurePath(name).suffix.lower()
    if extension not in EXTENSIONS:
        raise ImportFileError(
            "The file must be an Excel workbook (.xlsx) or a CSV file (.csv)."
        )
    if len(data) > size_limit:
        raise ImportFileError(
            f"The file must be smaller than {size_label(size_limit)}."
        )
    if not data:
        raise ImportFileError("The file is empty.")
    reader = _read_xlsx if extension == ".xlsx" else _read_csv
    sheets = reader(data, limit=row_limit)
    _check_headers(sheets)
    if not any(sheet.rows for sheet in sheets.values()):
        raise ImportFileError("The file has no rows to import below its headings.")
    return RawWorkbook(file_name=name, sheets=sheets)


def _check_headers(sheets: dict[str, RawSheet]) -> None:
    for name, sheet in sheets.items():
        known = column_index(SHEET_COLUMNS[name])
        if not sheet.headers and not sheet.rows:
            continue  # an empty sheet is fine (a file of controls only, say)
        keys = [header_key(header) for header in sheet.headers]
        # Two spellings of one column (Owner and Owner username) count as two.
        found = Counter(known[key].header for key in keys if key in known)
        repeated = [header for header, count in found.items() if count > 1]
        if repeated:
            raise ImportFileError(
                f"The {name} sheet has more than one “{repeated[0]}” column. "
                "Keep one and try again."
            )
        missing = [
            column.header
            for column in SHEET_COLUMNS[name]
            if column.required and column.header not in found
        ]
        if missing:
            where = "first row" if name == RISKS else f"{name} sheet's first row"
            raise ImportFileError(
                f"The {where} must hold the column headings. These are missing: "
                f"{', '.join(missing)}. Download the template to see every column."
            )
