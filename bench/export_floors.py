"""Floors for the exports' benchmark (bench/exports.py): the least work that
could write the same rows.

Served through this URL configuration, so that they pass through the same
middleware (sessions, authentication, CSP, history, axes) as the exports they
are compared with, for the same risks the same user may see:

- `csv_floor`: the risks' printed columns read with `values()` and written by
  `csv.writer`: no labels, no derived values, no themes, no neutralising.
- `sheets_csv_floor`: the same for the three sheets (risks, controls, actions).
- `xlsx_floor`: openpyxl in write-only mode writing the three sheets'
  `values_list()` rows, and nothing else (no styles, widths or frozen header).

For the read API (bench/api.py), `json_floor`: the columns the API's risk list
reads (api.rows.RISK_FIELDS) of the same risks, with `values()`, written by
`json.dumps` as a flat list: no themes, review scores, labels, bands or nesting.
"""

import csv
import io
import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from openpyxl import Workbook

from risks import access
from risks.models import Action, Control

CSV_FLOOR_URL = "/bench/floor/risks.csv"
SHEETS_CSV_FLOOR_URL = "/bench/floor/sheets.csv"
XLSX_FLOOR_URL = "/bench/floor/sheets.xlsx"
JSON_FLOOR_URL = "/bench/floor/risks.json"

RISK_FIELDS = (
    "reference",
    "organisation__short_name",
    "title",
    "cause",
    "event",
    "effect",
    "category",
    "owner__username",
    "owner_post",
    "horizon",
    "status",
    "treatment",
    "inherent_likelihood",
    "inherent_impact",
    "current_likelihood",
    "current_impact",
    "target_likelihood",
    "target_impact",
    "appetite",
    "proximity",
    "marking",
    "public_summary",
    "target_date",
    "next_review_date",
)
CONTROL_FIELDS = (
    "risk__reference",
    "risk__organisation__short_name",
    "description",
    "control_type",
    "owner_post",
    "effectiveness",
    "assurance_line",
)
ACTION_FIELDS = (
    "risk__reference",
    "risk__organisation__short_name",
    "description",
    "owner_post",
    "due_date",
    "revised_due_date",
    "status",
)
BY_RISK = ("risk__reference", "risk__pk")


def _querysets(user, method: str) -> list:
    """The three sheets' rows for the user, in the export's default order."""
    risks = access.viewable_risks(user)
    ids = risks.order_by().values("pk")
    return [
        getattr(risks.order_by("reference", "pk"), method)(*RISK_FIELDS),
        getattr(Control.objects.filter(risk__in=ids).order_by(*BY_RISK, "pk"), method)(
            *CONTROL_FIELDS
        ),
        getattr(
            Action.objects.filter(risk__in=ids).order_by(*BY_RISK, "due_date", "pk"),
            method,
        )(*ACTION_FIELDS),
    ]


@login_required
def csv_floor(request: HttpRequest) -> HttpResponse:
    """The risks as CSV, as plainly as Django can."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    writer = csv.writer(response)
    writer.writerow(RISK_FIELDS)
    risks = _querysets(request.user, "values")[0]
    if organisation := request.GET.get("organisation"):  # bench/api.py's rows
        risks = risks.filter(organisation__slug=organisation)
    writer.writerows(row.values() for row in risks)
    return response


@login_required
def sheets_csv_floor(request: HttpRequest) -> HttpResponse:
    """The three sheets' rows as CSV, one after the other."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    writer = csv.writer(response)
    for rows in _querysets(request.user, "values"):
        writer.writerows(row.values() for row in rows)
    return response


@login_required
def xlsx_floor(request: HttpRequest) -> HttpResponse:
    """The three sheets' values_list() rows, by openpyxl in write-only mode."""
    workbook = Workbook(write_only=True)
    for name, rows in zip(
        ("Risks", "Controls", "Actions"),
        _querysets(request.user, "values_list"),
        strict=True,
    ):
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return HttpResponse(buffer.getvalue(), content_type="application/octet-stream")


@login_required
def json_floor(request: HttpRequest) -> HttpResponse:
    """The API risk list's own columns of the same risks, by json.dumps."""
    from api.rows import RISK_FIELDS as API_RISK_FIELDS

    risks = access.viewable_risks(request.user).order_by("reference", "pk")
    if organisation := request.GET.get("organisation"):
        risks = risks.filter(organisation__slug=organisation)
    rows = list(risks.values(*API_RISK_FIELDS))
    body = json.dumps({"results": rows}, default=str, ensure_ascii=False)
    return HttpResponse(body.encode(), content_type="application/json")


urlpatterns = [
    path(JSON_FLOOR_URL.lstrip("/"), json_floor),
    path(CSV_FLOOR_URL.lstrip("/"), csv_floor),
    path(SHEETS_CSV_FLOOR_URL.lstrip("/"), sheets_csv_floor),
    path(XLSX_FLOOR_URL.lstrip("/"), xlsx_floor),
    path("", include("riskregister.urls")),
]
