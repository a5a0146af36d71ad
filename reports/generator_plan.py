"""The generator's plan: every object's dated versions, as plain seeded data."""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from alignment.models import LinkStatus, Relationship
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
from risks.demo import DEFAULT_PASSWORD
from risks.services import next_quarter_end

from .bulk_history import Version
from .generator_topics import (
    BOROUGHS,
    CLOSE_REASONS,
    COMMENTARIES,
    COMMENTARY_DETAILS,
    OWNER_POSTS,
    THEME_NAMES,
    TOPICS,
    TWEAKS,
)

DEFAULT_VERSIONS = 20
DEFAULT_QUARTERS = 8
DEFAULT_SEED = 20250331
# The last generated quarter ends here: a fixed past date, so that the register
# (and every as-at view of it) is the same whenever it is generated.
LAST_QUARTER_END = date(2025, 3, 31)
CONTROLS_PER_RISK = 3
ACTIONS_PER_RISK = 3
# The share of actions due before the end that are complete by then.
DONE_WHEN_DUE = 0.85

ORGANISATIONS = (
    ("mopac", "MOPAC", "Mayor's Office for Policing and Crime"),
    ("mps", "MPS", "Metropolitan Police Service"),
)


@dataclass(frozen=True)
class Options:
    risks_per_org: int
    versions: int = DEFAULT_VERSIONS
    quarters: int = DEFAULT_QUARTERS
    seed: int = DEFAULT_SEED
    password: str = DEFAULT_PASSWORD

    def __post_init__(self) -> None:
        if self.risks_per_org < 1:
            raise ValueError("Generate at least one risk per organisation.")
        if self.versions < 1:
            raise ValueError("A risk has at least one version (its creation).")
        if self.quarters < 1:
            raise ValueError("Generate at least one quarter.")


@dataclass(frozen=True)
class PeriodPlan:
    label: str
    start: date
    end: date


@dataclass(frozen=True)
class ReviewPlan:
    period: int  # index into the plan's periods
    likelihood: int
    impact: int
    commentary: str
    reviewed_on: date
    at: datetime


@dataclass
class RiskPlan:
    org: str
    reference: str
    owner: str
    themes: tuple[str, ...]
    versions: list[Version]
    reviews: list[ReviewPlan]
    controls: list[list[Version]]
    actions: list[list[Version]]


@dataclass(frozen=True)
class LinkPlan:
    proposer: tuple[str, int]  # (organisation slug, index of its risk)
    partner: tuple[str, int]
    theme: str
    versions: tuple[Version, ...]


@dataclass
class Plan:
    options: Options
    periods: list[PeriodPlan]
    owners: dict[str, list[str]]
    risks: dict[str, list[RiskPlan]]
    links: list[LinkPlan]


def quarters_ending(last_end: date, count: int) -> list[PeriodPlan]:
    """Return `count` financial quarters (April year start), the last ending then."""
    periods = []
    end = last_end
    for _ in range(count):
        start = date(end.year, end.month - 2, 1)
        quarter = {6: 1, 9: 2, 12: 3, 3: 4}[end.month]
        first_year = end.year if quarter < 4 else end.year - 1
        label = f"{first_year}/{(first_year + 1) % 100:02d} Q{quarter}"
        periods.append(PeriodPlan(label=label, start=start, end=end))
        end = start - timedelta(days=1)
    return periods[::-1]


def owner_names(slug: str, risks_per_org: int) -> list[str]:
    """Return the risk owners' usernames: one named owner, more for big registers."""
    extra = min(24, risks_per_org // 40)
    return [f"bench-{slug}-owner"] + [
        f"bench-{slug}-owner-{i:02d}" for i in range(2, extra + 2)
    ]


class _Planner:
    def __init__(self, options: Options):
        self.options = options
        self.rng = random.Random(options.seed)  # noqa: S311 - test data, not secrets
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.periods = quarters_ending(LAST_QUARTER_END, options.quarters)
        self.first_day = self.periods[0].start
        self.end_moment = self._at(LAST_QUARTER_END, 17, 0)

    def _at(self, day: date, hour: int, minute: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)

    def _working_moment(self, day: date) -> datetime:
        return self._at(day, self.rng.randint(8, 16), self.rng.randint(0, 59))

    def _moment_between(self, first: datetime, last: datetime) -> datetime:
        span = max(1, int((last - first).total_seconds()))
        moment = first + timedelta(seconds=self.rng.randint(0, span))
        return moment.replace(microsecond=0)

    def plan(self) -> Plan:
        n = self.options.risks_per_org
        owners = {slug: owner_names(slug, n) for slug, _, _ in ORGANISATIONS}
        # Which risks are aligned is decided first: both risks of a link carry
        # the link's theme from the day they are created.
        link_count = max(1, n // 10)
        proposed_count = n // 100
        picks = {
            slug: self.rng.sample(range(n), min(n, link_count + proposed_count))
            for slug, _, _ in ORGANISATIONS
        }
        link_themes = [self.rng.choice(THEME_NAMES) for _ in picks["mopac"]]
        forced = {slug: {} for slug, _, _ in ORGANISATIONS}
        for slug in forced:
            for index, theme in zip(picks[slug], link_themes, strict=False):
                forced[slug][index] = theme
        risks = {
            slug: [
                self._risk(slug, short, i, owners[slug], forced[slug].get(i))
                for i in range(n)
            ]
            for slug, short, _ in ORGANISATIONS
        }
        links = []
        pairs = list(zip(picks["mopac"], picks["mps"], link_themes, strict=False))
        for number, (a, b, theme) in enumerate(pairs):
            agreed = number < link_count
            links.append(self._link(number, (a, b), theme, agreed, risks))
        return Plan(self.options, self.periods, owners, risks, links)

    # Risks ----------------------------------------------------------------

    def _risk(self, slug, short, index, owners, theme) -> RiskPlan:
        rng = self.rng
        topic = rng.choice(TOPICS)
        themes = sorted({topic.theme, theme or topic.theme})
        if rng.random() < 0.3:
            themes = sorted({*themes, rng.choice(THEME_NAMES)})
        area = rng.choice(BOROUGHS)
        draw = rng.random()
        # Linked risks stay open: closed ones cannot be aligned.
        status = RiskStatus.OPEN
        if theme is None and draw < 0.03:
            status = RiskStatus.DRAFT
        elif theme is None and draw < 0.11 and self.options.versions > 1:
            status = RiskStatus.CLOSED  # closing takes a version of its own
        sensitive = rng.random() < 0.1
        inherent = (rng.randint(3, 5), rng.randint(3, 5))
        current = (rng.randint(2, inherent[0]), rng.randint(2, inherent[1]))
        target = (rng.randint(1, 2), rng.randint(1, 3))
        created = self._moment_between(
            self._at(self.first_day - timedelta(days=60), 9, 0),
            self._at(self.first_day - timedelta(days=2), 17, 0),
        )
        posts = OWNER_POSTS[slug]
        state = {
            "reference": f"{short}-R{index + 1:04d}",
            "title": f"{topic.title} ({area})",
            "cause": topic.causes[0],
            "event": topic.event.format(area=area),
            "effect": topic.effect,
            "category": topic.category,
            "owner_post": rng.choice(posts),
            "horizon": rng.choice([Horizon.LONG_TERM, Horizon.SHORT_TERM]),
            "status": RiskStatus.DRAFT
            if status == RiskStatus.DRAFT
            else RiskStatus.OPEN,
            "treatment": rng.choice(
                [Treatment.TREAT, Treatment.TREAT, Treatment.TOLERATE]
            ),
            "inherent_likelihood": inherent[0],
            "inherent_impact": inherent[1],
            "current_likelihood": current[0],
            "current_impact": current[1],
            "target_likelihood": target[0],
            "target_impact": target[1],
            "target_date": date(LAST_QUARTER_END.year + rng.randint(1, 3), 3, 31),
            "appetite": rng.choice(
                [Appetite.MINIMAL, Appetite.CAUTIOUS, Appetite.CAUTIOUS, Appetite.OPEN]
            ),
            "proximity": rng.choice(list(Proximity.values)),
            "marking": Marking.OFFICIAL_SENSITIVE if sensitive else Marking.OFFICIAL,
            "public_summary": f"A {topic.theme.lower()} risk held by "
            f"{short}; details are OFFICIAL-SENSITIVE."
            if sensitive
            else "",
            "next_review_date": None
            if status == RiskStatus.DRAFT
            else self.periods[0].end,
            "closed_on": None,
            "version": 1,
        }
        owner = rng.choice(owners)
        governance = f"bench-{slug}-governance"
        # A closed risk stops changing when it closes; the others run to the end.
        last = self.end_moment
        if status == RiskStatus.CLOSED:
            last = self._moment_between(
                self._at(self.periods[len(self.periods) // 2].start, 9, 0),
                self.end_moment,
            )
        reviews = []
        if status != RiskStatus.DRAFT:
            reviews = [r for r in self._reviews(current) if r.at < last]
        versions = [Version(created, "+", governance, "Risk created", dict(state))]
        editor = governance if status == RiskStatus.DRAFT else owner
        versions += self._updates(
            state, created, last, reviews, topic, posts, editor, status
        )
        return RiskPlan(
            org=slug,
            reference=state["reference"],
            owner=owner,
            themes=tuple(themes),
            versions=versions,
            reviews=reviews,
            controls=self._controls(topic, created, last, posts, governance, owner),
            actions=self._actions(topic, created, last, posts, governance, owner),
        )

    def _reviews(self, current) -> list[ReviewPlan]:
        rng = self.rng
        likelihood, impact = current
        reviews = []
        for number, period in enumerate(self.periods):
            before = likelihood * impact
            if rng.random() < 0.4:
                if rng.random() < 0.5:
                    likelihood = min(5, max(1, likelihood + rng.choice((-1, 1))))
                else:
                    impact = min(5, max(1, impact + rng.choice((-1, 1))))
            after = likelihood * impact
            trend = "up" if after > before else "down" if after < before else "same"
            day = period.end - timedelta(days=rng.randint(0, 12))
            reviews.append(
                ReviewPlan(
                    period=number,
                    likelihood=likelihood,
                    impact=impact,
                    commentary=COMMENTARIES[trend].format(
                        detail=rng.choice(COMMENTARY_DETAILS)
                    ),
                    reviewed_on=day,
                    at=self._working_moment(day),
                )
            )
        return reviews

    def _update_moments(
        self, created: datetime, last: datetime, count: int, reviews: list
    ) -> list[datetime]:
        """Spread `count` moments between creation and `last`, oldest first.

        The final one comes after the last review, so the live risk carries the
        score of its latest review.
        """
        if count <= 0:
            return []
        first = created + timedelta(days=1)
        slot = (last - first) / count
        moments = []
        for k in range(count):
            moment = self._moment_between(first + slot * k, first + slot * (k + 0.8))
            if moments and moment <= moments[-1]:
                moment = moments[-1] + timedelta(seconds=1)
            moments.append(moment)
        floor = max(
            [moments[-1], *(r.at + timedelta(minutes=30) for r in reviews[-1:])]
        )
        moments[-1] = max(floor, last) if last < self.end_moment else floor
        return moments

    def _updates(self, state, created, last, reviews, topic, posts, editor, status):
        rng = self.rng
        count = self.options.versions - 1
        versions = []
        moments = self._update_moments(created, last, count, reviews)
        for number, moment in enumerate(moments, start=2):
            new = dict(state)
            reason = ""
            done = [r for r in reviews if r.at <= moment]
            if done:
                latest = done[-1]
                period = self.periods[latest.period]
                new["current_likelihood"] = latest.likelihood
                new["current_impact"] = latest.impact
                new["next_review_date"] = next_quarter_end(period.end)
                if (latest.likelihood, latest.impact) != (
                    state["current_likelihood"],
                    state["current_impact"],
                ):
                    reason = f"Quarterly review {period.label}"
            name, tweak_reason = rng.choice(TWEAKS)
            self._tweak(new, name, topic, posts)
            new["version"] = number
            if status == RiskStatus.CLOSED and number == self.options.versions:
                new["status"] = RiskStatus.CLOSED
                new["closed_on"] = moment.astimezone(self.tz).date()
                reason = rng.choice(CLOSE_REASONS)
            versions.append(Version(moment, "~", editor, reason or tweak_reason, new))
            state = new
        return versions

    def _tweak(self, state, name, topic, posts) -> None:
        """Change one field of the risk, always to a different value."""
        rng = self.rng

        def other(values, current):
            return rng.choice([v for v in values if v != current])

        if name == "owner_post":
            state["owner_post"] = other(posts, state["owner_post"])
        elif name == "proximity":
            state["proximity"] = other(Proximity.values, state["proximity"])
        elif name == "treatment":
            state["treatment"] = other(
                [Treatment.TREAT, Treatment.TOLERATE, Treatment.TRANSFER],
                state["treatment"],
            )
        elif name == "target_date":
            state["target_date"] = state["target_date"] + timedelta(days=91)
        elif name == "cause":
            state["cause"] = other(topic.causes, state["cause"])
        elif name == "horizon":
            state["horizon"] = other(Horizon.values, state["horizon"])
        elif name == "target":
            # The target never exceeds the inherent score (Risk.clean).
            state["target_likelihood"] = 2 if state["target_likelihood"] == 1 else 1
        elif name == "appetite":
            state["appetite"] = other(
                [Appetite.MINIMAL, Appetite.CAUTIOUS, Appetite.OPEN], state["appetite"]
            )

    # Controls and actions ---------------------------------------------------

    def _child_created(self, created: datetime, last: datetime, number: int):
        # The last one is often added later, so that quarters show additions.
        if number == 2 and self.rng.random() < 0.3:
            return self._moment_between(self._at(self.first_day, 9, 0), last)
        return created + timedelta(hours=1 + number, minutes=self.rng.randint(0, 50))

    def _later(self, moment: datetime, last: datetime) -> datetime | None:
        """Return a moment at least a day later and before `last`, if any."""
        if moment + timedelta(days=1) >= last:
            return None
        return self._moment_between(moment + timedelta(days=1), last)

    def _controls(self, topic, created, last, posts, governance, owner) -> list:
        rng = self.rng
        controls = []
        for number in range(CONTROLS_PER_RISK):
            at = self._child_created(created, last, number)
            state = {
                "description": topic.controls[number % len(topic.controls)],
                "control_type": rng.choice(ControlType.values),
                "owner_post": rng.choice(posts),
                "effectiveness": rng.choice(
                    [Effectiveness.NOT_ASSESSED, Effectiveness.PARTIALLY_EFFECTIVE]
                ),
                "assurance_line": rng.choice(AssuranceLine.values),
                "version": 1,
            }
            versions = [Version(at, "+", governance, "Control added", state)]
            later = self._later(at, last) if rng.random() < 0.5 else None
            if later is not None:
                changed = dict(
                    state,
                    effectiveness=rng.choice(
                        [Effectiveness.EFFECTIVE, Effectiveness.INEFFECTIVE]
                    ),
                    version=2,
                )
                versions.append(
                    Version(later, "~", owner, "Effectiveness assessed", changed)
                )
            controls.append(versions)
        return controls

    def _actions(self, topic, created, last, posts, governance, owner) -> list:
        rng = self.rng
        steps = (
            (ActionStatus.ON_TRACK, "Progress update"),
            (ActionStatus.AT_RISK, "Due date slipped"),
            (ActionStatus.COMPLETE, "Action completed"),
        )
        actions = []
        for number in range(ACTIONS_PER_RISK):
            at = self._child_created(created, last, number)
            due = at.date() + timedelta(days=rng.randint(90, 720))
            state = {
                "description": topic.actions[number % len(topic.actions)],
                "owner_post": rng.choice(posts),
                "due_date": due,
                "revised_due_date": None,
                "status": ActionStatus.NOT_STARTED,
                "version": 1,
            }
            versions = [Version(at, "+", governance, "Action added", state)]
            # Most work due before the end is done by then (a few after slipping
            # first); the rest is still open and overdue, as in a real register.
            past_due = due < last.date()
            done_by_end = past_due and rng.random() < DONE_WHEN_DUE
            for status, reason in steps:
                moment = self._later(versions[-1].at, last)
                if moment is None:
                    break
                if done_by_end:
                    if status == ActionStatus.AT_RISK and rng.random() < 0.75:
                        continue
                elif (past_due and status == ActionStatus.COMPLETE) or (
                    rng.random() < 0.4
                ):
                    break
                state = dict(state, status=status, version=state["version"] + 1)
                if status == ActionStatus.AT_RISK:
                    state["revised_due_date"] = due + timedelta(days=91)
                versions.append(Version(moment, "~", owner, reason, state))
            actions.append(versions)
        return actions

    # Links ------------------------------------------------------------------

    def _link(self, number, indexes, theme, agreed, risks) -> LinkPlan:
        rng = self.rng
        sides = [("mopac", indexes[0]), ("mps", indexes[1])]
        if number % 2:
            sides.reverse()
        proposer, partner = sides
        proposer_risk = risks[proposer[0]][proposer[1]]
        partner_risk = risks[partner[0]][partner[1]]
        proposed_at = self._moment_between(
            self._at(self.first_day + timedelta(days=14), 9, 0),
            self.end_moment - timedelta(days=40),
        )
        state = {
            "relationship": rng.choice(Relationship.values),
            "rationale": f"{proposer_risk.reference} and {partner_risk.reference} "
            f"describe the same {theme.lower()} concern from each organisation's "
            "side; controls are reported together to the Audit Panel.",
            "status": LinkStatus.PROPOSED,
            "decision_reason": "",
            "decided_by": None,
        }
        versions = [
            Version(
                proposed_at,
                "+",
                f"bench-{proposer[0]}-governance",
                "Alignment proposed",
                state,
            )
        ]
        if agreed:
            decider = f"bench-{partner[0]}-governance"
            agreed_state = dict(
                state,
                status=LinkStatus.AGREED,
                decision_reason="Agreed at the joint risk forum.",
                decided_by=decider,
            )
            versions.append(
                Version(
                    proposed_at + timedelta(days=rng.randint(5, 30)),
                    "~",
                    decider,
                    "Agreed at the joint risk forum.",
                    agreed_state,
                )
            )
        return LinkPlan(proposer, partner, theme, tuple(versions))


def plan_register(options: Options) -> Plan:
    """Plan the register as plain data; the same options give the same plan."""
    return _Planner(options).plan()
