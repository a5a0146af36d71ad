"""The period dashboard: where every risk's quarterly review stands."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from .. import access, cycle, selectors, services
from ..models import Review, Risk
from .periods import _managed_period

DASHBOARD = "view the period dashboard"


@login_required
@require_safe
def period_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show each open risk's review status, score movement, late actions and drift."""
    period = _managed_period(request.user, pk, DASHBOARD)
    dashboard = cycle.period_dashboard(period, timezone.localdate())
    filters = cycle.DashboardFilters.from_params(request.GET, dashboard.owners)
    context = {
        "period": period,
        "dashboard": dashboard,
        "rows": filters.apply(dashboard.rows),
        "filters": filters,
        "status_options": cycle.status_options(),
        "trend_chart": selectors.period_trend(request.user, period),
    }
    return render(request, "risks/period_detail.html", context)


def _no_change_commentary(user) -> str:
    membership = access.membership_of(user)
    post = membership.post_title if membership else user.get_username()
    return f"No change this quarter (recorded by {post})"


@login_required
@require_POST
def period_no_change(request: HttpRequest, pk: int, risk_pk: int) -> HttpResponse:
    """Record that an unreviewed risk's score is unchanged this period."""
    period = _managed_period(request.user, pk, "record reviews from the dashboard")
    risk = get_object_or_404(
        Risk.objects.filter(organisation_id=period.organisation_id).select_related(
            "organisation"
        ),
        pk=risk_pk,
    )
    # Never overwrite a review an owner has recorded: theirs says more than
    # "no change". The unique constraint settles one saved at the same moment.
    already = f"{risk.reference} already has a {period.label} review; it was kept."
    if Review.objects.filter(risk=risk, period=period).exists():
        messages.info(request, already)
        return redirect("risks:period_detail", pk=period.pk)
    try:
        with transaction.atomic():
            services.review_record(
                risk=risk,
                period=period,
                user=request.user,
                likelihood=risk.current_likelihood,
                impact=risk.current_impact,
                commentary=_no_change_commentary(request.user),
            )
    except IntegrityError:
        messages.info(request, already)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    except services.StaleVersionError:
        messages.error(
            request,
            f"{risk.reference} changed while you were recording. Check it and try "
            "again.",
        )
    else:
        messages.success(
            request,
            f"No change recorded for {risk.reference} in {period.label} "
            f"(score {risk.current_score}).",
        )
    return redirect("risks:period_detail", pk=period.pk)
