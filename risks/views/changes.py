"""What changed in a reporting period, on a page and as CSV."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify

from .. import access
from ..changes import KINDS, period_changes
from ..spreadsheets import csv_response

CSV_HEADER = [
    "Change",
    "Reference",
    "Title",
    "Detail",
    "Before",
    "After",
    "When",
    "Who",
    "Reason",
]


@login_required
def period_changes_view(request: HttpRequest, pk: int) -> HttpResponse:
    """List the period's new, closed and rescored risks, controls and actions."""
    period = get_object_or_404(access.viewable_periods(request.user), pk=pk)
    if not access.can_manage_register(request.user, period.organisation):
        raise PermissionDenied("Only governance officers see the quarter's changes.")
    changes = period_changes(period)
    if request.GET.get("format") == "csv":
        name = slugify(f"{period.organisation.short_name} {period.label} changes")
        return csv_response(
            f"{name}.csv",
            CSV_HEADER,
            (
                [
                    c.kind,
                    c.reference,
                    c.title,
                    c.detail,
                    c.before,
                    c.after,
                    c.when.isoformat() if c.when else "",
                    c.who,
                    c.reason,
                ]
                for c in changes
            ),
        )
    counts = {kind: sum(1 for c in changes if c.kind == kind) for kind in KINDS}
    context = {"period": period, "changes": changes, "counts": counts}
    return render(request, "risks/period_changes.html", context)
