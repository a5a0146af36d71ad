"""Paper editor, clearance and publication pages.

Papers are fetched through reports.selectors.viewable_papers, so a paper the user
may not see answers 404 and one they may see but not edit answers 403.
"""

import copy
import hashlib
import hmac
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from risks import access
from risks.forms import apply_service_error
from risks.models import Organisation

from .. import selectors, services
from ..forms import (
    PaperForm,
    SectionDeleteForm,
    SectionForm,
    StepForm,
    conflict_rows,
)
from ..models import (
    CONTENT_TYPES,
    Clearance,
    PanelPaper,
    PaperSection,
    Publication,
    PublicationStatus,
)
from ..tasks import stored_fields

logger = logging.getLogger(__name__)
get_or_post = require_http_methods(["GET", "POST"])


# --- Fetching ---------------------------------------------------------------------


def _with_state(papers):
    """Prefetch what paper_state reads, so a list costs a constant number of queries."""
    return papers.prefetch_related(
        Prefetch(
            "clearances", queryset=Clearance.objects.select_related("organisation")
        ),
        Prefetch("publications", queryset=Publication.objects.order_by("-version")),
    )


def _visible_paper(user, pk: int) -> PanelPaper:
    return get_object_or_404(selectors.viewable_papers(user), pk=pk)


def _editable_paper(user, pk: int) -> PanelPaper:
    paper = _visible_paper(user, pk)
    if not selectors.can_draft(user):
        raise PermissionDenied("Only governance officers may edit papers.")
    return paper


def _editable_section(user, pk: int) -> PaperSection:
    section = get_object_or_404(
        PaperSection.objects.select_related("paper").filter(
            paper__in=selectors.viewable_papers(user)
        ),
        pk=pk,
    )
    if not selectors.can_draft(user):
        raise PermissionDenied("Only governance officers may edit papers.")
    return section


def _data(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _conflict(
    request: HttpRequest, *, form, stale: services.StaleVersionError, noun: str
) -> HttpResponse:
    """Show the user's version beside the saved one; nothing has been written."""
    paper = stale.current
    if isinstance(form, SectionForm):
        saved = PaperSection.objects.filter(pk=form.instance.pk).first()
    else:
        saved = paper
    # A section deleted meanwhile has no current version: all of yours differs.
    rows = conflict_rows(form, saved)
    context = {
        "paper": paper,
        "noun": noun,
        "rows": rows,
        "differences": [row for row in rows if row.get("differs")],
        "reason": form.cleaned_data.get("reason", ""),
        "last_change": paper.history.first(),
        "retry_url": request.get_full_path(),
    }
    return render(request, "reports/editor_conflict.html", context, status=409)


# --- Lists and the editor -----------------------------------------------------------


@login_required
def paper_list(request: HttpRequest) -> HttpResponse:
    """List the papers the user may open, with status and published versions."""
    user = request.user
    can_draft = selectors.can_draft(user)
    papers = _with_state(selectors.viewable_papers(user))
    required = list(services.required_organisations()) if can_draft else []
    papers = list(papers)
    faces = {} if can_draft else selectors.published_faces(papers)
    rows = []
    for paper in papers:
        state = services.paper_state(paper, required=required)
        versions = [
            p
            for p in paper.publications.all()
            if p.status == PublicationStatus.PUBLISHED
        ]
        shown = faces.get(paper.pk, paper)
        rows.append({"paper": shown, "state": state, "versions": versions})
    context = {
        "rows": rows,
        "can_draft": can_draft,
        # Governance prepares meetings; panel members read them.
        "can_see_meetings": can_draft or access.is_panel_member(user),
        "can_answer": selectors.can_answer(user),
    }
    return render(request, "reports/paper_list.html", context)


@login_required
@get_or_post
def paper_create(request: HttpRequest) -> HttpResponse:
    """Start a new paper (governance officers of either organisation)."""
    if not selectors.can_draft(request.user):
        raise PermissionDenied("Only governance officers may draft papers.")
    form = PaperForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            paper = services.paper_create(
                user=request.user,
                data=form.paper_data(),
                themes=form.cleaned_data["themes"],
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, "Paper created. Add its sections below.")
            return redirect("reports:update", pk=paper.pk)
    return render(request, "reports/paper_form.html", {"form": form})


@login_required
@get_or_post
def paper_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a paper's details; show its sections, clearances and versions."""
    paper = _editable_paper(request.user, pk)
    paper = _with_state(PanelPaper.objects.filter(pk=paper.pk)).get()
    form = PaperForm(_data(request), instance=copy.copy(paper))
    if request.method == "POST" and form.is_valid():
        try:
            services.paper_update(
                paper=paper,
                user=request.user,
                data=form.paper_data(),
                themes=form.cleaned_data["themes"],
                expected_revision=form.cleaned_data["revision"],
                reason=form.cleaned_data["reason"],
            )
        except services.StaleVersionError as stale:
            return _conflict(request, form=form, stale=stale, noun="paper")
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, "Paper details saved.")
            return redirect("reports:update", pk=paper.pk)
    return render(
        request, "reports/paper_form.html", _editor_context(request, paper, form)
    )


def _editor_context(request: HttpRequest, paper: PanelPaper, form) -> dict:
    state = services.paper_state(paper)
    membership = access.membership_of(request.user)
    own = (
        membership.organisation
        if membership is not None and access.is_governance(request.user)
        else None
    )
    cleared = {c.organisation_id: c for c in state.cleared}
    return {
        "paper": paper,
        "form": form,
        "state": state,
        "clearance_rows": [(org, cleared.get(org.pk)) for org in state.required],
        "sections": paper.sections.all(),
        "own_organisation": own,
        "can_clear": own is not None
        and not state.is_published
        and own.pk not in {org.pk for org in state.cleared_organisations},
        "can_publish": state.can_publish and access.is_governance(request.user),
        "versions": [
            p
            for p in paper.publications.all()
            if p.status == PublicationStatus.PUBLISHED
        ],
        "open_requests": selectors.open_requests_due(paper),
    }


# --- Sections -----------------------------------------------------------------------


@login_required
@get_or_post
def section_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a section to a paper."""
    paper = _editable_paper(request.user, pk)
    next_order = max((s.order for s in paper.sections.all()), default=0) + 1
    form = SectionForm(_data(request), initial={"order": next_order})
    if request.method == "POST" and form.is_valid():
        try:
            services.section_create(
                paper=paper, user=request.user, data=form.section_data()
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, "Section added.")
            return redirect("reports:update", pk=paper.pk)
    return render(request, "reports/section_form.html", {"paper": paper, "form": form})


@login_required
@get_or_post
def section_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a section of a paper."""
    section = _editable_section(request.user, pk)
    paper = section.paper
    form = SectionForm(_data(request), instance=copy.copy(section))
    if request.method == "POST" and form.is_valid():
        try:
            services.section_update(
                section=section,
                user=request.user,
                data=form.section_data(),
                expected_revision=form.cleaned_data["revision"],
                reason=form.cleaned_data["reason"],
            )
        except services.StaleVersionError as stale:
            return _conflict(request, form=form, stale=stale, noun="section")
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, "Section saved.")
            return redirect("reports:update", pk=paper.pk)
    context = {"paper": paper, "section": section, "form": form}
    return render(request, "reports/section_form.html", context)


@login_required
@get_or_post
def section_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm and remove a section of a paper."""
    section = _editable_section(request.user, pk)
    paper = section.paper
    form = SectionDeleteForm(_data(request), initial={"revision": paper.revision})
    if request.method == "POST" and form.is_valid():
        try:
            services.section_delete(
                section=section,
                user=request.user,
                expected_revision=form.cleaned_data["revision"],
                reason=form.cleaned_data["reason"],
            )
        except services.StaleVersionError:
            if not PaperSection.objects.filter(pk=section.pk).exists():
                messages.success(request, "The section had already been removed.")
                return redirect("reports:update", pk=paper.pk)
            paper.refresh_from_db()
            form = SectionDeleteForm(
                initial={
                    "revision": paper.revision,
                    "reason": form.cleaned_data["reason"],
                }
            )
            form.add_error(
                None,
                "The paper has changed since you opened this page. Check the "
                "section, then confirm again.",
            )
        else:
            messages.success(request, "Section removed.")
            return redirect("reports:update", pk=paper.pk)
    context = {"paper": paper, "section": section, "form": form}
    return render(request, "reports/section_confirm_delete.html", context)


# --- Clearance and publication ------------------------------------------------------


def _step_form(request: HttpRequest) -> StepForm:
    form = StepForm(request.POST)
    if not form.is_valid():
        raise ValidationError("This page is out of date. Reload it and try again.")
    return form


@login_required
@require_POST
def paper_clear(request: HttpRequest, pk: int) -> HttpResponse:
    """Clear the paper's current revision for the user's own organisation."""
    paper = _visible_paper(request.user, pk)
    membership = access.membership_of(request.user)
    slug = request.POST.get("organisation") or (
        membership.organisation.slug if membership else ""
    )
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None or not access.is_governance(request.user, organisation):
        raise PermissionDenied("Only that organisation's governance may clear it.")
    try:
        form = _step_form(request)
        services.paper_clear(
            paper=paper,
            organisation=organisation,
            user=request.user,
            expected_revision=form.cleaned_data["revision"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Revision {paper.revision} cleared for {organisation.short_name}."
        )
    return redirect("reports:update", pk=paper.pk)


@login_required
@require_POST
def paper_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish the cleared revision as the next version (both PDFs)."""
    paper = _visible_paper(request.user, pk)
    if not access.is_governance(request.user):
        raise PermissionDenied("Only governance officers may publish papers.")
    try:
        form = _step_form(request)
        publication = services.paper_publish(
            paper=paper,
            user=request.user,
            expected_revision=form.cleaned_data["revision"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("reports:update", pk=paper.pk)
    publication.refresh_from_db()
    if publication.status == PublicationStatus.PUBLISHED:
        messages.success(request, f"Version {publication.version} published.")
    elif publication.status == PublicationStatus.FAILED:
        messages.error(
            request,
            f"Version {publication.version} could not be rendered, so it was not "
            "published. You can try publishing again.",
        )
    else:
        messages.success(
            request,
            f"Version {publication.version} is being rendered. It will be published "
            "in a few minutes.",
        )
    return redirect("reports:update", pk=paper.pk)


def _publication_file(
    request: HttpRequest, pk: int, version: int, file_format: str
) -> HttpResponse:
    """Serve a published version's stored file, after checking its SHA-256."""
    paper = _visible_paper(request.user, pk)
    publication = get_object_or_404(
        Publication, paper=paper, version=version, status=PublicationStatus.PUBLISHED
    )
    edition = request.GET.get("edition", "full")
    if edition not in ("full", "public"):
        raise Http404("No such edition.")
    file_field, sha_field = stored_fields(edition, file_format)
    stored = getattr(publication, file_field)
    expected = getattr(publication, sha_field)
    if not stored and file_format == "docx":
        raise Http404("This version was published before papers were kept in Word.")
    try:
        with stored.open("rb") as file:
            data = file.read()
    except (OSError, ValueError):
        logger.exception(
            "Stored %s of paper %s version %s (%s) is missing",
            file_format,
            pk,
            version,
            edition,
        )
        return _integrity_failure(request, publication)
    if not hmac.compare_digest(hashlib.sha256(data).hexdigest(), expected):
        logger.error(
            "Stored %s of paper %s version %s (%s) does not match its SHA-256",
            file_format,
            pk,
            version,
            edition,
        )
        return _integrity_failure(request, publication)
    suffix = "" if edition == "full" else "-public"
    name = f"paper-{paper.pk}-v{publication.version}{suffix}.{file_format}"
    if file_format == "pdf":
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{name}"'
    else:
        response = HttpResponse(data, content_type=CONTENT_TYPES[file_format])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-SHA256"] = expected
    return response


@login_required
def publication_pdf(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    """Serve a published version's stored PDF, after checking its SHA-256."""
    return _publication_file(request, pk, version, "pdf")


@login_required
def publication_docx(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    """Serve a published version's stored .docx, after checking its SHA-256."""
    return _publication_file(request, pk, version, "docx")


def _integrity_failure(request: HttpRequest, publication: Publication) -> HttpResponse:
    context = {"paper": publication.paper, "publication": publication}
    return render(request, "reports/editor_integrity_error.html", context, status=500)
