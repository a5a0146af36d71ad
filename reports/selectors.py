"""Who may read which panel papers, meetings and questions, decided in the query."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from risks import access
from risks.models import Membership, PanelMember

from .models import (
    Meeting,
    PanelPaper,
    PanelRequest,
    PaperSection,
    Publication,
    PublicationStatus,
    Question,
    RequestStatus,
)


def can_draft(user) -> bool:
    """Governance officers of either organisation draft and edit papers."""
    return access.manages_a_register(user)


def published(papers: QuerySet[PanelPaper]) -> QuerySet[PanelPaper]:
    """Keep papers with at least one published version."""
    return papers.filter(
        Exists(
            Publication.objects.filter(
                paper=OuterRef("pk"), status=PublicationStatus.PUBLISHED
            )
        )
    )


def viewable_papers(user) -> QuerySet[PanelPaper]:
    """Return the papers the user may open.

    Governance officers see drafts; other members of either organisation and panel
    members see papers once a version is published, and only that version.
    """
    papers = PanelPaper.objects.all()
    if not user.is_authenticated or not user.is_active:
        return papers.none()
    if can_draft(user):
        return papers
    # Decided inside the one query: organisation members and panel members.
    may_read = Exists(Membership.objects.filter(user=user)) | Exists(
        PanelMember.objects.filter(user=user)
    )
    return published(papers).filter(may_read)


def latest_publication(paper: PanelPaper) -> Publication | None:
    """Return the paper's newest published version, if any."""
    return (
        paper.publications.filter(status=PublicationStatus.PUBLISHED)
        .order_by("-version")
        .first()
    )


def can_view_register_report(user, organisation) -> bool:
    """Members of the organisation (any role) and superusers read its register report.

    It prints the whole register, so the other organisation's users and panel
    members, who may see only aligned risks, may not.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    membership = access.membership_of(user)
    return membership is not None and membership.organisation_id == organisation.pk


def published_faces(papers: list[PanelPaper]) -> dict[int, PanelPaper]:
    """Return each paper as it read at its latest published revision, in one query.

    Readers and the panel see a published paper's title, meeting and period as
    published, never the draft that governance may be editing since.
    """
    wanted = {}
    for paper in papers:
        published = [
            p
            for p in paper.publications.all()
            if p.status == PublicationStatus.PUBLISHED
        ]
        if published:
            wanted[paper.pk] = max(published, key=lambda p: p.version).revision
    return _faces_at(wanted)


def _faces_at(wanted: dict[int, int]) -> dict[int, PanelPaper]:
    """Return each paper (by id) as it read at the given revision (one query)."""
    rows = PanelPaper.history.filter(
        id__in=list(wanted), revision__in=set(wanted.values())
    ).order_by("history_date", "history_id")
    faces = {}
    for row in rows:  # the last row of the published revision wins
        if wanted.get(row.id) == row.revision:
            faces[row.id] = row.instance
    return faces


def published_face(
    paper: PanelPaper, publication: Publication | None = None
) -> PanelPaper:
    """Return the paper as it read at its latest published revision (or as it is).

    Pass the latest publication where the caller has read it already: the
    paper's publications are then not read again.
    """
    if publication is None:
        return published_faces([paper]).get(paper.pk, paper)
    return _faces_at({paper.pk: publication.revision}).get(paper.pk, paper)


# --- Meetings -------------------------------------------------------------------


def viewable_meetings(user) -> QuerySet[Meeting]:
    """Return the meetings of the panels the user sits on or prepares (access.py)."""
    return Meeting.objects.filter(panel__in=access.viewable_panels(user))


def manageable_meetings(user) -> QuerySet[Meeting]:
    """Return the meetings whose agenda and requests the user may change."""
    return Meeting.objects.filter(panel__in=access.managed_panels(user))


def next_meeting_requests(user, today: date) -> list[PanelRequest]:
    """Return the requests due at each managed panel's next meeting (from today)."""
    upcoming = (
        manageable_meetings(user)
        .filter(date__gte=today, panel=OuterRef("due_at__panel"))
        .order_by("date")
        .values("pk")[:1]
    )
    return list(
        PanelRequest.objects.filter(due_at=Subquery(upcoming))
        .exclude(status=RequestStatus.CLOSED)
        .select_related("due_at__panel", "owner_organisation", "answered_by")
        .order_by("due_at__date", "pk")
    )


def open_requests_due(paper: PanelPaper) -> list[PanelRequest]:
    """Return the open requests due at the paper's meeting (none without one)."""
    if paper.panel_meeting_id is None:
        return []
    return list(
        PanelRequest.objects.filter(
            due_at_id=paper.panel_meeting_id, status=RequestStatus.OPEN
        )
        .select_related("raised_at", "owner_organisation")
        .order_by("raised_at__date", "pk")
    )


# --- Members' questions -------------------------------------------------------------


def can_ask(user) -> bool:
    """Audit Panel members ask questions on published papers."""
    return access.is_panel_member(user)


def can_answer(user) -> bool:
    """Governance officers of either organisation answer them."""
    return access.is_governance(user)


def viewable_questions(user) -> QuerySet[Question]:
    """Return the questions the user may read.

    Governance officers read every question; panel members read the questions on
    the papers they may open (answers only once published: the page decides
    that with can_answer). Other members of the organisations read none.
    """
    questions = Question.objects.all()
    if not user.is_authenticated or not user.is_active:
        return questions.none()
    if can_answer(user):
        return questions
    if can_ask(user):
        return questions.filter(paper__in=viewable_papers(user))
    return questions.none()


@dataclass(frozen=True)
class PublishedSection:
    """A section as published (it may have been removed from the draft since)."""

    pk: int
    title: str
    live: bool


def published_sections(
    paper: PanelPaper, publication: Publication
) -> list[PublishedSection]:
    """Return the paper's sections as they stood when the version was published."""
    rows = PaperSection.history.filter(
        paper_id=paper.pk, history_date__lte=publication.published_at
    ).order_by("history_date", "history_id")
    latest = {}
    for row in rows:  # the last row of each section wins
        latest[row.id] = row
    live = set(
        PaperSection.objects.filter(pk__in=list(latest)).values_list("pk", flat=True)
    )
    sections = sorted(
        (row for row in latest.values() if row.history_type != "-"),
        key=lambda row: (row.order, row.id),
    )
    return [
        PublishedSection(pk=row.id, title=row.instance.title, live=row.id in live)
        for row in sections
    ]
