"""The register as a spreadsheet: export it, or import one (preview, then confirm)."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import (
    access,
    exports,
    import_columns,
    import_files,
    import_plan,
    imports,
    selectors,
)
from ..forms_import import ImportConfirmForm, ImportUploadForm
from ..import_columns import ACTIONS, CONTROLS, RISKS
from ..models import Organisation, Risk, Theme
from ..spreadsheets import csv_streaming_response
from .edit import get_or_post

SESSION_KEY = "risk_import"
ERRORS_SHOWN = 200
ERRORS_NOTICE = (
    "Nothing has been imported: the file has errors. Correct them and upload it again."
)
CONFLICT_NOTICE = (
    "The register has changed since you checked the preview, so nothing has been "
    "imported. This is the preview as the register stands now: check it and "
    "confirm again."
)


# --- Export -----------------------------------------------------------------


def _exported_risks(request: HttpRequest) -> tuple[QuerySet[Risk], tuple[str, ...]]:
    """Return the risks the user sees on /risks/ with the same query parameters,
    and the register's order for them."""
    visible = access.viewable_risks(request.user)
    options = selectors.register_filter_options(visible)
    filters = selectors.RegisterFilters.from_params(request.GET, options)
    return filters.apply(visible).with_scores(), filters.ordering


def _file_name(extension: str) -> str:
    return f"risk-register-{timezone.localdate():%Y-%m-%d}.{extension}"


@login_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """Download the register as a workbook: risks, controls and actions."""
    risks, ordering = _exported_risks(request)
    workbook = exports.workbook_file(
        risks, ordering=ordering, today=timezone.localdate()
    )
    return FileResponse(
        workbook,
        as_attachment=True,
        filename=_file_name("xlsx"),
        content_type=exports.XLSX_CONTENT_TYPE,
    )


@login_required
@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Download the register's risks as CSV, streamed as it is read."""
    risks, ordering = _exported_risks(request)
    return csv_streaming_response(
        _file_name("csv"),
        exports.csv_header(),
        exports.csv_rows(risks.order_by(*ordering)),
    )


# --- Import -----------------------------------------------------------------


def _governed(user) -> QuerySet[Organisation]:
    organisations = access.managed_organisations(user)
    if not organisations.exists():
        raise PermissionDenied("Only governance officers may import a register.")
    return organisations


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    """Download the import template: headings, example rows and guidance."""
    _governed(request.user)
    response = HttpResponse(
        import_columns.build_template(
            Theme.objects.order_by("name").values_list("name", flat=True)
        ),
        content_type=exports.XLSX_CONTENT_TYPE,
    )
    response["Content-Disposition"] = (
        'attachment; filename="risk-register-import-template.xlsx"'
    )
    return response


@login_required
@get_or_post
def import_upload(request: HttpRequest) -> HttpResponse:
    """Read and check an uploaded register, then show what it would change."""
    organisations = _governed(request.user)
    if request.method == "POST":
        form = ImportUploadForm(
            request.POST, request.FILES, organisations=organisations
        )
        if form.is_valid():
            token = secrets.token_urlsafe(24)
            # Only the file's text is kept; it is checked again on every step.
            request.session[SESSION_KEY] = {
                "token": token,
                "user": request.user.pk,
                "organisation": form.cleaned_data["organisation"].pk,
                "workbook": form.workbook.to_json(),
            }
            return redirect("risks:import_preview", token=token)
    else:
        form = ImportUploadForm(organisations=organisations)
    context = {
        "form": form,
        "organisation": organisations[0] if len(organisations) == 1 else None,
        "max_size": import_files.size_label(import_files.max_bytes()),
        "max_rows": f"{import_files.max_rows():,}",
    }
    return render(request, "risks/import_upload.html", context)


def _pending(request: HttpRequest, token: str) -> dict | None:
    pending = request.session.get(SESSION_KEY)
    if (
        not isinstance(pending, dict)
        or not secrets.compare_digest(str(pending.get("token", "")), token)
        or pending.get("user") != request.user.pk
    ):
        return None
    return pending


@login_required
@get_or_post
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    """Show the checked import; on POST apply it, all or nothing."""
    organisations = _governed(request.user)
    pending = _pending(request, token)
    if pending is None:
        messages.info(
            request,
            "That import has expired or a newer file has replaced it. Upload the "
            "file again.",
        )
        return redirect("risks:import")
    organisation = organisations.filter(pk=pending["organisation"]).first()
    if organisation is None:
        raise PermissionDenied("You no longer manage that register.")
    workbook = import_files.RawWorkbook.from_json(pending["workbook"])
    plan = import_plan.build_plan(workbook, organisation)
    notice, status = "", 200
    if request.method == "POST":
        form = ImportConfirmForm(request.POST)
        if not plan.is_valid:
            notice, status = ERRORS_NOTICE, 400
        elif (
            not form.is_valid()
            or form.cleaned_data["fingerprint"] != plan.fingerprint()
        ):
            notice, status = CONFLICT_NOTICE, 409
        elif plan.has_changes:
            try:
                counts = imports.apply_plan(plan, user=request.user)
            except imports.ImportConflict as conflict:
                notice, status = f"{conflict}. {CONFLICT_NOTICE}", 409
                plan = import_plan.build_plan(workbook, organisation)
            except (ValidationError, PermissionDenied) as refusal:
                text = " ".join(getattr(refusal, "messages", [str(refusal)]))
                notice, status = f"Nothing has been imported: {text}", 400
            else:
                del request.session[SESSION_KEY]
                messages.success(request, _summary(workbook.file_name, counts))
                url = reverse("risks:list")
                return redirect(f"{url}?organisation={organisation.slug}")
    form = ImportConfirmForm(initial={"fingerprint": plan.fingerprint()})
    context = {
        "plan": plan,
        "sections": _sections(plan),
        "has_child_sheets": any(
            workbook.has_sheet(name) for name in (CONTROLS, ACTIONS)
        ),
        "organisation": organisation,
        "errors": plan.errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(plan.errors) - ERRORS_SHOWN),
        "form": form,
        "notice": notice,
        "token": token,
    }
    return render(request, "risks/import_preview.html", context, status=status)


def _sections(plan: import_plan.ImportPlan) -> list[dict]:
    """Risks, controls and actions, each split into rows to add and to change."""
    return [
        {
            "plural": kind,
            "to_add": plan.rows(kind, "create"),
            "to_change": plan.rows(kind, "update"),
            "unchanged": len(plan.rows(kind, "unchanged")),
        }
        for kind in (RISKS, CONTROLS, ACTIONS)
    ]


def _summary(file_name: str, counts: dict) -> str:
    parts = []
    for kind, noun in (
        (RISKS, "risk"),
        (CONTROLS, "control"),
        (ACTIONS, "action"),
    ):
        for action, verb in (("create", "added"), ("update", "changed")):
            if number := counts[kind][action]:
                parts.append(f"{number} {noun}{'s' if number != 1 else ''} {verb}")
    return f"Imported {file_name}: {', '.join(parts)}."
