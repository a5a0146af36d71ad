"""A published paper with a meeting ahead, for the questions and notification tests."""

import datetime

from django.utils import timezone

from reports import docx_paper, rendering, services
from reports.models import PanelPaper, PublicationStatus, SectionKind

SECTION_HEADING = "Alignment of risk"


def quick_renders(monkeypatch) -> None:
    """Publishing is about access and e-mail here; renders are tested elsewhere."""
    monkeypatch.setattr(rendering, "render_pdf", lambda paper, edition: b"%PDF-1.7")
    monkeypatch.setattr(docx_paper, "render_docx", lambda paper, edition: b"PK")


def draft_paper(world, *, days_to_meeting: int = 30) -> PanelPaper:
    """Return a draft paper, with one numbered section, for a meeting ahead."""
    user = world.users["mopac-governance"]
    paper = services.paper_create(
        user=user,
        data={
            "meeting_date": timezone.localdate()
            + datetime.timedelta(days=days_to_meeting),
            "agenda_item": "5b",
            "title": "Alignment of MOPAC and Met Risks",
            "report_by": "MOPAC Chief Executive Officer",
            "period_label": "2019/20 Q2",
            "period_end": datetime.date(2019, 9, 30),
        },
    )
    services.section_create(
        paper=paper,
        user=user,
        data={"kind": SectionKind.BODY, "heading": SECTION_HEADING, "body": "x"},
    )
    paper.refresh_from_db()
    return paper


def publish(world, paper: PanelPaper, capture) -> None:
    """Clear the paper for both organisations and publish it, running the tasks."""
    for org in (world.mopac, world.mps):
        services.paper_clear(
            paper=paper, organisation=org, user=world.users[f"{org.slug}-governance"]
        )
    with capture(execute=True):
        publication = services.paper_publish(
            paper=paper, user=world.users["mps-governance"]
        )
    publication.refresh_from_db()
    assert publication.status == PublicationStatus.PUBLISHED, publication.render_error
    paper.refresh_from_db()
