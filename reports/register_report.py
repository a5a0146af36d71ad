"""One organisation's corporate risk register as at a period end: its data.

The HTML and the PDF are made from this by reports/register_pdf.py.

Everything is read from the history tables as at the end of the period, in a
constant number of queries whatever the size of the register, and grouped in
Python. Rendering the report again later gives the same report however much the
register has changed since.

What is in it: the open risks as at the period end, one entry each; risks closed
during the period are listed at the end; draft risks and risks closed before the
period started are left out.
"""

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import ClassVar

from django.db.models import Q, Subquery
from django.template.defaultfilters import pluralize, truncatechars
from django.utils.formats import date_format
from django.utils.translation import get_language

from risks import as_at, charts, scoring
from risks.choices import (
    ActionStatus,
    Appetite,
    AssuranceLine,
    Category,
    ControlType,
    Direction,
    Effectiveness,
    Marking,
    RiskStatus,
)
from risks.models import Action, Control, Organisation, ReportingPeriod, Review, Risk
from risks.selectors import RATINGS, HeatMap, heat_map_rows

from .rendering import w3c_date

TITLE = "Corporate risk register"
SCOPE_NOTE = (
    "Open risks as at the end of the period. Risks closed during the period are "
    "listed at the end; draft risks and risks closed before the period are not "
    "included."
)

# The column headers of the report's tables, the same in the PDF and in Word.
GLANCE_COLUMNS = (
    "Ref.",
    "Title",
    "Owner",
    "Current → target",
    "Travel",
    "Appetite",
    "Next review",
)
CONTROL_COLUMNS = ("Control", "Type", "Effectiveness", "Assurance")
ACTION_COLUMNS = ("Action", "Owner", "Due", "Status")


def _short_date(day: date | None) -> str:
    return _date_in(day, get_language()) if day else ""


@lru_cache(maxsize=4096)
def _date_in(day: date, language: str) -> str:
    """Format a date once: a 1,000-risk report prints a few dates thousands of times."""
    return date_format(day, "j M Y")


def _shortened(text: str, length: int) -> str:
    """As the truncatechars filter, without its cost for the many texts that fit."""
    return text if len(text) <= length else truncatechars(text, length)


class PeriodNotFoundError(LookupError):
    """The organisation has no reporting period with that label (or none at all)."""

    def __init__(
        self,
        organisation: Organisation,
        label: str | None,
        periods: list[ReportingPeriod],
    ):
        self.organisation = organisation
        self.label = label
        self.periods = periods  # the ones it does have, latest first
        if label:
            shown = label if len(label) <= 40 else f"{label[:40]}…"
            message = (
                f"{organisation.short_name} has no reporting period called “{shown}”."
            )
        else:
            message = f"{organisation.short_name} has no reporting periods yet."
        super().__init__(message)


# --- Reporting periods ------------------------------------------------------


def organisation_periods(organisation: Organisation) -> list[ReportingPeriod]:
    """Return the organisation's reporting periods, latest first."""
    return list(
        ReportingPeriod.objects.filter(organisation=organisation).order_by(
            "-end", "-pk"
        )
    )


def choose_period(
    periods: list[ReportingPeriod], organisation: Organisation, label: str | None
) -> ReportingPeriod:
    """Return the period with the label, else the latest closed (or latest) one."""
    label = (label or "").strip()
    if label:
        for period in periods:
            if period.label == label:
                return period
        raise PeriodNotFoundError(organisation, label, periods)
    closed = [period for period in periods if period.is_closed]
    chosen = closed or periods
    if not chosen:
        raise PeriodNotFoundError(organisation, None, periods)
    return chosen[0]


def previous_period(
    periods: Iterable[ReportingPeriod], period: ReportingPeriod
) -> ReportingPeriod | None:
    """Return the organisation's period that ended last before this one ends."""
    earlier = [p for p in periods if p.end < period.end and p.pk != period.pk]
    return max(earlier, key=lambda p: (p.end, p.pk), default=None)


# --- The report's data ------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """A likelihood × impact pair and what it derives to."""

    likelihood: int | None
    impact: int | None

    @property
    def value(self) -> int | None:
        return scoring.score(self.likelihood, self.impact)

    @property
    def band(self) -> scoring.Band | None:
        return scoring.band_for(self.value)

    @property
    def text(self) -> str:
        """E.g. "3 × 4 = 12 High", as the report prints it."""
        if not self.value:
            return "not scored"
        return f"{self.likelihood} × {self.impact} = {self.value} {self.band.label}"


@dataclass(frozen=True)
class ReportControl:
    description: str
    control_type: str
    effectiveness: str
    assurance_line: str
    owner_post: str


@dataclass(frozen=True)
class ReportAction:
    risk_reference: str
    risk_anchor: str
    description: str
    owner_post: str
    due: date
    originally_due: date | None  # set when the due date was revised
    status: str
    overdue: bool
    days_overdue: int

    @property
    def due_text(self) -> str:
        """The entry table's Due cell: "31 Aug 2019 (revised from 30 Jun 2019)"."""
        if self.originally_due:
            return (
                f"{_short_date(self.due)} (revised from "
                f"{_short_date(self.originally_due)})"
            )
        return _short_date(self.due)

    @property
    def overdue_text(self) -> str:
        """Printed in bold after the status: "Overdue by 30 days", or nothing."""
        if not self.overdue:
            return ""
        return f"Overdue by {self.days_overdue} day{pluralize(self.days_overdue)}"


@dataclass(frozen=True)
class ReportRisk:
    """One open risk as it stood at the end of the period."""

    pk: int
    reference: str
    title: str
    statement: str
    owner_post: str
    category: str
    inherent: Score
    previous: Score | None
    current: Score
    target: Score
    direction: Direction
    appetite: str
    appetite_ceiling: int
    within_appetite: bool
    controls: tuple[ReportControl, ...]
    actions: tuple[ReportAction, ...]
    is_sensitive: bool
    next_review: date | None = None
    history: tuple[charts.ReviewScore, ...] = ()  # oldest quarter first

    @property
    def anchor(self) -> str:
        return f"risk-{self.pk}"

    @property
    def chart(self) -> charts.ScoreChart:
        """A small chart of the entry's review scores up to the period end."""
        return charts.score_chart(
            f"Score of {self.reference} at each quarterly review",
            [("Score", self.history)],
            target=self.target.value,
            ceiling=self.appetite_ceiling,
            size=charts.SMALL,
            slug=f"{self.anchor}-chart",
        )

    @property
    def overdue_actions(self) -> tuple[ReportAction, ...]:
        return tuple(action for action in self.actions if action.overdue)

    # The entry's line in "Risks at a glance" and its tables' captions.

    @property
    def glance_title(self) -> str:
        return _shortened(self.title, 60)

    @property
    def glance_owner(self) -> str:
        return _shortened(self.owner_post, 40)

    @property
    def glance_scores(self) -> str:
        """E.g. "12 High → 6 Medium"; "–" for a score not set."""

        def short(score: Score) -> str:
            band = score.band
            return f"{score.value or '–'} {band.label if band else ''}"

        return f"{short(self.current)} → {short(self.target)}"

    @property
    def glance_travel(self) -> str:
        return f"{self.direction.label} {self.direction.symbol}"

    @property
    def glance_next_review(self) -> str:
        return _short_date(self.next_review) or "Not set"

    @property
    def controls_caption(self) -> str:
        return f"Controls of {self.reference}"

    @property
    def actions_caption(self) -> str:
        return f"Actions of {self.reference}"


@dataclass(frozen=True)
class ClosedRisk:
    reference: str
    title: str
    closed_on: date | None
    is_sensitive: bool


# Every score a likelihood × impact pair can make (there is no 7, 11 or 17).
POSSIBLE_SCORES = sorted(
    {likelihood * impact for likelihood in RATINGS for impact in RATINGS}
)


@dataclass(frozen=True)
class BandCount:
    band: scoring.Band
    count: int

    @property
    def lowest(self) -> int:
        """The lowest score the band can hold (12 for high, not 11)."""
        return min(s for s in POSSIBLE_SCORES if s >= self.band.floor)

    @property
    def highest(self) -> int:
        return max(s for s in POSSIBLE_SCORES if s <= self.band.ceiling)


@dataclass(frozen=True)
class RegisterReportDocument:
    """Everything the register report prints."""

    organisation: Organisation
    period: ReportingPeriod
    previous_period: ReportingPeriod | None
    risks: tuple[ReportRisk, ...]
    closed: tuple[ClosedRisk, ...]
    heat_maps: tuple[HeatMap, ...]
    created: datetime
    modified: datetime
    title: str = TITLE
    scope_note: str = SCOPE_NOTE
    with_charts: bool = True  # off only to measure the charts' cost (bench/)
    glance_columns: ClassVar[tuple[str, ...]] = GLANCE_COLUMNS
    control_columns: ClassVar[tuple[str, ...]] = CONTROL_COLUMNS
    action_columns: ClassVar[tuple[str, ...]] = ACTION_COLUMNS

    @property
    def as_at(self) -> date:
        return self.period.end

    @property
    def full_title(self) -> str:
        return f"{self.organisation.name}: {self.title}, {self.period.label}"

    @property
    def running_name(self) -> str:
        return f"{self.organisation.short_name} {self.title.lower()}"

    @property
    def marking(self) -> str:
        """OFFICIAL-SENSITIVE as soon as one risk printed in it is."""
        sensitive = any(r.is_sensitive for r in (*self.risks, *self.closed))
        return (Marking.OFFICIAL_SENSITIVE if sensitive else Marking.OFFICIAL).label

    @property
    def glance_caption(self) -> str:
        count = len(self.risks)
        return (
            f"{count} open risk{pluralize(count)} as at "
            f"{date_format(self.as_at, 'j F Y')}: current and target score, "
            "direction of travel, appetite and next review"
        )

    @property
    def band_counts(self) -> tuple[BandCount, ...]:
        counts = Counter(risk.current.band.key for risk in self.risks)
        return tuple(
            BandCount(band=band, count=counts.get(band.key, 0))
            for band in reversed(scoring.bands())
        )

    @property
    def band_chart(self) -> charts.BandBarsChart:
        """The open risks' reviews by band per quarter, and those outside appetite."""
        return charts.band_bars_chart(
            f"{self.organisation.short_name} open risks by rating band at each "
            "quarterly review",
            charts.band_counts(
                (review.end, review.label, review.score, risk.appetite_ceiling)
                for risk in self.risks
                for review in risk.history
            ),
            slug="register-band-chart",
        )

    @property
    def outside_appetite(self) -> tuple[ReportRisk, ...]:
        outside = [risk for risk in self.risks if not risk.within_appetite]
        outside.sort(
            key=lambda r: (r.appetite_ceiling - r.current.value, _natural(r.reference))
        )
        return tuple(outside)

    @property
    def overdue_actions(self) -> tuple[ReportAction, ...]:
        overdue = [a for risk in self.risks for a in risk.overdue_actions]
        overdue.sort(key=lambda a: (a.due, _natural(a.risk_reference)))
        return tuple(overdue)

    @property
    def created_w3c(self) -> str:
        return w3c_date(self.created)

    @property
    def modified_w3c(self) -> str:
        return w3c_date(self.modified)


def _natural(reference: str) -> tuple:
    """Sort MOPAC-R2 before MOPAC-R10."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.split(r"(\d+)", reference)
        if part
    )


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def _report_action(
    action: Action, risk: Risk, *, as_at_day: date, statuses: dict[str, str]
) -> ReportAction:
    due = action.effective_due_date
    overdue = action.is_overdue(as_at_day)
    return ReportAction(
        risk_reference=risk.reference,
        risk_anchor=f"risk-{risk.pk}",
        description=action.description,
        owner_post=action.owner_post,
        due=due,
        originally_due=action.due_date if action.revised_due_date else None,
        status=statuses.get(action.status, action.status),
        overdue=overdue,
        days_overdue=(as_at_day - due).days if overdue else 0,
    )


def _score(row, part: str) -> Score:
    return Score(getattr(row, f"{part}_likelihood"), getattr(row, f"{part}_impact"))


def _heat_map(
    organisation: Organisation, risks: Iterable[ReportRisk], part: str
) -> HeatMap:
    """Count the risks by one score's likelihood and impact, as the paper's maps do."""
    grid = Counter(
        (getattr(risk, part).likelihood, getattr(risk, part).impact) for risk in risks
    )
    return HeatMap(
        slug=f"{organisation.slug}-{part}",
        short_name=organisation.short_name,
        name=f"{part.capitalize()} scores",
        total=sum(grid.values()),
        rows=heat_map_rows(grid),
    )


def report_moment(period: ReportingPeriod) -> datetime:
    """Return the instant the report stands at: the end of the period's last day."""
    return as_at.end_of_day(period.end)


def _in_report(period: ReportingPeriod) -> Q:
    """Open risks, and those closed during the period (as the snapshot has them)."""
    return Q(status=RiskStatus.OPEN) | Q(
        status=RiskStatus.CLOSED, closed_on__gte=period.start
    )


def data_version(organisation: Organisation, period: ReportingPeriod) -> datetime:
    """Return when the register last changed up to the period end (one query).

    The latest history row of the organisation's risks, controls, actions and
    reviews at or before the end of the period: while it stays the same, so does
    the report, so it keys stored renders and dates the PDF.
    """
    moment = report_moment(period)
    ours = organisation.pk
    ever_ours = Risk.history.filter(organisation_id=ours).values("id")

    def latest(history) -> Subquery:
        return Subquery(
            history.filter(history_date__lte=moment)
            .order_by("-history_date")
            .values("history_date")[:1]
        )

    row = (
        Organisation.objects.filter(pk=ours)
        .annotate(
            last_risk=latest(Risk.history.filter(organisation_id=ours)),
            last_control=latest(Control.history.filter(risk_id__in=ever_ours)),
            last_action=latest(Action.history.filter(risk_id__in=ever_ours)),
            last_review=latest(
                Review.history.filter(
                    period_id__in=ReportingPeriod.objects.filter(
                        organisation_id=ours
                    ).values("pk")
                )
            ),
        )
        .values("last_risk", "last_control", "last_action", "last_review")
        .get()
    )
    dates = [value for value in row.values() if value is not None]
    return max(dates) if dates else moment


def open_risk_count(organisation: Organisation, period: ReportingPeriod) -> int:
    """Return how many risks the report has an entry for (one query)."""
    return (
        as_at.snapshot(Risk, report_moment(period))
        .filter(organisation_id=organisation.pk, status=RiskStatus.OPEN)
        .count()
    )


def build_register_report(
    organisation: Organisation,
    period: ReportingPeriod,
    *,
    periods: list[ReportingPeriod] | None = None,
    with_charts: bool = True,
) -> RegisterReportDocument:
    """Gather the register as it stood at the end of the period.

    A constant number of queries: the risks, controls, actions and reviews as
    at the period end (one each), the previous period's reviews, the periods and
    the data version.
    """
    moment = report_moment(period)
    if periods is None:
        periods = organisation_periods(organisation)
    previous = previous_period(periods, period)
    snapshot = list(
        as_at.snapshot(Risk, moment)
        .filter(_in_report(period), organisation_id=organisation.pk)
        .order_by("id")
    )
    open_risks = [r for r in snapshot if r.status == RiskStatus.OPEN]
    ids = [r.pk for r in open_risks]
    controls = as_at.children_as_at(Control, moment, ids)
    actions = as_at.children_as_at(Action, moment, ids)
    history = as_at.review_scores_as_at(moment, ids)
    directions = as_at.directions_from(history, ids)
    previous_reviews = (
        {
            review.risk_id: review
            for review in Review.history.as_of(moment).filter(period_id=previous.pk)
        }
        if previous
        else {}
    )

    categories = _labels(Category)
    appetites = _labels(Appetite)
    control_types = _labels(ControlType)
    effectiveness = _labels(Effectiveness)
    assurance = _labels(AssuranceLine)
    statuses = _labels(ActionStatus)

    risks = []
    for risk in open_risks:
        review = previous_reviews.get(risk.pk)
        risks.append(
            ReportRisk(
                pk=risk.pk,
                reference=risk.reference,
                title=risk.title,
                statement=risk.statement,
                owner_post=risk.owner_post,
                category=categories.get(risk.category, risk.category),
                inherent=_score(risk, "inherent"),
                previous=Score(review.likelihood, review.impact) if review else None,
                current=_score(risk, "current"),
                target=_score(risk, "target"),
                direction=directions[risk.pk],
                appetite=appetites.get(risk.appetite, risk.appetite),
                appetite_ceiling=risk.appetite_ceiling,
                within_appetite=bool(risk.within_appetite),
                controls=tuple(
                    ReportControl(
                        description=c.description,
                        control_type=control_types.get(c.control_type, ""),
                        effectiveness=effectiveness.get(c.effectiveness, ""),
                        assurance_line=assurance.get(c.assurance_line, ""),
                        owner_post=c.owner_post,
                    )
                    for c in controls.get(risk.pk, [])
                ),
                actions=tuple(
                    _report_action(a, risk, as_at_day=period.end, statuses=statuses)
                    for a in sorted(
                        actions.get(risk.pk, []),
                        key=lambda a: (a.effective_due_date, a.pk),
                    )
                ),
                is_sensitive=risk.marking == Marking.OFFICIAL_SENSITIVE,
                next_review=risk.next_review_date,
                history=tuple(history.get(risk.pk, ())),
            )
        )
    risks.sort(key=lambda r: _natural(r.reference))
    closed = sorted(
        (
            ClosedRisk(
                reference=r.reference,
                title=r.title,
                closed_on=r.closed_on,
                is_sensitive=r.marking == Marking.OFFICIAL_SENSITIVE,
            )
            for r in snapshot
            if r.status == RiskStatus.CLOSED
        ),
        key=lambda r: _natural(r.reference),
    )
    return RegisterReportDocument(
        organisation=organisation,
        period=period,
        previous_period=previous,
        risks=tuple(risks),
        closed=tuple(closed),
        heat_maps=(
            _heat_map(organisation, risks, "current"),
            _heat_map(organisation, risks, "target"),
        ),
        created=moment,
        modified=data_version(organisation, period),
        with_charts=with_charts,
    )
