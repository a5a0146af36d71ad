"""The demo carried forward from 2019: every later quarter planned as dated versions.

The plan starts from the registers as the 2019 demo leaves them (read into plain
data by `demo_forward`) and walks quarter by quarter from 2019/20 Q3 to the
quarter holding the load date: each organisation opens the quarter and closes
the one before, owners review every open risk, actions are completed or slip,
new risks and actions are added, a few risks close, links are proposed, agreed
and one ends when its risk closes. The random number generator has a fixed
seed and the quarters are planned in order, so a later load date only adds
quarters: the history of a past quarter is the same whatever day the demo is
loaded. Everything dated on or after the load date is then cut away, which
leaves the current quarter part-way through. No database access here.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from risks.choices import (
    ActionStatus,
    Appetite,
    AssuranceLine,
    ControlType,
    Effectiveness,
    Horizon,
    Marking,
    Proximity,
    RiskStatus,
    Treatment,
)
from risks.cycle import Quarter, quarter_of
from risks.services import next_quarter_end

from .bulk_history import Version
from .generator_topics import (
    CLOSE_REASONS,
    COMMENTARIES,
    COMMENTARY_DETAILS,
    OWNER_POSTS,
    TOPICS,
    Topic,
)

SEED = 20191001
# The 2019 demo ends with 2019/20 Q2 open; the carry-forward starts the day after.
FIRST_DAY = date(2019, 10, 1)
# Generated topics whose theme the demo does not have are tagged with a close one.
THEME_FOR_TOPIC = {
    "Public confidence": "Community engagement",
    "Workforce": "Equalities",
}
FOLLOW_UP_ACTIONS = (
    "Complete the {year} deep dive of this risk for the Audit Panel.",
    "Commission an internal audit of the key controls ({year}).",
    "Refresh the risk assessment with the {year} performance data.",
    "Test the continuity arrangements behind this risk ({year}).",
)
CONTROL_REASONS = {
    Effectiveness.EFFECTIVE: "Control assurance confirmed by internal audit",
    Effectiveness.PARTIALLY_EFFECTIVE: "Control only partly effective: gaps found",
    Effectiveness.INEFFECTIVE: "Control found ineffective: remedial action agreed",
}
LINK_AGREED = "Agreed at the joint Governance and Risk Working Group."
# An action that is never late by more than this many days (see _action_life).
MOST_DAYS_LATE = 28
# How late an action kept open for the owner's to-do list may run, and how far
# into the next quarter a quarter keeps one late (see _keep_one_late).
MOST_DAYS_KEPT_LATE = 49
KEPT_LATE_AHEAD = 30


@dataclass
class Tracked:
    """An object as planned: its database id if it exists, its state and versions.

    `fields` is the state after the last planned version; every version holds
    the whole set of fields that change, so a version can be written alone.
    """

    pk: int | None
    fields: dict
    versions: list[Version] = field(default_factory=list)
    instance: object = field(default=None, repr=False)  # set when written

    def __post_init__(self) -> None:
        self.base = dict(self.fields)  # the state before any planned version

    def rewind(self, before: datetime) -> None:
        """Forget the versions at or after a moment; the state goes back with them."""
        self.versions = sorted(
            (v for v in self.versions if v.at < before), key=lambda v: v.at
        )
        self.fields = dict(self.versions[-1].fields if self.versions else self.base)

    def change(self, at: datetime, user: str, reason: str, **changes) -> None:
        """Plan a new version with the changed fields."""
        self.fields = {**self.fields, **changes}
        if "version" in self.fields:
            self.fields["version"] += 1
        self.versions.append(Version(at, "~", user, reason, dict(self.fields)))

    def create(self, at: datetime, user: str, reason: str) -> None:
        self.versions.append(Version(at, "+", user, reason, dict(self.fields)))


@dataclass
class ChildPlan:
    """A control or action of a risk (or a joint action of a link)."""

    item: Tracked
    done_at: datetime | None = None  # when an action is completed or cancelled
    org: str | None = None  # the organisation owning a joint action


@dataclass
class RiskPlan:
    org: str
    reference: str
    owner: str | None  # username
    themes: tuple[str, ...]
    topic: Topic
    created_at: datetime | None  # None for the 2019 risks
    item: Tracked
    controls: list[ChildPlan] = field(default_factory=list)
    actions: list[ChildPlan] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.item.fields["status"] == RiskStatus.OPEN

    def score(self) -> tuple[int, int]:
        return self.item.fields["current_likelihood"], self.item.fields[
            "current_impact"
        ]


@dataclass(frozen=True)
class ReviewPlan:
    org: str
    reference: str
    period: str  # label
    likelihood: int
    impact: int
    commentary: str
    reviewed_on: date
    version: Version


@dataclass
class PeriodPlan:
    org: str
    label: str
    start: date
    end: date
    item: Tracked


@dataclass
class LinkPlan:
    proposer: str  # risk reference
    partner: str
    theme: str
    relationship: str
    rationale: str
    item: Tracked
    joint_actions: list[ChildPlan] = field(default_factory=list)

    @property
    def is_active(self) -> bool:
        return self.item.fields["status"] in {"proposed", "agreed"}


@dataclass
class Snapshot:
    """The registers as the 2019 demo leaves them, as plain data."""

    organisations: dict[str, str]  # slug -> short name
    governance: dict[str, str]  # slug -> username
    owners: dict[str, tuple[str, str]]  # slug -> (username, post title)
    themes: tuple[str, ...]
    open_periods: list[PeriodPlan]
    risks: list[RiskPlan]
    links: list[LinkPlan]


@dataclass
class Plan:
    periods: list[PeriodPlan]
    risks: list[RiskPlan]
    reviews: list[ReviewPlan]
    links: list[LinkPlan]
    cut: datetime  # nothing at or after this moment was written


def topic_for(themes: tuple[str, ...]) -> Topic:
    """Return the generator topic closest to a risk's themes (for its words)."""
    for theme in themes:
        for topic in TOPICS:
            if THEME_FOR_TOPIC.get(topic.theme, topic.theme) == theme:
                return topic
    return TOPICS[0]


def quarters(first: date, last: date) -> Iterator[Quarter]:
    """Yield the financial quarters from the one holding `first` to `last`'s."""
    quarter = quarter_of(first)
    while quarter.start <= last:
        yield quarter
        quarter = quarter_of(quarter.end + timedelta(days=1))


def quarter_number(quarter: Quarter) -> int:
    return int(quarter.label[-1])


class _Planner:
    def __init__(self, snapshot: Snapshot, until: date, tz: ZoneInfo):
        self.s = snapshot
        self.tz = tz
        self.rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
        self.until = until
        self.cut = datetime.combine(until, time(0), tzinfo=tz)
        self.periods: list[PeriodPlan] = list(snapshot.open_periods)
        self.risks = list(snapshot.risks)
        self.links = list(snapshot.links)
        self.reviews: list[ReviewPlan] = []
        self.next_number = {
            slug: 1
            + max(
                int(r.reference.rsplit("R", 1)[1]) for r in self.risks if r.org == slug
            )
            for slug in snapshot.organisations
        }

    # Moments ---------------------------------------------------------------

    def _working_day(self, day: date) -> date:
        """Move a weekend day to the Friday before or the Monday after."""
        if day.weekday() == 5:
            return day - timedelta(days=1)
        if day.weekday() == 6:
            return day + timedelta(days=1)
        return day

    def _moment(self, day: date) -> datetime:
        day = self._working_day(day)
        return datetime.combine(
            day, time(self.rng.randint(9, 16), self.rng.randint(0, 59)), tzinfo=self.tz
        )

    def _moment_between(self, first: date, last: date) -> datetime:
        span = max(0, (last - first).days)
        return self._moment(first + timedelta(days=self.rng.randint(0, span)))

    # The walk ----------------------------------------------------------------

    def plan(self) -> Plan:
        previous = {period.org: period for period in self.periods}
        for quarter in quarters(FIRST_DAY, self.until):
            for slug in self.s.organisations:
                previous[slug] = self._turn_quarter(slug, quarter, previous[slug])
            self._quarter_events(quarter)
        return Plan(self.periods, self.risks, self.reviews, self.links, self.cut)

    def _turn_quarter(
        self, slug: str, quarter: Quarter, before: PeriodPlan
    ) -> PeriodPlan:
        """Open the quarter, then close the one before once its reviews are in.

        A quarter is opened on the working day before it starts, so that it is
        open on its first day whenever the demo is loaded; the first one opens
        on 1 October 2019, since nothing may be dated in the 2019 demo's time.
        """
        governance = self.s.governance[slug]
        eve = quarter.start - timedelta(days=1)
        while eve.weekday() >= 5:
            eve -= timedelta(days=1)
        opened = max(
            datetime.combine(eve, time(16, 30), tzinfo=self.tz),
            datetime.combine(FIRST_DAY, time(9, 0), tzinfo=self.tz),
        )
        period = PeriodPlan(
            slug,
            quarter.label,
            quarter.start,
            quarter.end,
            Tracked(None, {"is_closed": False, "closed_at": None, "closed_by": None}),
        )
        period.item.create(opened, governance, "Period opened")
        self.periods.append(period)
        closed = self._moment(quarter.start + timedelta(days=self.rng.randint(4, 10)))
        closed = closed.replace(hour=16, minute=0)
        before.item.change(
            closed,
            governance,
            "Period closed",
            is_closed=True,
            closed_at=closed,
            closed_by=governance,
        )
        return period

    def _quarter_events(self, quarter: Quarter) -> None:
        number = quarter_number(quarter)
        year = quarter.label[:7]
        for slug in self.s.organisations:
            if number == 1 or (number == 3 and self.rng.random() < 0.6):
                self._new_risk(slug, quarter)
            if number in (2, 4) and self.rng.random() < 0.5:
                self._close_a_risk(slug, quarter)
        if number == 2:
            self._new_link(quarter)
        for risk in self.risks:
            if risk.is_open and risk.item.fields["next_review_date"] is not None:
                self._risk_quarter(risk, quarter, year)
        for slug in self.s.organisations:
            self._keep_one_late(slug, quarter)

    # Risks -------------------------------------------------------------------

    def _new_risk(self, slug: str, quarter: Quarter) -> None:
        rng = self.rng
        # A topic comes back only once the organisation's risk on it has closed.
        held = {r.topic.title for r in self.risks if r.org == slug and r.is_open}
        fresh = [t for t in TOPICS if t.title not in held]
        topic = rng.choice(fresh or TOPICS)
        short = self.s.organisations[slug]
        reference = f"{short}-R{self.next_number[slug]:02d}"
        self.next_number[slug] += 1
        theme = THEME_FOR_TOPIC.get(topic.theme, topic.theme)
        themes = (theme,) if theme in self.s.themes else ()
        owner, post = self.s.owners[slug]
        if rng.random() < 0.4:
            owner, post = None, rng.choice(OWNER_POSTS[slug][1:])
        # After the last quarter has closed (day 11 at the latest), before reviews.
        created = self._moment_between(
            quarter.start + timedelta(days=12), quarter.start + timedelta(days=35)
        )
        inherent = (rng.randint(3, 5), rng.randint(4, 5))
        current = (rng.randint(2, inherent[0]), rng.randint(3, inherent[1]))
        target = (rng.randint(1, 2), rng.randint(2, 3))
        sensitive = rng.random() < 0.15
        fields = {
            "title": topic.title
            if fresh
            else f"{topic.title} ({quarter.label[:7]} assessment)",
            "cause": topic.causes[0],
            "event": topic.event.format(area="London"),
            "effect": topic.effect,
            "category": topic.category,
            "owner_post": post,
            "horizon": rng.choice([Horizon.LONG_TERM, Horizon.SHORT_TERM]),
            "status": RiskStatus.OPEN,
            "treatment": rng.choice(
                [Treatment.TREAT, Treatment.TREAT, Treatment.TOLERATE]
            ),
            "inherent_likelihood": inherent[0],
            "inherent_impact": inherent[1],
            "current_likelihood": current[0],
            "current_impact": current[1],
            "target_likelihood": target[0],
            "target_impact": target[1],
            "target_date": date(quarter.start.year + rng.randint(2, 3), 3, 31),
            "appetite": rng.choice(
                [Appetite.MINIMAL, Appetite.CAUTIOUS, Appetite.OPEN]
            ),
            "proximity": rng.choice(list(Proximity.values)),
            "marking": Marking.OFFICIAL_SENSITIVE if sensitive else Marking.OFFICIAL,
            "public_summary": f"A {topic.theme.lower()} risk held by {short}; the "
            "details are OFFICIAL-SENSITIVE."
            if sensitive
            else "",
            "next_review_date": quarter.end,
            "closed_on": None,
            "version": 1,
        }
        governance = self.s.governance[slug]
        risk = RiskPlan(
            slug, reference, owner, themes, topic, created, Tracked(None, fields)
        )
        risk.item.create(created, governance, "Risk added to the corporate register")
        editor = owner or governance
        for number, description in enumerate(topic.controls[:2]):
            self._add_control(
                risk, description, created + timedelta(hours=2, minutes=number), editor
            )
        for number, description in enumerate(topic.actions[:2]):
            at = created + timedelta(hours=3, minutes=number)
            due = at.date() + timedelta(days=rng.randint(120, 400))
            self._add_action(risk, description, at, due, editor)
        self.risks.append(risk)

    def _close_a_risk(self, slug: str, quarter: Quarter) -> None:
        """Close one risk that has run two years, ending a carried-forward link."""
        old_enough = quarter.start - timedelta(days=730)
        candidates = [
            risk
            for risk in self.risks
            if risk.org == slug
            and risk.is_open
            and (risk.created_at is None or risk.created_at.date() <= old_enough)
            and not any(
                link.is_active and link.item.pk is not None
                for link in self._links_of(risk)
            )
        ]
        if not candidates:
            return
        risk = self.rng.choice(candidates)
        governance = self.s.governance[slug]
        closed = self._moment_between(
            quarter.start + timedelta(days=12), quarter.start + timedelta(days=40)
        )
        for link in self._links_of(risk):
            if link.is_active:
                link.item.change(
                    closed - timedelta(days=1),
                    governance,
                    f"Link ended: {risk.reference} is being closed.",
                    status="ended",
                )
        for child in risk.actions:
            if child.done_at is None or child.done_at > closed:
                self._cut_action(child, closed, governance)
        risk.item.change(
            closed,
            governance,
            self.rng.choice(CLOSE_REASONS),
            status=RiskStatus.CLOSED,
            closed_on=closed.date(),
        )

    def _cut_action(self, child: ChildPlan, at: datetime, user: str) -> None:
        """Drop an action's later versions and cancel it with its closing risk."""
        child.item.rewind(at)
        if child.item.fields["status"] in {
            ActionStatus.COMPLETE,
            ActionStatus.CANCELLED,
        }:
            return
        child.item.change(
            at - timedelta(minutes=5),
            user,
            "Action cancelled: the risk is closing",
            status=ActionStatus.CANCELLED,
        )
        child.done_at = at

    def _risk_quarter(self, risk: RiskPlan, quarter: Quarter, year: str) -> None:
        rng = self.rng
        editor = risk.owner or self.s.governance[risk.org]
        first = quarter.start + timedelta(days=5)
        if rng.random() < 0.1 and risk.controls:
            control = rng.choice(risk.controls).item
            now = control.fields["effectiveness"]
            new = rng.choice([e for e in CONTROL_REASONS if e != now])
            control.change(
                self._moment_between(first, quarter.end - timedelta(days=45)),
                editor,
                CONTROL_REASONS[new],
                effectiveness=new,
            )
        if rng.random() < 0.06:
            used = {c.item.fields["description"] for c in risk.controls}
            fresh = [d for d in risk.topic.controls if d not in used]
            if fresh:
                at = self._moment_between(first, quarter.end - timedelta(days=45))
                self._add_control(risk, fresh[0], at, editor)
        open_actions = [
            a
            for a in risk.actions
            if a.done_at is None or a.done_at.date() > quarter.start
        ]
        if len(open_actions) < 2 and rng.random() < 0.6:
            used = {a.item.fields["description"] for a in risk.actions}
            fresh = [d for d in risk.topic.actions if d not in used]
            description = (
                fresh[0] if fresh else rng.choice(FOLLOW_UP_ACTIONS).format(year=year)
            )
            at = self._moment_between(first, quarter.start + timedelta(days=60))
            due = at.date() + timedelta(days=rng.randint(90, 365))
            self._add_action(risk, description, at, due, editor)
        self._review(risk, quarter, editor)

    def _review(self, risk: RiskPlan, quarter: Quarter, editor: str) -> None:
        rng = self.rng
        fields = risk.item.fields
        likelihood, impact = before = risk.score()
        target = fields["target_likelihood"] * fields["target_impact"]
        if rng.random() < 0.35:
            down = rng.random() < (0.6 if likelihood * impact > target else 0.3)
            step = -1 if down else 1
            if rng.random() < 0.5:
                likelihood = min(
                    fields["inherent_likelihood"], max(1, likelihood + step)
                )
            else:
                impact = min(fields["inherent_impact"], max(1, impact + step))
        after = likelihood * impact
        trend = (
            "up"
            if after > before[0] * before[1]
            else "down"
            if after < before[0] * before[1]
            else "same"
        )
        at = self._moment_between(
            quarter.end - timedelta(days=40), quarter.end - timedelta(days=3)
        )
        reason = f"Quarterly review {quarter.label}"
        changes = {
            "current_likelihood": likelihood,
            "current_impact": impact,
            "next_review_date": next_quarter_end(quarter.end),
        }
        if fields["target_date"] < at.date():
            changes["target_date"] = date(at.year + 2, 3, 31)
        commentary = COMMENTARIES[trend].format(detail=rng.choice(COMMENTARY_DETAILS))
        version = Version(at, "+", editor, reason, {})
        self.reviews.append(
            ReviewPlan(
                risk.org,
                risk.reference,
                quarter.label,
                likelihood,
                impact,
                commentary,
                at.date(),
                version,
            )
        )
        risk.item.change(at, editor, reason, **changes)

    # Controls and actions ---------------------------------------------------

    def _add_control(
        self, risk: RiskPlan, description: str, at: datetime, user: str
    ) -> None:
        rng = self.rng
        control = Tracked(
            None,
            {
                "description": description,
                "control_type": rng.choice(ControlType.values),
                "owner_post": risk.item.fields["owner_post"],
                "effectiveness": rng.choice(
                    [Effectiveness.NOT_ASSESSED, Effectiveness.PARTIALLY_EFFECTIVE]
                ),
                "assurance_line": rng.choice(AssuranceLine.values),
                "version": 1,
            },
        )
        control.create(at, user, "Control recorded")
        risk.controls.append(ChildPlan(control))

    def _add_action(
        self, risk: RiskPlan, description: str, at: datetime, due: date, user: str
    ) -> None:
        action = Tracked(
            None,
            {
                "description": description,
                "owner_post": risk.item.fields["owner_post"],
                "due_date": due,
                "revised_due_date": None,
                "status": ActionStatus.NOT_STARTED,
                "version": 1,
            },
        )
        action.create(at, user, "Action agreed")
        child = ChildPlan(action)
        self.action_life(child, at, user)
        risk.actions.append(child)

    def action_life(self, child: ChildPlan, start: datetime, user: str) -> None:
        """Plan an open action to its end: progress, perhaps a slip, completion.

        Completion comes at most MOST_DAYS_LATE days after the (revised) due
        date, so on any day the overdue actions are days or weeks late, never
        years.
        """
        rng = self.rng
        item = child.item
        status = item.fields["status"]
        if status in {ActionStatus.COMPLETE, ActionStatus.CANCELLED}:
            return
        due = item.fields["revised_due_date"] or item.fields["due_date"]
        moment = start
        if due <= start.date():
            # Already late when the carry-forward starts: finished soon after.
            done = self._moment_between(
                start.date() + timedelta(days=3), start.date() + timedelta(days=20)
            )
            item.change(done, user, "Action completed", status=ActionStatus.COMPLETE)
            child.done_at = done
            return
        if status == ActionStatus.NOT_STARTED and (due - start.date()).days > 20:
            moment = self._moment_between(
                start.date() + timedelta(days=7),
                min(due - timedelta(days=10), start.date() + timedelta(days=60)),
            )
            item.change(moment, user, "Progress update", status=ActionStatus.ON_TRACK)
        if rng.random() < 0.3 and (due - moment.date()).days > 10:
            slipped = self._moment_between(
                max(moment.date() + timedelta(days=1), due - timedelta(days=30)),
                due - timedelta(days=3),
            )
            due = due + timedelta(days=rng.randint(45, 120))
            item.change(
                slipped,
                user,
                "Due date slipped",
                status=ActionStatus.AT_RISK,
                revised_due_date=due,
            )
            moment = slipped
        if rng.random() < 0.05:
            done = self._moment_between(moment.date() + timedelta(days=2), due)
            item.change(
                done,
                user,
                "Action cancelled: superseded by a wider piece of work",
                status=ActionStatus.CANCELLED,
            )
        else:
            done_on = due + timedelta(days=rng.randint(-14, MOST_DAYS_LATE - 2))
            done = self._moment(max(done_on, moment.date() + timedelta(days=2)))
            item.change(done, user, "Action completed", status=ActionStatus.COMPLETE)
        child.done_at = done

    def _keep_one_late(self, slug: str, quarter: Quarter) -> None:
        """Leave the risk owner an action or two overdue on every day of the quarter.

        A real register always has a few actions running late, and the owner's
        home page and reminders show them. On a day when none of the owner's
        open risks has an overdue action, the action that fell due most recently
        (if still open when the quarter starts) is completed later; failing
        that, a follow-up action agreed earlier in the quarter falls due just
        before the day. Either way no action runs more than MOST_DAYS_KEPT_LATE
        days late. The days are covered up to a month into the next quarter,
        whose own follow-ups can only be agreed once it has started; nothing is
        dated before this quarter, so the past stays as planned before.
        """
        owner = self.s.owners[slug][0]
        start = datetime.combine(quarter.start, time(0), tzinfo=self.tz)
        risks = [
            risk
            for risk in self.risks
            if risk.org == slug
            and risk.owner == owner
            and risk.is_open
            and risk.item.fields["next_review_date"] is not None
        ]
        actions = [
            child
            for risk in risks
            for child in risk.actions
            if child.done_at is not None
            and child.item.fields["status"] == ActionStatus.COMPLETE
        ]
        day = quarter.start
        while risks and day <= quarter.end + timedelta(days=KEPT_LATE_AHEAD):
            if any(_due(a) < day <= a.done_at.date() for a in actions):
                day += timedelta(days=1)
                continue
            late = [
                a
                for a in actions
                if a.done_at >= start
                and _due(a) < day
                and (day - _due(a)).days <= MOST_DAYS_KEPT_LATE - 7
            ]
            if late:
                self._complete_late(max(late, key=_due), day)
            elif day >= quarter.start + timedelta(days=KEPT_LATE_AHEAD):
                actions.append(self._follow_up(self.rng.choice(risks), quarter, day))
            else:
                day += timedelta(days=1)

    def _complete_late(self, child: ChildPlan, day: date) -> None:
        """Complete an action (again) a week or more after `day`."""
        due = _due(child)
        days_late = self.rng.randint((day - due).days + 7, MOST_DAYS_KEPT_LATE)
        user = child.item.versions[-1].user
        if child.item.fields["status"] == ActionStatus.COMPLETE:
            child.item.rewind(child.done_at)
        done = self._moment(due + timedelta(days=days_late))
        child.item.change(done, user, "Action completed", status=ActionStatus.COMPLETE)
        child.done_at = done

    def _follow_up(self, risk: RiskPlan, quarter: Quarter, day: date) -> ChildPlan:
        """Agree a follow-up action in the quarter, due a few days before `day`."""
        rng = self.rng
        editor = risk.owner or self.s.governance[risk.org]
        # A day after the quarter's start: a weekend moves at most a day earlier.
        agreed = self._moment_between(
            max(quarter.start + timedelta(days=1), day - timedelta(days=75)),
            day - timedelta(days=KEPT_LATE_AHEAD),
        )
        due = day - timedelta(days=rng.randint(1, 10))
        used = {a.item.fields["description"] for a in risk.actions}
        fresh = [d for d in risk.topic.actions if d not in used]
        description = (
            fresh[0]
            if fresh
            else rng.choice(FOLLOW_UP_ACTIONS).format(year=quarter.label[:7])
        )
        action = Tracked(
            None,
            {
                "description": description,
                "owner_post": risk.item.fields["owner_post"],
                "due_date": due,
                "revised_due_date": None,
                "status": ActionStatus.NOT_STARTED,
                "version": 1,
            },
        )
        action.create(agreed, editor, "Action agreed")
        progress = self._moment_between(
            agreed.date() + timedelta(days=3), due - timedelta(days=7)
        )
        action.change(progress, editor, "Progress update", status=ActionStatus.ON_TRACK)
        child = ChildPlan(action)
        risk.actions.append(child)
        self._complete_late(child, day)
        return child

    # Links -------------------------------------------------------------------

    def _links_of(self, risk: RiskPlan) -> list[LinkPlan]:
        return [
            link
            for link in self.links
            if risk.reference in (link.proposer, link.partner)
        ]

    def _new_link(self, quarter: Quarter) -> None:
        """Propose one link a year from a newer risk; the partner agrees it."""
        rng = self.rng
        slugs = list(self.s.organisations)
        proposer_org = slugs[quarter.start.year % len(slugs)]
        partner_org = next(s for s in slugs if s != proposer_org)
        proposed = self._moment_between(
            quarter.start + timedelta(days=10), quarter.start + timedelta(days=30)
        )
        candidates = [
            r
            for r in self.risks
            if r.org == proposer_org
            and r.is_open
            and r.created_at is not None
            and r.created_at < proposed
            and r.themes
            and not any(link.is_active for link in self._links_of(r))
        ]
        if not candidates:
            return
        proposer = candidates[-1]
        partners = [
            r
            for r in self.risks
            if r.org == partner_org
            and r.is_open
            and (r.created_at is None or r.created_at < proposed)
        ]
        sharing = [r for r in partners if set(r.themes) & set(proposer.themes)]
        partner = rng.choice(sharing or partners)
        theme = proposer.themes[0]
        governance = self.s.governance
        link = LinkPlan(
            proposer.reference,
            partner.reference,
            theme,
            rng.choice(["shared", "contributes_to", "mirror"]),
            f"{proposer.reference} and {partner.reference} describe the same "
            f"{theme.lower()} concern from each organisation's side; their controls "
            "are reported together to the Audit Panel.",
            Tracked(
                None, {"status": "proposed", "decision_reason": "", "decided_by": None}
            ),
        )
        link.item.create(proposed, governance[proposer_org], "Alignment proposed")
        agreed = self._moment(proposed.date() + timedelta(days=rng.randint(7, 21)))
        self.agree(link, agreed, governance[partner_org])
        self.links.append(link)
        action = Tracked(
            None,
            {
                "description": "Report joint progress on the shared controls to the "
                "Audit Panel.",
                "owner_post": self.s.owners[partner_org][1],
                "due_date": agreed.date() + timedelta(days=180),
                "revised_due_date": None,
                "status": ActionStatus.NOT_STARTED,
                "version": 1,
            },
        )
        action.create(
            agreed + timedelta(hours=2), governance[partner_org], "Joint action agreed"
        )
        child = ChildPlan(action, org=partner_org)
        self.action_life(child, agreed + timedelta(hours=2), governance[partner_org])
        link.joint_actions.append(child)

    def agree(self, link: LinkPlan, at: datetime, user: str) -> None:
        link.item.change(
            at,
            user,
            LINK_AGREED,
            status="agreed",
            decision_reason=LINK_AGREED,
            decided_by=user,
        )


def _due(child: ChildPlan) -> date:
    """An action's due date as planned: the revised one if it slipped."""
    fields = child.item.fields
    return fields["revised_due_date"] or fields["due_date"]


def plan_carry_forward(snapshot: Snapshot, until: date, tz: ZoneInfo) -> Plan:
    """Plan the demo from 2019/20 Q3 to `until`'s quarter, cut at that day's start."""
    planner = _Planner(snapshot, until, tz)
    start = datetime.combine(FIRST_DAY, time(9, 0), tzinfo=tz)
    # What the 2019 demo leaves open moves on first: proposals are agreed, open
    # actions run to completion.
    for link in planner.links:
        partner_org = next(r.org for r in planner.risks if r.reference == link.partner)
        if link.item.fields["status"] == "proposed":
            planner.agree(
                link,
                planner._moment(FIRST_DAY + timedelta(days=planner.rng.randint(7, 20))),
                snapshot.governance[partner_org],
            )
        for child in link.joint_actions:
            planner.action_life(child, start, snapshot.governance[child.org])
    for risk in planner.risks:
        editor = risk.owner or snapshot.governance[risk.org]
        for child in risk.actions:
            planner.action_life(child, start, editor)
    plan = planner.plan()
    return _cut(plan)


def _cut_item(item: Tracked, cut: datetime) -> bool:
    """Keep the versions before the cut; say whether the object exists by then."""
    item.rewind(cut)
    return item.pk is not None or bool(item.versions)


def _cut(plan: Plan) -> Plan:
    """Drop everything dated at or after the cut: the load date is 'now'."""
    cut = plan.cut
    plan.periods = [p for p in plan.periods if _cut_item(p.item, cut)]
    plan.risks = [r for r in plan.risks if _cut_item(r.item, cut)]
    for risk in plan.risks:
        risk.controls = [c for c in risk.controls if _cut_item(c.item, cut)]
        risk.actions = [a for a in risk.actions if _cut_item(a.item, cut)]
    plan.reviews = [r for r in plan.reviews if r.version.at < cut]
    plan.links = [link for link in plan.links if _cut_item(link.item, cut)]
    for link in plan.links:
        link.joint_actions = [a for a in link.joint_actions if _cut_item(a.item, cut)]
    return plan
