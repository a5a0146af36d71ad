"""The columns a register import reads, how their cells are checked, and the template.

Each sheet (Risks, Controls, Actions) is a list of `Column`s: the header people
see, the model field it fills, whether it is required, and the guidance the
downloadable template gives for it.
"""

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import models
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .choices import (
    ActionStatus,
    Appetite,
    AssuranceLine,
    Category,
    ControlType,
    Effectiveness,
    Horizon,
    Marking,
    Proximity,
    RiskStatus,
    Treatment,
)
from .exports import write_cell
from .models import Action, Control, Risk

RISKS, CONTROLS, ACTIONS = "Risks", "Controls", "Actions"
GUIDANCE = "Guidance"
DATE_EXAMPLE = "31/12/2019"

# --- Columns ----------------------------------------------------------------

TEXT, CHOICE, RATING, DATE, OWNER, THEMES, ORGANISATION = (
    "text",
    "choice",
    "rating",
    "date",
    "owner",
    "themes",
    "organisation",
)


@dataclass(frozen=True)
class Column:
    """One column the import reads: where it goes and how to check it."""

    header: str
    name: str
    kind: str = TEXT
    required: bool = False
    choices: type[models.TextChoices] | None = None
    aliases: tuple[str, ...] = ()
    guidance: str = ""
    example: object = ""
    max_length: int | None = None

    @property
    def noun(self) -> str:
        return self.header.lower()

    def allowed(self) -> str:
        """Describe the values the column takes, for the template's guidance."""
        if self.choices is not None:
            return ", ".join(str(label) for label in self.choices.labels)
        if self.kind == RATING:
            return "A whole number from 1 to 5"
        if self.kind == DATE:
            return f"A date, such as {DATE_EXAMPLE}"
        if self.kind == OWNER:
            return "A username, or a post title that one member holds"
        if self.kind == THEMES:
            return "Theme names, separated by semicolons"
        if self.kind == ORGANISATION:
            return "The organisation's short name or name"
        if self.max_length:
            return f"Text, up to {self.max_length} characters"
        return "Text"


def _rating(part: str, kind: str, example: int) -> Column:
    scale = (
        "1 rare, 2 unlikely, 3 possible, 4 likely, 5 almost certain"
        if kind == "likelihood"
        else "1 minimal, 2 minor, 3 moderate, 4 major, 5 severe"
    )
    when = {
        "inherent": "before any controls",
        "current": "with the controls in place",
        "target": "once the actions are complete",
    }[part]
    return Column(
        f"{part.capitalize()} {kind}",
        f"{part}_{kind}",
        RATING,
        required=True,
        guidance=f"The {kind} {when}: {scale}.",
        example=example,
    )


def _max_length(model: type[models.Model], name: str) -> int | None:
    return model._meta.get_field(name).max_length


RISK_COLUMNS = (
    Column(
        "Reference",
        "reference",
        required=True,
        guidance="Unique within the organisation. A row whose reference is "
        "already in the register updates that risk; any other row adds a risk.",
        example="EXAMPLE-R01",
        max_length=_max_length(Risk, "reference"),
    ),
    Column(
        "Organisation",
        "organisation",
        ORGANISATION,
        guidance="Optional check: if filled in, it must be the organisation you "
        "import into (short name, such as MOPAC, or full name).",
    ),
    Column(
        "Title",
        "title",
        required=True,
        guidance="A short name for the risk.",
        example="Example risk: replace this row with your own",
        max_length=_max_length(Risk, "title"),
    ),
    Column(
        "Cause",
        "cause",
        required=True,
        guidance="Because of … (the cause).",
        example="Because demand for services is rising,",
    ),
    Column(
        "Event",
        "event",
        required=True,
        guidance="There is a risk that … (the event).",
        example="there is a risk that victims wait longer for support,",
    ),
    Column(
        "Effect",
        "effect",
        required=True,
        guidance="Which would result in … (the effect).",
        example="which would reduce public confidence.",
    ),
    Column(
        "Category",
        "category",
        CHOICE,
        required=True,
        choices=Category,
        guidance="Orange Book Annex 4 category.",
        example=Category.OPERATIONS.label,
    ),
    Column(
        "Themes",
        "themes",
        THEMES,
        guidance="Theme names separated by semicolons. A blank cell removes the "
        "risk's themes.",
    ),
    Column(
        "Owner",
        "owner",
        OWNER,
        aliases=("Owner username",),
        guidance="The risk owner's username, or their post title if only one "
        "person in the organisation holds that post. They must be a risk owner "
        "or governance officer. A blank cell means no owner.",
    ),
    Column(
        "Owner post",
        "owner_post",
        aliases=("Owner post title",),
        guidance="The owner's post, never a name. Leave blank to use the post "
        "of the owner named in the Owner column.",
        example="Director of Strategy",
        max_length=_max_length(Risk, "owner_post"),
    ),
    Column(
        "Horizon",
        "horizon",
        CHOICE,
        choices=Horizon,
        guidance="Blank: Long-term for a new risk, unchanged for an existing one.",
        example=Horizon.LONG_TERM.label,
    ),
    Column(
        "Status",
        "status",
        CHOICE,
        choices=RiskStatus,
        guidance="Draft or Open for a new risk (blank: Open). An import cannot "
        "change the status of an existing risk.",
        example=RiskStatus.OPEN.label,
    ),
    Column(
        "Treatment",
        "treatment",
        CHOICE,
        choices=Treatment,
        guidance="Blank: Treat for a new risk, unchanged for an existing one.",
        example=Treatment.TREAT.label,
    ),
    _rating("inherent", "likelihood", 4),
    _rating("inherent", "impact", 4),
    _rating("current", "likelihood", 3),
    _rating("current", "impact", 4),
    _rating("target", "likelihood", 2),
    _rating("target", "impact", 3),
    Column(
        "Appetite",
        "appetite",
        CHOICE,
        choices=Appetite,
        guidance="Blank: Cautious for a new risk, unchanged for an existing one.",
        example=Appetite.CAUTIOUS.label,
    ),
    Column(
        "Proximity",
        "proximity",
        CHOICE,
        choices=Proximity,
        guidance="How soon the risk could materialise. Blank: 6 to 12 months "
        "for a new risk, unchanged for an existing one.",
        example=Proximity.FROM_6_TO_12_MONTHS.label,
    ),
    Column(
        "Marking",
        "marking",
        CHOICE,
        choices=Marking,
        guidance="Protective marking. Blank: OFFICIAL for a new risk, unchanged "
        "for an existing one.",
        example=Marking.OFFICIAL.label,
    ),
    Column(
        "Public summary",
        "public_summary",
        guidance="Used in public papers instead of the detail. Needed when the "
        "marking is OFFICIAL-SENSITIVE.",
    ),
    Column(
        "Target date",
        "target_date",
        DATE,
        guidance="When the target score should be reached. Blank: not set.",
        example=date(2020, 3, 31),
    ),
    Column(
        "Next review date",
        "next_review_date",
        DATE,
        guidance="Blank: not set.",
        example=date(2019, 12, 31),
    ),
)

_RISK_REFERENCE = Column(
    "Risk reference",
    "risk_reference",
    required=True,
    guidance="The reference of a risk in this file or already in the register.",
    example="EXAMPLE-R01",
)
_CHILD_ORGANISATION = Column(
    "Organisation",
    "organisation",
    ORGANISATION,
    guidance="Optional check, as on the Risks sheet.",
)
_CHILD_DESCRIPTION_GUIDANCE = (
    "A row whose description matches one of the risk's {noun}s changes that "
    "{noun}; any other row adds one. {noun_cap}s not in the file are kept."
)

CONTROL_COLUMNS = (
    _RISK_REFERENCE,
    _CHILD_ORGANISATION,
    Column(
        "Description",
        "description",
        required=True,
        guidance=_CHILD_DESCRIPTION_GUIDANCE.format(noun="control", noun_cap="Control"),
        example="Monthly oversight board reviews delivery.",
    ),
    Column(
        "Type",
        "control_type",
        CHOICE,
        choices=ControlType,
        guidance="Blank: Preventive for a new control, unchanged otherwise.",
        example=ControlType.PREVENTIVE.label,
    ),
    Column(
        "Owner post",
        "owner_post",
        required=True,
        guidance="The post responsible for the control.",
        example="Head of Governance",
        max_length=_max_length(Control, "owner_post"),
    ),
    Column(
        "Effectiveness",
        "effectiveness",
        CHOICE,
        choices=Effectiveness,
        guidance="Blank: Not assessed for a new control, unchanged otherwise.",
        example=Effectiveness.EFFECTIVE.label,
    ),
    Column(
        "Assurance line",
        "assurance_line",
        CHOICE,
        choices=AssuranceLine,
        guidance="Blank: 1st line for a new control, unchanged otherwise.",
        example=AssuranceLine.SECOND.label,
    ),
)

ACTION_COLUMNS = (
    _RISK_REFERENCE,
    _CHILD_ORGANISATION,
    Column(
        "Description",
        "description",
        required=True,
        guidance=_CHILD_DESCRIPTION_GUIDANCE.format(noun="action", noun_cap="Action"),
        example="Commission an independent review.",
    ),
    Column(
        "Owner post",
        "owner_post",
        required=True,
        guidance="The post responsible for the action.",
        example="Head of Governance",
        max_length=_max_length(Action, "owner_post"),
    ),
    Column(
        "Due date",
        "due_date",
        DATE,
        required=True,
        guidance="When the action is due.",
        example=date(2019, 12, 31),
    ),
    Column(
        "Revised due date",
        "revised_due_date",
        DATE,
        guidance="Set when the due date has slipped; after the due date. "
        "Blank: not set.",
    ),
    Column(
        "Status",
        "status",
        CHOICE,
        choices=ActionStatus,
        guidance="Blank: Not started for a new action, unchanged otherwise.",
        example=ActionStatus.ON_TRACK.label,
    ),
)

SHEET_COLUMNS = {
    RISKS: RISK_COLUMNS,
    CONTROLS: CONTROL_COLUMNS,
    ACTIONS: ACTION_COLUMNS,
}


def normal(text: str) -> str:
    """Fold case, punctuation and spacing so that near spellings match."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


def header_key(text: str) -> str:
    return normal(re.sub(r"\(optional\)|\*", "", text, flags=re.IGNORECASE))


def column_index(columns: Iterable[Column]) -> dict[str, Column]:
    index = {}
    for column in columns:
        for header in (column.header, *column.aliases):
            index[header_key(header)] = column
    return index


# --- Checking values --------------------------------------------------------


class CellError(Exception):
    """A cell's value is not acceptable; the message says what to enter."""


RATING_PATTERN = re.compile(r"^([1-5])(\s*[–—-].*)?$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][0-9:.]+)?$")
UK_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
WORDS_DATE = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})$")
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}


def parse_rating(text: str) -> int:
    match = RATING_PATTERN.match(text.strip())
    if not match:
        raise CellError("enter a whole number from 1 to 5")
    return int(match.group(1))


def parse_date(text: str) -> date:
    """Read 31/12/2019, 2019-12-31 or 31 December 2019 (day before month)."""
    text = text.strip()
    parts = None
    if match := ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
        parts = (year, month, day)
    elif match := UK_DATE.match(text):
        day, month, year = (int(g) for g in match.groups())
        parts = (year, month, day)
    elif (match := WORDS_DATE.match(text)) and match.group(2).lower() in MONTHS:
        parts = (int(match.group(3)), MONTHS[match.group(2).lower()], int(match[1]))
    if parts is None:
        raise CellError(f"enter a real date, for example {DATE_EXAMPLE}")
    try:
        return date(*parts)
    except ValueError as error:
        raise CellError(f"enter a real date, for example {DATE_EXAMPLE}") from error


def parse_choice(text: str, column: Column) -> str:
    """Match a label (or stored value) of the column's choices, loosely spelt."""
    wanted = normal(text)
    for value, label in column.choices.choices:
        if wanted in (normal(str(label)), normal(value)):
            return value
    labels = ", ".join(str(label) for label in column.choices.labels)
    raise CellError(f"“{text}” is not a {column.noun}: use one of {labels}")


def display(value: object, column: Column | None = None) -> str:
    """Write a value as the preview shows it: labels, dd/mm/yyyy, names."""
    if value is None or value == "" or value == []:
        return "Not set"
    if column is not None and column.choices is not None:
        return str(column.choices(value).label)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if hasattr(value, "get_username"):
        return value.get_username()
    return str(value)


# --- The template -----------------------------------------------------------

TEMPLATE_ROWS = 2000  # rows of the template that offer drop-down lists


def _add_validation(sheet, column: Column, letter: str) -> None:
    cells = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
    if column.choices is not None:
        labels = ",".join(str(label) for label in column.choices.labels)
        rule = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
        rule.error = f"Choose one of: {labels.replace(',', ', ')}"
    elif column.kind == RATING:
        rule = DataValidation(
            type="whole", operator="between", formula1="1", formula2="5"
        )
        rule.error = "Enter a whole number from 1 to 5"
    else:
        return
    rule.errorTitle = column.header
    rule.showErrorMessage = True
    sheet.add_data_validation(rule)
    rule.add(cells)


def _template_sheet(workbook, name: str, columns: Sequence[Column]) -> None:
    sheet = workbook.create_sheet(name)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index, value=column.header)
        header.font = Font(bold=True)
        write_cell(sheet, 2, index, column.example)
        sheet.column_dimensions[letter].width = max(14, min(40, len(column.header) + 4))
        _add_validation(sheet, column, letter)
    sheet.freeze_panes = "A2"


def _guidance_sheet(workbook, themes: Sequence[str]) -> None:
    sheet = workbook.create_sheet(GUIDANCE)
    sheet.append(["How to fill in this template"])
    sheet["A1"].font = Font(bold=True, size=14)
    for line in (
        "Keep the headings in the first row of each sheet; a column you do not "
        "need may be left out unless it is required. Other columns are ignored.",
        "Replace the example rows with your own. One row is one risk, control "
        "or action. Nothing is saved until you have checked the preview and "
        "confirmed it; then every row is imported, or none.",
        "A row whose reference is already in the register updates that risk; "
        "the preview shows each change, old → new.",
        "Dates: 31/12/2019 (day first) or 2019-12-31. Choices: the words "
        "listed below, as shown in the register.",
    ):
        sheet.append([line])
    sheet.append([])
    sheet.append(["Sheet", "Column", "Required", "What to enter", "Allowed values"])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for name, columns in SHEET_COLUMNS.items():
        for column in columns:
            sheet.append(
                [
                    name,
                    column.header,
                    "Yes" if column.required else "No",
                    column.guidance,
                    "; ".join(themes)
                    if column.kind == THEMES and themes
                    else column.allowed(),
                ]
            )
    for letter, width in zip("ABCDE", (12, 22, 10, 70, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def build_template(themes: Sequence[str] = ()) -> bytes:
    """Return the import template: example rows, and a sheet of guidance."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    _template_sheet(workbook, RISKS, RISK_COLUMNS)
    _guidance_sheet(workbook, themes)
    _template_sheet(workbook, CONTROLS, CONTROL_COLUMNS)
    _template_sheet(workbook, ACTIONS, ACTION_COLUMNS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
