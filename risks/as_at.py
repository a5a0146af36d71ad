"""The register as it stood at a moment, rebuilt from the history tables."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from . import access, scoring
from .choices import Direction
from .models import Membership, Organisation, ReportingPeriod, Review, Risk


def end_of_day(day: date) -> datetime:
    """Return the last instant of a day in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.max))


def start_of_day(day: date) -> datetime:
    """Return the first instant of a day in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def viewable_risks_as_at(user, moment: datetime) -> QuerySet[Risk]:
    """Return the risks as they stood at the moment, limited to what the user may see.

    Members see every risk their organisation held then (closed or since deleted
    included); risks of the other organisation only while an agreed link lets
    them see it now, so ending a link withdraws history too.
    """
    snapshot = Risk.history.as_of(moment)
    if not user.is_authenticated or not user.is_active:
        return snapshot.none()
    if user.is_superuser:
        return snapshot
    own = Membership.objects.filter(user=user).values("organisation")
    visible_now = access.viewable_risks(user).values("pk")
    return snapshot.filter(
        models.Q(organisation__in=own) | models.Q(id__in=visible_now)
    )


def children_as_at(model, moment: datetime, risk_ids) -> dict[int, list]:
    """Return the model's rows (controls, actions, reviews) per risk at the moment."""
    rows = model.history.as_of(moment).filter(risk_id__in=list(risk_ids))
    grouped: dict[int, list] = defaultdict(list)
    for row in rows.order_by("id"):
        grouped[row.risk_id].append(row)
    return grouped


def directions_as_at(moment: datetime, risk_ids) -> dict[int, Direction]:
    """Return each risk's direction of travel from its reviews as at the moment."""
    reviews = children_as_at(Review, moment, risk_ids)
    period_ends = dict(ReportingPeriod.objects.values_list("pk", "end"))
    result = {}
    for risk_id in risk_ids:
        ordered = sorted(
            reviews.get(risk_id, []), key=lambda r: (period_ends.get(r.period_id), r.pk)
        )
        scores = [r.score for r in ordered[-2:]]
        previous = scores[0] if len(scores) == 2 else None
        result[risk_id] = scoring.direction_of_travel(
            previous, scores[-1] if scores else None
        )
    return result


@dataclass(frozen=True)
class HistoricalRow:
    """A register row as it stood: the risk, its organisation and travel."""

    risk: Risk
    organisation: Organisation
    direction: Direction
    owner: str


def parse_as_at(raw: str | None) -> date | None:
    """Read an as-at date (YYYY-MM-DD); None when absent or invalid."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def register_as_at(
    user,
    day: date,
    *,
    organisation: str = "",
    status: str = "",
    category: str = "",
    q: str = "",
    sort: str = "reference",
) -> list[HistoricalRow]:
    """Return the register rows as they stood at the end of the day."""
    moment = end_of_day(day)
    risks = viewable_risks_as_at(user, moment)
    organisations = {o.pk: o for o in Organisation.objects.all()}
    if organisation:
        risks = risks.filter(
            organisation_id__in=[
                o.pk for o in organisations.values() if o.slug == organisation
            ]
        )
    if status:
        risks = risks.filter(status=status)
    if category:
        risks = risks.filter(category=category)
    if q:
        risks = risks.filter(
            models.Q(reference__icontains=q)
            | models.Q(title__icontains=q)
            | models.Q(cause__icontains=q)
            | models.Q(event__icontains=q)
            | models.Q(effect__icontains=q)
        )
    risks = list(risks)
    directions = directions_as_at(moment, [r.pk for r in risks])
    user_model = get_user_model()
    owners = dict(
        user_model.objects.filter(pk__in={r.owner_id for r in risks}).values_list(
            "pk", user_model.USERNAME_FIELD
        )
    )
    rows = [
        HistoricalRow(
            risk=risk,
            organisation=organisations[risk.organisation_id],
            direction=directions[risk.pk],
            owner=owners.get(risk.owner_id, ""),
        )
        for risk in risks
    ]
    if sort in ("score", "-score"):
        rows.sort(key=lambda r: r.risk.current_score or 0, reverse=sort == "-score")
    else:
        rows.sort(key=lambda r: (r.organisation.short_name, r.risk.reference))
    return rows
