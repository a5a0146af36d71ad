"""load_demo: demo users, the two September 2019 registers and their dated history."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from risks import scoring
from risks.choices import ActionStatus, Direction, Marking, Role
from risks.models import Action, Membership, Organisation, PanelMember, Review, Risk

# pytest-django creates the test database only for tests that use it: these
# read what a module fixture wrote there, and may be selected alone (-k).
pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
LAST_2019_DAY = "2019-09-30"
AS_AT_Q2_END = datetime.datetime(2019, 9, 30, 23, 59, tzinfo=LONDON)
BEFORE_REGISTERS = datetime.datetime(2018, 12, 1, tzinfo=LONDON)
ORGANISATION_ROLES = {
    "mopac-governance": ("mopac", Role.GOVERNANCE),
    "mopac-owner": ("mopac", Role.RISK_OWNER),
    "mopac-reader": ("mopac", Role.READER),
    "met-governance": ("mps", Role.GOVERNANCE),
    "met-owner": ("mps", Role.RISK_OWNER),
    "met-reader": ("mps", Role.READER),
}
DEMO_USERNAMES = {*ORGANISATION_ROLES, "panel-member", "admin"}


def run_load_demo() -> str:
    """Load the 2019 demo alone (the carry-forward has tests of its own)."""
    out = io.StringIO()
    call_command("load_demo", "--until", LAST_2019_DAY, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def loaded_once(django_db_setup, django_db_blocker):
    """Load the demo once for a class of tests; roll it back after the class.

    Each test still runs in its own savepoint (the `db` fixture), so what one
    test writes (sessions, logins) never reaches the next.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        output = run_load_demo()
    yield output
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def demo(loaded_once, db) -> str:
    return loaded_once


def table_counts() -> dict[str, int]:
    """Count the rows of every table, m2m and historical ones included."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def sign_in(client, username: str, password: str) -> bool:
    """Sign in through the real form (works with login throttling backends too)."""
    response = client.post(
        reverse("login"), {"username": username, "password": password}
    )
    return response.status_code == 302


def history_models() -> list:
    return [
        model
        for model in apps.get_models()
        if any(field.name == "history_date" for field in model._meta.fields)
    ]


class TestLoadedDemo:
    """One load of the demo, read by every test of the class."""

    def test_creates_both_organisations(self, demo):
        assert "Loaded the demo" in demo
        mps = Organisation.objects.get(slug="mps")
        assert (mps.short_name, mps.name) == ("MPS", "Metropolitan Police Service")
        assert Organisation.objects.get(slug="mopac").short_name == "MOPAC"

    def test_creates_demo_users_with_roles_posts_and_role_mailboxes(self, demo):
        users = get_user_model().objects.filter(username__in=DEMO_USERNAMES)
        assert {u.username for u in users} == DEMO_USERNAMES
        for username, (slug, role) in ORGANISATION_ROLES.items():
            membership = Membership.objects.get(user__username=username)
            assert (membership.organisation.slug, membership.role) == (slug, role)
            assert membership.post_title
        panel = PanelMember.objects.get(user__username="panel-member")
        assert not Membership.objects.filter(user=panel.user).exists()
        admin = users.get(username="admin")
        assert admin.is_superuser and admin.is_staff
        assert not users.exclude(username="admin").filter(is_superuser=True).exists()
        # Role mailboxes on reserved domains only, never a real address.
        assert all(u.email.endswith((".example", ".invalid")) for u in users)

    def test_loads_at_least_three_paper_risks_per_organisation(self, demo):
        for slug in ("mopac", "mps"):
            risks = Risk.objects.filter(organisation__slug=slug)
            assert risks.count() >= 3
            for risk in risks:
                assert risk.controls.exists() and risk.actions.exists()
                assert risk.themes.exists()
                assert risk.reviews.count() == 3
        titles = set(Risk.objects.values_list("title", flat=True))
        assert (
            "Our efforts with partners and communities fails to sustainably reduce "
            "violent crime" in titles
        )
        assert any(title.startswith("Victims - failure to ensure") for title in titles)

    def test_quarters_q4_to_q2_for_each_organisation_earlier_ones_closed(self, demo):
        for organisation in Organisation.objects.filter(slug__in=["mopac", "mps"]):
            periods = {p.label: p for p in organisation.periods.all()}
            assert set(periods) == {"2018/19 Q4", "2019/20 Q1", "2019/20 Q2"}
            assert periods["2018/19 Q4"].is_closed and periods["2019/20 Q1"].is_closed

    def test_sensitive_risk_has_a_public_summary(self, demo):
        sensitive = Risk.objects.filter(marking=Marking.OFFICIAL_SENSITIVE)
        assert sensitive.exists()
        assert all(risk.public_summary.strip() for risk in sensitive)

    def test_actions_include_completed_ones_and_one_overdue_at_quarter_end(self, demo):
        actions = list(Action.objects.all())
        assert any(a.status == ActionStatus.COMPLETE for a in actions)
        overdue = [a for a in actions if a.is_overdue(datetime.date(2019, 9, 30))]
        assert len(overdue) == 1

    def test_register_as_at_30_september_2019_shows_q2_scores(self, demo):
        q2_scores = {
            review.risk.reference: (review.likelihood, review.impact)
            for review in Review.objects.filter(period__label="2019/20 Q2")
        }
        as_at = {
            risk.reference: (risk.current_likelihood, risk.current_impact)
            for risk in Risk.history.as_of(AS_AT_Q2_END)
        }
        assert len(as_at) >= 6
        assert as_at == q2_scores
        assert list(Risk.history.as_of(BEFORE_REGISTERS)) == []

    def test_history_is_dated_2019_and_attributed_to_demo_users(self, demo):
        demo_ids = set(
            get_user_model()
            .objects.filter(username__in=DEMO_USERNAMES)
            .values_list("pk", flat=True)
        )
        recorded = 0
        for model in history_models():
            for user_id, when in model.objects.values_list(
                "history_user_id", "history_date"
            ):
                assert user_id in demo_ids, model
                assert when.astimezone(LONDON).year == 2019, model
                recorded += 1
        assert recorded > 100
        creators = Risk.history.filter(history_type="+").values_list(
            "history_user__username", flat=True
        )
        assert set(creators) == {"mopac-governance", "met-governance"}
        owner_reviews = Review.history.filter(history_user__username="mopac-owner")
        assert owner_reviews.exists()

    def test_directions_of_travel_move_both_ways(self, demo):
        scores = {
            (review.risk_id, review.period.label): review.score
            for review in Review.objects.select_related("period")
        }
        directions = {
            scoring.direction_of_travel(
                scores[risk_id, "2019/20 Q1"], scores[risk_id, "2019/20 Q2"]
            )
            for risk_id in Risk.objects.values_list("pk", flat=True)
        }
        assert {
            Direction.INCREASING,
            Direction.DECREASING,
            Direction.STABLE,
        } <= directions

    def test_every_demo_user_signs_in_with_the_default_password(self, demo, client):
        for username in sorted(DEMO_USERNAMES):
            assert sign_in(client, username, "riskregister-demo"), username
            page = client.get("/")
            assert page.status_code == 200
            assert username in page.content.decode()
            client.logout()


def test_second_run_changes_no_table(db):
    run_load_demo()
    before = table_counts()
    output = run_load_demo()
    assert "Demo data already loaded" in output
    assert table_counts() == before


def test_password_comes_from_demo_password(db, client, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-password")
    run_load_demo()
    assert sign_in(client, "met-reader", "another-demo-password")
    client.logout()
    # A second run with a new password resets it.
    monkeypatch.setenv("DEMO_PASSWORD", "third-demo-password")
    run_load_demo()
    assert not sign_in(client, "met-reader", "another-demo-password")
    assert sign_in(client, "met-reader", "third-demo-password")


def test_refuses_under_production_settings(db, settings):
    settings.SETTINGS_MODULE = "riskregister.settings.prod"
    with pytest.raises(CommandError, match="production settings"):
        run_load_demo()
    assert not get_user_model().objects.filter(username="admin").exists()
    assert not Organisation.objects.exists()
