"""Members' questions on published papers: asking, answering, who sees what."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from reports import question_services
from reports.models import PaperSection, Question, QuestionStatus

from .question_data import SECTION_HEADING, draft_paper, publish, quick_renders

GOVERNANCE = ["mopac-governance", "mps-governance"]
MEMBERS = ["mopac-owner", "mopac-reader", "mps-owner", "mps-reader"]


@pytest.fixture
def paper(world, monkeypatch, django_capture_on_commit_callbacks):
    quick_renders(monkeypatch)
    paper = draft_paper(world)
    publish(world, paper, django_capture_on_commit_callbacks)
    return paper


@pytest.fixture
def question(world, paper):
    return question_services.question_ask(
        paper=paper, user=world.users["panel"], text="Who owns the finance risk?"
    )


def ask_url(paper) -> str:
    return reverse("reports:question_create", args=[paper.pk])


def answer_url(question) -> str:
    return reverse("reports:question_answer", args=[question.pk])


# --- Asking -------------------------------------------------------------------------


def test_panel_member_asks_on_the_paper_and_it_is_in_history(client, world, paper):
    client.force_login(world.users["panel"])
    response = client.post(ask_url(paper), {"section": "", "text": "  Why now?  "})
    assert response.status_code == 302
    assert response["Location"].endswith(f"{paper.get_absolute_url()}#questions")
    question = Question.objects.get()
    assert (question.text, question.version, question.section) == ("Why now?", 1, None)
    assert question.status == QuestionStatus.OPEN
    assert question.on == "The paper as a whole"
    row = question.history.get()
    assert (row.history_user, row.history_change_reason) == (
        world.users["panel"],
        "Question asked",
    )


def test_panel_member_asks_on_a_published_section(client, world, paper):
    section = paper.sections.get(heading=SECTION_HEADING)
    client.force_login(world.users["panel"])
    page = client.get(paper.get_absolute_url()).content.decode()
    assert f'<option value="{section.pk}">{SECTION_HEADING}</option>' in page
    client.post(ask_url(paper), {"section": section.pk, "text": "Is it agreed?"})
    question = Question.objects.get()
    assert (question.section, question.section_title) == (section, SECTION_HEADING)
    assert question.on == SECTION_HEADING


def test_a_section_added_to_the_draft_after_publishing_cannot_be_chosen(
    client, world, paper
):
    from reports import services

    added = services.section_create(
        paper=paper,
        user=world.users["mopac-governance"],
        data={"kind": "body", "heading": "Not yet published", "body": "y"},
    )
    client.force_login(world.users["panel"])
    assert (
        "Not yet published" not in client.get(paper.get_absolute_url()).content.decode()
    )
    response = client.post(ask_url(paper), {"section": added.pk, "text": "What?"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(ValidationError, match="section of the published paper"):
        question_services.question_ask(
            paper=paper, user=world.users["panel"], text="What?", section_id=added.pk
        )
    assert not Question.objects.exists()


def test_an_empty_question_is_refused_with_a_message(client, world, paper):
    client.force_login(world.users["panel"])
    response = client.post(ask_url(paper), {"section": "", "text": "   "})
    assert response.status_code == 200
    assert "Enter your question." in response.content.decode()
    with pytest.raises(ValidationError, match="Enter your question"):
        question_services.question_ask(paper=paper, user=world.users["panel"], text="")
    assert not Question.objects.exists()


def test_a_question_on_a_draft_is_refused(client, world):
    draft = draft_paper(world)
    with pytest.raises(ValidationError, match="only on a published paper"):
        question_services.question_ask(
            paper=draft, user=world.users["panel"], text="Is this final?"
        )
    client.force_login(world.users["panel"])
    # The panel cannot even see a draft: 404, as for a paper that does not exist.
    assert client.post(ask_url(draft), {"text": "Is this final?"}).status_code == 404
    assert not Question.objects.exists()


def test_a_question_after_the_meeting_is_refused(client, world, paper):
    after = timezone.now() + datetime.timedelta(days=31)
    with pytest.raises(ValidationError, match="questions on this paper closed then"):
        question_services.question_ask(
            paper=paper, user=world.users["panel"], text="Too late?", at=after
        )
    # On the meeting day itself a question is still taken.
    on_the_day = timezone.now() + datetime.timedelta(days=30)
    question_services.question_ask(
        paper=paper, user=world.users["panel"], text="Just in time?", at=on_the_day
    )
    assert Question.objects.count() == 1


def test_the_page_says_why_no_question_can_be_asked_after_the_meeting(
    client, world, monkeypatch, django_capture_on_commit_callbacks
):
    quick_renders(monkeypatch)
    past = draft_paper(world, days_to_meeting=-1)
    publish(world, past, django_capture_on_commit_callbacks)
    client.force_login(world.users["panel"])
    page = client.get(past.get_absolute_url()).content.decode()
    assert "questions on this paper closed then" in page
    assert ask_url(past) not in page
    response = client.post(ask_url(past), {"text": "Late question"})
    assert "questions on this paper closed then" in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.parametrize("username", [*GOVERNANCE, *MEMBERS])
def test_only_panel_members_ask(client, world, paper, username):
    user = world.users[username]
    with pytest.raises(PermissionDenied, match="Only Audit Panel members"):
        question_services.question_ask(paper=paper, user=user, text="May I?")
    client.force_login(user)
    assert client.post(ask_url(paper), {"text": "May I?"}).status_code == 403
    assert not Question.objects.exists()


def test_outsider_and_anonymous_cannot_ask(client, world, paper):
    response = client.post(ask_url(paper), {"text": "Hello?"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(world.users["outsider"])
    assert client.post(ask_url(paper), {"text": "Hello?"}).status_code == 404
    assert not Question.objects.exists()


# --- Answering ----------------------------------------------------------------------


@pytest.mark.parametrize("username", GOVERNANCE)
def test_governance_of_either_organisation_answers(client, world, question, username):
    client.force_login(world.users[username])
    page = client.get(answer_url(question)).content.decode()
    assert "Who owns the finance risk?" in page
    response = client.post(
        answer_url(question), {"answer": "The two finance directors.", "publish": "no"}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.status == QuestionStatus.DRAFTED
    client.post(
        answer_url(question), {"answer": "The two finance directors.", "publish": "yes"}
    )
    question.refresh_from_db()
    assert question.status == QuestionStatus.ANSWERED
    assert question.answered_by == world.users[username]
    reasons = [
        row.history_change_reason
        for row in question.history.order_by("history_date", "history_id")
    ]
    assert reasons == [
        "Question asked",
        "Answer drafted",
        "Answer published to the panel",
    ]


@pytest.mark.parametrize("username", ["panel", *MEMBERS])
def test_readers_owners_and_the_panel_cannot_answer(client, world, question, username):
    user = world.users[username]
    with pytest.raises(PermissionDenied, match="Only governance officers"):
        question_services.question_answer(
            question=question, user=user, answer="Mine", publish=True
        )
    client.force_login(user)
    # The panel sees the question (403); organisation members do not (404).
    expected = 403 if username == "panel" else 404
    for response in (
        client.get(answer_url(question)),
        client.post(answer_url(question), {"answer": "Mine", "publish": "yes"}),
    ):
        assert response.status_code == expected
    question.refresh_from_db()
    assert question.answer == ""


def test_an_empty_answer_is_refused_with_a_message(client, world, question):
    client.force_login(world.users["mps-governance"])
    response = client.post(answer_url(question), {"answer": " ", "publish": "yes"})
    assert response.status_code == 200
    assert "Enter the answer." in response.content.decode()
    with pytest.raises(ValidationError, match="Enter the answer"):
        question_services.question_answer(
            question=question,
            user=world.users["mps-governance"],
            answer="",
            publish=True,
        )
    question.refresh_from_db()
    assert question.status == QuestionStatus.OPEN


def test_a_published_answer_is_not_changed(client, world, question):
    gov = world.users["mopac-governance"]
    question_services.question_answer(
        question=question, user=gov, answer="First.", publish=True
    )
    with pytest.raises(ValidationError, match="already published"):
        question_services.question_answer(
            question=question, user=gov, answer="Second.", publish=False
        )
    client.force_login(gov)
    response = client.post(answer_url(question), {"answer": "Second.", "publish": "no"})
    assert "already published" in response.content.decode()
    question.refresh_from_db()
    assert (question.answer, question.answer_published) == ("First.", True)


# --- Who sees what --------------------------------------------------------------------


def test_a_draft_answer_is_shown_to_governance_and_not_to_the_panel(
    client, world, paper, question
):
    question_services.question_answer(
        question=question,
        user=world.users["mps-governance"],
        answer="A draft we are checking.",
        publish=False,
    )
    client.force_login(world.users["panel"])
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "Who owns the finance risk?" in page
    assert "A draft we are checking." not in page
    assert "Awaiting an answer." in page
    client.force_login(world.users["mopac-governance"])
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "A draft we are checking." in page
    assert "Draft answer (not shown to the panel)" in page
    assert answer_url(question) in page


def test_every_panel_member_sees_questions_and_published_answers(
    client, world, paper, question
):
    from tests.factories import PanelMemberFactory, UserFactory

    other = UserFactory(username="panel-two")
    PanelMemberFactory(user=other)
    question_services.question_answer(
        question=question,
        user=world.users["mps-governance"],
        answer="The two finance directors.",
        publish=True,
    )
    client.force_login(other)
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "Who owns the finance risk?" in page
    assert "The two finance directors." in page


@pytest.mark.parametrize("username", MEMBERS)
def test_organisation_members_do_not_see_questions(
    client, world, paper, question, username
):
    client.force_login(world.users[username])
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "Who owns the finance risk?" not in page
    assert "Questions from the Panel" not in page


@pytest.mark.parametrize("username", GOVERNANCE)
def test_governance_lists_the_questions_to_answer(client, world, question, username):
    client.force_login(world.users[username])
    page = client.get(reverse("reports:questions")).content.decode()
    assert "Who owns the finance risk?" in page
    assert answer_url(question) in page
    assert "Awaiting an answer" in page
    assert (
        reverse("reports:questions")
        in client.get(reverse("reports:list")).content.decode()
    )


@pytest.mark.parametrize("username", ["panel", "outsider", *MEMBERS])
def test_only_governance_opens_the_question_list(client, world, question, username):
    client.force_login(world.users[username])
    assert client.get(reverse("reports:questions")).status_code == 403
    assert (
        reverse("reports:questions")
        not in client.get(reverse("reports:list")).content.decode()
    )


# --- Query counts ---------------------------------------------------------------------


def _more_questions(world, paper, n: int) -> None:
    for i in range(n):
        question = question_services.question_ask(
            paper=paper, user=world.users["panel"], text=f"Question {i}?"
        )
        question_services.question_answer(
            question=question,
            user=world.users["mopac-governance"],
            answer=f"Answer {i}.",
            publish=bool(i % 2),
        )


def test_paper_page_for_the_panel_costs_a_fixed_number_of_queries(
    client, world, paper, question, django_assert_num_queries
):
    client.force_login(world.users["panel"])
    with django_assert_num_queries(11):
        client.get(paper.get_absolute_url())
    _more_questions(world, paper, 4)
    with django_assert_num_queries(11):
        page = client.get(paper.get_absolute_url()).content.decode()
    assert "Answer 3." in page and "Answer 2." not in page


def test_question_list_costs_a_fixed_number_of_queries(
    client, world, question, paper, django_assert_num_queries
):
    client.force_login(world.users["mps-governance"])
    with django_assert_num_queries(4):
        client.get(reverse("reports:questions"))
    _more_questions(world, paper, 4)
    with django_assert_num_queries(4):
        page = client.get(reverse("reports:questions")).content.decode()
    assert "Question 3?" in page


def test_answer_page_costs_a_fixed_number_of_queries(
    client, world, question, django_assert_num_queries
):
    client.force_login(world.users["mps-governance"])
    with django_assert_num_queries(4):
        client.get(answer_url(question))


def test_ask_page_costs_a_fixed_number_of_queries(
    client, world, paper, django_assert_num_queries
):
    client.force_login(world.users["panel"])
    with django_assert_num_queries(9):
        client.get(ask_url(paper))


def test_section_deleted_from_the_draft_keeps_the_question(client, world, paper):
    from reports import services

    section = paper.sections.get(heading=SECTION_HEADING)
    question = question_services.question_ask(
        paper=paper, user=world.users["panel"], text="On it?", section_id=section.pk
    )
    services.section_delete(section=section, user=world.users["mopac-governance"])
    assert not PaperSection.objects.filter(pk=section.pk).exists()
    question.refresh_from_db()
    assert (question.section, question.on) == (None, SECTION_HEADING)
