"""Writes to the risk register: every change validated, versioned and recorded."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import partial

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from audit.models import Occasion
from audit.tasks import seal_history_task

from . import access
from .choices import RiskStatus, Role
from .models import (
    Action,
    Control,
    Organisation,
    ReportingPeriod,
    Review,
    Risk,
    RiskUserObjectPermission,
    Theme,
)
from .recording import (
    StaleVersionError,
    apply_changes,
    check_version,
    claim_version,
    record,
    record_delete,
)

__all__ = ["StaleVersionError"]

RISK_EDITABLE_FIELDS = (
    "reference",
    "title",
    "cause",
    "event",
    "effect",
    "category",
    "owner_post",
    "horizon",
    "treatment",
    "inherent_likelihood",
    "inherent_impact",
    "current_likelihood",
    "current_impact",
    "target_likelihood",
    "target_impact",
    "target_date",
    "appetite",
    "proximity",
    "marking",
    "public_summary",
    "next_review_date",
)
CONTROL_FIELDS = (
    "description",
    "control_type",
    "owner_post",
    "effectiveness",
    "assurance_line",
)
ACTION_FIELDS = ("description", "owner_post", "due_date", "revised_due_date", "status")


def _today(at: datetime | None) -> date:
    return timezone.localdate(at) if at else timezone.localdate()


def _require_edit(user, risk: Risk) -> None:
    if not access.can_edit_risk(user, risk):
        raise PermissionDenied("You may not change this risk.")


def _require_manage(user, organisation: Organisation) -> None:
    if not access.can_manage_register(user, organisation):
        raise PermissionDenied(
            f"Only {organisation.short_name} governance officers may do this."
        )


def _require_not_closed(risk: Risk) -> None:
    if risk.status == RiskStatus.CLOSED:
        raise ValidationError("This risk is closed; it can no longer be changed.")


def _grant_change(risk: Risk, user, *, by, reason: str, at: datetime | None) -> None:
    permission = Permission.objects.get(
        content_type__app_label="risks", codename=access.CHANGE_RISK
    )
    if RiskUserObjectPermission.objects.filter(
        content_object=risk, user=user, permission=permission
    ).exists():
        return
    grant = RiskUserObjectPermission(
        content_object=risk, user=user, permission=permission
    )
    record(grant, user=by, reason=reason, at=at)


def _revoke_change(risk: Risk, user, *, by, reason: str, at: datetime | None) -> None:
    grants = RiskUserObjectPermission.objects.filter(
        content_object=risk, user=user, permission__codename=access.CHANGE_RISK
    )
    for grant in grants:  # one by one so that history records each removal
        record_delete(grant, user=by, reason=reason, at=at)


def _check_owner(organisation: Organisation, owner) -> None:
    if owner is None:
        return
    membership = access.membership_of(owner)
    if (
        membership is None
        or membership.organisation_id != organisation.pk
        or membership.role == Role.READER
    ):
        raise ValidationError(
            {
                "owner": f"The owner must be a {organisation.short_name} risk owner "
                "or governance officer."
            }
        )


# --- Risks ------------------------------------------------------------------


@transaction.atomic
def risk_create(
    *,
    organisation: Organisation,
    user,
    data: dict,
    owner=None,
    themes: Iterable[Theme] = (),
    reason: str = "",
    at: datetime | None = None,
) -> Risk:
    """Create a risk in the organisation's register."""
    _require_manage(user, organisation)
    _check_owner(organisation, owner)
    risk = Risk(organisation=organisation, owner=owner)
    apply_changes(risk, data, (*RISK_EDITABLE_FIELDS, "status"))
    if risk.status == RiskStatus.CLOSED:
        raise ValidationError({"status": "A new risk cannot be closed."})
    record(risk, user=user, reason=reason or "Risk created", at=at)
    risk.themes.set(themes)
    if owner is not None:
        _grant_change(risk, owner, by=user, reason="Risk owner assigned", at=at)
    return risk


@transaction.atomic
def risk_update(
    *,
    risk: Risk,
    user,
    data: dict,
    expected_version: int | None = None,
    themes: Iterable[Theme] | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Risk:
    """Change a risk's fields; skip the save when nothing changed."""
    _require_edit(user, risk)
    fresh = Risk.objects.get(pk=risk.pk)
    check_version(fresh, expected_version)
    _require_not_closed(fresh)
    if (
        "reference" in data
        and data["reference"] != fresh.reference
        and not access.can_manage_register(user, fresh.organisation)
    ):
        raise PermissionDenied("Only governance officers may change a reference.")
    changed = apply_changes(fresh, data, RISK_EDITABLE_FIELDS)
    themes_changed = themes is not None and {t.pk for t in themes} != set(
        fresh.themes.values_list("pk", flat=True)
    )
    if not changed and not themes_changed:
        return fresh
    claim_version(fresh, expected_version)
    record(fresh, user=user, reason=reason, at=at)
    if themes_changed:
        fresh.themes.set(themes)
    return fresh


@transaction.atomic
def risk_close(*, risk: Risk, user, reason: str, at: datetime | None = None) -> Risk:
    """Close a risk that no longer needs managing (governance only)."""
    _require_manage(user, risk.organisation)
    fresh = Risk.objects.get(pk=risk.pk)
    _require_not_closed(fresh)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the risk is being closed."})
    claim_version(fresh, None)
    fresh.status = RiskStatus.CLOSED
    fresh.closed_on = _today(at)
    record(fresh, user=user, reason=reason, at=at)
    return fresh


@transaction.atomic
def risk_assign_owner(
    *,
    risk: Risk,
    owner,
    owner_post: str,
    user,
    reason: str = "",
    at: datetime | None = None,
) -> Risk:
    """Make a user the risk's owner, moving the edit permission with it."""
    _require_manage(user, risk.organisation)
    fresh = Risk.objects.get(pk=risk.pk)
    _require_not_closed(fresh)
    _check_owner(fresh.organisation, owner)
    previous = fresh.owner
    if previous == owner and fresh.owner_post == owner_post:
        return fresh
    claim_version(fresh, None)
    fresh.owner, fresh.owner_post = owner, owner_post
    record(fresh, user=user, reason=reason or "Risk owner changed", at=at)
    if previous is not None and previous != owner:
        _revoke_change(fresh, previous, by=user, reason="No longer risk owner", at=at)
    if owner is not None:
        _grant_change(fresh, owner, by=user, reason="Risk owner assigned", at=at)
    return fresh


@transaction.atomic
def risk_delegate_add(
    *, risk: Risk, delegate, user, reason: str = "", at: datetime | None = None
) -> None:
    """Let another risk owner of the organisation edit this risk."""
    _require_manage(user, risk.organisation)
    _require_not_closed(risk)
    _check_owner(risk.organisation, delegate)
    _grant_change(risk, delegate, by=user, reason=reason or "Delegate added", at=at)


@transaction.atomic
def risk_delegate_remove(
    *, risk: Risk, delegate, user, reason: str = "", at: datetime | None = None
) -> None:
    """Withdraw a delegate's edit permission (the owner keeps theirs)."""
    _require_manage(user, risk.organisation)
    if delegate == risk.owner:
        raise ValidationError("Assign a new owner instead of removing the owner.")
    _revoke_change(risk, delegate, by=user, reason=reason or "Delegate removed", at=at)


def risk_delegates(risk: Risk) -> list:
    """Return the users, other than the owner, who may edit the risk by delegation."""
    grants = RiskUserObjectPermission.objects.filter(
        content_object=risk, permission__codename=access.CHANGE_RISK
    ).select_related("user")
    return [g.user for g in grants if g.user_id != risk.owner_id]


# --- Controls and actions ---------------------------------------------------


def _child_create(model, fields, *, risk, user, data, reason, at):
    _require_edit(user, risk)
    _require_not_closed(risk)
    child = model(risk=risk)
    apply_changes(child, data, fields)
    record(child, user=user, reason=reason, at=at)
    return child


def _child_update(instance, fields, *, user, data, expected_version, reason, at):
    _require_edit(user, instance.risk)
    _require_not_closed(instance.risk)
    fresh = type(instance).objects.select_related("risk").get(pk=instance.pk)
    check_version(fresh, expected_version)
    if not apply_changes(fresh, data, fields):
        return fresh
    claim_version(fresh, expected_version)
    record(fresh, user=user, reason=reason, at=at)
    return fresh


def _child_delete(instance, *, user, reason, at) -> None:
    _require_edit(user, instance.risk)
    _require_not_closed(instance.risk)
    record_delete(instance, user=user, reason=reason, at=at)


@transaction.atomic
def control_create(
    *, risk: Risk, user, data: dict, reason: str = "", at: datetime | None = None
) -> Control:
    """Add a control to a risk."""
    return _child_create(
        Control, CONTROL_FIELDS, risk=risk, user=user, data=data, reason=reason, at=at
    )


@transaction.atomic
def control_update(
    *,
    control: Control,
    user,
    data: dict,
    expected_version: int | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Control:
    """Change a control; skip the save when nothing changed."""
    return _child_update(
        control,
        CONTROL_FIELDS,
        user=user,
        data=data,
        expected_version=expected_version,
        reason=reason,
        at=at,
    )


@transaction.atomic
def control_delete(
    *, control: Control, user, reason: str = "", at: datetime | None = None
) -> None:
    """Remove a control (its history is kept)."""
    _child_delete(control, user=user, reason=reason, at=at)


@transaction.atomic
def action_create(
    *, risk: Risk, user, data: dict, reason: str = "", at: datetime | None = None
) -> Action:
    """Add an action to a risk."""
    return _child_create(
        Action, ACTION_FIELDS, risk=risk, user=user, data=data, reason=reason, at=at
    )


@transaction.atomic
def action_update(
    *,
    action: Action,
    user,
    data: dict,
    expected_version: int | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Action:
    """Change an action; skip the save when nothing changed."""
    return _child_update(
        action,
        ACTION_FIELDS,
        user=user,
        data=data,
        expected_version=expected_version,
        reason=reason,
        at=at,
    )


@transaction.atomic
def action_delete(
    *, action: Action, user, reason: str = "", at: datetime | None = None
) -> None:
    """Remove an action (its history is kept)."""
    _child_delete(action, user=user, reason=reason, at=at)


# --- Periods and reviews ----------------------------------------------------


def next_quarter_end(day: date) -> date:
    """Return the last day of the quarter after the one containing the day."""
    month = ((day.month - 1) // 3 + 1) * 3 + 3  # end month of next quarter
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    first_of_following = date(year + month // 12, month % 12 + 1, 1)
    return first_of_following - timedelta(days=1)


@transaction.atomic
def period_create(
    *,
    organisation: Organisation,
    label: str,
    start: date,
    end: date,
    user,
    at: datetime | None = None,
) -> ReportingPeriod:
    """Open a reporting period for the organisation."""
    _require_manage(user, organisation)
    overlapping = (
        ReportingPeriod.objects.select_for_update()
        .filter(organisation=organisation, start__lte=end, end__gte=start)
        .first()
    )
    if overlapping is not None:
        raise ValidationError(
            {
                "start": f"These dates overlap {overlapping.label} "
                f"({overlapping.start:%-d %B %Y} to {overlapping.end:%-d %B %Y})."
            }
        )
    period = ReportingPeriod(
        organisation=organisation, label=label, start=start, end=end
    )
    record(period, user=user, reason="Period opened", at=at)
    return period


@transaction.atomic
def review_record(
    *,
    risk: Risk,
    period: ReportingPeriod,
    user,
    likelihood: int,
    impact: int,
    commentary: str,
    reviewed_on: date | None = None,
    at: datetime | None = None,
) -> Review:
    """Record (or revise) the quarterly review of a risk; the risk takes its score."""
    _require_edit(user, risk)
    if period.organisation_id != risk.organisation_id:
        raise ValidationError(
            {"period": "That period belongs to another organisation."}
        )
    if period.is_closed:
        raise ValidationError(
            {"period": f"{period.label} is closed; its reviews are frozen."}
        )
    _require_not_closed(risk)
    review = Review.objects.filter(risk=risk, period=period).first() or Review(
        risk=risk, period=period
    )
    review.likelihood, review.impact, review.commentary = likelihood, impact, commentary
    review.reviewed_by = user
    review.reviewed_on = reviewed_on or _today(at)
    reason = f"Quarterly review {period.label}"
    record(review, user=user, reason=reason, at=at)
    risk_update(
        risk=risk,
        user=user,
        data={
            "current_likelihood": likelihood,
            "current_impact": impact,
            "next_review_date": next_quarter_end(period.end),
        },
        reason=reason,
        at=at,
    )
    return review


def period_missing_reviews(period: ReportingPeriod) -> models.QuerySet[Risk]:
    """Return the open risks of the period's organisation with no review in it."""
    return (
        Risk.objects.filter(organisation_id=period.organisation_id)
        .open()
        .exclude(reviews__period=period)
        .order_by("reference")
    )


@transaction.atomic
def period_close(
    *, period: ReportingPeriod, user, at: datetime | None = None
) -> ReportingPeriod:
    """Close a period once every open risk is reviewed; its reviews then freeze."""
    _require_manage(user, period.organisation)
    fresh = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if fresh.is_closed:
        raise ValidationError(f"{fresh.label} is already closed.")
    missing = list(period_missing_reviews(fresh).values_list("reference", flat=True))
    if missing:
        raise ValidationError(
            f"{fresh.label} cannot close: no review yet for {', '.join(missing)}.",
            code="missing_reviews",
            params={"missing": missing},
        )
    fresh.is_closed = True
    fresh.closed_at = at or timezone.now()
    fresh.closed_by = user
    record(fresh, user=user, reason="Period closed", at=at)
    # Seal the history as it stands at the close, once the close is committed.
    transaction.on_commit(
        partial(
            seal_history_task.enqueue,
            occasion=Occasion.PERIOD_CLOSE,
            note=f"{fresh.organisation.short_name} {fresh.label} closed",
        )
    )
    return fresh
