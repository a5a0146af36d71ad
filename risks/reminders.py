"""Daily reminder digests: what each risk owner has due or overdue.

A digest lists the reviews not yet recorded in the current open periods of the
owner's organisation and their overdue actions — the same to-do the landing page
shows (cycle.todo_for). At most one digest per person per day (ReminderLog).
"""

import logging
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse

from . import access, cycle
from .choices import RiskStatus
from .models import ReminderLog, Risk
from .models import RiskUserObjectPermission as Grant

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    """Return a link for an email: SITE_URL plus the path."""
    return settings.SITE_URL.rstrip("/") + path


def recipients() -> QuerySet:
    """Return the active users who own, or are delegated, risks not yet closed."""
    live = Risk.objects.exclude(status=RiskStatus.CLOSED)
    delegated = Grant.objects.filter(
        permission__codename=access.CHANGE_RISK, content_object__in=live
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(pk__in=live.values("owner")) | Q(pk__in=delegated.values("user")))
        .select_related("membership")
        .order_by("username")
    )


@dataclass(frozen=True)
class ReviewLine:
    reference: str
    title: str
    status: str
    url: str


@dataclass(frozen=True)
class PeriodSection:
    """The reviews due in one period, with the period's label and dates."""

    organisation: str
    label: str
    start: date
    end: date
    reviews: list[ReviewLine]


@dataclass(frozen=True)
class ActionLine:
    reference: str
    description: str
    owner_post: str
    due: date
    days_overdue: int
    url: str


@dataclass(frozen=True)
class Digest:
    user: object
    post_title: str
    today: date
    periods: list[PeriodSection] = field(default_factory=list)
    actions: list[ActionLine] = field(default_factory=list)

    @property
    def review_count(self) -> int:
        return sum(len(section.reviews) for section in self.periods)

    @property
    def subject(self) -> str:
        parts = []
        if self.review_count:
            parts.append(f"{_plural(self.review_count, 'review')} to record")
        if self.actions:
            parts.append(_plural(len(self.actions), "overdue action"))
        return f"Risk register reminder: {', '.join(parts)}"

    def summary(self) -> str:
        return (
            f"{_plural(self.review_count, 'review')}, "
            f"{_plural(len(self.actions), 'overdue action')}"
        )


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def build_digest(user, today: date) -> Digest | None:
    """Return the user's digest for the day, or None when nothing is due."""
    todo = cycle.todo_for(user, today)
    if not todo:
        return None
    membership = getattr(user, "membership", None)
    periods = [
        PeriodSection(
            organisation=period.organisation.short_name,
            label=period.label,
            start=period.start,
            end=period.end,
            reviews=[
                ReviewLine(
                    reference=item.risk.reference,
                    title=item.risk.title,
                    status=item.status.label,
                    url=absolute_url(
                        reverse("risks:review_create", args=[item.risk.pk])
                    ),
                )
                for item in todo.reviews
                if item.period.pk == period.pk
            ],
        )
        for period in todo.periods
    ]
    actions = [
        ActionLine(
            reference=item.action.risk.reference,
            description=item.action.description,
            owner_post=item.action.owner_post,
            due=item.action.effective_due_date,
            days_overdue=item.days_overdue,
            url=absolute_url(reverse("risks:action_update", args=[item.action.pk])),
        )
        for item in todo.actions
    ]
    return Digest(
        user=user,
        post_title=membership.post_title if membership else "",
        today=today,
        periods=periods,
        actions=actions,
    )


def render_digest(digest: Digest) -> EmailMultiAlternatives:
    """Return the digest as an email with a plain-text and an HTML part."""
    context = {"digest": digest, "home_url": absolute_url(reverse("dashboard"))}
    message = EmailMultiAlternatives(
        subject=digest.subject,
        body=render_to_string("risks/email/digest.txt", context),
        to=[digest.user.email],
    )
    message.attach_alternative(
        render_to_string("risks/email/digest.html", context), "text/html"
    )
    return message


def _claim(user, today: date) -> bool:
    """Write today's log row for the user; False if one is already there."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(user=user, sent_on=today)
    except IntegrityError:
        return False
    return True


@dataclass
class ReminderRun:
    sent: list[Digest] = field(default_factory=list)
    would_send: list[Digest] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (username, why)
    failed: list[str] = field(default_factory=list)


def send_reminders(*, today: date, dry_run: bool = False) -> ReminderRun:
    """Send each owner with something due one digest for the day, at most once."""
    run = ReminderRun()
    done_today = set(
        ReminderLog.objects.filter(sent_on=today).values_list("user_id", flat=True)
    )
    for user in recipients():
        name = user.get_username()
        if user.pk in done_today:
            run.skipped.append((name, "already sent today"))
            continue
        digest = build_digest(user, today)
        if digest is None:
            run.skipped.append((name, "nothing due"))
            continue
        if not user.email:
            run.skipped.append((name, "no email address"))
            continue
        if dry_run:
            run.would_send.append(digest)
            continue
        # Claim the day first, then send; undo the claim if sending fails. The
        # unique (user, day) row is what stops a second digest — also from a
        # second copy of the job running at the same time — so it must exist
        # before the email leaves. A crash between the two loses that day's
        # digest (the next day's lists the same items) rather than sending twice.
        if not _claim(user, today):
            run.skipped.append((name, "already sent today"))
            continue
        try:
            render_digest(digest).send()
        except Exception:
            logger.exception("Reminder digest to %s failed", name)
            ReminderLog.objects.filter(user=user, sent_on=today).delete()
            run.failed.append(name)
        else:
            run.sent.append(digest)
    return run
