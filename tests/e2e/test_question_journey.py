"""A panel member's question in the browser: asked on a published paper, e-mailed to
both governance teams, answered by one, the answer e-mailed back and shown."""

import datetime
import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from reports import services
from reports.models import Question, SectionKind

from ..reports.question_data import quick_renders
from .conftest import check_accessibility, screenshot, sign_in, sign_out

QUESTION = "Will the oral update say who reports on the joint savings?"
ANSWER = "Yes: the MOPAC Chief Finance Officer, each quarter."


def published_paper(monkeypatch):
    """A paper for a meeting ahead, cleared by both organisations and published."""
    quick_renders(monkeypatch)
    users = get_user_model().objects
    governance = {
        org: users.get(username=f"{org}-governance") for org in ("mopac", "met")
    }
    paper = services.paper_create(
        user=governance["mopac"],
        data={
            "meeting_date": timezone.localdate() + datetime.timedelta(days=21),
            "agenda_item": "5b",
            "title": "Risk alignment update",
            "report_by": "MOPAC Chief Executive Officer",
            "period_label": "2019/20 Q2",
            "period_end": datetime.date(2019, 9, 30),
        },
    )
    services.section_create(
        paper=paper,
        user=governance["mopac"],
        data={"kind": SectionKind.BODY, "heading": "Aligned Finance risk", "body": "x"},
    )
    for user in governance.values():
        paper.refresh_from_db()
        services.paper_clear(
            paper=paper, organisation=user.membership.organisation, user=user
        )
    services.paper_publish(paper=paper, user=governance["met"])
    return paper


def addresses(*usernames: str) -> set[str]:
    users = get_user_model().objects.filter(username__in=usernames)
    return set(users.values_list("email", flat=True))


def test_question_reaches_governance_and_the_answer_the_member(
    page, live_server, demo, monkeypatch
):
    paper = published_paper(monkeypatch)
    mail.outbox.clear()

    sign_in(page, live_server, "panel-member")
    page.goto(f"{live_server.url}/reports/{paper.pk}/")
    check_accessibility(page)
    page.get_by_label("What is your question about?").select_option(
        label="Aligned Finance risk"
    )
    page.get_by_label("Your question", exact=True).fill(QUESTION)
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_text("Your question is sent")).to_be_visible()
    expect(page.get_by_text("Awaiting an answer.")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "paper-questions-panel")
    sign_out(page)
    asked = [m for m in mail.outbox if "asks about" in m.subject]
    assert {a for m in asked for a in m.to} == addresses(
        "mopac-governance", "met-governance"
    )
    assert all(QUESTION in m.body and QUESTION in m.alternatives[0][0] for m in asked)

    sign_in(page, live_server, "met-governance")
    page.goto(f"{live_server.url}/reports/questions/")
    check_accessibility(page)
    page.get_by_role("link", name=re.compile("Will the oral update")).click()
    check_accessibility(page)
    page.get_by_role("button", name="Publish the answer to the panel").click()
    # An empty answer is refused with a message, and the question stays open.
    expect(page.get_by_text("Enter the answer.").first).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Answer", exact=True).fill(ANSWER)
    page.get_by_role("button", name="Publish the answer to the panel").click()
    expect(page.get_by_text("The answer is published to the panel.")).to_be_visible()
    sign_out(page)
    (answered,) = [m for m in mail.outbox if "is answered" in m.subject]
    assert set(answered.to) == addresses("panel-member")
    assert ANSWER in answered.body and ANSWER in answered.alternatives[0][0]

    sign_in(page, live_server, "panel-member")
    page.goto(f"{live_server.url}/reports/{paper.pk}/")
    expect(page.get_by_text(ANSWER)).to_be_visible()
    assert Question.objects.get(text=QUESTION).answer_published
