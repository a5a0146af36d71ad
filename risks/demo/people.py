"""Demo organisations, users (posts and role mailboxes only), themes and quarters."""

from datetime import date

from ..choices import Role
from .specs import OrganisationSpec, PeriodSpec, UserSpec, london

# When the register was set up; every row the demo writes is dated from here on.
SETUP_AT = london(2019, 1, 2, 9, 0)

ORGANISATIONS = (
    OrganisationSpec(
        slug="mopac", short_name="MOPAC", name="Mayor's Office for Policing and Crime"
    ),
    OrganisationSpec(slug="mps", short_name="MPS", name="Metropolitan Police Service"),
)

# The superuser sets the register up, so it comes first.
ADMIN = UserSpec(username="admin", email="admin@riskregister.example", superuser=True)

USERS = (
    ADMIN,
    UserSpec(
        username="mopac-governance",
        email="governance@mopac.example",
        post_title="Head of Governance and Risk",
        organisation="mopac",
        role=Role.GOVERNANCE,
    ),
    UserSpec(
        username="mopac-owner",
        email="strategy@mopac.example",
        post_title="Director of Strategy",
        organisation="mopac",
        role=Role.RISK_OWNER,
    ),
    UserSpec(
        username="mopac-reader",
        email="evidence-insight@mopac.example",
        post_title="Evidence and Insight Analyst",
        organisation="mopac",
        role=Role.READER,
    ),
    UserSpec(
        username="met-governance",
        email="risk-assurance@mps.example",
        post_title="Head of Risk and Assurance",
        organisation="mps",
        role=Role.GOVERNANCE,
    ),
    UserSpec(
        username="met-owner",
        email="frontline-policing@mps.example",
        post_title="Commander, Frontline Policing",
        organisation="mps",
        role=Role.RISK_OWNER,
    ),
    UserSpec(
        username="met-reader",
        email="strategy-governance@mps.example",
        post_title="Strategy and Governance Officer",
        organisation="mps",
        role=Role.READER,
    ),
    UserSpec(
        username="panel-member",
        email="audit-panel@panel.example",
        post_title="Independent member, Joint Audit Panel",
        panel_member=True,
    ),
)

# Each organisation's governance officer runs its quarterly cycle.
GOVERNANCE = {"mopac": "mopac-governance", "mps": "met-governance"}

# The joint committee over both organisations; the panel member sits on it.
PANEL_NAME = "MPS-MOPAC Joint Audit Panel"

THEMES = (
    "Community engagement",
    "Crime prevention",
    "Equalities",
    "Finance",
    "Victims",
    "Violence",
)

# 2019/20 Q2 stays open: "as at 30 September 2019" reads the Q2 reviews from
# history, and the demo keeps a live quarter to try the review cycle in.
PERIODS = (
    PeriodSpec(
        label="2018/19 Q4",
        start=date(2019, 1, 1),
        end=date(2019, 3, 31),
        opened_at=london(2019, 1, 2, 9, 30),
        closed_at=london(2019, 4, 5, 16, 0),
    ),
    PeriodSpec(
        label="2019/20 Q1",
        start=date(2019, 4, 1),
        end=date(2019, 6, 30),
        opened_at=london(2019, 4, 1, 9, 0),
        closed_at=london(2019, 7, 5, 16, 0),
    ),
    PeriodSpec(
        label="2019/20 Q2",
        start=date(2019, 7, 1),
        end=date(2019, 9, 30),
        opened_at=london(2019, 7, 1, 9, 0),
    ),
)
