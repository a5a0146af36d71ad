"""The register exports as they were first written, kept as the reference.

The exports now read plain values and stream; these model-instance versions
(one instance per risk, control and action, labels from get_*_display) are
what they replaced, kept unchanged so that tests can check, byte for byte,
that the new CSV says exactly what the old one said, and cell for cell that
the workbook's sheets hold the same values.
"""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.db.models import Prefetch, QuerySet

from risks.models import Action, Control, Risk
from risks.spreadsheets import neutralise

THEME_SEPARATOR = "; "


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


REFERENCE_RISK_COLUMNS = [
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

REFERENCE_CONTROL_COLUMNS = [
    Column("Risk reference", lambda c: c.risk.reference, 14),
    Column("Organisation", lambda c: c.risk.organisation.short_name, 14),
    Column("Description", lambda c: c.description, 60),
    Column("Type", lambda c: c.get_control_type_display(), 14),
    Column("Owner post", lambda c: c.owner_post, 30),
    Column("Effectiveness", lambda c: c.get_effectiveness_display(), 20),
    Column("Assurance line", lambda c: c.get_assurance_line_display(), 14),
]


def reference_action_columns(today: date) -> list[Column]:
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


def reference_risks(risks: QuerySet[Risk]) -> list[Risk]:
    """Load the risks with everything the sheets show, as the export once did."""
    return list(
        risks.select_related("organisation", "owner")
        .prefetch_related(
            "themes",
            Prefetch("controls", queryset=Control.objects.order_by("pk")),
            Prefetch("actions", queryset=Action.objects.order_by("due_date", "pk")),
        )
        .fetch_mode(models.FETCH_RAISE)
    )


def reference_csv(risks: QuerySet[Risk]) -> bytes:
    """Return the CSV export's body as the model-instance version wrote it."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in REFERENCE_RISK_COLUMNS])
    for risk in reference_risks(risks):
        row = [column.value(risk) for column in REFERENCE_RISK_COLUMNS]
        row = [cell.isoformat() if isinstance(cell, date) else cell for cell in row]
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def _cells(columns: list[Column], objects: Iterable[object]) -> list[list]:
    """Rows as a workbook holds them: empty text is no value, text neutralised."""
    rows = [[column.header for column in columns]]
    for obj in objects:
        row = []
        for column in columns:
            value = column.value(obj)
            row.append(None if value == "" else neutralise(value))
        rows.append(row)
    return rows


def reference_sheets(risks: QuerySet[Risk], today: date) -> dict[str, list[list]]:
    """Return {sheet: rows of values} of the workbook the old export wrote."""
    loaded = reference_risks(risks)
    return {
        "Risks": _cells(REFERENCE_RISK_COLUMNS, loaded),
        "Controls": _cells(
            REFERENCE_CONTROL_COLUMNS,
            (control for risk in loaded for control in risk.controls.all()),
        ),
        "Actions": _cells(
            reference_action_columns(today),
            (action for risk in loaded for action in risk.actions.all()),
        ),
    }
