"""Who may read which panel papers and members' questions, decided in the query."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from risks import access
from risks.models import Membership, PanelMember

from .models import PanelPaper, PaperSection, Publication, PublicationStatus, Question


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
    rows = PanelPaper.history.filter(
        id__in=list(wanted), revision__in=set(wanted.values())
    ).order_by("history_date", "history_id")
    faces = {}
    for row in rows:  # the last row of the published revision wins
        if wanted.get(row.id) == row.revision:
            faces[row.id] = row.instance
    return faces


def published_face(paper: PanelPaper) -> PanelPaper:
    """Return the paper as it read at its latest published revision (or as it is)."""
    return published_faces([paper]).get(paper.pk, paper)


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
