"""Panel meetings: the list, a meeting's agenda and requests, and its agenda pack.

Meetings are fetched through reports.selectors.viewable_meetings (panel members
and the governance officers of the panel's organisations), so a meeting the user
may not see answers 404, and one they may see but not change answers 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from risks import access
from risks.forms import apply_service_error

from .. import agenda_pack, meeting_services, pack_services, selectors
from ..meeting_forms import (
    AgendaItemForm,
    MeetingForm,
    MeetingUpdateForm,
    PanelRequestForm,
    PanelRequestUpdateForm,
)
from ..models import (
    AgendaItem,
    AgendaItemKind,
    FileFormat,
    Meeting,
    PanelRequest,
    Publication,
    PublicationStatus,
    RegisterReportStatus,
)
from ..rendering import FULL, PUBLIC
from .downloads import file_response

get_or_post = require_http_methods(["GET", "POST"])


def _visible_meeting(user, pk: int) -> Meeting:
    return get_object_or_404(
        selectors.viewable_meetings(user).select_related("panel"), pk=pk
    )


def _managed_meeting(user, pk: int) -> Meeting:
    meeting = _visible_meeting(user, pk)
    if not access.managed_panels(user).filter(pk=meeting.panel_id).exists():
        raise PermissionDenied("Only governance officers prepare meetings.")
    return meeting


def _data(request: HttpRequest):
    return request.POST if request.method == "POST" else None


@login_required
@require_safe
def meeting_list(request: HttpRequest) -> HttpResponse:
    """List the meetings of the panels the user sits on or prepares."""
    user = request.user
    meetings = list(
        selectors.viewable_meetings(user)
        .select_related("panel")
        .annotate(item_count=Count("items"))
        .order_by("-date", "panel__name")
    )
    context = {
        "meetings": meetings,
        "can_manage": access.manages_a_register(user)
        and access.managed_panels(user).exists(),
        # One panel, as today: its name is the page's caption, not a column.
        "several_panels": len({m.panel_id for m in meetings}) > 1,
        "today": timezone.localdate(),
    }
    return render(request, "reports/meeting_list.html", context)


@login_required
@get_or_post
def meeting_create(request: HttpRequest) -> HttpResponse:
    """Create a meeting of a panel the user prepares."""
    panels = list(access.managed_panels(request.user))
    if not panels:
        raise PermissionDenied("Only governance officers prepare meetings.")
    form = MeetingForm(_data(request), panels=panels)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = meeting_services.meeting_create(
                panel=data["panel"], data=data, user=request.user, reason=data["reason"]
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, "Meeting created.")
            return redirect(meeting)
    context = {
        "form": form,
        "title": "New meeting",
        "back": reverse("reports:meetings"),
    }
    return render(request, "reports/meeting_form.html", context)


@login_required
@get_or_post
def meeting_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a meeting's date or marking."""
    meeting = _managed_meeting(request.user, pk)
    form = MeetingUpdateForm(
        _data(request),
        initial={
            "date": meeting.date,
            "marking": meeting.marking,
            "version": meeting.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting_services.meeting_update(
                meeting=meeting,
                data=data,
                expected_version=data["version"],
                user=request.user,
                reason=data["reason"],
            )
        except meeting_services.StaleVersionError:
            form.add_error(
                None,
                "Someone else changed this meeting since you opened it. Nothing "
                "was saved: reload the page to see their change.",
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, "Meeting saved.")
            return redirect(meeting)
    context = {
        "form": form,
        "meeting": meeting,
        "title": "Edit the meeting",
        "back": meeting.get_absolute_url(),
    }
    return render(request, "reports/meeting_form.html", context)


@login_required
@require_safe
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a meeting's agenda, the requests raised at it and due at it."""
    user = request.user
    meeting = _visible_meeting(user, pk)
    can_manage = access.managed_panels(user).filter(pk=meeting.panel_id).exists()
    published = Publication.objects.filter(status=PublicationStatus.PUBLISHED).order_by(
        "-version"
    )
    items = list(
        meeting.items.select_related("paper", "period__organisation").prefetch_related(
            Prefetch("paper__publications", queryset=published)
        )
    )
    papers = [item.paper for item in items if item.paper is not None]
    faces = {} if can_manage else selectors.published_faces(papers)
    rows = []
    for item in items:
        publication = None
        if item.paper is not None:
            versions = list(item.paper.publications.all())
            publication = versions[0] if versions else None
        shown = item.paper and faces.get(item.paper_id, item.paper)
        rows.append({"item": item, "paper": shown, "publication": publication})
    requests = PanelRequest.objects.select_related(
        "owner_organisation", "raised_at", "due_at", "answered_by"
    ).order_by("pk")
    # One query for both lists: requests raised at or due at this meeting.
    both = list(requests.filter(Q(raised_at=meeting) | Q(due_at=meeting)))
    context = {
        "meeting": meeting,
        "rows": rows,
        "can_manage": can_manage,
        "raised": [r for r in both if r.raised_at_id == meeting.pk],
        "due": [r for r in both if r.due_at_id == meeting.pk],
        "kinds": AgendaItemKind,
    }
    return render(request, "reports/meeting_detail.html", context)


@login_required
@get_or_post
def item_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an item to the meeting's agenda."""
    meeting = _managed_meeting(request.user, pk)
    form = AgendaItemForm(_data(request), meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            meeting_services.agenda_item_create(
                meeting=meeting, data=form.cleaned_data, user=request.user
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, "Agenda item added.")
            return redirect(meeting)
    context = {
        "form": form,
        "meeting": meeting,
        "title": "Add an agenda item",
        "back": meeting.get_absolute_url(),
    }
    return render(request, "reports/meeting_form.html", context)


@login_required
@require_POST
def item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Take an item off its meeting's agenda."""
    item = get_object_or_404(
        AgendaItem.objects.select_related("meeting__panel", "paper").filter(
            meeting__in=selectors.viewable_meetings(request.user)
        ),
        pk=pk,
    )
    _managed_meeting(request.user, item.meeting_id)
    meeting_services.agenda_item_delete(item=item, user=request.user)
    messages.success(request, f"Agenda item {item.number} removed.")
    return redirect(item.meeting)


@login_required
@get_or_post
def request_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a request the Panel made at this meeting."""
    meeting = _managed_meeting(request.user, pk)
    form = PanelRequestForm(_data(request), meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            meeting_services.panel_request_create(
                raised_at=meeting, data=form.cleaned_data, user=request.user
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, "Request recorded.")
            return redirect(meeting)
    context = {
        "form": form,
        "meeting": meeting,
        "title": "Record a request of the Panel",
        "back": meeting.get_absolute_url(),
    }
    return render(request, "reports/meeting_form.html", context)


@login_required
@get_or_post
def request_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a request's status, the paper that answered it or its due meeting."""
    panel_request = get_object_or_404(
        PanelRequest.objects.select_related("raised_at__panel", "due_at").filter(
            raised_at__in=selectors.viewable_meetings(request.user)
        ),
        pk=pk,
    )
    meeting = _managed_meeting(request.user, panel_request.raised_at_id)
    form = PanelRequestUpdateForm(
        _data(request),
        request=panel_request,
        initial={
            "status": panel_request.status,
            "answered_by": panel_request.answered_by_id,
            "answered_in": panel_request.answered_in,
            "due_at": panel_request.due_at_id,
            "version": panel_request.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting_services.panel_request_update(
                request=panel_request,
                data=data,
                expected_version=data["version"],
                user=request.user,
                reason=data["reason"],
            )
        except meeting_services.StaleVersionError:
            form.add_error(
                None,
                "Someone else changed this request since you opened it. Nothing "
                "was saved: reload the page to see their change.",
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, "Request saved.")
            return redirect(meeting)
    context = {
        "form": form,
        "meeting": meeting,
        "panel_request": panel_request,
        "title": "Update a request of the Panel",
        "back": meeting.get_absolute_url(),
    }
    return render(request, "reports/meeting_form.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_pack(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the agenda pack: stored, or a page while it renders.

    POST starts a failed render again, then comes back here.
    """
    meeting = _visible_meeting(request.user, pk)
    edition = PUBLIC if request.GET.get("edition") == PUBLIC else FULL
    state = pack_services.pack_request(
        meeting=meeting,
        edition=edition,
        user=request.user,
        retry=request.method == "POST",
    )
    url = reverse("reports:meeting_pack", args=[meeting.pk])
    if edition == PUBLIC:
        url += "?edition=public"
    if request.method == "POST":
        return redirect(url)
    pack = state.pack
    if state.started:
        # The immediate backend (dev, tests) has rendered it by now; a worker
        # has not.
        pack.refresh_from_db()
    if pack.status == RegisterReportStatus.READY:
        return file_response(
            pack.pdf.open("rb"),
            filename=agenda_pack.pack_filename(meeting, edition),
            file_format=FileFormat.PDF,
            cache_control="private",
        )
    failed = pack_services.has_failed(pack)
    context = {"meeting": meeting, "pack": pack, "failed": failed, "url": url}
    return render(
        request, "reports/pack_status.html", context, status=200 if failed else 202
    )
