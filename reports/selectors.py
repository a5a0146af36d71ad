"""Who may read which panel papers, decided in the query."""

from django.db.models import Exists, OuterRef, QuerySet

from risks import access
from risks.models import Membership

from .models import PanelPaper, Publication, PublicationStatus


def can_draft(user) -> bool:
    """Governance officers of either organisation draft and edit papers."""
    return access.managed_organisations(user).exists()


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
    is_member = Membership.objects.filter(user=user).exists()
    if is_member or access.is_panel_member(user):
        return published(papers)
    return papers.none()


def latest_publication(paper: PanelPaper) -> Publication | None:
    """Return the paper's newest published version, if any."""
    return (
        paper.publications.filter(status=PublicationStatus.PUBLISHED)
        .order_by("-version")
        .first()
    )
