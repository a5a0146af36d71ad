"""The audit history of a risk."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .. import access
from ..history import risk_timeline


def can_view_history(user) -> bool:
    """Organisation members see history; panel members read papers only."""
    return user.is_superuser or access.membership_of(user) is not None


@login_required
def risk_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Show every recorded change to a risk and its parts, newest first."""
    risk = get_object_or_404(
        access.viewable_risks(request.user).select_related("organisation"), pk=pk
    )
    if not can_view_history(request.user):
        raise PermissionDenied("Panel members do not see the audit history.")
    context = {"risk": risk, "entries": risk_timeline(risk, request.user)}
    return render(request, "risks/risk_history.html", context)
