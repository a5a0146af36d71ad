"""What each kind of notification says and to whom, read from the event's object.

Builders take the object's id, as tasks do, and read it fresh when the e-mail is
sent: a task that runs late still tells what happened. Models of the other apps
are looked up by label, so that importing this module imports none of them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import QuerySet
from django.urls import reverse

from .models import Kind
from .recipients import (
    all_governance,
    asker_of,
    either,
    governance_of,
    panel_members_for,
)


@dataclass(frozen=True)
class Event:
    """One event to tell people about: who, and the e-mail's words."""

    key: str  # unique per event: a person gets at most one e-mail per key
    kind: Kind
    subject: str
    recipients: QuerySet
    paragraphs: list[str] = field(default_factory=list)
    quote_label: str = ""
    quote: str = ""
    link_text: str = ""
    path: str = ""


def _model(label: str):
    return apps.get_model(label)


def _paper_title(paper) -> str:
    return f"{paper.agenda_item} {paper.title} ({paper.meeting_date:%-d %B %Y})"


def clearance_needed(clearance_id: int) -> Event | None:
    """One organisation cleared a revision: the others' governance may clear it."""
    from reports.services import required_organisations  # reports imports us

    clearance = (
        _model("reports.Clearance")
        .objects.select_related("paper", "organisation")
        .filter(pk=clearance_id)
        .first()
    )
    if clearance is None or clearance.paper.revision != clearance.revision:
        return None  # the paper changed since: the clearance no longer counts
    paper = clearance.paper
    done = paper.clearances.filter(revision=clearance.revision).values("organisation")
    missing = required_organisations().exclude(pk__in=done)
    return Event(
        key=f"clearance-needed:{clearance.pk}",
        kind=Kind.CLEARANCE_NEEDED,
        subject=f"Panel paper ready for your clearance: {paper.title}",
        recipients=governance_of(missing),
        paragraphs=[
            f"{clearance.organisation.short_name} cleared revision "
            f"{clearance.revision} of the panel paper {_paper_title(paper)}.",
            "It needs your organisation's clearance before it can be published.",
        ],
        link_text="Read and clear the paper",
        path=reverse("reports:detail", args=[paper.pk]),
    )


def paper_published(publication_id: int) -> Event | None:
    """A version of a paper is published: the panel and both governance teams."""
    from reports.selectors import published_face

    publication = (
        _model("reports.Publication")
        .objects.select_related("paper")
        .filter(pk=publication_id, status="published")
        .first()
    )
    if publication is None:
        return None
    paper = published_face(publication.paper)
    return Event(
        key=f"paper-published:{publication.pk}",
        kind=Kind.PAPER_PUBLISHED,
        subject=f"Panel paper published: {paper.title}",
        recipients=either(panel_members_for(publication.paper), all_governance()),
        paragraphs=[
            f"Version {publication.version} of the panel paper {_paper_title(paper)} "
            "is published.",
        ],
        link_text="Read the paper",
        path=reverse("reports:detail", args=[paper.pk]),
    )


def _link(link_id: int):
    return (
        _model("alignment.AlignmentLink")
        .objects.select_related(
            "proposer_risk__organisation",
            "partner_risk__organisation",
            "proposed_by_organisation",
        )
        .filter(pk=link_id)
        .first()
    )


def _link_names(link) -> str:
    return (
        f"{link.proposer_risk.reference} {link.proposer_risk.title} and "
        f"{link.partner_risk.reference} {link.partner_risk.title}"
    )


def alignment_proposed(link_id: int) -> Event | None:
    """A proposal: the partner organisation's governance decides it."""
    link = _link(link_id)
    if link is None:
        return None
    proposer = link.proposed_by_organisation.short_name
    return Event(
        key=f"alignment-proposed:{link.pk}",
        kind=Kind.ALIGNMENT_PROPOSED,
        subject=f"{proposer} proposes aligning {link.partner_risk.reference}",
        recipients=governance_of([link.partner_risk.organisation_id]),
        paragraphs=[
            f"{proposer} proposes that these risks align: {_link_names(link)}."
        ],
        quote_label="Their rationale",
        quote=link.rationale,
        link_text="Agree or decline the proposal",
        path=reverse("alignment:detail", args=[link.pk]),
    )


def _alignment_decided(link_id: int, kind: Kind, status: str, verb: str):
    link = _link(link_id)
    if link is None:
        return None
    partner = link.partner_risk.organisation.short_name
    return Event(
        key=f"alignment-{status}:{link.pk}",
        kind=kind,
        subject=f"{partner} {verb} your alignment of {link.proposer_risk.reference}",
        recipients=governance_of([link.proposed_by_organisation_id]),
        paragraphs=[
            f"{partner} {verb} your proposal that these risks align: "
            f"{_link_names(link)}."
        ],
        quote_label="Their reason" if link.decision_reason else "",
        quote=link.decision_reason,
        link_text="See the alignment",
        path=reverse("alignment:detail", args=[link.pk]),
    )


def alignment_agreed(link_id: int) -> Event | None:
    """The partner agreed: the proposer's governance is told."""
    return _alignment_decided(link_id, Kind.ALIGNMENT_AGREED, "agreed", "agreed")


def alignment_declined(link_id: int) -> Event | None:
    """The partner declined: the proposer's governance is told why."""
    return _alignment_decided(link_id, Kind.ALIGNMENT_DECLINED, "declined", "declined")


def _question(question_id: int):
    return (
        _model("reports.Question")
        .objects.select_related("paper", "asked_by")
        .filter(pk=question_id)
        .first()
    )


def question_asked(question_id: int) -> Event | None:
    """A panel member's question: both organisations' governance may answer."""
    from reports.selectors import published_face

    question = _question(question_id)
    if question is None:
        return None
    paper = published_face(question.paper)
    return Event(
        key=f"question-asked:{question.pk}",
        kind=Kind.QUESTION_ASKED,
        subject=f"A panel member asks about {paper.title}",
        recipients=all_governance(),
        paragraphs=[
            f"A panel member asked a question on the panel paper "
            f"{_paper_title(paper)} (on: {question.on}).",
        ],
        quote_label="The question",
        quote=question.text,
        link_text="Answer the question",
        path=reverse("reports:question_answer", args=[question.pk]),
    )


def answer_published(question_id: int) -> Event | None:
    """The answer to a question is published: the member who asked is told."""
    from reports.selectors import published_face

    question = _question(question_id)
    if question is None or not question.answer_published:
        return None
    paper = published_face(question.paper)
    return Event(
        key=f"answer-published:{question.pk}",
        kind=Kind.ANSWER_PUBLISHED,
        subject=f"Your question on {paper.title} is answered",
        recipients=asker_of(question),
        paragraphs=[
            f"Governance answered your question on the panel paper "
            f"{_paper_title(paper)} (on: {question.on}).",
            f"Your question: {question.text}",
        ],
        quote_label="The answer",
        quote=question.answer,
        link_text="Read the questions and answers on the paper",
        path=reverse("reports:detail", args=[paper.pk]) + "#questions",
    )


BUILDERS: dict[str, Callable[[int], Event | None]] = {
    Kind.CLEARANCE_NEEDED: clearance_needed,
    Kind.PAPER_PUBLISHED: paper_published,
    Kind.ALIGNMENT_PROPOSED: alignment_proposed,
    Kind.ALIGNMENT_AGREED: alignment_agreed,
    Kind.ALIGNMENT_DECLINED: alignment_declined,
    Kind.QUESTION_ASKED: question_asked,
    Kind.ANSWER_PUBLISHED: answer_published,
}


def build(kind: str, object_id: int) -> Event | None:
    """Return the event of the kind about the object, or None if none is due."""
    return BUILDERS[kind](object_id)
