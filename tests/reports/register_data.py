"""A 2019 MOPAC register for the register report tests, and large generated ones.

`build_register_world` writes a small register through the services with dates
in 2019, so that the register "as at 30 September 2019" (2019/20 Q2) comes from
history. `bulk_register` adds many risks quickly with bulk_create_with_history,
for query budgets and the 1,000-risk measurement (bench/register_report_pdf.py).
"""

import datetime
import random
from dataclasses import dataclass

from simple_history.utils import bulk_create_with_history

from risks import services as risk_services
from risks.choices import (
    ActionStatus,
    Appetite,
    AssuranceLine,
    Category,
    ControlType,
    Effectiveness,
    Marking,
    RiskStatus,
    Role,
)
from risks.models import (
    Action,
    Control,
    Organisation,
    ReportingPeriod,
    Review,
    Risk,
)

from ..factories import (
    OrganisationFactory,
    PanelMemberFactory,
    UserFactory,
)
from .render_data import _member, at, make_risk

Q1_END = datetime.date(2019, 6, 30)
Q2_START = datetime.date(2019, 7, 1)
Q2_END = datetime.date(2019, 9, 30)

VICTIMS = "Victims at the heart of the criminal justice system"
SECRET = "Covert source handling exposes informants"
PUBLIC_SUMMARY = "A risk about protecting people who help the police"
OVERDUE_ACTION = "Publish the victims needs assessment"
DONE_ACTION = "Hold a listening event with young victims"
FUTURE_ACTION = "Recommission the victims services contract"
CONTROL = "The Victims Board reviews commissioned services every quarter"
CLOSED_TITLE = "Estate disposal programme slips"
EARLY_CLOSED_TITLE = "Risk closed in May before the period"
DRAFT_TITLE = "Draft risk never opened"
LATE_TITLE = "Risk raised in October after the period end"
LATE_CONTROL = "A control added in October after the period end"
RENAMED = "Renamed in November after the period end"


@dataclass
class RegisterWorld:
    mopac: Organisation
    mps: Organisation
    users: dict
    q1: ReportingPeriod
    q2: ReportingPeriod
    q3: ReportingPeriod
    victims: Risk
    sensitive: Risk
    r10: Risk


def _risk(org, user, reference, title, *, when, **extra) -> Risk:
    """A risk as the paper tests make them, but scored 3 × 3 unless told."""
    return make_risk(
        org, user, reference, title, when=when, **{"current_impact": 3, **extra}
    )


def build_register_world() -> RegisterWorld:
    """Write MOPAC's 2019 register (and one MPS risk) through the services."""
    mopac = OrganisationFactory(
        short_name="MOPAC", name="Mayor's Office for Policing and Crime", slug="mopac"
    )
    mps = OrganisationFactory(
        short_name="MPS", name="Metropolitan Police Service", slug="mps"
    )
    users = {}
    for org in (mopac, mps):
        for role in (Role.GOVERNANCE, Role.RISK_OWNER, Role.READER):
            name = f"{org.slug}-{'owner' if role == Role.RISK_OWNER else role}"
            users[name] = _member(org, role, name)
    users["panel"] = UserFactory(username="panel")
    PanelMemberFactory(user=users["panel"])
    users["outsider"] = UserFactory(username="outsider")
    users["admin"] = UserFactory(username="admin", is_superuser=True, is_staff=True)
    gov = users["mopac-governance"]

    q1, q2, q3 = (
        risk_services.period_create(
            organisation=mopac, label=label, start=start, end=end, user=gov, at=when
        )
        for label, start, end, when in (
            ("2019/20 Q1", datetime.date(2019, 4, 1), Q1_END, at(2019, 4, 1, 9)),
            ("2019/20 Q2", Q2_START, Q2_END, at(2019, 4, 1, 9, 1)),
            (
                "2019/20 Q3",
                datetime.date(2019, 10, 1),
                datetime.date(2019, 12, 31),
                at(2019, 4, 1, 9, 2),
            ),
        )
    )

    victims = _risk(
        mopac,
        gov,
        "MOPAC-R01",
        VICTIMS,
        when=at(2019, 4, 2, 10),
        appetite=Appetite.CAUTIOUS,
    )
    risk_services.control_create(
        risk=victims,
        user=gov,
        data={
            "description": CONTROL,
            "owner_post": "Victims Commissioner",
            "control_type": ControlType.DETECTIVE,
            "effectiveness": Effectiveness.PARTIALLY_EFFECTIVE,
            "assurance_line": AssuranceLine.SECOND,
        },
        at=at(2019, 4, 3, 10),
    )
    for description, due, status in (
        (OVERDUE_ACTION, datetime.date(2019, 8, 31), ActionStatus.AT_RISK),
        (DONE_ACTION, datetime.date(2019, 7, 31), ActionStatus.COMPLETE),
        (FUTURE_ACTION, datetime.date(2019, 12, 31), ActionStatus.ON_TRACK),
    ):
        risk_services.action_create(
            risk=victims,
            user=gov,
            data={
                "description": description,
                "owner_post": "Head of Victims",
                "due_date": due,
                "status": status,
            },
            at=at(2019, 4, 3, 11),
        )
    sensitive = _risk(
        mopac,
        gov,
        "MOPAC-R02",
        "Source handling",
        when=at(2019, 4, 2, 11),
        cause=f"{SECRET},",
        marking=Marking.OFFICIAL_SENSITIVE,
        public_summary=PUBLIC_SUMMARY,
        appetite=Appetite.MINIMAL,
        current_likelihood=2,
        current_impact=2,
    )
    closed = _risk(mopac, gov, "MOPAC-R03", CLOSED_TITLE, when=at(2019, 4, 2, 12))
    early = _risk(mopac, gov, "MOPAC-R05", EARLY_CLOSED_TITLE, when=at(2019, 4, 2, 13))
    _risk(
        mopac,
        gov,
        "MOPAC-R04",
        DRAFT_TITLE,
        when=at(2019, 4, 2, 14),
        status=RiskStatus.DRAFT,
    )
    r10 = _risk(
        mopac,
        gov,
        "MOPAC-R10",
        "Workforce capacity in the control room",
        when=at(2019, 4, 2, 15),
        appetite=Appetite.OPEN,
        current_likelihood=4,
        current_impact=4,
    )
    _risk(mps, users["mps-governance"], "MPS-R01", "Met-only risk", when=at(2019, 4, 2))
    risk_services.risk_close(
        risk=early, user=gov, reason="Mitigated", at=at(2019, 5, 1, 10)
    )

    # Q1 reviews, then Q1 closes; Q2 reviews (MOPAC-R01 rises), R03 closes in
    # August, then Q2 closes in October.
    for risk, likelihood, impact in ((victims, 3, 3), (sensitive, 2, 2), (r10, 4, 4)):
        risk_services.review_record(
            risk=risk,
            period=q1,
            user=gov,
            likelihood=likelihood,
            impact=impact,
            commentary="Reviewed.",
            at=at(2019, 6, 20, 10),
        )
    risk_services.review_record(
        risk=closed,
        period=q1,
        user=gov,
        likelihood=3,
        impact=3,
        commentary="Reviewed.",
        at=at(2019, 6, 20, 11),
    )
    risk_services.period_close(period=q1, user=gov, at=at(2019, 7, 5, 10))
    risk_services.risk_close(
        risk=closed, user=gov, reason="Programme complete", at=at(2019, 8, 15, 10)
    )
    for risk, likelihood, impact in ((victims, 3, 4), (sensitive, 2, 2), (r10, 4, 4)):
        risk_services.review_record(
            risk=risk,
            period=q2,
            user=gov,
            likelihood=likelihood,
            impact=impact,
            commentary="Reviewed.",
            at=at(2019, 9, 20, 10),
        )
    risk_services.period_close(period=q2, user=gov, at=at(2019, 10, 4, 10))
    for risk in (victims, sensitive, r10):
        risk.refresh_from_db()
    q2.refresh_from_db()
    return RegisterWorld(mopac, mps, users, q1, q2, q3, victims, sensitive, r10)


def change_after_the_period(world: RegisterWorld, *, when=None) -> None:
    """Change the register after 30 September 2019 (in October–November, or `when`)."""
    gov = world.users["mopac-governance"]
    victims = Risk.objects.get(pk=world.victims.pk)
    risk_services.risk_update(
        risk=victims,
        user=gov,
        data={"title": RENAMED, "current_likelihood": 5, "current_impact": 5},
        at=when or at(2019, 11, 5, 10),
    )
    risk_services.control_create(
        risk=victims,
        user=gov,
        data={"description": LATE_CONTROL, "owner_post": "Head of Victims"},
        at=when or at(2019, 10, 20, 10),
    )
    for action in Action.objects.filter(risk=victims):
        risk_services.action_delete(
            action=action, user=gov, reason="Tidied", at=when or at(2019, 10, 21)
        )
    _risk(world.mopac, gov, "MOPAC-R11", LATE_TITLE, when=when or at(2019, 10, 15))


# --- Large generated registers ------------------------------------------------


def bulk_register(
    organisation: Organisation,
    count: int,
    *,
    user,
    previous: ReportingPeriod,
    period: ReportingPeriod,
    prefix: str = "GEN",
    controls: int = 2,
    actions: int = 2,
    seed: int = 7,
) -> list[Risk]:
    """Add `count` open risks with controls, actions and two quarters of reviews.

    Written with bulk_create_with_history, dated within the two periods, so the
    register as at the end of `period` finds them all.
    """
    rng = random.Random(seed)
    appetites = list(Appetite.values)
    risks = []
    reviews = []
    for number in range(1, count + 1):
        inherent = (rng.randint(3, 5), rng.randint(3, 5))
        current = (rng.randint(1, inherent[0]), rng.randint(1, inherent[1]))
        earlier = (rng.randint(1, inherent[0]), rng.randint(1, inherent[1]))
        target = (rng.randint(1, current[0]), rng.randint(1, current[1]))
        risks.append(
            Risk(
                organisation=organisation,
                reference=f"{prefix}-{number:04d}",
                title=f"Generated risk {number} about demand on frontline services",
                cause="Because demand for services keeps rising while budgets fall,",
                event="there is a risk that the organisation cannot respond in time,",
                effect="which would reduce public confidence and harm victims.",
                category=rng.choice(Category.values),
                owner_post="Director of Strategy and Governance",
                inherent_likelihood=inherent[0],
                inherent_impact=inherent[1],
                current_likelihood=current[0],
                current_impact=current[1],
                target_likelihood=target[0],
                target_impact=target[1],
                appetite=rng.choice(appetites),
                next_review_date=datetime.date(2019, 12, 31),
            )
        )
        reviews.append((earlier, current))
    created = bulk_create_with_history(
        risks, Risk, default_user=user, default_date=at(previous.start.year, 4, 1, 8)
    )
    if not all(risk.pk for risk in created):
        created = list(
            Risk.objects.filter(
                organisation=organisation, reference__startswith=f"{prefix}-"
            ).order_by("reference")
        )
    control_rows = [
        Control(
            risk=risk,
            description=f"Control {n} of {risk.reference}: a monthly board reviews "
            "delivery against the plan and escalates slippage.",
            control_type=rng.choice(ControlType.values),
            owner_post="Head of Governance",
            effectiveness=rng.choice(Effectiveness.values),
            assurance_line=rng.choice(AssuranceLine.values),
        )
        for risk in created
        for n in range(1, controls + 1)
    ]
    action_rows = [
        Action(
            risk=risk,
            description=f"Action {n} of {risk.reference}: commission an independent "
            "review and report back to the board.",
            owner_post="Head of Governance",
            # About one action in six is overdue at the period end.
            due_date=period.start + datetime.timedelta(days=rng.randint(-30, 365)),
            status=rng.choice(ActionStatus.values),
        )
        for risk in created
        for n in range(1, actions + 1)
    ]
    when = at(previous.start.year, 4, 2, 8)
    bulk_create_with_history(
        control_rows, Control, default_user=user, default_date=when
    )
    bulk_create_with_history(action_rows, Action, default_user=user, default_date=when)
    for index, (target_period, day) in enumerate(
        ((previous, previous.end), (period, period.end))
    ):
        review_rows = [
            Review(
                risk=risk,
                period=target_period,
                likelihood=pair[index][0],
                impact=pair[index][1],
                commentary="Reviewed at the quarterly board.",
                reviewed_by=user,
                reviewed_on=day - datetime.timedelta(days=10),
            )
            for risk, pair in zip(created, reviews, strict=True)
        ]
        bulk_create_with_history(
            review_rows,
            Review,
            default_user=user,
            default_date=at(day.year, day.month, day.day - 10, 9),
        )
    return created
