"""Register files for the import tests, built in memory."""

import csv
import datetime
import io

from openpyxl import Workbook

from risks.import_columns import ACTION_COLUMNS, CONTROL_COLUMNS, RISK_COLUMNS
from risks.models import Action, Control, Risk, RiskUserObjectPermission

RISK_HEADERS = [column.header for column in RISK_COLUMNS]
CONTROL_HEADERS = [column.header for column in CONTROL_COLUMNS]
ACTION_HEADERS = [column.header for column in ACTION_COLUMNS]


def risk_row(**values) -> dict:
    """Return a valid new MOPAC risk row; keyword arguments replace cells."""
    row = {
        "Reference": "MOPAC-R10",
        "Title": "Funding gap in victim services",
        "Cause": "Because grant funding ends in March,",
        "Event": "there is a risk that services close,",
        "Effect": "which would leave victims without support.",
        "Category": "Financial",
        "Themes": "",
        "Owner": "mopac-owner",
        "Owner post": "Director of Strategy",
        "Horizon": "Short-term",
        "Status": "Open",
        "Treatment": "Treat",
        "Inherent likelihood": 4,
        "Inherent impact": 4,
        "Current likelihood": 3,
        "Current impact": 4,
        "Target likelihood": 2,
        "Target impact": 3,
        "Appetite": "Cautious",
        "Proximity": "6 to 12 months",
        "Marking": "OFFICIAL",
        "Public summary": "",
        "Target date": datetime.date(2020, 3, 31),
        "Next review date": datetime.date(2019, 12, 31),
    }
    row.update({key.replace("_", " "): value for key, value in values.items()})
    return row


def existing_row(risk, **values) -> dict:
    """Return a row that states the risk as it is (as factories make it)."""
    row = risk_row(
        Reference=risk.reference,
        Title=risk.title,
        Cause=risk.cause,
        Event=risk.event,
        Effect=risk.effect,
        Category=risk.get_category_display(),
        Owner=risk.owner.username if risk.owner else "",
        **{
            "Owner post": risk.owner_post,
            "Horizon": risk.get_horizon_display(),
            "Treatment": risk.get_treatment_display(),
            "Inherent likelihood": risk.inherent_likelihood,
            "Inherent impact": risk.inherent_impact,
            "Current likelihood": risk.current_likelihood,
            "Current impact": risk.current_impact,
            "Target likelihood": risk.target_likelihood,
            "Target impact": risk.target_impact,
            "Appetite": risk.get_appetite_display(),
            "Proximity": risk.get_proximity_display(),
            "Marking": risk.get_marking_display(),
            "Public summary": risk.public_summary,
            "Target date": risk.target_date,
            "Next review date": risk.next_review_date,
        },
    )
    row.update({key.replace("_", " "): value for key, value in values.items()})
    return row


def _fill(sheet, headers: list[str], rows: list[dict]) -> None:
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header) for header in headers])


def make_xlsx(
    risks: list[dict],
    controls: list[dict] | None = None,
    actions: list[dict] | None = None,
    headers: list[str] | None = None,
) -> bytes:
    """Return a workbook with a Risks sheet and, if given, Controls and Actions."""
    book = Workbook()
    book.active.title = "Risks"
    _fill(book.active, headers or RISK_HEADERS, risks)
    if controls is not None:
        _fill(book.create_sheet("Controls"), CONTROL_HEADERS, controls)
    if actions is not None:
        _fill(book.create_sheet("Actions"), ACTION_HEADERS, actions)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def make_csv(
    risks: list[dict], headers: list[str] | None = None, encoding: str = "utf-8-sig"
) -> bytes:
    """Return a CSV of risk rows, dates written as a person would type them."""
    headers = headers or RISK_HEADERS
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in risks:
        cells = []
        for header in headers:
            value = row.get(header)
            if isinstance(value, datetime.date):
                value = value.strftime("%d/%m/%Y")
            cells.append("" if value is None else value)
        writer.writerow(cells)
    return buffer.getvalue().encode(encoding)


def snapshot() -> tuple:
    """Everything an import may write (rows, theme links, grants, history)."""
    tracked = (Risk, Control, Action, RiskUserObjectPermission)
    return (
        *(list(model.objects.order_by("pk").values()) for model in tracked),
        list(Risk.themes.through.objects.order_by("pk").values()),
        sum(model.history.count() for model in tracked),
    )
