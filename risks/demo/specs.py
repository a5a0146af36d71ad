"""Shapes of the demo data: plain frozen dataclasses, no database access."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ..choices import (
    ActionStatus,
    Appetite,
    AssuranceLine,
    Category,
    ControlType,
    Effectiveness,
    Horizon,
    Marking,
    Proximity,
    Role,
    Treatment,
)

LONDON = ZoneInfo("Europe/London")

# (likelihood, impact), each 1..5.
Score = tuple[int, int]


def london(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """Return an aware Europe/London datetime (the registers' own clock)."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@dataclass(frozen=True)
class OrganisationSpec:
    slug: str
    short_name: str
    name: str


@dataclass(frozen=True)
class UserSpec:
    """A demo login: an organisation role, the panel capability, or superuser."""

    username: str
    email: str
    post_title: str = ""
    organisation: str | None = None  # organisation slug
    role: Role | None = None
    panel_member: bool = False
    superuser: bool = False


@dataclass(frozen=True)
class PeriodSpec:
    """A quarter, opened and (optionally) closed by each organisation's governance."""

    label: str
    start: date
    end: date
    opened_at: datetime
    closed_at: datetime | None = None


@dataclass(frozen=True)
class Change:
    """A later edit of a control or action: the fields that changed, when and why."""

    at: datetime
    data: dict
    reason: str


@dataclass(frozen=True)
class ControlSpec:
    description: str
    control_type: ControlType
    owner_post: str
    effectiveness: Effectiveness
    assurance_line: AssuranceLine
    added: datetime | None = None  # None: shortly after the risk was created
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class ActionSpec:
    description: str
    owner_post: str
    due_date: date
    status: ActionStatus
    added: datetime | None = None  # None: shortly after the risk was created
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class ReviewSpec:
    period: str  # period label
    score: Score
    at: datetime
    commentary: str


@dataclass(frozen=True)
class Reassignment:
    """A change of risk owner part-way through the year."""

    at: datetime
    owner: str | None  # username
    owner_post: str
    reason: str


@dataclass(frozen=True)
class RiskSpec:
    """One corporate risk as it was entered in January 2019 and reviewed since."""

    organisation: str  # organisation slug
    reference: str
    title: str
    cause: str
    event: str
    effect: str
    category: Category
    themes: tuple[str, ...]
    owner_post: str
    owner: str | None  # username of the owner at creation, if any
    created_at: datetime
    inherent: Score
    current: Score
    target: Score
    target_date: date
    horizon: Horizon
    treatment: Treatment
    appetite: Appetite
    proximity: Proximity
    reviews: tuple[ReviewSpec, ...]
    controls: tuple[ControlSpec, ...] = ()
    actions: tuple[ActionSpec, ...] = ()
    marking: Marking = Marking.OFFICIAL
    public_summary: str = ""
    reassignment: Reassignment | None = None

    def owner_at(self, at: datetime) -> str | None:
        """Return the username owning the risk at a moment, if any."""
        if self.reassignment and at >= self.reassignment.at:
            return self.reassignment.owner
        return self.owner
