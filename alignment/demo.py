"""Demo alignment: the links the 2019 panel paper implies, and one pending proposal."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.utils import timezone

from risks.models import Organisation, Risk, Theme

from . import services
from .models import AlignmentLink, JointAction, LinkStatus, Relationship


@dataclass(frozen=True)
class LinkSpec:
    proposer: str
    partner: str
    theme: str
    relationship: str
    rationale: str
    proposed_on: date
    agreed_on: date | None  # None leaves the proposal pending


LINKS = [
    # The paper's Appendix A lists the community engagement links as at the end
    # of 2019/20 Q1: MOPAC's Victims, Equalities and Violence risks and the MPS's
    # violent-crime risk, as the 2019 paper's Appendix A does.
    LinkSpec(
        "MOPAC-R01",
        "MPS-R03",
        "Community engagement",
        Relationship.CONTRIBUTES_TO,
        "What victims of violent crime tell MOPAC through the Victims' Board and "
        "its stakeholder structure shapes how the MPS engages the communities "
        "most affected by violence.",
        date(2019, 2, 4),
        date(2019, 2, 18),
    ),
    LinkSpec(
        "MOPAC-R02",
        "MPS-R03",
        "Community engagement",
        Relationship.CONTRIBUTES_TO,
        "Community monitoring of stop and search, a tactic used against violent "
        "crime, keeps the confidence of the communities it falls on most, which "
        "the MPS's violence reduction depends on.",
        date(2019, 2, 4),
        date(2019, 2, 18),
    ),
    LinkSpec(
        "MOPAC-R03",
        "MPS-R03",
        "Community engagement",
        Relationship.SHARED,
        "The Violence Reduction Unit and frontline policing manage one shared risk: "
        "partners and communities failing to reduce violent crime sustainably. "
        "Engaging those communities is a control on both sides.",
        date(2019, 2, 11),
        date(2019, 2, 25),
    ),
    LinkSpec(
        "MPS-R04",
        "MOPAC-R05",
        "Finance",
        Relationship.MIRROR,
        "The MPS budget gap and MOPAC's funding settlement are the same financial "
        "risk seen from each body's side.",
        date(2019, 3, 4),
        date(2019, 3, 14),
    ),
    LinkSpec(
        "MPS-R02",
        "MOPAC-R04",
        "Crime prevention",
        Relationship.CONTRIBUTES_TO,
        "Crime prevention activity with partners reduces repeat victimisation of "
        "the most vulnerable Londoners.",
        date(2019, 9, 9),
        None,
    ),
]


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _governance(organisation: Organisation):
    return (
        get_user_model()
        .objects.filter(
            membership__organisation=organisation, membership__role="governance"
        )
        .order_by("username")
        .first()
    )


def load_demo_links() -> int:
    """Propose and agree the demo links (idempotent); return how many were added."""
    if AlignmentLink.objects.exists():
        return 0
    risks = {r.reference: r for r in Risk.objects.select_related("organisation")}
    added = 0
    for spec in LINKS:
        proposer, partner = risks[spec.proposer], risks[spec.partner]
        link = services.link_propose(
            proposer_risk=proposer,
            partner_risk=partner,
            theme=Theme.objects.get(name=spec.theme),
            relationship=spec.relationship,
            rationale=spec.rationale,
            user=_governance(proposer.organisation),
            at=_at(spec.proposed_on),
        )
        if spec.agreed_on:
            services.link_agree(
                link=link,
                user=_governance(partner.organisation),
                reason="Agreed at the joint Governance and Risk Working Group.",
                at=_at(spec.agreed_on),
            )
        added += 1
    _add_joint_action(risks)
    return added


def _add_joint_action(risks: dict[str, Risk]) -> None:
    link = AlignmentLink.objects.get(
        proposer_risk=risks["MOPAC-R03"], partner_risk=risks["MPS-R03"]
    )
    if link.status != LinkStatus.AGREED or JointAction.objects.filter(link=link):
        return
    organisation = link.proposer_risk.organisation
    services.joint_action_create(
        link=link,
        organisation=organisation,
        user=_governance(organisation),
        data={
            "description": "Jointly analyse engagement and diversion activity to "
            "show its effect on confidence, so that future engagement can be "
            "targeted where it is needed most.",
            "owner_post": "Director of Strategy",
            "due_date": date(2019, 12, 31),
            "status": "on_track",
        },
        reason="Agreed at the Public Engagement Working Group.",
        at=_at(date(2019, 6, 20)),
    )
