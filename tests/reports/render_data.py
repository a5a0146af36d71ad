"""A small 2019 register and a panel paper about it, for the rendering tests.

Everything is written through the services with dates in 2019, so that the
register "as at 30 June 2019" (the paper's period end) comes from history.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from alignment import services as alignment_services
from alignment.models import Relationship
from reports import services as paper_services
from reports.models import PanelPaper, SectionKind
from risks import services as risk_services
from risks.choices import ActionStatus, Category, Effectiveness, Marking, Role
from risks.models import Organisation, Risk

from ..factories import (
    MembershipFactory,
    OrganisationFactory,
    PanelMemberFactory,
    ThemeFactory,
    UserFactory,
)

PERIOD_END = datetime.date(2019, 6, 30)
TITLE = "Alignment of MOPAC and Met Risks"

# Text that must never reach the public edition.
SECRET_STATEMENT = "Covert source handling exposes informants"
SECRET_CONTROL = "Restricted tasking panel vets every source deployment"
SECRET_SECTION = "Budget gap of exactly 167 million is under negotiation"
PUBLIC_SUMMARY = "A risk about engagement with communities that trust police least"

OPEN_CONTROL = "The Victims Board reviews commissioned services every quarter"
OPEN_ACTION = "Hold a listening event with young victims of hate crime"
DONE_ACTION = "Publish the victims needs assessment"
LATE_CONTROL = "A control added in August after the period end"
LATE_TITLE = "Late aligned risk agreed in July"


def at(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


@dataclass
class RenderWorld:
    mopac: Organisation
    mps: Organisation
    users: dict
    victims: Risk  # MOPAC, OFFICIAL
    engagement: Risk  # MPS, OFFICIAL-SENSITIVE
    violence: Risk  # MPS, OFFICIAL
    late: Risk  # MPS, aligned only after the period end
    paper: PanelPaper


def _member(org, role, name):
    user = UserFactory(username=name)
    MembershipFactory(user=user, organisation=org, role=role, post_title="Post")
    return user


def make_risk(org, user, reference, title, *, when, **extra) -> Risk:
    data = {
        "reference": reference,
        "title": title,
        "cause": f"Because of pressures on {title.lower()},",
        "event": "there is a risk that the response falls short,",
        "effect": "which would reduce public confidence.",
        "category": Category.OPERATIONS,
        "owner_post": "Director of Strategy",
        "inherent_likelihood": 4,
        "inherent_impact": 5,
        "current_likelihood": 3,
        "current_impact": 4,
        "target_likelihood": 2,
        "target_impact": 3,
        "next_review_date": datetime.date(2019, 9, 30),
        **extra,
    }
    return risk_services.risk_create(organisation=org, user=user, data=data, at=when)


def _link(proposer, partner, theme, users, when):
    proposing = f"{proposer.organisation.slug}-governance"
    agreeing = f"{partner.organisation.slug}-governance"
    link = alignment_services.link_propose(
        proposer_risk=proposer,
        partner_risk=partner,
        theme=theme,
        relationship=Relationship.SHARED,
        rationale="Both turn on community confidence.",
        user=users[proposing],
        at=when,
    )
    return alignment_services.link_agree(link=link, user=users[agreeing], at=when)


SECTIONS = [
    (SectionKind.SUMMARY, "", "This paper reports on the aligned risks."),
    (SectionKind.KEY_CONSIDERATIONS, "", "The Panel's view on engagement is sought."),
    (SectionKind.INTERDEPENDENCIES, "", "- See the registers at items 8a and 8b."),
    (
        SectionKind.RECOMMENDATIONS,
        "",
        "The Audit Panel is recommended to:\n\n"
        "1. Comment on the engagement controls.\n"
        "2. Comment on the finance risk at the meeting.",
    ),
    (
        SectionKind.BODY,
        "Alignment of risk",
        "First paragraph of alignment.\n\nSecond paragraph of alignment.",
    ),
    (
        SectionKind.BODY,
        "Community Engagement",
        "### Context\n\nFirst engagement paragraph.\n\n- a bullet\n- another\n\n"
        "Second engagement paragraph.\n\nThird engagement paragraph.",
    ),
    (SectionKind.BODY, "Aligned Finance risk", SECRET_SECTION),
    (SectionKind.EQUALITY, "", "No direct equality impact."),
    (SectionKind.FINANCIAL, "", "No direct financial implications."),
    (
        SectionKind.LEGAL,
        "",
        'Hostile text: <img src="file:///etc/passwd"> and '
        "![passwd](file:///etc/passwd) and [a local file](file:///etc/passwd) and "
        "[the loopback](http://127.0.0.1/) and [the web](https://example.org/law).",
    ),
    (SectionKind.RISK, "", "Risk reporting helps track the plan."),
    (
        SectionKind.CONTACT,
        "",
        "Head of Governance: "
        "[governance@mopac.example.invalid](mailto:governance@mopac.example.invalid)",
    ),
    (SectionKind.APPENDICES, "", "Appendix A: aligned risks."),
]


def build_render_world(*, include_heat_maps: bool = False) -> RenderWorld:
    """Write the 2019 register, its alignment links and the draft paper."""
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

    engagement_theme = ThemeFactory(
        name="Community engagement", slug="community-engagement"
    )
    violence_theme = ThemeFactory(name="Violence", slug="violence")
    mopac_gov, mps_gov = users["mopac-governance"], users["mps-governance"]

    victims = make_risk(
        mopac, mopac_gov, "MOPAC-R01", "Victims at the heart", when=at(2019, 4, 2, 10)
    )
    risk_services.control_create(
        risk=victims,
        user=mopac_gov,
        data={
            "description": OPEN_CONTROL,
            "owner_post": "Victims Commissioner",
            "effectiveness": Effectiveness.EFFECTIVE,
        },
        at=at(2019, 4, 3, 10),
    )
    for description, status in (
        (OPEN_ACTION, ActionStatus.ON_TRACK),
        (DONE_ACTION, ActionStatus.COMPLETE),
    ):
        risk_services.action_create(
            risk=victims,
            user=mopac_gov,
            data={
                "description": description,
                "owner_post": "Head of Victims",
                "due_date": datetime.date(2019, 10, 31),
                "status": status,
            },
            at=at(2019, 4, 3, 11),
        )
    engagement = make_risk(
        mps,
        mps_gov,
        "MPS-R01",
        "Engagement with the people we serve",
        when=at(2019, 4, 2, 11),
        cause=f"{SECRET_STATEMENT},",
        marking=Marking.OFFICIAL_SENSITIVE,
        public_summary=PUBLIC_SUMMARY,
    )
    risk_services.control_create(
        risk=engagement,
        user=mps_gov,
        data={"description": SECRET_CONTROL, "owner_post": "Commander"},
        at=at(2019, 4, 3, 12),
    )
    violence = make_risk(
        mps, mps_gov, "MPS-R02", "Violent crime not reduced", when=at(2019, 4, 2, 12)
    )
    late = make_risk(mps, mps_gov, "MPS-R03", LATE_TITLE, when=at(2019, 4, 2, 13))

    # Two quarters of reviews give MOPAC-R01 a direction of travel.
    q4 = risk_services.period_create(
        organisation=mopac,
        label="2018/19 Q4",
        start=datetime.date(2019, 1, 1),
        end=datetime.date(2019, 3, 31),
        user=mopac_gov,
        at=at(2019, 4, 2, 9),
    )
    q1 = risk_services.period_create(
        organisation=mopac,
        label="2019/20 Q1",
        start=datetime.date(2019, 4, 1),
        end=PERIOD_END,
        user=mopac_gov,
        at=at(2019, 4, 2, 9, 30),
    )
    for period, impact, when in ((q4, 3, at(2019, 4, 4)), (q1, 4, at(2019, 6, 20))):
        risk_services.review_record(
            risk=victims,
            period=period,
            user=mopac_gov,
            likelihood=3,
            impact=impact,
            commentary="Reviewed.",
            at=when,
        )

    _link(victims, engagement, engagement_theme, users, at(2019, 5, 10, 10))
    _link(victims, violence, violence_theme, users, at(2019, 5, 11, 10))
    _link(victims, late, engagement_theme, users, at(2019, 7, 15, 10))

    paper = paper_services.paper_create(
        user=mopac_gov,
        data={
            "meeting_date": datetime.date(2019, 9, 18),
            "agenda_item": "5b",
            "title": TITLE,
            "report_by": "MOPAC Chief Executive Officer & Met Director of Strategy "
            "& Governance",
            "period_label": "2019/20 Q1",
            "period_end": PERIOD_END,
            "include_heat_maps": include_heat_maps,
        },
        themes=[engagement_theme, violence_theme],
        at=at(2019, 9, 1, 9),
    )
    for index, (kind, heading, body) in enumerate(SECTIONS, start=1):
        is_finance = heading == "Aligned Finance risk"
        paper_services.section_create(
            paper=paper,
            user=mopac_gov,
            data={
                "kind": kind,
                "heading": heading,
                "body": body,
                "order": index,
                "oral_update": is_finance,
                "is_sensitive": is_finance,
            },
            at=at(2019, 9, 1, 9, index),
        )
    paper.refresh_from_db()
    return RenderWorld(mopac, mps, users, victims, engagement, violence, late, paper)
