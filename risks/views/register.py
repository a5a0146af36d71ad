"""The register list and the risk page (read-only)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .. import access, selectors


@login_required
def risk_list(request: HttpRequest) -> HttpResponse:
    """List the risks the user may see."""
    risks = selectors.register_rows(access.viewable_risks(request.user))
    return render(request, "risks/risk_list.html", {"risks": risks})


@login_required
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one risk."""
    risk = get_object_or_404(access.viewable_risks(request.user), pk=pk)
    return render(request, "risks/risk_detail.html", {"risk": risk})
