"""Landing page and health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import access, cycle, selectors


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Show the user's role, their to-do for the quarter and the risks they own."""
    user = request.user
    governs = user.is_superuser or access.is_governance(user)
    context = {
        "my_risks": selectors.risks_owned_by(user),
        "is_panel_member": access.is_panel_member(user),
        "todo": cycle.todo_for(user, timezone.localdate()),
        "progress": (
            cycle.period_progress(access.managed_organisations(user)) if governs else []
        ),
    }
    return render(request, "risks/dashboard.html", context)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def favicon(request: HttpRequest) -> HttpResponse:
    """Send /favicon.ico to the site's icon (asked for by pages that name none)."""
    return redirect(static("images/favicon.svg"), permanent=True)
