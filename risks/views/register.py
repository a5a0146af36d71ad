"""The register list and the risk page (read-only)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from .. import access, as_at, selectors
from ..choices import RiskStatus
from ..paging import CountedPaginator
from . import historical


@login_required
def risk_list(request: HttpRequest) -> HttpResponse:
    """List the risks the user may see, filtered, sorted and paged."""
    if "as_at" in request.GET:
        return historical.register_as_at(request)
    visible = access.viewable_risks(request.user)
    options = selectors.register_filter_options(visible)
    filters = selectors.RegisterFilters.from_params(request.GET, options)
    summary = selectors.register_summary(
        visible, filters, link=filters.heat_map_links(reverse("risks:list"))
    )
    rows = filters.apply(
        access.viewable_risks(request.user, selectors.register_rows())
    ).order_by(*filters.ordering)
    paginator = CountedPaginator(
        rows, selectors.REGISTER_PAGE_SIZE, count=summary.count
    )
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "options": options,
        "page": page,
        "page_range": paginator.get_elided_page_range(page.number, on_ends=1),
        "rows": selectors.register_page_rows(page, timezone.localdate()),
        "heat_maps": summary.heat_maps,
        "impact_headers": selectors.IMPACT_HEADERS,
        "can_create": access.manages_a_register(request.user),
    }
    return render(request, "risks/risk_list.html", context)


@login_required
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one risk with its controls, actions, reviews and aligned risks."""
    if "as_at" in request.GET:
        day = as_at.parse_as_at(request.GET["as_at"])
        return historical.risk_as_at(request, pk, day)
    user = request.user
    risk = get_object_or_404(
        selectors.risk_page_risks(access.viewable_risks(user)), pk=pk
    )
    # A closed risk can no longer change, so it offers no edit links at all.
    is_open = risk.status != RiskStatus.CLOSED
    context = {
        "page": selectors.risk_page(user, risk, timezone.localdate()),
        "risk": risk,
        "can_edit": is_open and access.can_edit_risk(user, risk),
        "can_manage": is_open and access.can_manage_register(user, risk.organisation),
        # Panel members read aligned risks but not their history (DESIGN §5).
        "can_view_history": user.is_superuser or access.membership_of(user) is not None,
    }
    return render(request, "risks/risk_detail.html", context)


@login_required
def risk_trends(request: HttpRequest) -> HttpResponse:
    """Show, per organisation, its reviewed risks by band at each closed quarter."""
    context = {"trend_charts": selectors.register_trends(request.user)}
    return render(request, "risks/trends.html", context)
