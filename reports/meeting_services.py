"""Writes to panel meetings: the meeting, its agenda and the Panel's requests.

Governance officers of an organisation a panel oversees prepare its meetings
(access.managed_panels); every write is validated, versioned where a form edits
it, and kept in history with the acting user and a reason.
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from risks import access
from risks.models import Panel
from risks.recording import (
    StaleVersionError,
    apply_changes,
    claim_version,
    record,
    record_delete,
)

from .models import AgendaItem, AgendaItemKind, Meeting, PanelRequest

__all__ = ["StaleVersionError"]

MEETING_FIELDS = ("date", "marking")
ITEM_FIELDS = ("number", "order", "kind", "title", "paper", "period")
REQUEST_FIELDS = (
    "text",
    "owner_organisation",
    "owner_post",
    "due_at",
    "status",
    "answered_by",
    "answered_in",
    "is_sensitive",
)


def _require_manager(user, panel: Panel) -> None:
    if not access.managed_panels(user).filter(pk=panel.pk).exists():
        raise PermissionDenied(
            "Only governance officers of the panel's organisations prepare its "
            "meetings."
        )


def _reason(reason: str, default: str) -> str:
    return reason.strip() or default


# --- Meetings ---------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *, panel: Panel, data: dict, user, reason: str = "", at: datetime | None = None
) -> Meeting:
    """Create a meeting of the panel."""
    _require_manager(user, panel)
    meeting = Meeting(panel=panel, **{k: data[k] for k in MEETING_FIELDS if k in data})
    record(meeting, user=user, reason=_reason(reason, "Meeting created"), at=at)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    data: dict,
    expected_version: int | None,
    user,
    reason: str = "",
    at: datetime | None = None,
) -> Meeting:
    """Change a meeting's date or marking; refuse a stale edit."""
    _require_manager(user, meeting.panel)
    meeting = Meeting.objects.select_related("panel").get(pk=meeting.pk)
    changed = apply_changes(meeting, data, MEETING_FIELDS)
    if not changed:
        if expected_version is not None and meeting.version != expected_version:
            raise StaleVersionError(meeting)
        return meeting
    claim_version(meeting, expected_version)
    record(meeting, user=user, reason=_reason(reason, "Meeting changed"), at=at)
    return meeting


# --- Agenda -----------------------------------------------------------------------


def _check_item(item: AgendaItem) -> None:
    """A paper goes to one meeting; a register is one of the panel's organisations'."""
    meeting = item.meeting
    if item.kind == AgendaItemKind.PAPER and item.paper is not None:
        other = item.paper.panel_meeting_id
        if other is not None and other != meeting.pk:
            raise ValidationError(
                {"paper": "That paper is on the agenda of another meeting."}
            )
    if item.kind == AgendaItemKind.REGISTER and item.period is not None:
        overseen = meeting.panel.organisations.filter(
            pk=item.period.organisation_id
        ).exists()
        if not overseen:
            raise ValidationError(
                {"period": "The panel does not oversee that organisation's register."}
            )


@transaction.atomic
def agenda_item_create(
    *, meeting: Meeting, data: dict, user, at: datetime | None = None
) -> AgendaItem:
    """Add an item to the meeting's agenda (a paper, a register or a title)."""
    _require_manager(user, meeting.panel)
    values = {k: data.get(k) for k in ITEM_FIELDS}
    values["title"] = values["title"] or ""
    values["order"] = values["order"] or 0
    if values["kind"] != AgendaItemKind.PAPER:
        values["paper"] = None
    if values["kind"] != AgendaItemKind.REGISTER:
        values["period"] = None
    item = AgendaItem(meeting=meeting, **values)
    _check_item(item)
    record(item, user=user, reason=f"Agenda item {item.number} added", at=at)
    paper = item.paper
    if paper is not None and paper.panel_meeting_id is None:
        # The paper is for this meeting from now on (its matters arising).
        paper.panel_meeting = meeting
        record(paper, user=user, reason=f"On the agenda of {meeting}", at=at)
    return item


@transaction.atomic
def agenda_item_delete(*, item: AgendaItem, user, at: datetime | None = None) -> None:
    """Take an item off the agenda; a paper with no item left leaves the meeting."""
    meeting = item.meeting
    _require_manager(user, meeting.panel)
    paper = item.paper
    record_delete(item, user=user, reason=f"Agenda item {item.number} removed", at=at)
    if (
        paper is not None
        and paper.panel_meeting_id == meeting.pk
        and not AgendaItem.objects.filter(meeting=meeting, paper=paper).exists()
    ):
        paper.panel_meeting = None
        record(paper, user=user, reason=f"Off the agenda of {meeting}", at=at)


# --- Requests ---------------------------------------------------------------------


def _check_due(request: PanelRequest, today: date) -> None:
    """Due at a later meeting of the same panel that has not happened yet."""
    due, raised = request.due_at, request.raised_at
    if due.panel_id != raised.panel_id:
        raise ValidationError({"due_at": "Choose a meeting of the same panel."})
    if due.date < today:
        raise ValidationError(
            {
                "due_at": f"The meeting of {date_format(due.date, 'j F Y')} has "
                "already taken place: choose a meeting still to come."
            }
        )
    if due.date <= raised.date:
        raise ValidationError(
            {"due_at": "Choose a meeting after the one the request was raised at."}
        )


@transaction.atomic
def panel_request_create(
    *,
    raised_at: Meeting,
    data: dict,
    user,
    today: date | None = None,
    at: datetime | None = None,
) -> PanelRequest:
    """Record what the Panel asked for at a meeting and when it is due."""
    _require_manager(user, raised_at.panel)
    request = PanelRequest(
        raised_at=raised_at, **{k: data[k] for k in REQUEST_FIELDS if k in data}
    )
    _check_due(request, today or timezone.localdate())
    record(request, user=user, reason="Request recorded", at=at)
    return request


@transaction.atomic
def panel_request_update(
    *,
    request: PanelRequest,
    data: dict,
    expected_version: int | None,
    user,
    reason: str = "",
    today: date | None = None,
    at: datetime | None = None,
) -> PanelRequest:
    """Change a request: its status, the paper that answered it, its due meeting."""
    _require_manager(user, request.raised_at.panel)
    request = PanelRequest.objects.select_related("raised_at", "due_at").get(
        pk=request.pk
    )
    due_before = request.due_at_id
    changed = apply_changes(request, data, REQUEST_FIELDS)
    if not changed:
        if expected_version is not None and request.version != expected_version:
            raise StaleVersionError(request)
        return request
    if request.due_at_id != due_before:
        _check_due(request, today or timezone.localdate())
    claim_version(request, expected_version)
    default = f"Request {request.get_status_display().lower()}"
    record(request, user=user, reason=_reason(reason, default), at=at)
    return request
