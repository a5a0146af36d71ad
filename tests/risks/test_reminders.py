"""send_reminders: one digest a day to each owner with something due."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import CommandError, call_command
from django.urls import reverse

from risks.choices import Role
from risks.models import ReminderLog
from risks.services import _grant_change

from ..factories import (
    ActionFactory,
    MembershipFactory,
    ReportingPeriodFactory,
    ReviewFactory,
    RiskFactory,
    UserFactory,
)

D = datetime.date
SITE = "https://risks.example.org"


def member(world, name: str, *, role=Role.RISK_OWNER, post="Director of Finance", **kw):
    user = UserFactory(username=name, **kw)
    MembershipFactory(user=user, organisation=world.mopac, role=role, post_title=post)
    return user


def owned(org, reference: str, owner, **fields):
    risk = RiskFactory(organisation=org, reference=reference, owner=owner, **fields)
    _grant_change(risk, owner, by=None, reason="Risk owner assigned", at=None)
    return risk


@pytest.fixture
def reminders(world, settings):
    """Two organisations mid-quarter: some reviews done, some due, a late action."""
    settings.SITE_URL = SITE + "/"
    users = world.users
    q2 = ReportingPeriodFactory(organisation=world.mopac, label="2019/20 Q2")
    mps_q2 = ReportingPeriodFactory(organisation=world.mps, label="2019/20 Q2")
    ReportingPeriodFactory(  # closed: nothing is asked for it
        organisation=world.mopac,
        label="2019/20 Q1",
        start=D(2019, 4, 1),
        end=D(2019, 6, 30),
        is_closed=True,
    )
    reviewed = owned(world.mopac, "MOPAC-R02", users["mopac-owner"])
    ReviewFactory(risk=reviewed, period=q2)
    delegated = owned(world.mopac, "MOPAC-R03", users["mopac-governance"])
    deputy = member(world, "mopac-deputy")
    _grant_change(delegated, deputy, by=None, reason="Delegate added", at=None)
    ReviewFactory(risk=world.mps_risk, period=mps_q2)
    ActionFactory(
        risk=world.mps_risk,
        description="Refresh the engagement plan",
        owner_post="Head of Engagement",
        due_date=D(2019, 9, 1),
    )
    ActionFactory(risk=world.mps_risk, due_date=D(2019, 9, 1), status="complete")
    # Nobody else should hear from us:
    idle = member(world, "mopac-idle")
    ReviewFactory(risk=owned(world.mopac, "MOPAC-R04", idle), period=q2)
    gone = member(world, "mopac-gone", is_active=False)
    owned(world.mopac, "MOPAC-R05", gone)
    closed_owner = member(world, "mopac-closed")
    owned(
        world.mopac,
        "MOPAC-R06",
        closed_owner,
        status="closed",
        closed_on=D(2019, 8, 1),
    )
    return q2


def run(*args: str) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def by_recipient() -> dict[str, EmailMultiAlternatives]:
    return {message.to[0]: message for message in mail.outbox}


def html_part(message: EmailMultiAlternatives) -> str:
    (alternative,) = message.alternatives
    assert alternative.mimetype == "text/html"
    return alternative.content


def test_digests_go_to_owners_and_delegates_with_something_due(world, reminders):
    output = run("--date", "2019-09-15")
    assert sorted(by_recipient()) == [
        "mopac-deputy@example.invalid",
        "mopac-governance@example.invalid",
        "mopac-owner@example.invalid",
        "mps-owner@example.invalid",
    ]
    # mopac-idle (all reviewed) is skipped; the inactive owner and the owner of
    # a closed risk are not even considered.
    assert output.strip().endswith("Sent 4 digests, skipped 1")
    assert ReminderLog.objects.filter(sent_on=D(2019, 9, 15)).count() == 4


def test_digest_content_in_text_and_html(world, reminders):
    run("--date", "2019-09-15")
    messages = by_recipient()

    owner = messages["mopac-owner@example.invalid"]
    assert owner.subject == "Risk register reminder: 1 review to record"
    review_link = SITE + reverse("risks:review_create", args=[world.mopac_risk.pk])
    for body in (owner.body, html_part(owner)):
        assert "Dear Director of Strategy," in body
        assert "15 September 2019" in body
        assert "MOPAC 2019/20 Q2 (1 July 2019 to 30 September 2019)" in body
        assert "MOPAC-R01" in body
        assert "(due)" in body or "<strong>due</strong>" in body
        assert review_link in body
        assert "MOPAC-R02" not in body  # already reviewed
        assert "2019/20 Q1" not in body  # closed
        assert "Overdue actions" not in body and "OVERDUE ACTIONS" not in body
    assert "<html" in html_part(owner) and "<html" not in owner.body

    mps = messages["mps-owner@example.invalid"]
    assert mps.subject == "Risk register reminder: 1 overdue action"
    action = world.mps_risk.actions.get(description="Refresh the engagement plan")
    action_link = SITE + reverse("risks:action_update", args=[action.pk])
    for body in (mps.body, html_part(mps)):
        assert "Dear Director of Strategy," in body
        assert "MPS-R01: Refresh the engagement plan" in body
        assert "Owner: Head of Engagement. Due 1 September 2019" in body
        assert "14 days overdue" in body
        assert action_link in body
        assert "2019/20 Q2" not in body  # its review is done

    deputy = messages["mopac-deputy@example.invalid"]
    assert "Dear Director of Finance," in deputy.body
    assert "MOPAC-R03" in deputy.body and "MOPAC-R01" not in deputy.body


def test_after_the_period_ends_reviews_are_overdue(world, reminders):
    run("--date", "2019-10-05")
    owner = by_recipient()["mopac-owner@example.invalid"]
    assert "MOPAC-R01" in owner.body
    assert "(overdue)" in owner.body


def test_never_twice_a_day_but_again_the_next_day(world, reminders):
    run("--date", "2019-09-15")
    assert len(mail.outbox) == 4
    output = run("--date", "2019-09-15")
    assert len(mail.outbox) == 4
    assert output.strip() == "Sent 0 digests, skipped 5"

    run("--date", "2019-09-16")
    assert len(mail.outbox) == 8
    assert ReminderLog.objects.count() == 8


def test_dry_run_sends_and_records_nothing(world, reminders):
    output = run("--date", "2019-09-15", "--dry-run")
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()
    assert "Would send to mopac-owner: 1 review, 0 overdue actions" in output
    assert "Would send to mps-owner: 0 reviews, 1 overdue action" in output
    assert output.strip().endswith("Dry run: would send 4 digests, skipped 1")
    # A real run afterwards still sends.
    run("--date", "2019-09-15")
    assert len(mail.outbox) == 4


def test_verbose_run_names_who_was_skipped_and_why(world, reminders):
    output = run("--date", "2019-09-15", "--verbosity", "2")
    assert "Sent to mopac-owner: 1 review, 0 overdue actions" in output
    assert "Skipped mopac-idle: nothing due" in output
    assert "mopac-gone" not in output and "mopac-closed" not in output


def test_owner_without_email_is_skipped(world, reminders):
    world.users["mopac-owner"].email = ""
    world.users["mopac-owner"].save()
    output = run("--date", "2019-09-15", "--verbosity", "2")
    assert "Skipped mopac-owner: no email address" in output
    assert len(mail.outbox) == 3


def test_failed_send_is_not_recorded_and_is_retried(world, reminders, monkeypatch):
    real_send = EmailMultiAlternatives.send

    def flaky(message, *args, **kwargs):
        if message.to == ["mps-owner@example.invalid"]:
            raise OSError("SMTP server unavailable")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    with pytest.raises(CommandError, match="Could not send 1 digest"):
        run("--date", "2019-09-15")
    assert len(mail.outbox) == 3
    assert not ReminderLog.objects.filter(user=world.users["mps-owner"]).exists()

    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    assert run("--date", "2019-09-15").strip() == "Sent 1 digest, skipped 4"
    assert mail.outbox[-1].to == ["mps-owner@example.invalid"]


def test_bad_date_is_a_clear_error(db):
    with pytest.raises(CommandError, match="--date must be YYYY-MM-DD"):
        run("--date", "15/09/2019")


def test_nothing_due_sends_nothing(world):
    assert run("--date", "2019-09-15").strip() == "Sent 0 digests, skipped 2"
    assert mail.outbox == []
