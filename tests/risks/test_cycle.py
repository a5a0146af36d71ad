"""The quarterly cycle: review status, opening and closing periods, owners' to-do."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from risks import cycle, services
from risks.cycle import ReviewStatus, quarter_of, review_status
from risks.models import ReportingPeriod, Review
from risks.services import _grant_change

from ..factories import (
    ActionFactory,
    ReportingPeriodFactory,
    ReviewFactory,
    RiskFactory,
)

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
D = datetime.date


def owned(world, reference: str, *, org="mopac", owner="owner", **fields):
    """Create an open risk owned (with the edit grant) by one of the world's users."""
    user = world.users[f"{org}-{owner}"]
    fields.setdefault("next_review_date", TODAY + 30 * DAY)
    risk = RiskFactory(
        organisation=getattr(world, org), reference=reference, owner=user, **fields
    )
    _grant_change(risk, user, by=None, reason="Risk owner assigned", at=None)
    return risk


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- Review status (pure) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("reviewed", "period_end", "next_review", "expected"),
    [
        (True, D(2019, 9, 30), D(2019, 1, 1), ReviewStatus.REVIEWED),
        (False, D(2019, 9, 30), None, ReviewStatus.DUE),
        (False, D(2019, 9, 30), D(2019, 9, 15), ReviewStatus.DUE),  # due today
        (False, D(2019, 9, 30), D(2019, 9, 14), ReviewStatus.OVERDUE),
        (False, D(2019, 9, 15), D(2019, 12, 31), ReviewStatus.DUE),  # last day
        (False, D(2019, 9, 14), D(2019, 12, 31), ReviewStatus.OVERDUE),
    ],
)
def test_review_status(reviewed, period_end, next_review, expected):
    status = review_status(
        reviewed=reviewed,
        period_end=period_end,
        next_review_date=next_review,
        today=D(2019, 9, 15),
    )
    assert status == expected


@pytest.mark.parametrize(
    ("day", "label", "start", "end"),
    [
        (D(2019, 4, 1), "2019/20 Q1", D(2019, 4, 1), D(2019, 6, 30)),
        (D(2019, 8, 15), "2019/20 Q2", D(2019, 7, 1), D(2019, 9, 30)),
        (D(2019, 12, 31), "2019/20 Q3", D(2019, 10, 1), D(2019, 12, 31)),
        (D(2020, 2, 29), "2019/20 Q4", D(2020, 1, 1), D(2020, 3, 31)),
        (D(2099, 3, 31), "2098/99 Q4", D(2099, 1, 1), D(2099, 3, 31)),
        (D(2099, 4, 1), "2099/00 Q1", D(2099, 4, 1), D(2099, 6, 30)),
    ],
)
def test_quarter_of_follows_the_financial_year(day, label, start, end):
    assert quarter_of(day) == cycle.Quarter(label, start, end)


def test_next_quarter_follows_the_latest_period(world):
    assert cycle.next_quarter(world.mopac, D(2019, 8, 1)).label == "2019/20 Q2"
    ReportingPeriodFactory(organisation=world.mopac)  # 2019/20 Q2
    assert cycle.next_quarter(world.mopac, D(2019, 8, 1)) == cycle.Quarter(
        "2019/20 Q3", D(2019, 10, 1), D(2019, 12, 31)
    )


# --- The flag hook ----------------------------------------------------------------


def test_flag_sources_are_merged_and_alignment_registers_one(world):
    from alignment.cycle import risk_drift_flags

    assert risk_drift_flags in cycle._flag_sources

    def fake(ids, today):
        return {pk: [f"Fake {today:%Y}"] for pk in ids}

    cycle.register_flag_source(fake)
    cycle.register_flag_source(fake)  # registering twice changes nothing
    try:
        flags = cycle.flags_for([world.mopac_risk.pk], D(2019, 1, 1))
    finally:
        cycle._flag_sources.remove(fake)
    assert flags == {world.mopac_risk.pk: ["Fake 2019"]}
    assert cycle.flags_for([], D(2019, 1, 1)) == {}


# --- Closing a period and freezing its reviews --------------------------------------


@pytest.fixture
def period(world):
    return ReportingPeriodFactory(
        organisation=world.mopac,
        label="Current quarter",
        start=TODAY - 30 * DAY,
        end=TODAY + 30 * DAY,
    )


def test_period_closes_once_reviewed_and_its_reviews_are_frozen(client, world, period):
    second = owned(world, "MOPAC-R02")
    client.force_login(world.users["mopac-governance"])
    dashboard = reverse("risks:period_detail", args=[period.pk])
    close = reverse("risks:period_close", args=[period.pk])
    assert f'action="{close}"' in client.get(dashboard).content.decode()
    assert client.post(close).status_code == 200  # refused: nothing reviewed

    # The owner reviews one risk through the review form; governance records
    # "no change" for the other from the dashboard.
    client.force_login(world.users["mopac-owner"])
    review_url = reverse("risks:review_create", args=[world.mopac_risk.pk])
    data = {"period": period.pk, "likelihood": 2, "impact": 4, "commentary": "Better"}
    assert client.post(review_url, data).status_code == 302
    client.force_login(world.users["mopac-governance"])
    client.post(reverse("risks:period_no_change", args=[period.pk, second.pk]))
    assert Review.objects.filter(period=period).count() == 2

    response = client.post(close)
    assert response.status_code == 302
    period.refresh_from_db()
    assert period.is_closed
    html = client.get(dashboard).content.decode()
    assert "Closed" in html and "its reviews are frozen" in html
    assert "Record no change" not in html and f'action="{close}"' not in html

    # An edit of a frozen review through the review form is refused, and the
    # closed period is no longer offered.
    client.force_login(world.users["mopac-owner"])
    form = client.get(review_url).content.decode()
    assert "Current quarter" not in form
    assert "no open reporting period" in form
    data["commentary"] = "Rewritten after the close"
    response = client.post(review_url, data)
    assert response.status_code == 200
    refused = response.content.decode()
    assert "There is a problem" in refused
    assert "its reviews are frozen" in refused
    review = Review.objects.get(risk=world.mopac_risk, period=period)
    assert review.commentary == "Better"
    # And the service itself says why, for any other caller.
    with pytest.raises(ValidationError, match="closed; its reviews are frozen"):
        services.review_record(
            risk=world.mopac_risk,
            period=period,
            user=world.users["mopac-owner"],
            likelihood=1,
            impact=1,
            commentary="Too late",
        )


# --- Opening a period -------------------------------------------------------------


def test_period_list_links_to_dashboards_and_the_new_period_form(client, world):
    period = ReportingPeriodFactory(organisation=world.mopac)
    client.force_login(world.users["mopac-governance"])
    html = client.get(reverse("risks:periods")).content.decode()
    assert reverse("risks:period_detail", args=[period.pk]) in html
    assert reverse("risks:period_create") in html


@pytest.mark.parametrize(
    ("username", "status"),
    [("mopac-governance", 200), ("mopac-owner", 403), ("mopac-reader", 403)],
)
def test_period_create_is_for_governance(client, world, username, status):
    client.force_login(world.users[username])
    assert client.get(reverse("risks:period_create")).status_code == status


def test_period_create_anonymous_goes_to_login(client, db):
    response = client.get(reverse("risks:period_create"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_period_create_suggests_the_next_quarter_and_opens_it(client, world):
    ReportingPeriodFactory(organisation=world.mopac)  # 2019/20 Q2, to 30 Sep 2019
    client.force_login(world.users["mopac-governance"])
    url = reverse("risks:period_create")
    html = client.get(url).content.decode()
    assert 'value="2019/20 Q3"' in html
    assert 'value="2019-10-01"' in html and 'value="2019-12-31"' in html
    assert "Mayor&#x27;s Office for Policing and Crime" in html

    data = {
        "organisation": world.mopac.pk,
        "label": "2019/20 Q3",
        "start": "2019-10-01",
        "end": "2019-12-31",
    }
    response = client.post(url, data)
    period = ReportingPeriod.objects.get(label="2019/20 Q3")
    assert response.status_code == 302
    assert response.url == reverse("risks:period_detail", args=[period.pk])
    assert period.organisation == world.mopac and not period.is_closed
    assert period.history.first().history_user == world.users["mopac-governance"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end": "2019-10-01"}, "The end date must be after the start date"),
        ({"end": "2019-09-01"}, "The end date must be after the start date"),
        (
            {"start": "2019-09-30"},
            "The dates overlap 2019/20 Q2 (1 July 2019 to 30 September 2019). "
            "Periods of one organisation cannot overlap",
        ),
        (
            {"start": "2019-06-01", "end": "2019-10-31", "label": "Long"},
            "The dates overlap 2019/20 Q2",
        ),
        ({"label": "2019/20 q2"}, "MOPAC already has a period called 2019/20 q2"),
        ({"label": ""}, "Enter the label"),
        ({"start": "2019-13-01"}, "Start date must be a real date"),
        ({"end": ""}, "Enter the end date"),
    ],
)
def test_period_create_errors(client, world, changes, message):
    ReportingPeriodFactory(organisation=world.mopac)  # 2019/20 Q2
    ReportingPeriodFactory(  # the other organisation's periods do not clash
        organisation=world.mps,
        label="2019/20 Q3",
        start=D(2019, 10, 1),
        end=D(2019, 12, 31),
    )
    data = {
        "organisation": world.mopac.pk,
        "label": "2019/20 Q3",
        "start": "2019-10-01",
        "end": "2019-12-31",
    }
    data.update(changes)
    client.force_login(world.users["mopac-governance"])
    response = client.post(reverse("risks:period_create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert ReportingPeriod.objects.filter(organisation=world.mopac).count() == 1


def test_period_create_cannot_target_another_organisation(client, world):
    client.force_login(world.users["mopac-governance"])
    data = {
        "organisation": world.mps.pk,
        "label": "2019/20 Q3",
        "start": "2019-10-01",
        "end": "2019-12-31",
    }
    response = client.post(reverse("risks:period_create"), data)
    assert response.status_code == 200
    assert not ReportingPeriod.objects.exists()


# --- The owner's to-do on the landing page -----------------------------------------


def todo_html(html: str) -> str:
    return html.split("Your to-do</h2>")[1].split("My risks</h2>")[0]


@pytest.fixture
def cycle_world(world, period):
    """MOPAC risks in every state the to-do must tell apart."""
    users = world.users
    ReviewFactory(risk=world.mopac_risk, period=period)  # done: not listed
    mine = owned(world, "MOPAC-R02", next_review_date=TODAY - DAY)
    delegated = owned(world, "MOPAC-R03", owner="governance")
    _grant_change(delegated, users["mopac-owner"], by=None, reason="", at=None)
    theirs = owned(world, "MOPAC-R04", owner="governance")
    owned(world, "MOPAC-R05", status="closed", closed_on=TODAY - DAY)
    ReportingPeriodFactory(  # not yet started
        organisation=world.mopac,
        label="Next quarter",
        start=period.end + DAY,
        end=period.end + 90 * DAY,
    )
    ReportingPeriodFactory(  # closed
        organisation=world.mopac,
        label="Last quarter",
        start=period.start - 90 * DAY,
        end=period.start - DAY,
        is_closed=True,
    )
    ReportingPeriodFactory(  # another organisation's
        organisation=world.mps,
        label="MPS quarter",
        start=period.start,
        end=period.end,
    )
    actions = {
        "late": ActionFactory(
            risk=mine, description="Late on mine", due_date=TODAY - 3 * DAY
        ),
        "delegated": ActionFactory(
            risk=delegated, description="Late on delegated", due_date=TODAY - DAY
        ),
        "done": ActionFactory(
            risk=mine,
            description="Complete",
            due_date=TODAY - 3 * DAY,
            status="complete",
        ),
        "revised": ActionFactory(
            risk=mine,
            description="Revised later",
            due_date=TODAY - 3 * DAY,
            revised_due_date=TODAY + DAY,
        ),
        "theirs": ActionFactory(
            risk=theirs, description="Late on theirs", due_date=TODAY - 3 * DAY
        ),
    }
    return mine, delegated, actions


def test_owner_todo_lists_exactly_their_unreviewed_risks_and_late_actions(
    client, world, period, cycle_world
):
    mine, delegated, actions = cycle_world
    client.force_login(world.users["mopac-owner"])
    html = todo_html(client.get("/").content.decode())

    assert re.findall(r"MOPAC-R\d\d(?= <a)", html) == ["MOPAC-R02", "MOPAC-R03"]
    assert "Current quarter" in html
    for absent in ("Next quarter", "Last quarter", "MPS quarter", "MOPAC-R01 "):
        assert absent not in html
    assert reverse("risks:review_create", args=[mine.pk]) in html
    assert reverse("risks:review_create", args=[delegated.pk]) in html
    assert "Overdue" in text(html)  # MOPAC-R02's next review date has passed

    shown = re.findall(r'href="/risks/actions/(\d+)/edit/"', html)
    assert shown == [str(actions["late"].pk), str(actions["delegated"].pk)]
    assert "3 days overdue" in html and "1 day overdue" in html
    assert "Reporting periods in progress" not in client.get("/").content.decode()


def test_owner_todo_matches_the_selector(world, period, cycle_world):
    mine, delegated, actions = cycle_world
    todo = cycle.todo_for(world.users["mopac-owner"], TODAY)
    assert [(i.risk, i.period, i.status) for i in todo.reviews] == [
        (mine, period, ReviewStatus.OVERDUE),
        (delegated, period, ReviewStatus.DUE),
    ]
    assert [i.action for i in todo.actions] == [actions["late"], actions["delegated"]]
    assert not cycle.todo_for(world.users["mopac-reader"], TODAY)
    theirs = cycle.todo_for(world.users["mps-owner"], TODAY)
    assert [(i.risk, i.period.label) for i in theirs.reviews] == [
        (world.mps_risk, "MPS quarter")
    ]


def test_nothing_to_do(client, world):
    client.force_login(world.users["mopac-owner"])
    assert "Nothing needs your attention" in client.get("/").content.decode()
    client.force_login(world.users["mopac-reader"])
    assert "Your to-do" not in client.get("/").content.decode()


def test_governance_sees_progress_per_open_period(client, world, period, cycle_world):
    client.force_login(world.users["mopac-governance"])
    html = client.get("/").content.decode()
    progress = html.split("Reporting periods in progress</h2>")[1].split("</dl>")[0]
    # Open MOPAC risks: R01 (reviewed), R02, R03, R04.
    assert "MOPAC Current quarter" in progress
    assert "Reviewed 1 of 4 open risks" in text(progress)
    assert "MOPAC Next quarter" in progress  # open, not yet started
    assert "Last quarter" not in progress and "MPS" not in progress
    assert reverse("risks:period_detail", args=[period.pk]) in progress
    # Their own to-do: R03 and R04, which they own.
    assert re.findall(r"MOPAC-R\d\d(?= <a)", todo_html(html)) == [
        "MOPAC-R03",
        "MOPAC-R04",
    ]


def test_governance_without_open_period_is_offered_to_open_one(client, world):
    client.force_login(world.users["mopac-governance"])
    html = client.get("/").content.decode()
    assert "No reporting period is open" in html
    assert reverse("risks:period_create") in html


# session, user, membership (with the panel seat), owned risks, to-do: risks,
# periods, reviews, actions; governance: open periods with counts.
# Governance: one more for the Panel's requests due at the next meeting (#22).
LANDING_QUERIES = {"mopac-owner": 8, "mopac-governance": 10}


@pytest.mark.parametrize("n", [5, 50])
@pytest.mark.parametrize("username", ["mopac-owner", "mopac-governance"])
def test_landing_queries_do_not_grow_with_risks(
    client, world, period, django_assert_num_queries, username, n
):
    for i in range(n):
        risk = owned(world, f"MOPAC-Q{i:03d}", owner=username.split("-")[1])
        ActionFactory(risk=risk, due_date=TODAY - DAY)
        if i % 2:
            ReviewFactory(risk=risk, period=period)
    client.force_login(world.users[username])
    with django_assert_num_queries(LANDING_QUERIES[username]):
        html = client.get("/").content.decode()
    assert len(re.findall(r"MOPAC-Q\d{3}(?= <a)", todo_html(html))) == n - n // 2
