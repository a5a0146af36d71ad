"""The expectations of the break-in tests: who sees what, who may do what, per URL.

Written out from DESIGN.md §5, not derived from the selectors, so that a change
to the selectors that breaks the rules fails the tests. One Kind per URL: which
visibility table decides 404, which rule decides 403 (or what a permitted POST
does), how to build the URL and what to post.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from reports.models import PanelPaper

from .world import (
    ANONYMOUS,
    LINK_KEYS,
    MEETING_KEYS,
    PAPER_KEYS,
    PERIOD_LABEL,
    RISK_KEYS,
    TODAY,
    SecurityWorld,
    kind_of,
    org_of,
)

# Outcomes. OK: 200 for a GET, 302 and a change for a POST. UNCHANGED: the role
# may use the page, but in the object's state the POST is refused with a message
# (or has nothing to do): 200 or 302, nothing written.
LOGIN, HIDDEN, FORBIDDEN, OK, UNCHANGED = "login", "404", "403", "ok", "unchanged"
# 202: the request was taken (a render started); nothing else written.
ACCEPTED = "202"
MISSING_PK = 987_654_321
GOVERNANCE = ("mopac-governance", "mps-governance")

# --- Who sees what (DESIGN §5) ----------------------------------------------------
# Risks by organisation: its own register and the other's agreed aligned risk.
RISKS_SEEN = {
    "mopac": {"mopac-own", "mopac-aligned", "mopac-other", "mps-aligned"},
    "mps": {"mps-own", "mps-aligned", "mps-other", "mopac-aligned"},
    "panel": {"mopac-aligned", "mps-aligned"},
    "outsider": set(),
}
# Links by kind of user: governance sees proposals too, others agreed links only.
LINKS_SEEN = {
    "governance": set(LINK_KEYS),
    "member": {"agreed"},
    "panel": {"agreed"},
    "outsider": set(),
}
# Papers: drafts to governance only, published papers to every member and panel.
PAPERS_SEEN = {
    "governance": set(PAPER_KEYS),
    "member": {"published"},
    "panel": {"published"},
    "outsider": set(),
}
# Meetings: the joint panel's to its member and to both governance teams; another
# panel's to nobody here. Readers and risk owners see no meeting.
MEETINGS_SEEN = {
    "governance": {"panel"},
    "member": set(),
    "panel": {"panel"},
    "outsider": set(),
}
# Members' questions: governance and the panel; never other members.
QUESTIONS_SEEN = {
    "governance": {"published"},
    "member": set(),
    "panel": {"published"},
    "outsider": set(),
}
# Reporting periods and the register report: the organisation's own members only.
PERIODS_SEEN = {"mopac": {"mopac"}, "mps": {"mps"}, "panel": set(), "outsider": set()}


def sees(role: str, visibility: str, key: str) -> bool:
    """Say whether the role may see the object (the part of the key before '/')."""
    key = key.split("/", 1)[0]
    by_org, by_kind = org_of(role) or role, kind_of(role)
    return {
        "risks": lambda: key in RISKS_SEEN[by_org],
        "periods": lambda: key in PERIODS_SEEN[by_org],
        "registers": lambda: key in PERIODS_SEEN[by_org],
        "links": lambda: key in LINKS_SEEN[by_kind],
        "joint_actions": lambda: "agreed" in LINKS_SEEN[by_kind],
        "papers": lambda: key in PAPERS_SEEN[by_kind],
        "meetings": lambda: key in MEETINGS_SEEN[by_kind],
        "questions": lambda: key in QUESTIONS_SEEN[by_kind],
    }[visibility]()


# --- What they may do with what they see ------------------------------------------


def members(role: str, key: str, method: str) -> str:
    """Organisation members of either organisation; not the panel."""
    return OK if org_of(role) else FORBIDDEN


def everyone(role: str, key: str, method: str) -> str:
    return OK


def governance_of_object(role: str, key: str, method: str) -> str:
    """The governance of the organisation the key names (after '/' if any)."""
    return OK if role == f"{key.rsplit('/', 1)[-1]}-governance" else FORBIDDEN


def any_governance(role: str, key: str, method: str) -> str:
    return OK if role in GOVERNANCE else FORBIDDEN


def table(rules: dict[str, dict[str, str]]) -> Callable:
    """Look the outcome up in {key: {role: outcome}}; 403 for anyone else."""
    return lambda role, key, method: rules.get(key, {}).get(role, FORBIDDEN)


# Agree or decline: the partner organisation's governance, while it is proposed.
DECIDE = {
    "by-mopac": {"mps-governance": OK},
    "by-mps": {"mopac-governance": OK},
    "agreed": {"mps-governance": UNCHANGED},
}
# End: a proposal by its proposer's governance (withdraw), an agreed link by either.
END = {
    "by-mopac": {"mopac-governance": OK},
    "by-mps": {"mps-governance": OK},
    "agreed": {"mopac-governance": OK, "mps-governance": OK},
}


def joint_action_create(role: str, key: str, method: str) -> str:
    """The named organisation's governance; only an agreed link takes actions."""
    if governance_of_object(role, key, method) != OK:
        return FORBIDDEN
    return OK if key.startswith("agreed/") or method == "GET" else UNCHANGED


def publication_pdf(role: str, key: str, method: str) -> str:
    return OK if key == "published" else HIDDEN  # a draft has no version 1


def clear(role: str, key: str, method: str) -> str:
    if role not in GOVERNANCE:
        return FORBIDDEN
    return OK if key == "draft" else UNCHANGED  # already cleared when published


def publish(role: str, key: str, method: str) -> str:
    # Neither paper can be published now: one is not cleared, one is published.
    return UNCHANGED if role in GOVERNANCE else FORBIDDEN


def pack(role: str, key: str, method: str) -> str:
    """Everyone who sees the meeting; the render runs in the background (202).

    POST starts a failed render again; nothing has failed, so nothing changes.
    """
    return ACCEPTED if method == "GET" else UNCHANGED


def panel_only(role: str, key: str, method: str) -> str:
    """Audit Panel members (ask questions on the papers they see)."""
    return OK if role == "panel" else FORBIDDEN


def no_change(role: str, key: str, method: str) -> str:
    """Period dashboard "no change": that period's governance, its own risks."""
    period, risk = key.split("/")
    if role != f"{period}-governance":
        return FORBIDDEN
    if not risk.startswith(f"{period}-"):
        return HIDDEN
    return UNCHANGED if risk.endswith("-own") else OK  # the own risk is reviewed


# --- The URLs ---------------------------------------------------------------------


def _pk(collection: str) -> Callable:
    return lambda w, key: [getattr(w, collection)[key].pk]


def _revision(w: SecurityWorld, key: str) -> int:
    return PanelPaper.objects.get(pk=w.papers[key].pk).revision


def joint_action_form(w: SecurityWorld, key: str) -> dict:
    return {
        "description": "Joint work added in a break-in test",
        "owner_post": "Head of Governance",
        "due_date": "2030-01-31",
        "revised_due_date": "",
        "status": "not_started",
        "reason": "",
    }


def _joint_action_edit(w: SecurityWorld, key: str) -> dict:
    action = w.joint_actions[key]
    return {
        **joint_action_form(w, key),
        "description": action.description,
        "status": "at_risk",
        "version": str(action.version),
    }


def _paper_edit(w: SecurityWorld, key: str) -> dict:
    paper = w.papers[key]
    return {
        "meeting": paper.meeting,
        "meeting_date": paper.meeting_date.isoformat(),
        "agenda_item": paper.agenda_item,
        "title": "Changed in a break-in test",
        "report_by": paper.report_by,
        "period_label": PERIOD_LABEL,
        "period_end": paper.period_end.isoformat(),
        "marking": paper.marking,
        "themes": [str(w.theme.pk)],
        "revision": str(_revision(w, key)),
        "reason": "",
    }


def _section_edit(w: SecurityWorld, key: str) -> dict:
    return {
        "kind": "body",
        "heading": "Changed in a break-in test",
        "body": "Changed.",
        "order": "1",
        "revision": str(_revision(w, key)),
        "reason": "",
    }


def _revision_only(w: SecurityWorld, key: str) -> dict:
    return {"revision": str(_revision(w, key)), "reason": "Not needed"}


def _meeting_edit(w: SecurityWorld, key: str) -> dict:
    meeting = w.meetings[key]
    meeting.refresh_from_db()
    return {
        "date": (meeting.date + datetime.timedelta(days=1)).isoformat(),
        "marking": "official_sensitive",
        "version": str(meeting.version),
        "reason": "",
    }


def _request_edit(w: SecurityWorld, key: str) -> dict:
    request = w.requests[key]
    request.refresh_from_db()
    return {
        "status": "closed",
        "answered_by": "",
        "answered_in": "",
        "due_at": str(request.due_at_id),
        "version": str(request.version),
        "reason": "",
    }


def _request_add(w: SecurityWorld, key: str) -> dict:
    return {
        "text": "Asked in a break-in test",
        "owner_organisation": str(w.organisations["mps"].pk),
        "owner_post": "Head of Governance",
        "due_at": str(w.meetings["next"].pk),
    }


@dataclass(frozen=True)
class Kind:
    """One URL of one kind of object: who sees it, who may use it, what to post."""

    url: str
    visibility: str  # which visibility table decides 404
    keys: tuple
    allowed: Callable  # (role, key, method) → outcome for a role that sees it
    args: Callable  # (world, key) → URL arguments, the object's pk first
    get: bool = True
    post: Callable | None = None  # (world, key) → POST data
    query: str = ""


LINK_ORG_KEYS = tuple(f"{link}/{org}" for link in LINK_KEYS for org in ("mopac", "mps"))
NO_CHANGE_KEYS = ("mopac/mopac-aligned", "mopac/mopac-own", "mopac/mps-aligned")
NO_CHANGE_KEYS += ("mps/mps-aligned", "mps/mps-own", "mps/mopac-aligned")

KINDS = {
    "risk history": Kind("risks:history", "risks", RISK_KEYS, members, _pk("risks")),
    "risk as at a day": Kind(
        "risks:detail", "risks", RISK_KEYS, everyone, _pk("risks"), query="as_at"
    ),
    "quarter changes": Kind(
        "risks:period_changes",
        "periods",
        ("mopac", "mps"),
        governance_of_object,
        _pk("periods"),
    ),
    "quarter changes CSV": Kind(
        "risks:period_changes",
        "periods",
        ("mopac", "mps"),
        governance_of_object,
        _pk("periods"),
        query="format=csv",
    ),
    "alignment link": Kind(
        "alignment:detail", "links", LINK_KEYS, everyone, _pk("links")
    ),
    "agree": Kind(
        "alignment:agree",
        "links",
        LINK_KEYS,
        table(DECIDE),
        _pk("links"),
        get=False,
        post=lambda w, k: {"reason": "Agreed in a break-in test"},
    ),
    "decline": Kind(
        "alignment:decline",
        "links",
        LINK_KEYS,
        table(DECIDE),
        _pk("links"),
        get=False,
        post=lambda w, k: {"reason": "Declined in a break-in test"},
    ),
    "end": Kind(
        "alignment:end",
        "links",
        LINK_KEYS,
        table(END),
        _pk("links"),
        get=False,
        post=lambda w, k: {"reason": "Ended in a break-in test"},
    ),
    "joint action create": Kind(
        "alignment:joint_action_create",
        "links",
        LINK_ORG_KEYS,
        joint_action_create,
        lambda w, key: [w.links[key.split("/")[0]].pk, key.split("/")[1]],
        post=joint_action_form,
    ),
    "joint action edit": Kind(
        "alignment:joint_action_update",
        "joint_actions",
        ("mopac", "mps"),
        governance_of_object,
        _pk("joint_actions"),
        post=_joint_action_edit,
    ),
    "paper preview": Kind(
        "reports:detail", "papers", PAPER_KEYS, everyone, _pk("papers")
    ),
    "paper preview, public edition": Kind(
        "reports:detail",
        "papers",
        PAPER_KEYS,
        everyone,
        _pk("papers"),
        query="edition=public",
    ),
    "paper PDF": Kind("reports:pdf", "papers", PAPER_KEYS, everyone, _pk("papers")),
    "publication PDF": Kind(
        "reports:publication_pdf",
        "papers",
        PAPER_KEYS,
        publication_pdf,
        lambda w, key: [w.papers[key].pk, 1],
    ),
    "paper Word": Kind("reports:docx", "papers", PAPER_KEYS, everyone, _pk("papers")),
    "publication Word": Kind(
        "reports:publication_docx",
        "papers",
        PAPER_KEYS,
        publication_pdf,
        lambda w, key: [w.papers[key].pk, 1],
    ),
    "paper edit": Kind(
        "reports:update",
        "papers",
        PAPER_KEYS,
        any_governance,
        _pk("papers"),
        post=_paper_edit,
    ),
    "section add": Kind(
        "reports:section_create",
        "papers",
        PAPER_KEYS,
        any_governance,
        _pk("papers"),
        post=lambda w, k: {
            "kind": "body",
            "heading": "Added",
            "body": "x",
            "order": "2",
        },
    ),
    "section edit": Kind(
        "reports:section_update",
        "papers",
        PAPER_KEYS,
        any_governance,
        _pk("sections"),
        post=_section_edit,
    ),
    "section delete": Kind(
        "reports:section_delete",
        "papers",
        PAPER_KEYS,
        any_governance,
        _pk("sections"),
        post=_revision_only,
    ),
    "clear": Kind(
        "reports:clear",
        "papers",
        PAPER_KEYS,
        clear,
        _pk("papers"),
        get=False,
        post=_revision_only,
    ),
    "publish": Kind(
        "reports:publish",
        "papers",
        PAPER_KEYS,
        publish,
        _pk("papers"),
        get=False,
        post=_revision_only,
    ),
    "question ask": Kind(
        "reports:question_create",
        "papers",
        PAPER_KEYS,
        panel_only,
        _pk("papers"),
        post=lambda w, k: {"section": "", "text": "Asked in a break-in test"},
    ),
    "question answer": Kind(
        "reports:question_answer",
        "questions",
        ("published",),
        any_governance,
        _pk("questions"),
        post=lambda w, k: {"answer": "Answered in a break-in test", "publish": "yes"},
    ),
    "register report": Kind(
        "reports:register_report",
        "registers",
        ("mopac", "mps"),
        everyone,
        lambda w, key: [key],
    ),
    "register PDF": Kind(
        "reports:register_pdf",
        "registers",
        ("mopac", "mps"),
        # A small register renders during the request; POST (retry a failed
        # background render) writes nothing then.
        lambda role, key, method: OK if method == "GET" else UNCHANGED,
        lambda w, key: [key],
        post=lambda w, k: {},
    ),
    "register Word": Kind(
        "reports:register_docx",
        "registers",
        ("mopac", "mps"),
        lambda role, key, method: OK if method == "GET" else UNCHANGED,
        lambda w, key: [key],
        post=lambda w, k: {},
    ),
    "meeting": Kind(
        "reports:meeting_detail", "meetings", MEETING_KEYS, everyone, _pk("meetings")
    ),
    "meeting edit": Kind(
        "reports:meeting_update",
        "meetings",
        MEETING_KEYS,
        any_governance,
        _pk("meetings"),
        post=_meeting_edit,
    ),
    "agenda pack": Kind(
        "reports:meeting_pack",
        "meetings",
        MEETING_KEYS,
        pack,
        _pk("meetings"),
        post=lambda w, k: {},
    ),
    "agenda pack, public edition": Kind(
        "reports:meeting_pack",
        "meetings",
        MEETING_KEYS,
        pack,
        _pk("meetings"),
        query="edition=public",
    ),
    "agenda item add": Kind(
        "reports:item_create",
        "meetings",
        MEETING_KEYS,
        any_governance,
        _pk("meetings"),
        post=lambda w, k: {
            "number": "12",
            "order": "90",
            "kind": "titled",
            "title": "Any other business",
        },
    ),
    "agenda item remove": Kind(
        "reports:item_delete",
        "meetings",
        MEETING_KEYS,
        any_governance,
        _pk("agenda_items"),
        get=False,
        post=lambda w, k: {},
    ),
    "panel request add": Kind(
        "reports:request_create",
        "meetings",
        MEETING_KEYS,
        any_governance,
        _pk("meetings"),
        post=_request_add,
    ),
    "panel request edit": Kind(
        "reports:request_update",
        "meetings",
        MEETING_KEYS,
        any_governance,
        _pk("requests"),
        post=_request_edit,
    ),
    "period dashboard": Kind(
        "risks:period_detail",
        "periods",
        ("mopac", "mps"),
        governance_of_object,
        _pk("periods"),
    ),
    "period no change": Kind(
        "risks:period_no_change",
        "periods",
        NO_CHANGE_KEYS,
        no_change,
        lambda w, key: [w.periods[key.split("/")[0]].pk, w.risks[key.split("/")[1]].pk],
        get=False,
        post=lambda w, k: {},
    ),
}
CASES = [
    (name, key, method)
    for name, kind in KINDS.items()
    for key in kind.keys
    for method in (("GET",) if kind.get else ()) + (("POST",) if kind.post else ())
]


def expected_outcome(kind: Kind, role: str, key: str, method: str) -> str:
    if role == ANONYMOUS:
        return LOGIN
    if not sees(role, kind.visibility, key):
        return HIDDEN
    return kind.allowed(role, key, method)


def url_of(kind: Kind, args: list) -> str:
    url = reverse(kind.url, args=args)
    if kind.query == "as_at":
        return f"{url}?as_at={TODAY.isoformat()}"
    return f"{url}?{kind.query}" if kind.query else url
