"""Reporting periods: the governance officers' quarterly open and close."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from .. import access, cycle, forms, services
from ..forms_cycle import PeriodCreateForm
from ..models import ReportingPeriod
from .edit import get_or_post


def _managed_period(user, pk: int, doing: str = "close a period") -> ReportingPeriod:
    """Fetch a period the user may manage: own organisation's only, else 404."""
    period = get_object_or_404(access.viewable_periods(user), pk=pk)
    if not access.can_manage_register(user, period.organisation):
        raise PermissionDenied(f"Only governance officers may {doing}.")
    return period


@login_required
@require_safe
def period_list(request: HttpRequest) -> HttpResponse:
    """List the periods of the registers the user governs."""
    organisations = access.managed_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied("Only governance officers may manage periods.")
    periods = (
        ReportingPeriod.objects.filter(organisation__in=organisations)
        .select_related("organisation")
        .annotate(review_count=Count("reviews"))
        .order_by("organisation__short_name", "-start")
    )
    return render(request, "risks/period_list.html", {"periods": periods})


@login_required
@get_or_post
def period_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then close a period; list the risks still to review if refused."""
    period = _managed_period(request.user, pk)
    error = ""
    if request.method == "POST":
        try:
            services.period_close(period=period, user=request.user)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(
                request, f"{period.label} is closed. Its reviews are now frozen."
            )
            return redirect("risks:periods")
    missing = [] if period.is_closed else services.period_missing_reviews(period)
    context = {"period": period, "error": error, "missing": missing}
    return render(request, "risks/period_close.html", context)


@login_required
@get_or_post
def period_create(request: HttpRequest) -> HttpResponse:
    """Open a reporting period for a register the user governs."""
    organisations = access.managed_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied("Only governance officers may open a period.")
    initial = {}
    if len(organisations) == 1:
        suggested = cycle.next_quarter(organisations[0], timezone.localdate())
        initial = {
            "label": suggested.label,
            "start": suggested.start,
            "end": suggested.end,
        }
    form = PeriodCreateForm(
        request.POST if request.method == "POST" else None,
        organisations=organisations,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            period = services.period_create(
                organisation=data["organisation"],
                label=data["label"],
                start=data["start"],
                end=data["end"],
                user=request.user,
            )
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(
                request,
                f"{period.organisation.short_name} {period.label} is open for reviews.",
            )
            return redirect("risks:period_detail", pk=period.pk)
    context = {
        "form": form,
        "organisation": organisations[0] if len(organisations) == 1 else None,
    }
    return render(request, "risks/period_form.html", context)
