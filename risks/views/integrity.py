"""History integrity: the governance officers' view of seals and verification."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from audit import selectors as audit
from audit import triggers

from .. import access


@login_required
@require_safe
def history_integrity(request: HttpRequest) -> HttpResponse:
    """Show the last seal, the last verification and the erasure log."""
    if not access.manages_a_register(request.user):
        raise PermissionDenied("Only governance officers may see the history seals.")
    context = {
        "last_seal": audit.last_seal(),
        "seals": audit.recent_seals(),
        "verification": audit.last_verification(),
        "erasures": audit.erasures(),
        "enforced": triggers.is_enforced(),
    }
    return render(request, "risks/history_integrity.html", context)
