"""Large synthetic registers for benchmarks (`manage.py generate_register`).

The generator first plans everything as plain data from a seeded random number
generator, so the same arguments always give the same register. It then writes
the plan with bulk inserts: live rows at their final state and, for objects that
changed over time (risks, controls, actions, links, periods), one history row
per version written straight into simple-history's tables with its own date.
Objects with a single version (memberships, themes, reviews, grants, joint
actions) go through simple-history's `bulk_create_with_history` with per-row
dates, users and reasons.

It lives in `reports` because it writes every app's data and only `reports` may
import the others. The paper it drafts goes through the paper services.
"""

import random
import time as clock
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import connection, models, transaction
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from alignment.models import AlignmentLink, JointAction, LinkStatus, Relationship
from risks.choices import (
    ActionStatus,
    Appetite,
    AssuranceLine,
    Category,
    ControlType,
    Effectiveness,
    Horizon,
    Marking,
    Proximity,
    RiskStatus,
    Role,
    Treatment,
)
from risks.models import (
    Action,
    Control,
    Membership,
    Organisation,
    ReportingPeriod,
    Review,
    Risk,
    RiskUserObjectPermission,
    Theme,
)
from risks.services import next_quarter_end

from . import services
from .demo import SECTIONS
from .models import PanelPaper

DEFAULT_PASSWORD = "riskregister-demo"  # noqa: S105 - documented demo password
DEFAULT_VERSIONS = 20
DEFAULT_QUARTERS = 8
DEFAULT_SEED = 20250331
# The last generated quarter ends here: a fixed past date, so that the register
# (and every as-at view of it) is the same whenever it is generated.
LAST_QUARTER_END = date(2025, 3, 31)
BATCH_SIZE = 500
CONTROLS_PER_RISK = 3
ACTIONS_PER_RISK = 3
PAPER_THEMES = 3
PAPER_TITLE = "Alignment of MOPAC and Met Risks (generated register)"

ORGANISATIONS = (
    ("mopac", "MOPAC", "Mayor's Office for Policing and Crime"),
    ("mps", "MPS", "Metropolitan Police Service"),
)
ROLES = (
    (Role.GOVERNANCE, "Head of Governance and Risk"),
    (Role.RISK_OWNER, "Director of Strategy"),
    (Role.READER, "Risk Analyst"),
)
ROLE_NAMES = {
    Role.GOVERNANCE: "governance",
    Role.RISK_OWNER: "owner",
    Role.READER: "reader",
}

OWNER_POSTS = {
    "mopac": (
        "Director of Strategy",
        "Director of Commissioning and Partnerships",
        "Chief Finance Officer",
        "Head of Public Engagement",
        "Director of the Violence Reduction Unit",
        "Director of Audit, Risk and Assurance",
        "Head of Oversight",
        "Chief Digital Officer",
    ),
    "mps": (
        "Commander, Frontline Policing",
        "Director of Strategy and Governance",
        "Chief Finance Officer",
        "Director of People",
        "Chief Information Officer",
        "Commander, Specialist Crime",
        "Director of Property Services",
        "Commander, Met Operations",
    ),
}
BOROUGHS = (
    "Barking and Dagenham",
    "Brent",
    "Camden",
    "Croydon",
    "Ealing",
    "Hackney",
    "Haringey",
    "Lambeth",
    "Lewisham",
    "Newham",
    "Southwark",
    "Tower Hamlets",
    "Westminster",
    "pan-London",
)


@dataclass(frozen=True)
class Topic:
    """The words of one kind of risk, from which many register entries are made."""

    theme: str
    category: str
    title: str
    causes: tuple[str, str]
    event: str
    effect: str
    controls: tuple[str, ...]
    actions: tuple[str, ...]


def _topic(theme, category, title, causes, event, effect, controls, actions):
    return Topic(theme, category, title, causes, event, effect, controls, actions)


TOPICS = (
    _topic(
        "Community engagement",
        Category.STRATEGY,
        "Engagement fails to reach the communities with least trust",
        (
            "Because engagement activity is concentrated on groups already in "
            "contact with policing,",
            "Because ward panels and Safer Neighbourhood Boards reflect their "
            "communities unevenly,",
        ),
        "there is a risk that the views of communities with the least trust are not "
        "heard in {area},",
        "which would mean lower confidence, less community intelligence and "
        "decisions that do not reflect Londoners' needs.",
        (
            "A joint engagement working group meets monthly to align MOPAC and Met "
            "engagement plans.",
            "Safer Neighbourhood Boards in every borough hold local commanders to "
            "account.",
            "The Public Attitude Survey is analysed quarterly by ward and group.",
        ),
        (
            "Publish an engagement maturity dashboard for every borough.",
            "Recruit under-represented groups to ward panels.",
            "Review community monitoring of stop and search.",
        ),
    ),
    _topic(
        "Violence",
        Category.OPERATIONS,
        "Partnership response does not reduce serious violence",
        (
            "Because violence has complex causes that no single agency controls,",
            "Because funding for early intervention is short-term and fragmented,",
        ),
        "there is a risk that the partnership response fails to reduce knife crime "
        "and serious violence in {area},",
        "which would mean more victims, greater fear of crime and loss of public "
        "confidence.",
        (
            "The violence Gold Group directs the operational response weekly.",
            "The Violence Reduction Unit commissions early intervention with partners.",
            "Knife crime hotspots are reviewed in fortnightly tasking meetings.",
        ),
        (
            "Extend hospital-based youth work to two more major trauma centres.",
            "Agree a joint problem profile with the local authority.",
            "Evaluate the summer violence reduction plan.",
        ),
    ),
    _topic(
        "Victims",
        Category.STRATEGY,
        "Victims' needs are not at the heart of the justice system",
        (
            "Because a victim's journey runs through many agencies that share "
            "information unevenly,",
            "Because victim services are commissioned on different cycles,",
        ),
        "there is a risk that victims in {area} do not get the support they are "
        "entitled to under the Victims' Code,",
        "which would mean poorer outcomes for victims and falling satisfaction with "
        "policing and criminal justice.",
        (
            "The Victims' Board looks at commissioning from the victim's point of "
            "view.",
            "Victims' Code compliance is audited every quarter.",
            "Every new victims' service has an engagement plan before procurement.",
        ),
        (
            "Re-commission the pan-London victim support service.",
            "Introduce a single victim care record across agencies.",
            "Report Victims' Code compliance to the Oversight Board.",
        ),
    ),
    _topic(
        "Finance",
        Category.FINANCIAL,
        "Medium-term budget gap cannot be closed",
        (
            "Because settlements are announced late and for one year at a time,",
            "Because inflation and pay awards exceed the funding assumed in the plan,",
        ),
        "there is a risk that the medium-term financial plan cannot be balanced "
        "without unplanned reductions affecting {area},",
        "which would mean cuts to services at short notice and failure to deliver "
        "the Police and Crime Plan.",
        (
            "The medium-term financial plan is refreshed twice a year.",
            "Monthly budget monitoring goes to the Finance Board.",
            "Savings plans are tracked by a portfolio office.",
        ),
        (
            "Model three funding scenarios for the next spending review.",
            "Identify further efficiency savings in support functions.",
            "Agree reserves strategy with the Chief Finance Officers.",
        ),
    ),
    _topic(
        "Equalities",
        Category.PEOPLE,
        "Workforce does not reflect the city it serves",
        (
            "Because recruitment and progression have historically favoured some "
            "groups,",
            "Because attrition among under-represented staff is higher than average,",
        ),
        "there is a risk that the workforce serving {area} does not reflect "
        "London's diversity,",
        "which would mean weaker legitimacy, lower trust and missed talent.",
        (
            "Workforce diversity data is reported to the People Board quarterly.",
            "Positive action programmes support under-represented candidates.",
            "Exit interviews are analysed for every protected characteristic.",
        ),
        (
            "Launch a mentoring scheme for under-represented staff.",
            "Publish the annual equality, diversity and inclusion report.",
            "Review promotion processes for adverse impact.",
        ),
    ),
    _topic(
        "Crime prevention",
        Category.OPERATIONS,
        "Prevention activity is not targeted where harm is greatest",
        (
            "Because demand pressures draw officers away from neighbourhood work,",
            "Because data on repeat locations and victims is not shared routinely,",
        ),
        "there is a risk that crime prevention in {area} is not focused on the "
        "places and people at greatest risk,",
        "which would mean avoidable crime, repeat victimisation and rising demand.",
        (
            "Neighbourhood teams use a problem-solving model for repeat locations.",
            "Designing Out Crime officers review major planning applications.",
            "Repeat victims are flagged in the crime recording system.",
        ),
        (
            "Roll out a problem-solving tracker to every neighbourhood team.",
            "Share repeat-location data with local authorities monthly.",
            "Evaluate the burglary prevention pilot.",
        ),
    ),
    _topic(
        "Technology",
        Category.TECHNOLOGY,
        "Critical systems fail or cannot be supported",
        (
            "Because several core systems are past their supported life,",
            "Because the technology change portfolio depends on scarce skills,",
        ),
        "there is a risk that a critical system supporting {area} fails or is "
        "compromised,",
        "which would mean disruption to frontline services and loss of data.",
        (
            "Critical systems have tested disaster recovery plans.",
            "Vulnerability scanning runs weekly with monthly reports.",
            "Technology change is governed by a design authority.",
        ),
        (
            "Replace the legacy command and control system.",
            "Complete penetration testing of public-facing services.",
            "Agree a supplier exit plan for the data centre contract.",
        ),
    ),
    _topic(
        "Information",
        Category.INFORMATION,
        "Personal data is lost, misused or not shared lawfully",
        (
            "Because information is held in many systems with different controls,",
            "Because staff handle large volumes of sensitive personal data daily,",
        ),
        "there is a risk that personal data about people in {area} is lost, "
        "misused or shared without a lawful basis,",
        "which would mean harm to individuals, regulatory action and loss of trust.",
        (
            "Mandatory data protection training for all staff, renewed yearly.",
            "Data sharing agreements are reviewed by the Information Governance team.",
            "Access to sensitive systems is audited monthly.",
        ),
        (
            "Complete the information asset register.",
            "Introduce automated retention rules in the records system.",
            "Run a phishing awareness campaign.",
        ),
    ),
    _topic(
        "Public confidence",
        Category.REPUTATIONAL,
        "Public trust and confidence in policing declines",
        (
            "Because high-profile incidents of misconduct damage trust,",
            "Because response times and visibility have fallen in some areas,",
        ),
        "there is a risk that trust and confidence in policing in {area} declines "
        "further,",
        "which would mean fewer people reporting crime or coming forward as witnesses.",
        (
            "Confidence measures are reported monthly to the Oversight Board.",
            "Professional standards cases are reviewed by an independent panel.",
            "Local commanders publish quarterly updates to their communities.",
        ),
        (
            "Deliver the new neighbourhood policing pledge.",
            "Publish misconduct outcomes within agreed timescales.",
            "Commission independent research on drivers of confidence.",
        ),
    ),
    _topic(
        "Workforce",
        Category.PEOPLE,
        "Recruitment and retention cannot sustain workforce numbers",
        (
            "Because the labour market for skilled staff is highly competitive,",
            "Because workload and wellbeing pressures are increasing attrition,",
        ),
        "there is a risk that the organisation cannot recruit and keep the people "
        "it needs for {area},",
        "which would mean gaps in service, higher overtime costs and low morale.",
        (
            "Workforce plans are reviewed quarterly against establishment.",
            "Wellbeing support is available to all staff and monitored.",
            "Recruitment pipelines are tracked weekly.",
        ),
        (
            "Launch a retention survey and act on its findings.",
            "Expand flexible working options.",
            "Refresh the recruitment marketing campaign.",
        ),
    ),
    _topic(
        "Estates",
        Category.PROPERTY,
        "Estate is not fit for purpose or affordable",
        (
            "Because much of the estate is old and costly to maintain,",
            "Because the estates strategy depends on disposals in a weak market,",
        ),
        "there is a risk that buildings used in {area} become unsafe, unsuitable "
        "or unaffordable,",
        "which would mean disruption to services and unplanned capital costs.",
        (
            "Condition surveys cover every operational building on a rolling cycle.",
            "The estates board approves all disposals and acquisitions.",
            "Statutory compliance checks are tracked centrally.",
        ),
        (
            "Complete fire safety remediation at priority sites.",
            "Refresh the estates strategy.",
            "Agree a maintenance backlog reduction plan.",
        ),
    ),
    _topic(
        "Partnerships",
        Category.GOVERNANCE,
        "Partnership governance does not deliver shared outcomes",
        (
            "Because partners have different priorities, budgets and reporting lines,",
            "Because joint boards lack clear ownership of shared actions,",
        ),
        "there is a risk that partnership arrangements in {area} do not deliver "
        "the outcomes agreed,",
        "which would mean duplicated effort, gaps in provision and wasted money.",
        (
            "Partnership boards have agreed terms of reference and action logs.",
            "Shared outcomes are reported to the Oversight Board quarterly.",
            "Memoranda of understanding set out each partner's responsibilities.",
        ),
        (
            "Review the terms of reference of every partnership board.",
            "Agree a shared outcomes framework with London Councils.",
            "Audit delivery of joint actions.",
        ),
    ),
)
THEME_NAMES = tuple(dict.fromkeys(topic.theme for topic in TOPICS))
CLOSE_REASONS = (
    "Risk closed: target score reached and controls embedded.",
    "Risk closed: merged into a broader corporate risk.",
    "Risk closed: the programme it related to has ended.",
)
COMMENTARIES = {
    "up": "Score raised: {detail} has increased exposure this quarter.",
    "down": "Score lowered: {detail} has reduced exposure this quarter.",
    "same": "No change this quarter: controls are operating as expected.",
}
COMMENTARY_DETAILS = (
    "demand over the summer",
    "the latest funding announcement",
    "progress on the mitigating actions",
    "the findings of an internal audit",
    "a change in partner capacity",
    "new performance data",
)
# A version's change besides the score: (field, reason).
TWEAKS = (
    ("owner_post", "Owner post title updated"),
    ("proximity", "Proximity reassessed"),
    ("treatment", "Treatment reviewed"),
    ("target_date", "Target date revised"),
    ("cause", "Risk statement refined"),
    ("horizon", "Horizon reassessed"),
    ("target", "Target score revised"),
    ("appetite", "Appetite reviewed at the risk committee"),
)


class GeneratorRefused(Exception):
    """The generator will not run here (production settings or data present)."""


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


@dataclass
class Result:
    """What was written, with the seconds each phase took."""

    timings: dict[str, float] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    paper_id: int | None = None

    @property
    def total_seconds(self) -> float:
        return sum(self.timings.values())


# --- The plan -----------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One state of an object: when, by whom, why, and its field values."""

    at: datetime
    kind: str  # "+" or "~", as simple-history records it
    user: str  # username, resolved when written
    reason: str
    fields: dict


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
            for status, reason in steps:
                moment = self._later(versions[-1].at, last)
                if moment is None or rng.random() < 0.4:
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


# --- Writing ------------------------------------------------------------------


def is_production_settings() -> bool:
    """Say whether production settings are in use (or demo data is turned off)."""
    module = settings.SETTINGS_MODULE or ""
    allowed = getattr(settings, "DEMO_DATA_ALLOWED", True)
    return module.rsplit(".", 1)[-1] == "prod" or not allowed


@contextmanager
def _phase(result: Result, name: str, report: Callable[[str], None]) -> Iterator:
    started = clock.perf_counter()
    yield
    result.timings[name] = clock.perf_counter() - started
    report(f"  {name:<28} {result.timings[name]:7.2f} s")


def _history_rows(model, pairs: Iterable[tuple[models.Model, Version]], users):
    """Build one historical row per (live object, version)."""
    history_model = model.history.model
    tracked = [f.attname for f in history_model.tracked_fields]
    rows = []
    for instance, version in pairs:
        values = {name: getattr(instance, name) for name in tracked}
        for name, value in version.fields.items():
            if name == "decided_by":  # planned as a username, like Version.user
                values["decided_by_id"] = users[value].pk if value else None
            else:
                values[name] = value
        rows.append(
            history_model(
                **values,
                history_date=version.at,
                history_type=version.kind,
                history_user_id=users[version.user].pk,
                history_change_reason=version.reason,
            )
        )
    return rows


def _bulk_with_history(model, items: list[tuple[models.Model, Version]], users):
    """Create each object once and one history row per dated version of it.

    `items` pairs a live object (already carrying its last version's values)
    with each of its versions, oldest first.
    """
    live = list({id(obj): obj for obj, _ in items}.values())
    model.objects.bulk_create(live, batch_size=BATCH_SIZE)
    history = _history_rows(model, items, users)
    return model.history.model.objects.bulk_create(history, batch_size=BATCH_SIZE)


def _attribute(instance, *, at: datetime, user, reason: str):
    instance._history_date = at
    instance._history_user = user
    instance._change_reason = reason
    return instance


class _Writer:
    def __init__(self, plan: Plan, result: Result, report):
        self.plan = plan
        self.result = result
        self.report = report
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.setup_at = datetime.combine(
            plan.periods[0].start - timedelta(days=90), time(9), tzinfo=self.tz
        )

    def write(self) -> None:
        with _phase(self.result, "organisations and users", self.report):
            self._people()
        with _phase(self.result, "themes and periods", self.report):
            self._themes()
            self._periods()
        with _phase(self.result, "risks and history", self.report):
            self._risks()
        with _phase(self.result, "controls and actions", self.report):
            self._children(Control, "controls")
            self._children(Action, "actions")
        with _phase(self.result, "reviews", self.report):
            self._reviews()
        with _phase(self.result, "owner permissions", self.report):
            self._grants()
        with _phase(self.result, "alignment links", self.report):
            self._links()
        with _phase(self.result, "panel paper", self.report):
            self._paper()

    def _people(self) -> None:
        self.orgs = {}
        for slug, short, name in ORGANISATIONS:
            org = Organisation.objects.filter(slug=slug).first()
            if org is None:
                org = _attribute(
                    Organisation(slug=slug, short_name=short, name=name),
                    at=self.setup_at,
                    user=None,
                    reason="Organisation set up",
                )
                bulk_create_with_history([org], Organisation)
                org = Organisation.objects.get(slug=slug)
            self.orgs[slug] = org
        user_model = get_user_model()
        # One hash for every generated user: hashing is slow by design.
        password = make_password(self.plan.options.password)
        wanted = {}
        for slug, _, _ in ORGANISATIONS:
            for role, post in ROLES:
                wanted[f"bench-{slug}-{ROLE_NAMES[role]}"] = (slug, role, post)
            for username in self.plan.owners[slug][1:]:
                wanted[username] = (slug, Role.RISK_OWNER, "Risk owner")
        existing = {
            u.username: u for u in user_model.objects.filter(username__in=wanted)
        }
        new = [
            user_model(
                username=name, email=f"{name}@example.invalid", password=password
            )
            for name in wanted
            if name not in existing
        ]
        user_model.objects.bulk_create(new, batch_size=BATCH_SIZE)
        user_model.objects.filter(username__in=existing).update(password=password)
        self.users = {
            u.username: u for u in user_model.objects.filter(username__in=wanted)
        }
        members = set(
            Membership.objects.filter(user__in=self.users.values()).values_list(
                "user__username", flat=True
            )
        )
        memberships = [
            _attribute(
                Membership(
                    user=self.users[name],
                    organisation=self.orgs[slug],
                    role=role,
                    post_title=post,
                ),
                at=self.setup_at,
                user=None,
                reason="Generated user",
            )
            for name, (slug, role, post) in wanted.items()
            if name not in members
        ]
        bulk_create_with_history(memberships, Membership, batch_size=BATCH_SIZE)
        self.result.counts["users"] = len(wanted)

    def _themes(self) -> None:
        slugs = {slugify(name): name for name in THEME_NAMES}
        have = set(Theme.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        missing = [
            _attribute(
                Theme(name=name, slug=slug),
                at=self.setup_at,
                user=None,
                reason="Theme added",
            )
            for slug, name in slugs.items()
            if slug not in have
        ]
        bulk_create_with_history(missing, Theme)
        self.themes = {t.name: t for t in Theme.objects.filter(slug__in=slugs)}

    def _periods(self) -> None:
        items = []
        self.periods = {}
        labels = [p.label for p in self.plan.periods]
        if ReportingPeriod.objects.filter(
            organisation__in=self.orgs.values(), label__in=labels
        ).exists():
            raise GeneratorRefused(
                "Reporting periods with the generated labels already exist."
            )
        for slug, org in self.orgs.items():
            governance = f"bench-{slug}-governance"
            for number, spec in enumerate(self.plan.periods):
                opened = datetime.combine(spec.start, time(9), tzinfo=self.tz)
                closed = datetime.combine(
                    spec.end + timedelta(days=14), time(16), tzinfo=self.tz
                )
                period = ReportingPeriod(
                    organisation=org,
                    label=spec.label,
                    start=spec.start,
                    end=spec.end,
                    is_closed=True,
                    closed_at=closed,
                    closed_by=self.users[governance],
                )
                state = {"is_closed": False, "closed_at": None, "closed_by_id": None}
                items.append(
                    (period, Version(opened, "+", governance, "Period opened", state))
                )
                done = {
                    "is_closed": True,
                    "closed_at": closed,
                    "closed_by_id": self.users[governance].pk,
                }
                items.append(
                    (period, Version(closed, "~", governance, "Period closed", done))
                )
                self.periods[(slug, number)] = period
        _bulk_with_history(ReportingPeriod, items, self.users)
        self.result.counts["periods"] = len(self.periods)

    def _risks(self) -> None:
        self.risks: dict[tuple[str, int], Risk] = {}
        through = Risk.themes.through
        theme_history = Risk.history.model.themes.model
        for slug, plans in self.plan.risks.items():
            org = self.orgs[slug]
            live = []
            for index, plan in enumerate(plans):
                risk = Risk(
                    organisation=org,
                    owner=self.users[plan.owner],
                    **plan.versions[-1].fields,
                )
                self.risks[(slug, index)] = risk
                live.append(risk)
            Risk.objects.bulk_create(live, batch_size=BATCH_SIZE)
            links = [
                through(risk_id=risk.pk, theme_id=self.themes[name].pk)
                for risk, plan in zip(live, plans, strict=True)
                for name in plan.themes
            ]
            through.objects.bulk_create(links, batch_size=BATCH_SIZE)
            by_risk: dict[int, list] = {}
            for row in links:
                by_risk.setdefault(row.risk_id, []).append(row)
            history = Risk.history.model.objects.bulk_create(
                _history_rows(
                    Risk,
                    (
                        (risk, version)
                        for risk, plan in zip(live, plans, strict=True)
                        for version in plan.versions
                    ),
                    self.users,
                ),
                batch_size=BATCH_SIZE,
            )
            # Every history row of a risk snapshots its themes, as a save would.
            theme_history.objects.bulk_create(
                [
                    theme_history(
                        id=row.pk,
                        risk_id=row.risk_id,
                        theme_id=row.theme_id,
                        history_id=h.history_id,
                    )
                    for h in history
                    for row in by_risk[h.id]
                ],
                batch_size=BATCH_SIZE,
            )
            self.result.counts["risks"] += len(live)
            self.result.counts["risk history rows"] += len(history)

    def _children(self, model, attr: str) -> None:
        items = []
        for (slug, index), risk in self.risks.items():
            for versions in getattr(self.plan.risks[slug][index], attr):
                child = model(risk=risk, **versions[-1].fields)
                items.extend((child, version) for version in versions)
        history = _bulk_with_history(model, items, self.users)
        self.result.counts[attr] += len({id(obj) for obj, _ in items})
        self.result.counts[f"{attr} history rows"] += len(history)

    def _reviews(self) -> None:
        reviews = []
        for (slug, index), risk in self.risks.items():
            plan = self.plan.risks[slug][index]
            reviewer = self.users[plan.owner]
            for spec in plan.reviews:
                period = self.periods[(slug, spec.period)]
                reviews.append(
                    _attribute(
                        Review(
                            risk=risk,
                            period=period,
                            likelihood=spec.likelihood,
                            impact=spec.impact,
                            commentary=spec.commentary,
                            reviewed_by=reviewer,
                            reviewed_on=spec.reviewed_on,
                        ),
                        at=spec.at,
                        user=reviewer,
                        reason=f"Quarterly review {period.label}",
                    )
                )
        bulk_create_with_history(reviews, Review, batch_size=BATCH_SIZE)
        self.result.counts["reviews"] = len(reviews)

    def _grants(self) -> None:
        permission = Permission.objects.get(
            content_type__app_label="risks", codename="change_risk"
        )
        grants = []
        for (slug, index), risk in self.risks.items():
            plan = self.plan.risks[slug][index]
            grants.append(
                _attribute(
                    RiskUserObjectPermission(
                        content_object=risk,
                        user=self.users[plan.owner],
                        permission=permission,
                    ),
                    at=plan.versions[0].at + timedelta(seconds=1),
                    user=self.users[f"bench-{slug}-governance"],
                    reason="Risk owner assigned",
                )
            )
        bulk_create_with_history(
            grants, RiskUserObjectPermission, batch_size=BATCH_SIZE
        )
        self.result.counts["grants"] = len(grants)

    def _links(self) -> None:
        items = []
        agreed = []
        for plan in self.plan.links:
            proposer = self.risks[plan.proposer]
            last = plan.versions[-1].fields
            link = AlignmentLink(
                proposer_risk=proposer,
                partner_risk=self.risks[plan.partner],
                theme=self.themes[plan.theme],
                proposed_by_organisation=proposer.organisation,
                proposed_by=self.users[plan.versions[0].user],
                relationship=last["relationship"],
                rationale=last["rationale"],
                status=last["status"],
                decision_reason=last["decision_reason"],
                decided_by=self.users[last["decided_by"]]
                if last["decided_by"]
                else None,
            )
            items.extend((link, version) for version in plan.versions)
            if link.status == LinkStatus.AGREED:
                agreed.append((link, plan))
        _bulk_with_history(AlignmentLink, items, self.users)
        actions = []
        for link, plan in agreed:
            owner_slug = plan.partner[0]
            decided = plan.versions[-1].at
            actions.append(
                _attribute(
                    JointAction(
                        link=link,
                        organisation=self.orgs[owner_slug],
                        description="Report joint progress on the shared controls "
                        "to the Audit Panel.",
                        owner_post=OWNER_POSTS[owner_slug][0],
                        due_date=decided.date() + timedelta(days=180),
                        status=ActionStatus.ON_TRACK,
                    ),
                    at=decided + timedelta(hours=2),
                    user=self.users[f"bench-{owner_slug}-governance"],
                    reason="Joint action agreed",
                )
            )
        bulk_create_with_history(actions, JointAction, batch_size=BATCH_SIZE)
        self.result.counts["agreed links"] = len(agreed)
        self.result.counts["proposed links"] = len(self.plan.links) - len(agreed)
        self.result.counts["joint actions"] = len(actions)

    def _paper(self) -> None:
        agreed = Counter(
            plan.theme
            for plan in self.plan.links
            if plan.versions[-1].fields["status"] == LinkStatus.AGREED
        )
        themes = [
            self.themes[name]
            for name, _ in sorted(agreed.items(), key=lambda item: (-item[1], item[0]))
        ][:PAPER_THEMES]
        last = self.plan.periods[-1]
        at = datetime.combine(last.end + timedelta(days=14), time(10), tzinfo=self.tz)
        user = self.users["bench-mopac-governance"]
        paper = services.paper_create(
            user=user,
            data={
                "meeting": "MPS-MOPAC Joint Audit Panel",
                "meeting_date": last.end + timedelta(days=60),
                "agenda_item": "5b",
                "title": PAPER_TITLE,
                "report_by": "MOPAC Chief Executive Officer & Met Director of "
                "Strategy & Governance",
                "period_label": last.label,
                "period_end": last.end,
                "marking": Marking.OFFICIAL,
                "include_heat_maps": True,
            },
            themes=themes,
            reason="Paper drafted",
            at=at,
        )
        for index, spec in enumerate(SECTIONS, start=1):
            services.section_create(
                paper=paper,
                user=user,
                data={"order": index * 10, **spec},
                at=at + timedelta(minutes=index),
            )
        self.result.paper_id = paper.pk
        self.result.counts["papers"] = 1


def generate_register(
    options: Options, *, report: Callable[[str], None] = lambda line: None
) -> Result:
    """Write a large synthetic register for both organisations; refuse production."""
    if is_production_settings():
        raise GeneratorRefused(
            "generate_register refuses to run under production settings "
            f"({settings.SETTINGS_MODULE}) or with DEMO_DATA_ALLOWED off: its "
            "users have a published password."
        )
    usernames = {
        name
        for slug, _, _ in ORGANISATIONS
        for name in owner_names(slug, options.risks_per_org)
    }
    if Risk.objects.filter(owner__username__in=usernames).exists():
        raise GeneratorRefused(
            "This database already holds a generated register; use an empty one."
        )
    result = Result()
    with _phase(result, "plan (in memory)", report):
        plan = plan_register(options)
    with transaction.atomic():
        _Writer(plan, result, report).write()
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load: fresh statistics, and the
        # visibility map that index-only scans rely on. VACUUM cannot run in a
        # transaction (as in tests), where ANALYZE alone has to do.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with _phase(result, "vacuum, analyse", report), connection.cursor() as cursor:
            cursor.execute(command)
    return result


def paper_for_benchmark() -> PanelPaper | None:
    """Return the generated paper, if there is one."""
    return PanelPaper.objects.filter(title=PAPER_TITLE).order_by("-pk").first()
