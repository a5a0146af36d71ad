"""The register as it stood at a moment, rebuilt from the history tables."""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone

from . import access, charts, scoring
from .choices import Direction
from .models import Membership, Organisation, ReportingPeriod, Review, Risk


def end_of_day(day: date) -> datetime:
    """Return the last instant of a day in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.max))


def start_of_day(day: date) -> datetime:
    """Return the first instant of a day in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def snapshot(model: type[models.Model], moment: datetime) -> QuerySet:
    """Return `model.history.as_of(moment)` for a whole table, found faster.

    as_of() keeps each version that has no later one by the moment: an anti-join
    probed once per version (20 per risk). Here each object's last version time
    is found once, by a grouped scan of the (id, history_date) index, and its
    version joined to it: the same rows (ties and deletions alike). For 2,000
    risks of 20 versions: 98 → 14 ms on SQLite, 40 → 34 ms on PostgreSQL. For a
    few objects (filtered by id first) as_of() itself is the cheaper of the two.
    """
    history = model.history
    quote = connection.ops.quote_name
    table = quote(history.model._meta.db_table)
    pk, at = quote(history.model._meta.pk.column), quote("history_date")
    object_id = quote(model._meta.pk.column)
    # Only quoted names from the models' metadata are formatted in; the moment
    # is a parameter.
    sql = (
        f"SELECT h.{pk} FROM {table} h JOIN (SELECT {object_id}, MAX({at}) AS last "  # noqa: S608
        f"FROM {table} WHERE {at} <= %s GROUP BY {object_id}) l "
        f"ON h.{object_id} = l.{object_id} AND h.{at} = l.last"
    )
    queryset = history.filter(pk__in=RawSQL(sql, [moment]))  # noqa: S611
    queryset._as_of = moment  # as as_of() marks the instances it makes
    return queryset.as_instances()


def viewable_risks_as_at(user, moment: datetime) -> QuerySet[Risk]:
    """Return the risks as they stood at the moment, limited to what the user may see.

    Members see every risk their organisation held then (closed or since deleted
    included); risks of the other organisation only while an agreed link lets
    them see it now, so ending a link withdraws history too.
    """
    risks = snapshot(Risk, moment)
    if not user.is_authenticated or not user.is_active:
        return risks.none()
    if user.is_superuser:
        return risks
    own = Membership.objects.filter(user=user).values("organisation")
    visible_now = access.viewable_risks(user).values("pk")
    return risks.filter(models.Q(organisation__in=own) | models.Q(id__in=visible_now))


def children_as_at(model, moment: datetime, risk_ids) -> dict[int, list]:
    """Return the model's rows (controls, actions, reviews) per risk at the moment."""
    rows = model.history.as_of(moment).filter(risk_id__in=list(risk_ids))
    grouped: dict[int, list] = defaultdict(list)
    for row in rows.order_by("id"):
        grouped[row.risk_id].append(row)
    return grouped


def review_scores_as_at(
    moment: datetime, risk_ids
) -> dict[int, list[charts.ReviewScore]]:
    """Return each risk's review scores as at the moment, oldest quarter first."""
    # Scores only, as plain values (never a model instance per review), with
    # each review's period end and label read alongside rather than in a query
    # of their own.
    period = ReportingPeriod.objects.filter(pk=OuterRef("period_id"))
    rows = (
        Review.history.as_of(moment)
        .filter(risk_id__in=list(risk_ids))
        .annotate(
            period_end=Subquery(period.values("end")[:1]),
            period_label=Subquery(period.values("label")[:1]),
        )
        .order_by("id")
        .values_list("risk_id", "period_end", "period_label", "likelihood", "impact")
    )
    reviews: dict[int, list[charts.ReviewScore]] = defaultdict(list)
    for risk_id, end, label, likelihood, impact in rows:
        reviews[risk_id].append(
            charts.ReviewScore(
                end=end, label=label, score=scoring.score(likelihood, impact)
            )
        )
    for scores in reviews.values():
        scores.sort(key=lambda review: review.end)  # stable: ties stay by id
    return reviews


def directions_from(
    scores: dict[int, list[charts.ReviewScore]], risk_ids
) -> dict[int, Direction]:
    """Return each risk's direction of travel from its latest two review scores."""
    result = {}
    for risk_id in risk_ids:
        latest = [review.score for review in scores.get(risk_id, [])[-2:]]
        previous = latest[0] if len(latest) == 2 else None
        result[risk_id] = scoring.direction_of_travel(
            previous, latest[-1] if latest else None
        )
    return result


def directions_as_at(moment: datetime, risk_ids) -> dict[int, Direction]:
    """Return each risk's direction of travel from its reviews as at the moment."""
    risk_ids = list(risk_ids)
    return directions_from(review_scores_as_at(moment, risk_ids), risk_ids)


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


class HistoricalRows(Sequence):
    """The register rows as they stood, sorted in full but built a page at a time.

    Sorting needs only a few columns of every risk, read as plain values in one
    query; the rows of a page (risk, organisation, direction, owner) are built
    only when the page is sliced, so a page costs the same however long the
    register was. Paginator takes it like a list.
    """

    def __init__(self, risks: QuerySet, moment: datetime, sort: str, organisations):
        self._risks = risks
        self._moment = moment
        self._sort = sort
        self._organisations = organisations
        self._order: list[int] | None = None

    def _history_ids(self) -> list[int]:
        if self._order is None:
            # The snapshot's own order first, so that ties keep it, as before.
            keys = self._risks.order_by("-history_date", "-history_id").values_list(
                "history_id",
                "organisation_id",
                "reference",
                "current_likelihood",
                "current_impact",
            )
            keys = list(keys)
            if self._sort in ("score", "-score"):
                keys.sort(
                    key=lambda k: scoring.score(k[3], k[4]) or 0,
                    reverse=self._sort == "-score",
                )
            else:
                names = {pk: org.short_name for pk, org in self._organisations.items()}
                keys.sort(key=lambda k: (names[k[1]], k[2]))
            self._order = [k[0] for k in keys]
        return self._order

    def __len__(self) -> int:
        return len(self._history_ids())

    def __iter__(self) -> Iterator[HistoricalRow]:
        return iter(self[:])

    def __getitem__(self, index):
        if not isinstance(index, slice):
            rows = self[index : index + 1] if index != -1 else self[index:]
            if not rows:
                raise IndexError("register row index out of range")
            return rows[0]
        return self._build(self._history_ids()[index])

    def _build(self, history_ids: list[int]) -> list[HistoricalRow]:
        snapshot = Risk.history.filter(history_id__in=history_ids).as_instances()
        snapshot._as_of = self._moment  # as as_of() marks its instances
        by_history_id = {risk._history.history_id: risk for risk in snapshot}
        risks = [by_history_id[pk] for pk in history_ids if pk in by_history_id]
        directions = directions_as_at(self._moment, [r.pk for r in risks])
        user_model = get_user_model()
        owners = dict(
            user_model.objects.filter(pk__in={r.owner_id for r in risks}).values_list(
                "pk", user_model.USERNAME_FIELD
            )
        )
        return [
            HistoricalRow(
                risk=risk,
                organisation=self._organisations[risk.organisation_id],
                direction=directions[risk.pk],
                owner=owners.get(risk.owner_id, ""),
            )
            for risk in risks
        ]


def register_as_at(
    user,
    day: date,
    *,
    organisation: str = "",
    status: str = "",
    category: str = "",
    q: str = "",
    sort: str = "reference",
) -> HistoricalRows:
    """Return the register rows as they stood at the end of the day (a sequence)."""
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
    return HistoricalRows(risks, moment, sort, organisations)
