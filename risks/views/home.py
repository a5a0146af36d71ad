"""Landing page and health check."""

import logging

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from riskregister.health import storage_ready

from .. import access, cycle, selectors

logger = logging.getLogger(__name__)


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
    """Answer 200 when the database and the file store answer, else 503."""
    checks = {"database": _database_answers(), "storage": _storage_answers()}
    report = {name: "ok" if ok else "unavailable" for name, ok in checks.items()}
    if all(checks.values()):
        return JsonResponse({"status": "ok", **report})
    return JsonResponse({"status": "error", **report}, status=503)


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


def _storage_answers() -> bool:
    # One small request proves the object store answers, that this node's
    # credentials work and that the bucket or container is there.
    try:
        ready = storage_ready(default_storage)
    except Exception:  # each backend raises its own errors (Azure, boto3, OS)
        logger.exception("The file storage did not answer the health check")
        return False
    if not ready:
        logger.error("The file storage's container does not exist")
    return ready


def favicon(request: HttpRequest) -> HttpResponse:
    """Send /favicon.ico to the site's icon (asked for by pages that name none)."""
    return redirect(static("images/favicon.svg"), permanent=True)
