"""The world the security tests attack, and how to tell whether anything changed.

Two organisations with a user in every role, a panel member and an outsider;
risks of both organisations (own, aligned, other), alignment links in every
state that grants or withholds access, joint actions of both organisations,
reporting periods, a draft paper and a published one. Everything is written
through the services, so that every object has its history.
"""

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from alignment import services as alignment_services
from alignment.models import Relationship
from reports import meeting_services, question_services
from reports import services as report_services
from reports.models import (
    AgendaItem,
    Meeting,
    MeetingPack,
    PanelRequest,
    PublicationStatus,
    SectionKind,
)
from reports.tasks import render_publication
from risks import services
from risks.choices import Category, Role

from ..factories import (
    MembershipFactory,
    OrganisationFactory,
    PanelFactory,
    PanelMemberFactory,
    ThemeFactory,
    UserFactory,
)

ANONYMOUS = "anonymous"
ROLES = (
    "mopac-governance",
    "mopac-owner",
    "mopac-reader",
    "mps-governance",
    "mps-owner",
    "mps-reader",
    "panel",
    "outsider",
    ANONYMOUS,
)
MEMBERS = (
    ("governance", Role.GOVERNANCE, "Head of Governance"),
    ("owner", Role.RISK_OWNER, "Director of Strategy"),
    ("reader", Role.READER, "Risk Analyst"),
)
ORGANISATIONS = {
    "mopac": ("MOPAC", "Mayor's Office for Policing and Crime"),
    "mps": ("MPS", "Metropolitan Police Service"),
}
# Risks of each organisation: its owner's own risk, one aligned (agreed) with
# the other organisation's, and one only ever proposed for alignment.
RISK_KINDS = ("own", "aligned", "other")
RISK_KEYS = tuple(f"{org}-{kind}" for org in ORGANISATIONS for kind in RISK_KINDS)
REFERENCES = {
    f"{org}-{kind}": f"{short}-R0{n}"
    for org, (short, _) in ORGANISATIONS.items()
    for n, kind in enumerate(RISK_KINDS, start=1)
}
# Alignment links: one agreed, one proposal from each organisation (never agreed).
LINK_KEYS = ("agreed", "by-mopac", "by-mps")
PAPER_KEYS = ("draft", "published")
# Meetings: one of the joint panel (the panel member's), one of another panel
# over another organisation, which nobody here sits on or prepares.
MEETING_KEYS = ("panel", "other")
PERIOD_LABEL = "This quarter"
TODAY = timezone.localdate()


def org_of(role: str) -> str | None:
    """Return the slug of the role's organisation (None for panel, outsider...)."""
    slug = role.split("-", 1)[0]
    return slug if slug in ORGANISATIONS and "-" in role else None


def kind_of(role: str) -> str:
    """Return governance, member (owner or reader), panel, outsider or anonymous."""
    if org_of(role) is None:
        return role
    return "governance" if role.endswith("-governance") else "member"


@dataclass
class SecurityWorld:
    organisations: dict
    users: dict
    theme: object
    risks: dict
    controls: dict
    actions: dict
    periods: dict
    links: dict
    joint_actions: dict
    papers: dict
    sections: dict
    meetings: dict  # MEETING_KEYS → meeting; "next": the joint panel's next one
    agenda_items: dict
    requests: dict
    questions: dict  # a panel member's question on the published paper
    sessions: dict  # role → key of a signed-in session, made once

    def governance(self, org: str):
        return self.users[f"{org}-governance"]


def risk_data(reference: str, **extra) -> dict:
    """Return valid service data for a new risk."""
    return {
        "reference": reference,
        "title": f"Risk {reference}",
        "cause": "Because demand is rising,",
        "event": "there is a risk that services are overwhelmed,",
        "effect": "which would reduce public confidence.",
        "category": Category.OPERATIONS,
        "owner_post": "Director of Strategy",
        "inherent_likelihood": 4,
        "inherent_impact": 5,
        "current_likelihood": 3,
        "current_impact": 4,
        "target_likelihood": 2,
        "target_impact": 3,
        "next_review_date": TODAY + datetime.timedelta(days=90),
        **extra,
    }


def action_data(description: str = "Commission an independent review.") -> dict:
    return {
        "description": description,
        "owner_post": "Head of Governance",
        "due_date": TODAY + datetime.timedelta(days=60),
        "status": "not_started",
    }


def control_data(description: str = "Monthly oversight board.") -> dict:
    return {"description": description, "owner_post": "Head of Governance"}


def paper_data(**extra) -> dict:
    return {
        "meeting_date": TODAY + datetime.timedelta(days=30),
        "agenda_item": "5b",
        "title": "A paper",
        "report_by": "MOPAC Chief Executive Officer & Met Director of Strategy",
        "period_label": PERIOD_LABEL,
        "period_end": TODAY,
        **extra,
    }


def build_people() -> tuple[dict, dict]:
    organisations = {
        slug: OrganisationFactory(short_name=short, name=name, slug=slug)
        for slug, (short, name) in ORGANISATIONS.items()
    }
    users = {}
    for slug, organisation in organisations.items():
        for suffix, role, post in MEMBERS:
            user = UserFactory(username=f"{slug}-{suffix}")
            MembershipFactory(
                user=user, organisation=organisation, role=role, post_title=post
            )
            users[user.username] = user
    users["panel"] = UserFactory(username="panel")
    PanelMemberFactory(user=users["panel"])
    users["outsider"] = UserFactory(username="outsider")
    return organisations, users


def publish(paper, world_users: dict) -> None:
    """Clear the paper for both organisations and publish it (rendered here)."""
    for slug in ORGANISATIONS:
        report_services.paper_clear(
            paper=paper,
            organisation=world_users[f"{slug}-governance"].membership.organisation,
            user=world_users[f"{slug}-governance"],
        )
    publication = report_services.paper_publish(
        paper=paper, user=world_users["mps-governance"]
    )
    # The render task runs on commit: inside a test's transaction that never
    # comes, so run it now (outside one it has run already, and this is a no-op).
    render_publication.call(publication_id=publication.pk, revision=paper.revision)
    publication.refresh_from_db()
    assert publication.status == PublicationStatus.PUBLISHED, publication.render_error


def build_world(*, texts: dict | None = None) -> SecurityWorld:
    """Build the world; `texts` replaces free text (see test_injection.py)."""
    text = (texts or {}).get
    organisations, users = build_people()
    theme = ThemeFactory(name="Community engagement", slug="community-engagement")
    gov = {slug: users[f"{slug}-governance"] for slug in organisations}
    risks, controls, actions, periods = {}, {}, {}, {}
    for slug, organisation in organisations.items():
        for kind in RISK_KINDS:
            key = f"{slug}-{kind}"
            reference = REFERENCES[key]
            owner = users[f"{slug}-owner"] if kind == "own" else None
            risks[key] = services.risk_create(
                organisation=organisation,
                user=gov[slug],
                owner=owner,
                themes=[theme],
                data=risk_data(
                    reference,
                    **{
                        field: value
                        for field in (
                            "title",
                            "cause",
                            "event",
                            "effect",
                            "owner_post",
                            "public_summary",
                        )
                        if (value := text(f"risk.{field}"))
                    },
                ),
                reason=text("risk.reason") or "",
            )
            controls[key] = services.control_create(
                risk=risks[key],
                user=gov[slug],
                data=control_data(text("control.description") or "Oversight board")
                | ({"owner_post": p} if (p := text("control.owner_post")) else {}),
            )
            actions[key] = services.action_create(
                risk=risks[key],
                user=gov[slug],
                data=action_data(text("action.description") or "Independent review")
                | ({"owner_post": p} if (p := text("action.owner_post")) else {}),
            )
        periods[slug] = services.period_create(
            organisation=organisation,
            label=PERIOD_LABEL,
            start=TODAY - datetime.timedelta(days=10),
            end=TODAY + datetime.timedelta(days=80),
            user=gov[slug],
        )
        services.review_record(
            risk=risks[f"{slug}-own"],
            period=periods[slug],
            user=gov[slug],
            likelihood=2,
            impact=3,
            commentary=text("review.commentary") or "Reviewed at the board.",
        )
    links = _build_links(risks, theme, gov, text)
    joint_actions = {
        slug: alignment_services.joint_action_create(
            link=links["agreed"],
            organisation=organisation,
            user=gov[slug],
            data=action_data(text("joint_action.description") or "Joint work")
            | ({"owner_post": p} if (p := text("joint_action.owner_post")) else {}),
        )
        for slug, organisation in organisations.items()
    }
    papers, sections = _build_papers(users, theme, text)
    meetings, agenda_items, requests = _build_meetings(users, papers, organisations)
    questions = {"published": _build_question(papers["published"], users, text)}
    for key in risks:
        risks[key].refresh_from_db()
    return SecurityWorld(
        organisations=organisations,
        users=users,
        theme=theme,
        risks=risks,
        controls=controls,
        actions=actions,
        periods=periods,
        links=links,
        joint_actions=joint_actions,
        papers=papers,
        sections=sections,
        meetings=meetings,
        agenda_items=agenda_items,
        requests=requests,
        questions=questions,
        sessions=open_sessions(users),
    )


def open_sessions(users: dict) -> dict:
    """Sign every user in once; a request then only needs the session cookie."""
    sessions = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return sessions


def signed_in(world: SecurityWorld, role: str, **options) -> Client:
    """Return a fresh client signed in as the role (anonymous: not signed in)."""
    client = Client(**options)
    if role != ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def _build_links(risks: dict, theme, gov: dict, text) -> dict:
    def propose(proposer: str, partner: str):
        return alignment_services.link_propose(
            proposer_risk=risks[proposer],
            partner_risk=risks[partner],
            theme=theme,
            relationship=Relationship.SHARED,
            rationale=text("link.rationale") or "Both turn on community confidence.",
            user=gov[proposer.split("-")[0]],
        )

    links = {
        "agreed": propose("mopac-aligned", "mps-aligned"),
        "by-mopac": propose("mopac-own", "mps-other"),
        "by-mps": propose("mps-own", "mopac-other"),
    }
    links["agreed"] = alignment_services.link_agree(
        link=links["agreed"],
        user=gov["mps"],
        reason=text("link.decision_reason") or "Same concern",
    )
    return links


def _build_papers(users: dict, theme, text) -> tuple[dict, dict]:
    author = users["mopac-governance"]
    papers, sections = {}, {}
    for key in PAPER_KEYS:
        fields = {
            field: value
            for field in ("meeting", "title", "report_by")
            if (value := text(f"paper.{field}"))
        }
        paper = report_services.paper_create(
            user=author,
            data=paper_data(**({"title": f"The {key} paper"} | fields)),
            themes=[theme],
        )
        sections[key] = report_services.section_create(
            paper=paper,
            user=author,
            data={
                "kind": SectionKind.BODY,
                "heading": text("section.heading") or "Alignment of risk",
                "body": text("section.body") or "The registers are aligned.",
                "order": 1,
            },
        )
        paper.refresh_from_db()
        papers[key] = paper
    publish(papers["published"], users)
    papers["published"].refresh_from_db()
    return papers, sections


def _build_meetings(users: dict, papers: dict, organisations: dict):
    """The joint panel's meeting (both papers on it) and next one; another panel's."""
    gov = users["mopac-governance"]
    panel = users["panel"].panel_member.panel
    meetings = {
        key: meeting_services.meeting_create(
            panel=panel, data={"date": TODAY + datetime.timedelta(days=days)}, user=gov
        )
        for key, days in (("panel", 20), ("next", 110))
    }
    items = {
        "panel": meeting_services.agenda_item_create(
            meeting=meetings["panel"],
            data={"number": "5b", "kind": "paper", "paper": papers["published"]},
            user=gov,
        )
    }
    meeting_services.agenda_item_create(
        meeting=meetings["panel"],
        data={"number": "5c", "kind": "paper", "paper": papers["draft"], "order": 2},
        user=gov,
    )
    requests = {
        "panel": meeting_services.panel_request_create(
            raised_at=meetings["panel"],
            data={
                "text": "The Panel asked for a report on the aligned risks.",
                "owner_organisation": organisations["mopac"],
                "owner_post": "Head of Governance",
                "due_at": meetings["next"],
            },
            user=gov,
        )
    }
    # Another force's panel, over none of this world's organisations (a third
    # organisation would change what the organisation lists show): written
    # directly, as nobody here may prepare it.
    other = PanelFactory(name="Another audit committee", organisations=[])
    meetings["other"] = Meeting.objects.create(panel=other, date=TODAY)
    later = Meeting.objects.create(panel=other, date=TODAY + datetime.timedelta(90))
    items["other"] = AgendaItem.objects.create(
        meeting=meetings["other"], number="1", kind="titled", title="Apologies"
    )
    requests["other"] = PanelRequest.objects.create(
        text="Another panel's request",
        owner_organisation=organisations["mps"],
        owner_post="Chief Executive",
        raised_at=meetings["other"],
        due_at=later,
    )
    return meetings, items, requests


def _build_question(paper, users: dict, text):
    """A panel member's question, with a draft answer governance may still publish."""
    question = question_services.question_ask(
        paper=paper,
        user=users["panel"],
        text=text("question.text") or "Who owns the aligned risk?",
    )
    return question_services.question_answer(
        question=question,
        user=users["mps-governance"],
        answer=text("question.answer") or "Both organisations' directors.",
        publish=False,
    )


# --- Has anything changed? ------------------------------------------------------


def tracked_models() -> list:
    """Every table of the three apps: models, their history and m2m tables."""
    return [
        model
        for label in ("risks", "alignment", "reports")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        # A stored agenda pack is a render kept for the next reader: reading the
        # pack writes it, as reading a large register writes its render.
        if model is not MeetingPack
    ]


def is_history(model) -> bool:
    """History tables (and their m2m tables) only ever gain rows."""
    return "historical" in model._meta.model_name


def row_counts() -> dict[str, int]:
    """The number of rows of every tracked table and history table, in one query."""
    tables = [model._meta.db_table for model in tracked_models()]
    sql = " UNION ALL ".join(
        # Table names come from the models' own metadata, never from input.
        f"SELECT '{table}', COUNT(*) FROM {connection.ops.quote_name(table)}"  # noqa: S608
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


def snapshot() -> dict[str, object]:
    """Row counts of every table, and every row of the tables edited in place."""
    state: dict[str, object] = {"counts": row_counts()}
    for model in tracked_models():
        if not is_history(model):
            rows = model._default_manager.order_by("pk").values_list()
            state[model._meta.db_table] = list(rows)
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    """Name the tables whose rows or row counts differ between two snapshots.

    `after` may hold the counts only (after a GET): then only counts are compared.
    """
    changed = {t for t in after if t != "counts" and before[t] != after[t]}
    counts, later = before["counts"], after["counts"]
    changed |= {table for table in counts if counts[table] != later.get(table)}
    return sorted(changed)
