"""The register and the risk page as they stood at the end of a past day."""

from datetime import date

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .. import as_at
from ..choices import Category, RiskStatus
from ..models import Action, Control, Organisation, ReportingPeriod, Review
from ..selectors import REGISTER_PAGE_SIZE


def register_as_at(request: HttpRequest) -> HttpResponse:
    """Show the register as it stood at the end of the ?as_at= day, read-only."""
    raw = request.GET.get("as_at", "")
    day = as_at.parse_as_at(raw)
    error = ""
    if day is None:
        error = "Enter the date as year-month-day, for example 2019-09-30."
    elif day > timezone.localdate():
        error = "The date must be today or in the past."
    params = {
        name: request.GET.get(name, "")
        for name in ("organisation", "status", "category", "q")
    }
    params["sort"] = request.GET.get("sort", "reference")
    rows = [] if error else as_at.register_as_at(request.user, day, **params)
    page = Paginator(rows, REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "as_at": day,
        "raw": raw,
        "error": error,
        "page": page,
        "params": params,
        "organisations": Organisation.objects.all(),
        "statuses": RiskStatus.choices,
        "categories": Category.choices,
    }
    return render(
        request, "risks/risk_list_as_at.html", context, status=400 if error else 200
    )


def risk_as_at(request: HttpRequest, pk: int, day: date | None) -> HttpResponse:
    """Show one risk as it stood at the end of the day, read-only."""
    if day is None:
        raise Http404("Enter the date as year-month-day.")
    moment = as_at.end_of_day(day)
    risk = as_at.viewable_risks_as_at(request.user, moment).filter(id=pk).first()
    if risk is None:
        raise Http404("This risk did not exist then, or you may not see it.")
    periods = dict(ReportingPeriod.objects.values_list("pk", "label"))
    reviews = as_at.children_as_at(Review, moment, [pk]).get(pk, [])
    context = {
        "as_at": day,
        "risk": risk,
        "organisation": Organisation.objects.get(pk=risk.organisation_id),
        "direction": as_at.directions_as_at(moment, [pk])[pk],
        "controls": as_at.children_as_at(Control, moment, [pk]).get(pk, []),
        "actions": [
            (action, action.is_overdue(day))
            for action in as_at.children_as_at(Action, moment, [pk]).get(pk, [])
        ],
        "reviews": [(review, periods.get(review.period_id, "")) for review in reviews],
    }
    return render(request, "risks/risk_detail_as_at.html", context)
