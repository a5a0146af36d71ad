"""load_demo carries the 2019 registers forward to the quarter holding the load date.

The carried-forward demo is loaded once for the class at a fixed date, so that
nothing here depends on the calendar; "today" is that date wherever a page
asks for it.
"""

import copy
import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from alignment.models import AlignmentLink, JointAction, LinkStatus
from reports import rendering
from reports.demo import MEETING_DATE, TITLE
from reports.demo_forward import demo_organisations, next_meeting, read_snapshot
from reports.demo_forward_plan import (
    CONTROL_REASONS,
    MOST_DAYS_KEPT_LATE,
    plan_carry_forward,
)
from reports.generator_topics import COMMENTARIES
from reports.models import PanelPaper
from risks import cycle, services
from risks.choices import ActionStatus, RiskStatus
from risks.cycle import quarter_of
from risks.models import (
    Action,
    Control,
    Organisation,
    ReportingPeriod,
    Review,
    Risk,
)

from ..risks.test_load_demo import history_models, sign_in, table_counts

# pytest-django creates the test database only for tests that use it: these
# read what a module fixture wrote there, and may be selected alone (-k).
pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
LOAD_DAY = datetime.date(2026, 12, 4)
CUT = datetime.datetime(2026, 12, 4, tzinfo=LONDON)
DEMO_USERNAMES = {
    "admin",
    "mopac-governance",
    "mopac-owner",
    "mopac-reader",
    "met-governance",
    "met-owner",
    "met-reader",
    "panel-member",
}
ROLES = sorted(DEMO_USERNAMES - {"admin"})


def run_load_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def carried_once(django_db_setup, django_db_blocker):
    """Load the demo carried to LOAD_DAY once for the class; roll it back after."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        output = run_load_demo("--until", LOAD_DAY.isoformat())
    yield output
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def carried(carried_once, db) -> str:
    return carried_once


@pytest.fixture
def on_load_day(monkeypatch):
    """Make the pages' "today" the load day (dates passed in are left alone)."""
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return LOAD_DAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


def days_overdue(page: str) -> list[int]:
    return [int(n) for n in re.findall(r"(\d+) days? overdue", page)]


class TestCarriedForward:
    """One load carried to 4 December 2026, read by every test of the class."""

    def test_reports_what_it_carried(self, carried):
        assert "Carried the registers forward to 2026/27 Q3" in carried
        assert "as on 4 December 2026" in carried

    def test_current_period_is_the_quarter_of_the_load_day_and_open(self, carried):
        quarter = quarter_of(LOAD_DAY)
        for organisation in Organisation.objects.all():
            periods = list(organisation.periods.order_by("start"))
            current = periods[-1]
            assert (current.label, current.start, current.end) == (
                quarter.label,
                quarter.start,
                quarter.end,
            )
            assert not current.is_closed
            assert all(p.is_closed and p.closed_at for p in periods[:-1])
            # One period a quarter, back to back, from January 2019.
            assert periods[0].start == datetime.date(2019, 1, 1)
            for before, after in zip(periods, periods[1:], strict=False):
                assert after.start == before.end + datetime.timedelta(days=1)
                # Closed after its quarter ended, by the governance officer.
                assert before.closed_at.date() > before.end
                assert before.closed_by.membership.role == "governance"

    def test_every_closed_period_reviewed_every_risk_open_at_its_close(self, carried):
        closed = ReportingPeriod.objects.filter(
            is_closed=True, start__gte=datetime.date(2019, 10, 1)
        )
        assert closed.count() >= 2 * 28
        for period in closed.select_related("organisation"):
            open_then = {
                r.pk
                for r in Risk.history.as_of(period.closed_at)
                if r.organisation_id == period.organisation_id
                and r.status == RiskStatus.OPEN
            }
            reviewed = set(period.reviews.values_list("risk_id", flat=True))
            assert open_then <= reviewed, period.label

    def test_the_current_quarter_is_part_way_through(
        self, carried, client, on_load_day
    ):
        period = ReportingPeriod.objects.get(
            organisation__slug="mopac", label=quarter_of(LOAD_DAY).label
        )
        open_risks = Risk.objects.filter(
            organisation__slug="mopac", status=RiskStatus.OPEN
        ).count()
        reviewed = period.reviews.count()
        assert 0 < reviewed < open_risks
        assert sign_in(client, "mopac-governance", "riskregister-demo")
        page = client.get(reverse("risks:period_detail", args=[period.pk]))
        assert page.status_code == 200
        text = page.content.decode()
        assert period.label in text
        assert "Due" in text and "Reviewed" in text

    def test_scores_move_by_at_most_one_step_a_quarter(self, carried):
        moves = set()
        for risk in Risk.objects.all():
            reviews = list(risk.reviews.order_by("period__start"))
            for before, after in zip(reviews, reviews[1:], strict=False):
                step = abs(after.likelihood - before.likelihood) + abs(
                    after.impact - before.impact
                )
                if before.period.start >= datetime.date(2019, 7, 1):
                    assert step <= 1, risk.reference
                    # The commentary says which way the score went.
                    trend = (
                        "up"
                        if after.score > before.score
                        else "down"
                        if after.score < before.score
                        else "same"
                    )
                    opening = COMMENTARIES[trend].split(":")[0]
                    assert after.commentary.startswith(opening), risk.reference
                moves.add((after.score > before.score) - (after.score < before.score))
            if risk.status == RiskStatus.OPEN:
                latest = reviews[-1]
                assert (risk.current_likelihood, risk.current_impact) == (
                    latest.likelihood,
                    latest.impact,
                )
        assert moves == {-1, 0, 1}

    def test_risks_close_and_new_ones_arrive_every_year(self, carried):
        for slug in ("mopac", "mps"):
            risks = Risk.objects.filter(organisation__slug=slug)
            created = {
                h.history_date.astimezone(LONDON).year
                for h in Risk.history.filter(history_type="+", organisation__slug=slug)
            }
            assert set(range(2020, 2027)) <= created, slug
            closed = risks.filter(status=RiskStatus.CLOSED)
            assert closed.count() >= 2
            assert all(r.closed_on for r in closed)
            assert 5 <= risks.filter(status=RiskStatus.OPEN).count() <= 25
            # The 2019 references are kept; new ones follow on.
            references = set(risks.values_list("reference", flat=True))
            assert f"{slug.upper()}-R01" in references

    def test_actions_complete_slip_and_are_added(self, carried):
        statuses = set(Action.objects.values_list("status", flat=True))
        assert {ActionStatus.COMPLETE, ActionStatus.ON_TRACK} <= statuses
        slipped = Action.history.filter(history_change_reason="Due date slipped")
        assert slipped.exists()
        assert Action.objects.filter(revised_due_date__isnull=False).exists()
        added_since_2019 = Action.history.filter(
            history_type="+",
            history_date__gte=datetime.datetime(2020, 1, 1, tzinfo=LONDON),
        )
        assert added_since_2019.count() > 20
        # Every action of the 2019 registers has been finished since.
        for action in Action.objects.filter(due_date__lt=datetime.date(2020, 6, 1)):
            assert action.status in {ActionStatus.COMPLETE, ActionStatus.CANCELLED}

    def test_controls_are_reassessed_and_added(self, carried):
        since_2019 = Control.history.filter(
            history_date__gte=datetime.datetime(2019, 10, 1, tzinfo=LONDON)
        )
        reasons = set(since_2019.values_list("history_change_reason", flat=True))
        assert set(CONTROL_REASONS.values()) <= reasons
        added = since_2019.filter(history_type="+")
        assert added.count() > 20
        # Controls are added to the 2019 risks too, not only with new ones.
        risks_2019 = Risk.history.filter(
            history_type="+",
            history_date__lt=datetime.datetime(2019, 10, 1, tzinfo=LONDON),
        ).values("id")
        assert added.filter(risk_id__in=risks_2019).exists()

    def test_no_open_action_is_more_than_120_days_overdue(self, carried):
        for action in Action.objects.filter(risk__status=RiskStatus.OPEN):
            if action.is_overdue(LOAD_DAY):
                assert (LOAD_DAY - action.effective_due_date).days <= 120
        for action in JointAction.objects.all():
            if action.is_overdue(LOAD_DAY):
                assert (LOAD_DAY - action.effective_due_date).days <= 120

    def test_links_are_agreed_over_time_and_one_ends(self, carried):
        links = AlignmentLink.objects.all()
        assert links.filter(status=LinkStatus.ENDED).exists()
        assert links.filter(status=LinkStatus.AGREED).count() > 4
        agreed_years = {
            h.history_date.astimezone(LONDON).year
            for h in AlignmentLink.history.filter(status=LinkStatus.AGREED)
        }
        assert len(agreed_years) >= 4
        # No agreed link is left on a closed risk.
        for link in links.filter(status=LinkStatus.AGREED):
            assert link.proposer_risk.status == RiskStatus.OPEN
            assert link.partner_risk.status == RiskStatus.OPEN

    def test_a_draft_paper_for_the_next_meeting(self, carried):
        paper = PanelPaper.objects.exclude(meeting_date=MEETING_DATE).get()
        assert paper.title == TITLE
        assert paper.meeting_date == next_meeting(LOAD_DAY) > LOAD_DAY
        assert paper.meeting_date.weekday() == 2  # a Wednesday
        last_closed = (
            ReportingPeriod.objects.filter(organisation__slug="mopac", is_closed=True)
            .order_by("-end")
            .first()
        )
        assert (paper.period_label, paper.period_end) == (
            last_closed.label,
            last_closed.end,
        )
        assert paper.themes.exists() and paper.sections.count() >= 5
        assert (
            PanelPaper.history.filter(id=paper.pk).latest("history_date").history_date
            < CUT
        )
        html = rendering.render_html(paper)
        assert last_closed.label in html

    def test_history_is_dated_before_the_load_day_by_demo_users(self, carried):
        demo_ids = set(
            get_user_model()
            .objects.filter(username__in=DEMO_USERNAMES)
            .values_list("pk", flat=True)
        )
        years = set()
        for model in history_models():
            for user_id, when in model.objects.values_list(
                "history_user_id", "history_date"
            ):
                assert user_id in demo_ids, model
                assert when < CUT, model
                years.add(when.astimezone(LONDON).year)
        assert years == set(range(2019, 2027))
        reviewers = set(
            Review.history.filter(history_date__year=2025).values_list(
                "history_user__username", flat=True
            )
        )
        assert {"mopac-owner", "met-owner"} <= reviewers

    def test_mopac_owner_home_page_on_the_load_day(self, carried, client, on_load_day):
        """The reviews due this quarter and an action or two weeks late, no more."""
        owner = get_user_model().objects.get(username="mopac-owner")
        todo = cycle.todo_for(owner, LOAD_DAY)
        assert sign_in(client, "mopac-owner", "riskregister-demo")
        page = client.get("/").content.decode()
        label = quarter_of(LOAD_DAY).label
        assert f"Reviews to record ({len(todo.reviews)})" in page
        for item in todo.reviews:
            assert (
                f'<span class="govuk-visually-hidden"> of {item.risk.reference} '
                f"for {label}</span>"
            ) in page
        late = days_overdue(page)
        assert late == [item.days_overdue for item in todo.actions]
        assert 1 <= len(late) <= 3
        assert all(0 < days <= MOST_DAYS_KEPT_LATE + 1 for days in late)
        assert "Review overdue" not in page

    def test_pages_read_the_carried_forward_registers(
        self, carried, client, on_load_day
    ):
        risk = Risk.objects.filter(
            organisation__slug="mopac", status=RiskStatus.OPEN
        ).last()
        paper = PanelPaper.objects.exclude(meeting_date=MEETING_DATE).get()
        assert sign_in(client, "mopac-governance", "riskregister-demo")
        for url in (
            "/risks/?organisation=mopac",
            "/risks/?organisation=mopac&as_at=2023-06-30",
            risk.get_absolute_url(),
            reverse("risks:history", args=[risk.pk]),
            reverse("risks:periods"),
            "/alignment/",
            f"/reports/{paper.pk}/",
            f"/reports/register/mopac/?period={paper.period_label}",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
        assert (
            risk.reference in client.get("/risks/?organisation=mopac").content.decode()
        )

    @pytest.mark.parametrize("username", ROLES)
    def test_every_role_has_a_normal_quarter(
        self, carried, client, on_load_day, username
    ):
        user = get_user_model().objects.get(username=username)
        todo = cycle.todo_for(user, LOAD_DAY)
        if username.endswith("-owner"):
            assert 1 <= len(todo.reviews) <= 8
            assert {item.period.label for item in todo.reviews} == {
                quarter_of(LOAD_DAY).label
            }
            assert 1 <= len(todo.actions) <= 3
        else:
            # Governance officers, readers and the panel member own no risks.
            assert (todo.reviews, todo.actions) == ([], [])
        assert all(item.days_overdue <= 120 for item in todo.actions)
        assert sign_in(client, username, "riskregister-demo")
        assert client.get("/").status_code == 200


def test_2019_register_as_at_and_paper_are_unchanged_by_the_carry_forward(db, client):
    """Load 2019 alone, read it, carry it forward in place, read it again."""
    run_load_demo("--until", "2019-09-30")
    assert (
        ReportingPeriod.objects.filter(start__gte=datetime.date(2019, 10, 1)).count()
        == 0
    )
    paper = PanelPaper.objects.get(meeting_date=MEETING_DATE)
    url = "/risks/?organisation=mopac&as_at=2019-09-30"

    def register_page() -> str:
        assert sign_in(client, "mopac-governance", "riskregister-demo")
        text = client.get(url).content.decode()
        client.logout()
        # Per-request tokens are not content.
        return re.sub(r'(nonce|value)="[^"]{20,}"', r'\1=""', text)

    def paper_pdfs() -> dict[str, bytes]:
        return {e: rendering.render_pdf(paper, edition=e) for e in rendering.EDITIONS}

    register_2019, paper_2019 = register_page(), paper_pdfs()
    text = PdfReader(io.BytesIO(paper_2019["full"])).pages[0].extract_text()
    assert "Alignment of MOPAC and Met Risks" in text
    assert "MOPAC-R01" in register_2019
    output = run_load_demo("--until", LOAD_DAY.isoformat())
    assert "Carried the registers forward to 2026/27 Q3" in output
    assert Risk.objects.filter(organisation__slug="mopac").count() > 10
    assert register_page() == register_2019
    # The same bytes, edition by edition.
    assert paper_pdfs() == paper_2019


def table_rows() -> dict[str, list[tuple]]:
    """Every row of every table, but the demo users' password hashes."""
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if not (model is get_user_model() and f.name in {"password", "last_login"})
        ]
        rows[model._meta.label] = list(
            model._base_manager.order_by("pk").values_list(*names)
        )
    return rows


def test_second_run_changes_no_table(db):
    run_load_demo("--until", LOAD_DAY.isoformat())
    before = table_counts()
    rows = table_rows()
    output = run_load_demo("--until", LOAD_DAY.isoformat())
    assert "carried forward to 2026/27 Q3 before; nothing added" in output
    assert table_counts() == before
    # Not a row added, and not a value changed (the password is reset, to the
    # same password with a fresh salt).
    assert table_rows() == rows


def test_a_demo_carried_before_stays_at_its_quarter_and_says_so(db):
    run_load_demo("--until", "2026-06-30")
    before = table_counts()
    output = run_load_demo("--until", LOAD_DAY.isoformat())
    assert "carried forward to 2026/27 Q1 before; nothing added" in output
    assert "The quarter is now 2026/27 Q3" in output
    assert table_counts() == before


def test_registers_changed_by_hand_are_left_alone(db):
    run_load_demo("--until", "2019-09-30")
    governance = get_user_model().objects.get(username="mopac-governance")
    q2 = ReportingPeriod.objects.get(organisation__slug="mopac", label="2019/20 Q2")
    services.period_close(period=q2, user=governance)
    before = table_counts()
    output = run_load_demo("--until", LOAD_DAY.isoformat())
    assert "The registers were not carried forward: MOPAC's open quarter" in output
    assert table_counts() == before


def test_the_same_day_plans_the_same_history_and_later_days_only_add(db):
    """Plans are compared in memory, from the 2019 registers."""
    run_load_demo("--until", "2019-09-30")

    def versions(until: datetime.date) -> list[tuple]:
        """Every planned change, each starting with its date."""
        plan = plan_carry_forward(read_snapshot(demo_organisations()), until, LONDON)
        items = [(r.reference, r.item) for r in plan.risks]
        items += [
            (f"{r.reference} {kind}", child.item)
            for r in plan.risks
            for kind, children in (("control", r.controls), ("action", r.actions))
            for child in children
        ]
        items += [(p.org + p.label, p.item) for p in plan.periods]
        items += [(link.proposer + link.partner, link.item) for link in plan.links]
        items += [
            (f"{link.proposer}{link.partner} joint action", child.item)
            for link in plan.links
            for child in link.joint_actions
        ]
        rows = [
            (v.at, name, v.user, v.reason, sorted(v.fields.items(), key=str))
            for name, item in items
            for v in item.versions
        ]
        rows += [
            (r.version.at, r.reference, r.period, r.likelihood, r.impact, r.commentary)
            for r in plan.reviews
        ]
        return sorted(rows, key=str)

    later = versions(LOAD_DAY)
    assert later == versions(LOAD_DAY)
    # Days late in a quarter and early in one, when actions kept late for the
    # owners run on from the quarter before.
    for day in (
        datetime.date(2021, 1, 15),
        datetime.date(2024, 10, 3),
        datetime.date(2025, 5, 20),
    ):
        cut = datetime.datetime.combine(day, datetime.time(0), tzinfo=LONDON)
        earlier = versions(day)
        assert earlier and all(row[0] < cut for row in earlier)
        # History before a day is the same whichever later day the demo is
        # loaded on.
        assert [row for row in later if row[0] < cut] == earlier, day


def test_on_any_day_few_actions_are_overdue_and_none_for_long(db):
    """Plan the demo for every 29th day since 2019 (in memory, no writes).

    From November 2019 each demo risk owner has one to three actions overdue,
    by days or weeks, whatever day the demo is loaded.
    """
    run_load_demo("--until", "2019-09-30")
    snapshot = read_snapshot(demo_organisations())
    owners = {slug: username for slug, (username, _) in snapshot.owners.items()}
    day = datetime.date(2019, 10, 2)
    while day <= LOAD_DAY:
        plan = plan_carry_forward(copy.deepcopy(snapshot), day, LONDON)
        late = [
            (risk.owner == owners[risk.org] and risk.org, days)
            for risk in plan.risks
            if risk.item.fields["status"] == RiskStatus.OPEN
            for a in (child.item for child in risk.actions)
            if a.fields["status"] not in {ActionStatus.COMPLETE, ActionStatus.CANCELLED}
            and (
                days := (
                    day - (a.fields["revised_due_date"] or a.fields["due_date"])
                ).days
            )
            > 0
        ]
        assert len(late) <= 6, day
        assert max((days for _, days in late), default=0) <= 60, day
        if day >= datetime.date(2019, 11, 1):
            for slug in owners:
                owned = [days for org, days in late if org == slug]
                assert 1 <= len(owned) <= 3, (day, slug)
                assert max(owned) <= MOST_DAYS_KEPT_LATE + 1, (day, slug)
        open_periods = {p.label for p in plan.periods if not p.item.fields["is_closed"]}
        assert quarter_of(day).label in open_periods and len(open_periods) <= 2, day
        day += datetime.timedelta(days=29)


def test_default_carries_to_the_quarter_holding_today(db):
    run_load_demo()
    quarter = quarter_of(timezone.localdate())
    for organisation in Organisation.objects.all():
        current = organisation.periods.order_by("-start").first()
        assert (current.label, current.is_closed) == (quarter.label, False)


@pytest.mark.parametrize(
    ("until", "meeting"),
    [
        ("2026-10-14", "2026-11-04"),  # three weeks on is a Wednesday
        ("2026-11-20", "2026-12-16"),
        ("2026-12-01", "2027-01-06"),  # not between Christmas and New Year
        ("2026-12-04", "2027-01-06"),
        ("2026-12-12", "2027-01-06"),
        ("2026-12-13", "2027-01-06"),
        ("2027-01-05", "2027-01-27"),
    ],
)
def test_the_next_meeting_is_a_wednesday_three_weeks_ahead(until, meeting):
    assert next_meeting(datetime.date.fromisoformat(until)) == (
        datetime.date.fromisoformat(meeting)
    )


@pytest.mark.parametrize(
    ("until", "message"),
    [
        ("4/12/2026", "YYYY-MM-DD"),
        ("2019-09-29", "on or after 2019-09-30"),
        ("2999-01-01", "cannot be later than today"),
    ],
)
def test_bad_until_is_refused_before_anything_is_written(db, until, message):
    with pytest.raises(CommandError, match=message):
        run_load_demo("--until", until)
    assert not Risk.objects.exists()
    assert not get_user_model().objects.filter(username="mopac-owner").exists()
