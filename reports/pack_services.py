"""Stored agenda packs: requesting a background render, storing it, serving it again.

A pack is keyed by a digest of what it is made from (agenda_pack.pack_key):
while no item changes, asking again finds the stored pack; a newly published
paper version, a register changed up to its period end or an edited agenda
makes a new key, hence a new render.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from . import agenda_pack
from .models import Meeting, MeetingPack, RegisterReportStatus
from .storage import store_file

logger = logging.getLogger(__name__)

# A render still "rendering" after this long is taken to be abandoned.
RENDER_TIMEOUT = timedelta(minutes=30)


@dataclass(frozen=True)
class PackState:
    """A stored pack, and whether this request started its render."""

    pack: MeetingPack
    started: bool


def has_failed(pack: MeetingPack, now: datetime | None = None) -> bool:
    """Say whether the render failed or was abandoned (it may be started again)."""
    now = now or timezone.now()
    abandoned = (
        pack.status == RegisterReportStatus.RENDERING
        and pack.requested_at < now - RENDER_TIMEOUT
    )
    return pack.status == RegisterReportStatus.FAILED or abandoned


@transaction.atomic
def pack_request(
    *, meeting: Meeting, edition: str, user, retry: bool = False, at=None
) -> PackState:
    """Return the stored pack of the meeting's items as they are, or start one."""
    from .tasks import render_meeting_pack

    at = at or timezone.now()
    items = agenda_pack.pack_items(meeting, edition)
    key = agenda_pack.pack_key(meeting, edition, items)
    pack, created = MeetingPack.objects.select_for_update().get_or_create(
        meeting=meeting, edition=edition, key=key, defaults={"requested_at": at}
    )
    if created or (retry and has_failed(pack, at)):
        pack.status = RegisterReportStatus.RENDERING
        pack.requested_by = user if user.is_authenticated else None
        pack.requested_at = at
        pack.finished_at = None
        pack.error = ""
        pack.save()
        transaction.on_commit(partial(render_meeting_pack.enqueue, pack_id=pack.pk))
        return PackState(pack=pack, started=True)
    return PackState(pack=pack, started=False)


def _claim(pack_id: int) -> MeetingPack | None:
    pack = MeetingPack.objects.select_for_update().get(pk=pack_id)
    return pack if pack.status == RegisterReportStatus.RENDERING else None


def pack_render(pack_id: int) -> str:
    """Render a requested pack and store it with its SHA-256."""
    pack = MeetingPack.objects.select_related("meeting__panel").get(pk=pack_id)
    if pack.status != RegisterReportStatus.RENDERING:
        return pack.status
    meeting = pack.meeting
    try:
        items = agenda_pack.pack_items(meeting, pack.edition)
        if agenda_pack.pack_key(meeting, pack.edition, items) != pack.key:
            raise ValueError("An item changed before the pack could be rendered.")
        data = agenda_pack.render_pack(meeting, pack.edition, items)
    except Exception as error:
        logger.exception("Rendering agenda pack %s failed", pack_id)
        with transaction.atomic():
            current = _claim(pack_id)
            if current is not None:
                current.status = RegisterReportStatus.FAILED
                current.error = f"{type(error).__name__}: {error}"[:2000]
                current.finished_at = timezone.now()
                current.save()
        return RegisterReportStatus.FAILED.value
    with transaction.atomic():
        current = _claim(pack_id)
        if current is None:
            return "superseded"
        name = f"meeting-{meeting.pk}-{current.edition}-{current.key[:16]}.pdf"
        store_file(current.pdf, name, data)
        current.sha256 = hashlib.sha256(data).hexdigest()
        current.page_count = agenda_pack.page_count(data)
        current.status = RegisterReportStatus.READY
        current.finished_at = timezone.now()
        current.save()
    return RegisterReportStatus.READY.value
