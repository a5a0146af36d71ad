"""Sending notifications: after the transaction commits, by a task, at most once.

`notify` is called by the services that make events happen (clearing and
publishing papers, alignment, questions). It only queues a task for when the
transaction commits, so a rolled-back change tells no one. The task writes one
Delivery row per event and person before sending: a second run of the same task
finds the row and sends nothing.
"""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from risks.recording import record
from risks.reminders import absolute_url

from . import events
from .models import Delivery, Kind, Preference
from .recipients import kinds_for

logger = logging.getLogger(__name__)

# Set while loading the demo: its events happened years ago and tell no one.
_suppressed: ContextVar[bool] = ContextVar("notifications_suppressed", default=False)


@contextmanager
def suppressed() -> Iterator[None]:
    """Queue no notifications for events in this block (the demo loader)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def notify(kind: Kind, object_id: int) -> None:
    """Queue the notification of an event, to be sent once the transaction commits."""
    if _suppressed.get():
        return
    from .tasks import send_notification  # the task module imports this one

    transaction.on_commit(
        partial(send_notification.enqueue, kind=str(kind), object_id=object_id)
    )


def _greeting(user) -> str:
    membership = getattr(user, "membership", None)
    if membership is not None:
        return membership.post_title
    panel_member = getattr(user, "panel_member", None)
    return panel_member.post_title if panel_member is not None else "colleague"


def render_message(event: events.Event, user) -> EmailMultiAlternatives:
    """Return the event's e-mail to one person, as plain text and HTML."""
    context = {
        "event": event,
        "greeting": _greeting(user),
        "url": absolute_url(event.path) if event.path else "",
        "preferences_url": absolute_url(reverse("notifications:preferences")),
    }
    message = EmailMultiAlternatives(
        subject=event.subject,
        body=render_to_string("notifications/email/notification.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("notifications/email/notification.html", context),
        "text/html",
    )
    return message


def _claim(event: events.Event, user) -> bool:
    """Write the delivery row; False if this person already had this event."""
    try:
        with transaction.atomic():
            Delivery.objects.create(
                event=event.key, kind=event.kind, recipient=user, sent_at=timezone.now()
            )
    except IntegrityError:
        return False
    return True


def _opted_out(kind: str) -> set[int]:
    return set(
        Preference.objects.filter(kind=kind, enabled=False).values_list(
            "user_id", flat=True
        )
    )


def deliver(kind: str, object_id: int) -> list[str]:
    """Send the event's e-mail to each recipient not yet sent it; return who got it."""
    event = events.build(kind, object_id)
    if event is None:
        return []
    opted_out = _opted_out(kind)
    sent = []
    recipients = event.recipients.select_related("membership", "panel_member")
    for user in recipients.order_by("username"):
        if user.pk in opted_out or not user.email:
            continue
        # Claim, then send; a failed send gives the claim back so that a retry
        # sends it. A crash between the two loses one e-mail rather than
        # sending it twice.
        if not _claim(event, user):
            continue
        try:
            render_message(event, user).send()
        except Exception:
            logger.exception("Notification %s to %s failed", event.key, user.pk)
            Delivery.objects.filter(event=event.key, recipient=user).delete()
            continue
        sent.append(user.get_username())
    return sent


# --- Preferences ----------------------------------------------------------------


def preferences_of(user) -> dict[Kind, bool]:
    """Return, for each kind the user may receive, whether they receive it."""
    off = set(
        Preference.objects.filter(user=user, enabled=False).values_list(
            "kind", flat=True
        )
    )
    return {kind: kind not in off for kind in kinds_for(user)}


@transaction.atomic
def preferences_save(*, user, wanted: Iterable[str]) -> list[Kind]:
    """Turn the user's notifications on for `wanted` kinds and off for the rest.

    Only kinds the user may receive are stored; returns the kinds changed.
    """
    wanted = set(wanted)
    rows = {p.kind: p for p in Preference.objects.filter(user=user)}
    changed = []
    for kind in kinds_for(user):
        enabled = kind in wanted
        row = rows.get(kind)
        if (row.enabled if row else True) == enabled:
            continue
        row = row or Preference(user=user, kind=kind)
        row.enabled = enabled
        state = "on" if enabled else "off"
        record(row, user=user, reason=f"E-mails turned {state}: {kind.label}", at=None)
        changed.append(kind)
    return changed
