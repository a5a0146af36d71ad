"""Notification e-mails: to the right people, after commit, once, unless opted out."""

import pytest
from django.core import mail
from django.db import transaction

from alignment import services as alignment_services
from alignment.models import Relationship
from notifications.models import Delivery, Kind, Preference
from notifications.services import preferences_save, suppressed
from notifications.tasks import send_notification
from reports import question_services
from reports import services as report_services
from reports.models import Meeting

from ..factories import (
    MembershipFactory,
    PanelFactory,
    PanelMemberFactory,
    ThemeFactory,
    UserFactory,
)
from ..reports.question_data import draft_paper, publish, quick_renders

GOVERNANCE = {"mopac-governance", "mps-governance"}
EVERYONE = {
    "mopac-governance",
    "mopac-owner",
    "mopac-reader",
    "mps-governance",
    "mps-owner",
    "mps-reader",
    "panel",
    "outsider",
}


def recipients(messages) -> set[str]:
    """The usernames the e-mails went to (addresses are username@example.invalid)."""
    return {address.split("@")[0] for message in messages for address in message.to}


def html_of(message) -> str:
    ((body, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return body


@pytest.fixture
def paper(world, monkeypatch, django_capture_on_commit_callbacks):
    quick_renders(monkeypatch)
    paper = draft_paper(world)
    publish(world, paper, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    return paper


@pytest.fixture
def theme(db):
    return ThemeFactory(name="Finance", slug="finance")


def ask(world, paper, capture, text="Who owns the finance risk?"):
    with capture(execute=True):
        return question_services.question_ask(
            paper=paper, user=world.users["panel"], text=text
        )


# --- Questions and answers (the "must show") --------------------------------


def test_a_question_reaches_both_governance_teams_and_its_answer_the_member(
    world, paper, django_capture_on_commit_callbacks
):
    question = ask(world, paper, django_capture_on_commit_callbacks)
    assert recipients(mail.outbox) == GOVERNANCE
    for message in mail.outbox:
        assert message.subject == f"A panel member asks about {paper.title}"
        assert "Who owns the finance risk?" in message.body
        assert f"/reports/questions/{question.pk}/answer/" in message.body
        html = html_of(message)
        assert "Who owns the finance risk?" in html
        assert f'href="http://testserver/reports/questions/{question.pk}/answer/"' in (
            html.replace("http://127.0.0.1:8000", "http://testserver")
        )
        assert "/accounts/notifications/" in message.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        question_services.question_answer(
            question=question,
            user=world.users["mps-governance"],
            answer="A draft, not sent.",
            publish=False,
        )
    assert mail.outbox == []  # a draft answer tells no one
    with django_capture_on_commit_callbacks(execute=True):
        question_services.question_answer(
            question=question,
            user=world.users["mps-governance"],
            answer="The two finance directors, jointly.",
            publish=True,
        )
    (message,) = mail.outbox
    assert recipients([message]) == {"panel"}
    assert message.subject == f"Your question on {paper.title} is answered"
    assert "The two finance directors, jointly." in message.body
    assert "The two finance directors, jointly." in html_of(message)
    assert "Dear Audit Panel member" in message.body


def test_a_rerun_of_the_task_sends_nothing_twice(
    world, paper, django_capture_on_commit_callbacks
):
    question = ask(world, paper, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    result = send_notification.enqueue(kind=Kind.QUESTION_ASKED, object_id=question.pk)
    assert result.return_value == 0
    assert send_notification.call(kind=Kind.QUESTION_ASKED, object_id=question.pk) == 0
    assert len(mail.outbox) == 2
    assert Delivery.objects.filter(event=f"question-asked:{question.pk}").count() == 2


def test_a_person_added_later_gets_the_event_once_on_a_rerun(
    world, paper, django_capture_on_commit_callbacks
):
    question = ask(world, paper, django_capture_on_commit_callbacks)
    late = UserFactory(username="late-governance")
    MembershipFactory(user=late, organisation=world.mps, role="governance")
    mail.outbox.clear()
    assert send_notification.call(kind=Kind.QUESTION_ASKED, object_id=question.pk) == 1
    assert recipients(mail.outbox) == {"late-governance"}


def test_nothing_is_sent_if_the_transaction_rolls_back(
    world, paper, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            question_services.question_ask(
                paper=paper, user=world.users["panel"], text="Rolled back?"
            )
            raise RuntimeError("the request failed after the question was saved")
    assert callbacks == []
    assert mail.outbox == []
    assert not Delivery.objects.filter(kind=Kind.QUESTION_ASKED).exists()


def test_nothing_is_sent_before_the_transaction_commits(world, paper):
    # Without the commit (the test's transaction never commits), nothing is sent.
    question_services.question_ask(
        paper=paper, user=world.users["panel"], text="Not yet?"
    )
    assert mail.outbox == []


def test_an_opted_out_person_gets_nothing(
    world, paper, django_capture_on_commit_callbacks
):
    preferences_save(
        user=world.users["mps-governance"],
        wanted=[k for k in Kind if k != Kind.QUESTION_ASKED],
    )
    question = ask(world, paper, django_capture_on_commit_callbacks)
    assert recipients(mail.outbox) == {"mopac-governance"}
    asked = Delivery.objects.filter(kind=Kind.QUESTION_ASKED)
    assert not asked.filter(recipient=world.users["mps-governance"]).exists()
    preferences_save(user=world.users["panel"], wanted=[])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        question_services.question_answer(
            question=question,
            user=world.users["mopac-governance"],
            answer="Answered.",
            publish=True,
        )
    assert mail.outbox == []


def test_inactive_people_and_people_without_an_address_get_nothing(
    world, paper, django_capture_on_commit_callbacks
):
    world.users["mps-governance"].is_active = False
    world.users["mps-governance"].save()
    world.users["mopac-governance"].email = ""
    world.users["mopac-governance"].save()
    ask(world, paper, django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_a_failed_send_is_given_back_for_a_retry(
    world, paper, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.mail import EmailMultiAlternatives

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMultiAlternatives, "send", refuse)
        question = ask(world, paper, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert not Delivery.objects.filter(kind=Kind.QUESTION_ASKED).exists()
    assert send_notification.call(kind=Kind.QUESTION_ASKED, object_id=question.pk) == 2
    assert recipients(mail.outbox) == GOVERNANCE


def test_the_demo_loader_queues_no_notification(
    world, paper, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, suppressed():
        question_services.question_ask(
            paper=paper, user=world.users["panel"], text="Demo?"
        )
    assert callbacks == [] and mail.outbox == []


# --- Papers ------------------------------------------------------------------------


def test_a_paper_cleared_by_one_organisation_goes_to_the_others_governance(
    world, django_capture_on_commit_callbacks
):
    paper = draft_paper(world)
    with django_capture_on_commit_callbacks(execute=True):
        report_services.paper_clear(
            paper=paper, organisation=world.mopac, user=world.users["mopac-governance"]
        )
    (message,) = mail.outbox
    assert recipients([message]) == {"mps-governance"}
    assert message.subject == f"Panel paper ready for your clearance: {paper.title}"
    assert "MOPAC cleared revision 2" in message.body
    assert "MOPAC cleared revision 2" in html_of(message)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report_services.paper_clear(
            paper=paper, organisation=world.mps, user=world.users["mps-governance"]
        )
    assert mail.outbox == []  # cleared by both: no one is waited for


def test_a_clearance_of_an_edited_revision_tells_no_one(
    world, django_capture_on_commit_callbacks
):
    paper = draft_paper(world)
    clearance = report_services.paper_clear(
        paper=paper, organisation=world.mopac, user=world.users["mopac-governance"]
    )
    report_services.paper_update(
        paper=paper, user=world.users["mps-governance"], data={"title": "Changed"}
    )
    assert (
        send_notification.call(kind=Kind.CLEARANCE_NEEDED, object_id=clearance.pk) == 0
    )
    assert mail.outbox == []


def test_a_published_paper_goes_to_the_panel_and_both_governance_teams(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    quick_renders(monkeypatch)
    paper = draft_paper(world)
    publish(world, paper, django_capture_on_commit_callbacks)
    published = [
        m for m in mail.outbox if m.subject.startswith("Panel paper published")
    ]
    assert recipients(published) == GOVERNANCE | {"panel"}
    assert len(published) == 3
    message = published[0]
    assert "Version 1 of the panel paper" in message.body
    assert "Version 1 of the panel paper" in html_of(message)
    assert not recipients(mail.outbox) & (EVERYONE - GOVERNANCE - {"panel"})


def test_a_paper_on_a_meeting_goes_to_that_panels_members_only(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    quick_renders(monkeypatch)
    other_panel = PanelFactory(name="Another Joint Audit Committee")
    PanelMemberFactory(user=UserFactory(username="other-panel"), panel=other_panel)
    paper = draft_paper(world)
    joint = world.users["panel"].panel_member.panel
    paper.panel_meeting = Meeting.objects.create(panel=joint, date=paper.meeting_date)
    paper.save(update_fields=["panel_meeting"])
    publish(world, paper, django_capture_on_commit_callbacks)
    published = [
        m for m in mail.outbox if m.subject.startswith("Panel paper published")
    ]
    assert recipients(published) == GOVERNANCE | {"panel"}


def test_an_inactive_panel_member_is_not_sent_the_paper(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    quick_renders(monkeypatch)
    gone = UserFactory(username="former-panel", is_active=False)
    PanelMemberFactory(user=gone)
    paper = draft_paper(world)
    publish(world, paper, django_capture_on_commit_callbacks)
    assert "former-panel" not in recipients(mail.outbox)


# --- Alignment ---------------------------------------------------------------------


def propose(world, theme, capture):
    with capture(execute=True):
        return alignment_services.link_propose(
            proposer_risk=world.mopac_risk,
            partner_risk=world.mps_risk,
            theme=theme,
            relationship=Relationship.SHARED,
            rationale="Both turn on the budget.",
            user=world.users["mopac-governance"],
        )


def test_an_alignment_proposal_goes_to_the_partners_governance(
    world, theme, django_capture_on_commit_callbacks
):
    link = propose(world, theme, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert recipients([message]) == {"mps-governance"}
    assert message.subject == "MOPAC proposes aligning MPS-R01"
    assert "Both turn on the budget." in message.body
    assert "Both turn on the budget." in html_of(message)
    assert f"/alignment/{link.pk}/" in message.body


def test_an_agreed_alignment_goes_to_the_proposers_governance(
    world, theme, django_capture_on_commit_callbacks
):
    link = propose(world, theme, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        alignment_services.link_agree(
            link=link, user=world.users["mps-governance"], reason="Same concern"
        )
    (message,) = mail.outbox
    assert recipients([message]) == {"mopac-governance"}
    assert message.subject == "MPS agreed your alignment of MOPAC-R01"
    assert "Same concern" in message.body and "Same concern" in html_of(message)


def test_a_declined_alignment_goes_to_the_proposers_governance(
    world, theme, django_capture_on_commit_callbacks
):
    link = propose(world, theme, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        alignment_services.link_decline(
            link=link, user=world.users["mps-governance"], reason="Different causes"
        )
    (message,) = mail.outbox
    assert recipients([message]) == {"mopac-governance"}
    assert message.subject == "MPS declined your alignment of MOPAC-R01"
    assert "Different causes" in message.body


def test_an_opted_out_proposer_is_not_told_of_the_decision(
    world, theme, django_capture_on_commit_callbacks
):
    link = propose(world, theme, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    Preference.objects.create(
        user=world.users["mopac-governance"], kind=Kind.ALIGNMENT_AGREED, enabled=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        alignment_services.link_agree(link=link, user=world.users["mps-governance"])
    assert mail.outbox == []
