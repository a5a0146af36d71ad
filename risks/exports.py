"""The register as a spreadsheet: XLSX (risks, controls, actions) and CSV (risks).

Cells hold what people read on screen (choice labels, never codes; dates as
dates) and text that a spreadsheet would run as a formula is neutralised.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from io import BytesIO

from django.db import models
from django.db.models import Prefetch, QuerySet
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .models import Action, Control, Risk
from .spreadsheets import neutralise

DATE_FORMAT = "dd/mm/yyyy"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
THEME_SEPARATOR = "; "
MAX_COLUMN_WIDTH = 60


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[object], object]
    width: int = 16


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return "Yes" if value else "No"


def _band(band) -> str:
    return band.label if band else ""


def _score_columns(part: str) -> list[Column]:
    title = part.capitalize()
    return [
        Column(
            f"{title} likelihood", lambda r, p=part: getattr(r, f"{p}_likelihood"), 12
        ),
        Column(f"{title} impact", lambda r, p=part: getattr(r, f"{p}_impact"), 12),
        Column(f"{title} score", lambda r, p=part: getattr(r, f"{p}_score"), 12),
        Column(f"{title} band", lambda r, p=part: _band(getattr(r, f"{p}_band")), 12),
    ]


# Header names match the import template where the import reads the column,
# so that an organisation's export can be corrected and imported again.
RISK_COLUMNS = [
    Column("Reference", lambda r: r.reference, 14),
    Column("Organisation", lambda r: r.organisation.short_name, 14),
    Column("Title", lambda r: r.title, 40),
    Column("Cause", lambda r: r.cause, 50),
    Column("Event", lambda r: r.event, 50),
    Column("Effect", lambda r: r.effect, 50),
    Column("Category", lambda r: r.get_category_display(), 18),
    Column(
        "Themes",
        lambda r: THEME_SEPARATOR.join(t.name for t in r.themes.all()),
        30,
    ),
    Column("Owner username", lambda r: r.owner.get_username() if r.owner else "", 20),
    Column("Owner post", lambda r: r.owner_post, 30),
    Column("Horizon", lambda r: r.get_horizon_display(), 12),
    Column("Status", lambda r: r.get_status_display(), 10),
    Column("Treatment", lambda r: r.get_treatment_display(), 12),
    *_score_columns("inherent"),
    *_score_columns("current"),
    *_score_columns("target"),
    Column("Appetite", lambda r: r.get_appetite_display(), 12),
    Column("Within appetite", lambda r: _yes_no(r.within_appetite), 12),
    Column("Proximity", lambda r: r.get_proximity_display(), 20),
    Column("Marking", lambda r: r.get_marking_display(), 20),
    Column("Public summary", lambda r: r.public_summary, 40),
    Column("Target date", lambda r: r.target_date, 14),
    Column("Next review date", lambda r: r.next_review_date, 14),
]

CONTROL_COLUMNS = [
    Column("Risk reference", lambda c: c.risk.reference, 14),
    Column("Organisation", lambda c: c.risk.organisation.short_name, 14),
    Column("Description", lambda c: c.description, 60),
    Column("Type", lambda c: c.get_control_type_display(), 14),
    Column("Owner post", lambda c: c.owner_post, 30),
    Column("Effectiveness", lambda c: c.get_effectiveness_display(), 20),
    Column("Assurance line", lambda c: c.get_assurance_line_display(), 14),
]


def _action_columns(today: date) -> list[Column]:
    return [
        Column("Risk reference", lambda a: a.risk.reference, 14),
        Column("Organisation", lambda a: a.risk.organisation.short_name, 14),
        Column("Description", lambda a: a.description, 60),
        Column("Owner post", lambda a: a.owner_post, 30),
        Column("Due date", lambda a: a.due_date, 14),
        Column("Revised due date", lambda a: a.revised_due_date, 14),
        Column("Status", lambda a: a.get_status_display(), 14),
        Column("Overdue", lambda a: _yes_no(a.is_overdue(today)), 10),
    ]


def export_risks(risks: QuerySet[Risk]) -> QuerySet[Risk]:
    """Prepare risks for export: everything the sheets show, in five queries."""
    return (
        risks.select_related("organisation", "owner")
        .prefetch_related(
            "themes",
            # Explicit orderings: the models' default ones join the risk and
            # its organisation again just to sort one risk's children.
            Prefetch("controls", queryset=Control.objects.order_by("pk")),
            Prefetch("actions", queryset=Action.objects.order_by("due_date", "pk")),
        )
        # Touching a relation that was not loaded fails loudly instead of
        # quietly issuing one query per row.
        .fetch_mode(models.FETCH_RAISE)
    )


def _children(risks: Iterable[Risk], name: str) -> Iterable[models.Model]:
    # Prefetching sets each child's risk, so child.risk costs no query.
    for risk in risks:
        yield from getattr(risk, name).all()


def risk_rows(risks: Iterable[Risk]) -> Iterable[list]:
    """Yield one row of values per risk, in RISK_COLUMNS order."""
    for risk in risks:
        yield [column.value(risk) for column in RISK_COLUMNS]


def csv_rows(risks: Iterable[Risk]) -> Iterable[list]:
    """Yield the Risks sheet's rows with dates written as YYYY-MM-DD."""
    for row in risk_rows(risks):
        yield [cell.isoformat() if isinstance(cell, date) else cell for cell in row]


def csv_header() -> list[str]:
    return [column.header for column in RISK_COLUMNS]


def _write_sheet(
    sheet: Worksheet, columns: list[Column], objects: Iterable[object]
) -> None:
    sheet.append([column.header for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        width = min(column.width, MAX_COLUMN_WIDTH)
        sheet.column_dimensions[get_column_letter(index)].width = width
    for number, obj in enumerate(objects, start=2):
        for index, column in enumerate(columns, start=1):
            write_cell(sheet, number, index, column.value(obj))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def write_cell(sheet: Worksheet, row: int, column: int, value: object) -> None:
    """Write one value: dates as dates, text never as a formula."""
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


def build_workbook(risks: Iterable[Risk], today: date) -> bytes:
    """Return the XLSX export: Risks, Controls and Actions sheets."""
    risks = list(risks)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Risks"
    _write_sheet(sheet, RISK_COLUMNS, risks)
    _write_sheet(
        workbook.create_sheet("Controls"), CONTROL_COLUMNS, _children(risks, "controls")
    )
    _write_sheet(
        workbook.create_sheet("Actions"),
        _action_columns(today),
        _children(risks, "actions"),
    )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
