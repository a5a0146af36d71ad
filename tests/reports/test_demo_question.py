"""The demo's panel question on the 2019 paper, answered by governance; no e-mail."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from notifications.models import Delivery
from reports import demo
from reports.models import Question, QuestionStatus


@pytest.fixture
def loaded(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("load_demo", "--until", "2019-09-30", verbosity=0)
    return callbacks


def test_the_demo_has_one_answered_question_and_sends_no_e_mail(loaded):
    assert mail.outbox == [] and not Delivery.objects.exists()
    question = Question.objects.select_related("paper", "asked_by").get()
    assert question.paper.title == demo.TITLE
    assert question.asked_by.username == "panel-member"
    assert question.answered_by.username == "met-governance"
    assert question.on == demo.QUESTION_SECTION
    assert question.section.heading == demo.QUESTION_SECTION
    assert (question.text, question.answer) == (demo.QUESTION, demo.ANSWER)
    assert question.status == QuestionStatus.ANSWERED
    london = ZoneInfo("Europe/London")
    assert question.asked_at == datetime(2019, 9, 10, 10, 0, tzinfo=london)
    assert question.answered_at == datetime(2019, 9, 13, 10, 0, tzinfo=london)
    assert question.asked_at.date() < demo.MEETING_DATE
    reasons = [
        r.history_change_reason for r in question.history.order_by("history_date")
    ]
    assert reasons == ["Question asked", "Answer published to the panel"]


def test_loading_the_demo_again_adds_no_question(loaded):
    call_command("load_demo", "--until", "2019-09-30", verbosity=0)
    assert Question.objects.count() == 1
    assert Question.history.count() == 2


def test_governance_reads_the_demo_question(client, loaded):
    client.post(
        "/accounts/login/",
        {"username": "met-governance", "password": "riskregister-demo"},
    )
    page = client.get(reverse("reports:questions")).content.decode()
    assert demo.QUESTION[:60] in page
    assert "Answered" in page
