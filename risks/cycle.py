"""The quarterly cycle: review status per period, the period dashboard, to-do lists.

Reads only, each in a constant number of queries. Drift flags come from other
apps through `register_flag_source` (alignment registers its own in its
AppConfig.ready), so that `risks` never imports `alignment` (DESIGN.md §3).
"""

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import models
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from . import access, scoring
from .choices import Direction, RiskStatus
from .models import Action, Organisation, ReportingPeriod, Review, Risk
from .scoring import CLOSED_ACTION_STATUSES
from .selectors import Option

# --- Drift flags from other apps ----------------------------------------------

# A flag source takes risk ids and today's date and returns, for the risks it has
# something to say about, short labels such as
# "Scores differ (link with MPS-R01)".
FlagSource = Callable[[Collection[int], date], Mapping[int, list[str]]]
_flag_sources: list[FlagSource] = []


def register_flag_source(source: FlagSource) -> None:
    """Add a source of flags shown beside risks on the period dashboard."""
    if source not in _flag_sources:
        _flag_sources.append(source)


def flags_for(risk_ids: Collection[int], today: date) -> dict[int, list[str]]:
    """Return every registered source's flags for the risks, by risk id."""
    flags: dict[int, list[str]] = {}
    if not risk_ids:
        return flags
    for source in _flag_sources:
        for risk_id, labels in source(risk_ids, today).items():
            flags.setdefault(risk_id, []).extend(labels)
    return flags


# --- Review status ----------------------------------------------------------


class ReviewStatus(models.TextChoices):
    REVIEWED = "reviewed", "Reviewed"
    DUE = "due", "Due"
    OVERDUE = "overdue", "Overdue"


def review_status(
    *,
    reviewed: bool,
    period_end: date,
    next_review_date: date | None,
    today: date,
) -> ReviewStatus:
    """Say where a risk's review for a period stands on a given day.

    Not reviewed is overdue once the period has ended or the risk's own next
    review date has passed; until then it is due.
    """
    if reviewed:
        return ReviewStatus.REVIEWED
    if period_end < today or (
        next_review_date is not None and next_review_date < today
    ):
        return ReviewStatus.OVERDUE
    return ReviewStatus.DUE


def _count(rows: QuerySet, parent_field: str):
    """Return a subquery counting rows per parent, 0 when there are none."""
    counted = (
        rows.order_by().values(parent_field).annotate(n=Count("pk")).values("n")[:1]
    )
    return Coalesce(Subquery(counted), 0)


def overdue_actions(today: date) -> QuerySet[Action]:
    """Return the actions past their (revised) due date and still open."""
    return Action.objects.exclude(status__in=CLOSED_ACTION_STATUSES).filter(
        Q(revised_due_date__lt=today)
        | Q(revised_due_date__isnull=True, due_date__lt=today)
    )


# --- Opening periods ----------------------------------------------------------


@dataclass(frozen=True)
class Quarter:
    label: str
    start: date
    end: date


def quarter_of(day: date) -> Quarter:
    """Return the financial-year quarter (years start on 1 April) holding the day."""
    year = day.year if day.month >= 4 else day.year - 1
    number = (day.month - 4) % 12 // 3 + 1
    start_month = (number - 1) * 3 + 4
    start = date(year + (start_month - 1) // 12, (start_month - 1) % 12 + 1, 1)
    end_month = start.month + 3
    end = date(start.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return Quarter(
        label=f"{year}/{(year + 1) % 100:02d} Q{number}",
        start=start,
        end=end - timedelta(days=1),
    )


def next_quarter(organisation: Organisation, today: date) -> Quarter:
    """Suggest the period to open next: the quarter after the latest one, or now."""
    latest = (
        ReportingPeriod.objects.filter(organisation=organisation)
        .order_by("-end")
        .values_list("end", flat=True)
        .first()
    )
    return quarter_of(latest + timedelta(days=1) if latest else today)


def overlapping_periods(
    organisation: Organisation, start: date, end: date
) -> QuerySet[ReportingPeriod]:
    """Return the organisation's periods sharing at least one day with start–end."""
    return ReportingPeriod.objects.filter(
        organisation=organisation, start__lte=end, end__gte=start
    ).order_by("start")


# --- The period dashboard -----------------------------------------------------


@dataclass(frozen=True)
class DashboardRow:
    """One open risk of the organisation and where its review for the period is."""

    risk: Risk
    status: ReviewStatus
    review: Review | None
    reviewer_post: str
    previous_score: int | None
    score: int | None
    direction: Direction | None
    overdue_actions: int
    flags: list[str]

    @property
    def owner_username(self) -> str:
        return self.risk.owner.get_username() if self.risk.owner else ""


@dataclass(frozen=True)
class DashboardCounts:
    total: int
    reviewed: int
    due: int
    overdue: int
    overdue_actions: int
    flagged: int


@dataclass(frozen=True)
class PeriodDashboard:
    period: ReportingPeriod
    rows: list[DashboardRow]
    closed_in_period: list[Risk]
    counts: DashboardCounts
    owners: list[Option]

    @property
    def missing(self) -> list[Risk]:
        """The open risks with no review: what stops the period closing."""
        return [row.risk for row in self.rows if row.review is None]


def _dashboard_risks(period: ReportingPeriod, today: date) -> QuerySet[Risk]:
    earlier_reviews = (
        Review.objects.filter(
            risk=OuterRef("pk"),
            period__organisation_id=period.organisation_id,
            period__end__lt=period.start,
        )
        .order_by("-period__end", "-pk")
        .annotate(review_score=F("likelihood") * F("impact"))
        .values("review_score")
    )
    return (
        Risk.objects.filter(organisation_id=period.organisation_id)
        .open()
        .select_related("owner__membership")
        .annotate(
            previous_review_score=Subquery(earlier_reviews[:1]),
            overdue_actions_count=_count(
                overdue_actions(today).filter(risk=OuterRef("pk")), "risk"
            ),
        )
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=Review.objects.filter(period=period)
                .select_related("reviewed_by__membership")
                .order_by(),
                to_attr="period_reviews",
            )
        )
        .order_by("reference", "pk")
        .fetch_mode(models.FETCH_RAISE)
    )


def _post_of(user) -> str:
    membership = getattr(user, "membership", None)
    return membership.post_title if membership else ""


def _row(risk: Risk, period: ReportingPeriod, today: date, flags) -> DashboardRow:
    review = risk.period_reviews[0] if risk.period_reviews else None
    score = review.score if review else None
    previous = risk.previous_review_score
    return DashboardRow(
        risk=risk,
        status=review_status(
            reviewed=review is not None,
            period_end=period.end,
            next_review_date=risk.next_review_date,
            today=today,
        ),
        review=review,
        reviewer_post=_post_of(review.reviewed_by) if review else "",
        previous_score=previous,
        score=score,
        direction=scoring.direction_of_travel(previous, score) if review else None,
        overdue_actions=risk.overdue_actions_count,
        flags=flags.get(risk.pk, []),
    )


def period_dashboard(period: ReportingPeriod, today: date) -> PeriodDashboard:
    """Return every open risk of the period's organisation with its review status.

    Risks closed during the period are listed apart (they need no review); risks
    closed before it are left out. Three queries, plus one per flag source.
    """
    risks = list(_dashboard_risks(period, today))
    flags = flags_for([risk.pk for risk in risks], today)
    rows = [_row(risk, period, today, flags) for risk in risks]
    closed = list(
        Risk.objects.filter(
            organisation_id=period.organisation_id,
            status=RiskStatus.CLOSED,
            closed_on__range=(period.start, period.end),
        )
        .select_related("owner")
        .order_by("reference", "pk")
    )
    by_status = {status: 0 for status in ReviewStatus}
    for row in rows:
        by_status[row.status] += 1
    owners = {
        row.owner_username: _post_of(row.risk.owner) or row.risk.owner_post
        for row in rows
        if row.risk.owner
    }
    return PeriodDashboard(
        period=period,
        rows=rows,
        closed_in_period=closed,
        counts=DashboardCounts(
            total=len(rows),
            reviewed=by_status[ReviewStatus.REVIEWED],
            due=by_status[ReviewStatus.DUE],
            overdue=by_status[ReviewStatus.OVERDUE],
            overdue_actions=sum(row.overdue_actions for row in rows),
            flagged=sum(1 for row in rows if row.flags),
        ),
        owners=[
            Option(username, f"{username} ({post})")
            for username, post in sorted(owners.items())
        ],
    )


@dataclass(frozen=True)
class DashboardFilters:
    """The dashboard's GET filters, validated; unknown values are ignored."""

    status: str = ""
    owner: str = ""
    flagged: bool = False

    @classmethod
    def from_params(
        cls, params: Mapping[str, str], owners: Iterable[Option]
    ) -> "DashboardFilters":
        status = params.get("status", "")
        owner = params.get("owner", "")
        return cls(
            status=status if status in ReviewStatus.values else "",
            owner=owner if owner in {option.value for option in owners} else "",
            flagged=params.get("flagged") in {"1", "on", "yes", "true"},
        )

    @property
    def is_filtered(self) -> bool:
        return bool(self.status or self.owner or self.flagged)

    def apply(self, rows: Iterable[DashboardRow]) -> list[DashboardRow]:
        return [
            row
            for row in rows
            if (not self.status or row.status == self.status)
            and (not self.owner or row.owner_username == self.owner)
            and (not self.flagged or row.flags)
        ]


def status_options() -> list[Option]:
    return [Option(value, str(label)) for value, label in ReviewStatus.choices]


# --- Owners' to-do ------------------------------------------------------------


def current_open_periods(today: date) -> QuerySet[ReportingPeriod]:
    """Return the periods that have started and are not yet closed."""
    return ReportingPeriod.objects.open().filter(start__lte=today)


@dataclass(frozen=True)
class ReviewToDo:
    risk: Risk
    period: ReportingPeriod
    status: ReviewStatus


@dataclass(frozen=True)
class ActionToDo:
    action: Action
    days_overdue: int


@dataclass(frozen=True)
class ToDo:
    reviews: list[ReviewToDo] = field(default_factory=list)
    actions: list[ActionToDo] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.reviews or self.actions)

    @property
    def periods(self) -> list[ReportingPeriod]:
        """The periods the reviews are due in, earliest first."""
        unique = {item.period.pk: item.period for item in self.reviews}
        return sorted(unique.values(), key=lambda p: (p.start, p.pk))


def todo_for(user, today: date) -> ToDo:
    """Return the user's unreviewed risks in current open periods and late actions.

    Four queries whatever the number of risks.
    """
    mine = access.assigned_risks(user)
    open_risks = list(
        mine.open()
        .select_related("organisation")
        .order_by("reference", "pk")
        .fetch_mode(models.FETCH_RAISE)
    )
    reviews: list[ReviewToDo] = []
    if open_risks:
        periods = list(
            current_open_periods(today)
            .filter(organisation_id__in={risk.organisation_id for risk in open_risks})
            .order_by("start", "pk")
        )
        done = set(
            Review.objects.filter(
                period__in=periods, risk_id__in=[risk.pk for risk in open_risks]
            ).values_list("risk_id", "period_id")
        )
        reviews = [
            ReviewToDo(
                risk=risk,
                period=period,
                status=review_status(
                    reviewed=False,
                    period_end=period.end,
                    next_review_date=risk.next_review_date,
                    today=today,
                ),
            )
            for period in periods
            for risk in open_risks
            if risk.organisation_id == period.organisation_id
            and (risk.pk, period.pk) not in done
        ]
    late = (
        overdue_actions(today)
        .filter(risk__in=mine.exclude(status=RiskStatus.CLOSED).values("pk"))
        .select_related("risk")
        .order_by("revised_due_date", "due_date", "risk__reference", "pk")
        .fetch_mode(models.FETCH_RAISE)
    )
    actions = [
        ActionToDo(action=a, days_overdue=(today - a.effective_due_date).days)
        for a in late
    ]
    actions.sort(key=lambda item: (-item.days_overdue, item.action.risk.reference))
    return ToDo(reviews=reviews, actions=actions)


@dataclass(frozen=True)
class PeriodProgress:
    period: ReportingPeriod
    reviewed: int
    total: int


def period_progress(organisations: QuerySet[Organisation]) -> list[PeriodProgress]:
    """Return how far each open period of the organisations has got: one query."""
    open_risks = Risk.objects.filter(
        organisation=OuterRef("organisation"), status=RiskStatus.OPEN
    )
    reviewed = Review.objects.filter(
        period=OuterRef("pk"), risk__status=RiskStatus.OPEN
    )
    periods = (
        ReportingPeriod.objects.open()
        .filter(organisation__in=organisations)
        .select_related("organisation")
        .annotate(
            open_risks_count=_count(open_risks, "organisation"),
            reviewed_count=_count(reviewed, "period"),
        )
        .order_by("organisation__short_name", "start", "pk")
    )
    return [
        PeriodProgress(
            period=period, reviewed=period.reviewed_count, total=period.open_risks_count
        )
        for period in periods
    ]
