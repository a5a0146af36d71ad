"""Panels, meetings, agenda items and the Panel's requests: services, pages, access.

Governance officers of the panel's organisations prepare meetings; members of
the panel read them (and only what is published); readers, risk owners, members
of another panel and outsiders see none.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from reports import meeting_services, rendering, selectors, services
from reports.models import (
    AgendaItem,
    Meeting,
    PanelPaper,
    PanelRequest,
    RequestStatus,
    SectionKind,
)
from risks import access
from risks.models import PanelMember

from ..factories import (
    OrganisationFactory,
    PanelFactory,
    PanelMemberFactory,
    ReportingPeriodFactory,
    UserFactory,
)

TODAY = timezone.localdate()
GOVERNANCE = ["mopac-governance", "mps-governance"]
NO_MEETINGS = ["mopac-owner", "mopac-reader", "mps-owner", "mps-reader", "outsider"]


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


@pytest.fixture
def panel(world):
    return world.users["panel"].panel_member.panel


@pytest.fixture
def paper(world):
    user = world.users["mopac-governance"]
    paper = services.paper_create(
        user=user,
        data={
            "meeting_date": day(30),
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
        data={"kind": SectionKind.BODY, "heading": "Finance", "body": "Funding."},
    )
    paper.refresh_from_db()
    return paper


@pytest.fixture
def meetings(world, panel):
    gov = world.users["mopac-governance"]
    return {
        name: meeting_services.meeting_create(
            panel=panel, data={"date": day(offset)}, user=gov
        )
        for name, offset in (("past", -60), ("next", 30), ("later", 120))
    }


@pytest.fixture
def agenda(world, meetings, paper):
    """The next meeting: the paper as 5b, MOPAC's register as 8a, a titled item."""
    gov = world.users["mps-governance"]
    period = ReportingPeriodFactory(organisation=world.mopac, is_closed=True)
    return [
        meeting_services.agenda_item_create(
            meeting=meetings["next"], data=data, user=gov
        )
        for data in (
            {"number": "5b", "order": 10, "kind": "paper", "paper": paper},
            {"number": "8a", "order": 20, "kind": "register", "period": period},
            {"number": "1", "order": 1, "kind": "titled", "title": "Apologies"},
        )
    ]


def finance_request(world, meetings, **data) -> PanelRequest:
    return meeting_services.panel_request_create(
        raised_at=meetings["past"],
        data={
            "text": "The Panel asked for a report on the aligned finance risk.",
            "owner_organisation": world.mopac,
            "owner_post": "Chief Finance Officer",
            "due_at": meetings["next"],
            **data,
        },
        user=world.users["mopac-governance"],
        today=day(-60),
    )


# --- Panels and membership -----


def test_the_panel_member_sits_on_the_one_panel_over_both_organisations(world, panel):
    assert set(panel.organisations.all()) == {world.mopac, world.mps}
    assert access.is_panel_member(world.users["panel"])
    assert not access.is_panel_member(world.users["mopac-governance"])


def test_a_member_of_another_panel_does_not_see_this_panels_meetings(
    client, world, meetings
):
    elsewhere = OrganisationFactory(short_name="ELSE", slug="else")
    other_panel = PanelFactory(name="Another committee", organisations=[elsewhere])
    other_member = UserFactory(username="other-member")
    PanelMemberFactory(user=other_member, panel=other_panel)
    theirs = Meeting.objects.create(panel=other_panel, date=day(10))
    assert access.is_panel_member(other_member)  # the one check, either panel
    assert list(selectors.viewable_meetings(other_member)) == [theirs]
    assert theirs not in selectors.viewable_meetings(world.users["panel"])
    client.force_login(other_member)
    response = client.get(reverse("reports:meeting_detail", args=[meetings["next"].pk]))
    assert response.status_code == 404
    assert (
        client.get(reverse("reports:meeting_detail", args=[theirs.pk])).status_code
        == 200
    )
    # Nor may this panel's governance prepare the other panel's meetings.
    with pytest.raises(PermissionDenied):
        meeting_services.meeting_create(
            panel=other_panel,
            data={"date": day(40)},
            user=world.users["mopac-governance"],
        )


def test_signing_in_with_the_panel_group_seats_the_person_on_the_panel(world, panel):
    from accounts.services import SignInAccess, membership_sync_from_sign_in

    user = UserFactory(username="new-panel-member")
    access_ = SignInAccess(organisation=None, role="", panel=True)
    assert membership_sync_from_sign_in(user=user, access=access_) == [
        "joined the Audit Panel"
    ]
    assert PanelMember.objects.get(user=user).panel == panel


# --- Meetings -----


@pytest.mark.parametrize("role", GOVERNANCE)
def test_governance_creates_a_meeting(client, world, panel, role):
    client.force_login(world.users[role])
    response = client.post(
        reverse("reports:meeting_create"),
        {"panel": panel.pk, "date": "2031-03-19", "marking": "official"},
    )
    meeting = Meeting.objects.get(date=datetime.date(2031, 3, 19))
    assert response.status_code == 302
    assert response["Location"] == meeting.get_absolute_url()
    row = meeting.history.get()
    assert row.history_user == world.users[role]
    assert row.history_change_reason == "Meeting created"


@pytest.mark.parametrize("role", [*NO_MEETINGS, "panel"])
def test_no_one_else_creates_a_meeting(client, world, panel, role):
    client.force_login(world.users[role])
    response = client.post(
        reverse("reports:meeting_create"),
        {"panel": panel.pk, "date": "2031-03-19", "marking": "official"},
    )
    assert response.status_code == 403
    assert not Meeting.objects.exists()


def test_a_second_meeting_on_the_same_day_gets_a_clear_error(client, world, meetings):
    client.force_login(world.users["mopac-governance"])
    response = client.post(
        reverse("reports:meeting_create"),
        {
            "panel": meetings["next"].panel_id,
            "date": meetings["next"].date.isoformat(),
            "marking": "official",
        },
    )
    assert response.status_code == 200
    assert "The panel already meets on that day." in response.content.decode()
    assert Meeting.objects.count() == 3


def test_a_stale_meeting_edit_is_refused_and_loses_nothing(client, world, meetings):
    meeting = meetings["next"]
    meeting_services.meeting_update(
        meeting=meeting,
        data={"marking": "official_sensitive"},
        expected_version=1,
        user=world.users["mps-governance"],
    )
    client.force_login(world.users["mopac-governance"])
    response = client.post(
        reverse("reports:meeting_update", args=[meeting.pk]),
        {"date": day(31).isoformat(), "marking": "official", "version": "1"},
    )
    assert response.status_code == 200
    assert "Someone else changed this meeting" in response.content.decode()
    meeting.refresh_from_db()
    assert (meeting.date, meeting.marking) == (day(30), "official_sensitive")


@pytest.mark.parametrize("role", [*GOVERNANCE, "panel"])
def test_panel_members_and_governance_read_meetings(client, world, agenda, role):
    client.force_login(world.users[role])
    listing = client.get(reverse("reports:meetings"))
    assert listing.status_code == 200
    meeting = agenda[0].meeting
    assert (
        reverse("reports:meeting_detail", args=[meeting.pk]) in listing.content.decode()
    )
    page = client.get(meeting.get_absolute_url())
    assert page.status_code == 200
    assert "Apologies" in page.content.decode()


@pytest.mark.parametrize("role", NO_MEETINGS)
def test_readers_owners_and_outsiders_see_no_meeting(client, world, agenda, role):
    client.force_login(world.users[role])
    listing = client.get(reverse("reports:meetings"))
    assert listing.status_code == 200
    assert "There are no meetings yet." in listing.content.decode()
    meeting = agenda[0].meeting
    assert client.get(meeting.get_absolute_url()).status_code == 404
    pack = reverse("reports:meeting_pack", args=[meeting.pk])
    assert client.get(pack).status_code == 404


def test_the_panel_member_never_sees_a_draft_papers_title(client, world, agenda):
    client.force_login(world.users["panel"])
    page = client.get(agenda[0].meeting.get_absolute_url()).content.decode()
    assert "Paper not yet published" in page
    assert "Alignment of MOPAC and Met Risks" not in page
    client.force_login(world.users["mopac-governance"])
    page = client.get(agenda[0].meeting.get_absolute_url()).content.decode()
    assert "Alignment of MOPAC and Met Risks" in page


def test_the_panel_member_edits_nothing(client, world, agenda, meetings):
    client.force_login(world.users["panel"])
    meeting = meetings["next"]
    for url in (
        reverse("reports:meeting_update", args=[meeting.pk]),
        reverse("reports:item_create", args=[meeting.pk]),
        reverse("reports:request_create", args=[meeting.pk]),
    ):
        assert client.get(url).status_code == 403
    delete = reverse("reports:item_delete", args=[agenda[0].pk])
    assert client.post(delete).status_code == 403
    assert AgendaItem.objects.count() == 3


# --- Agenda -----


def test_a_paper_on_the_agenda_is_for_that_meeting(world, agenda, paper, meetings):
    paper.refresh_from_db()
    assert paper.panel_meeting == meetings["next"]
    assert [i.number for i in meetings["next"].items.all()] == ["1", "5b", "8a"]
    with pytest.raises(ValidationError, match="another meeting"):
        meeting_services.agenda_item_create(
            meeting=meetings["later"],
            data={"number": "4", "kind": "paper", "paper": paper},
            user=world.users["mopac-governance"],
        )


def test_removing_the_papers_item_takes_it_off_the_meeting(world, agenda, paper):
    meeting_services.agenda_item_delete(
        item=agenda[0], user=world.users["mopac-governance"]
    )
    paper.refresh_from_db()
    assert paper.panel_meeting is None
    assert paper.history.first().history_change_reason.startswith("Off the agenda")


def test_an_item_without_its_document_gets_a_clear_error(client, world, meetings):
    client.force_login(world.users["mopac-governance"])
    url = reverse("reports:item_create", args=[meetings["next"].pk])
    response = client.post(url, {"number": "5b", "order": "1", "kind": "paper"})
    assert response.status_code == 200
    assert "Select the paper" in response.content.decode()
    response = client.post(url, {"number": "9", "order": "1", "kind": "titled"})
    assert "Enter the item&#x27;s title" in response.content.decode()
    assert not AgendaItem.objects.exists()


# --- Requests -----


def test_a_request_is_recorded_in_history(world, meetings):
    request = finance_request(world, meetings)
    assert request.status == RequestStatus.OPEN
    row = request.history.get()
    assert row.history_user == world.users["mopac-governance"]
    assert row.history_change_reason == "Request recorded"


def test_a_request_due_at_a_past_meeting_is_refused(client, world, meetings):
    client.force_login(world.users["mopac-governance"])
    url = reverse("reports:request_create", args=[meetings["next"].pk])
    response = client.post(
        url,
        {
            "text": "Report on the aligned finance risk",
            "owner_organisation": world.mopac.pk,
            "owner_post": "Chief Finance Officer",
            "due_at": meetings["past"].pk,
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "has already taken place: choose a meeting still to come" in body
    assert "Report on the aligned finance risk" in body  # nothing typed is lost
    assert not PanelRequest.objects.exists()


def test_answered_needs_the_paper_that_answered_it(client, world, meetings):
    request = finance_request(world, meetings)
    client.force_login(world.users["mps-governance"])
    url = reverse("reports:request_update", args=[request.pk])
    response = client.post(
        url,
        {"status": "answered", "due_at": meetings["next"].pk, "version": "1"},
    )
    assert response.status_code == 200
    assert "Select the paper that answered it" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN


@pytest.mark.parametrize("role", [*NO_MEETINGS, "panel"])
def test_only_governance_updates_a_request(client, world, meetings, role):
    request = finance_request(world, meetings)
    client.force_login(world.users[role])
    url = reverse("reports:request_update", args=[request.pk])
    response = client.post(
        url, {"status": "closed", "due_at": meetings["next"].pk, "version": "1"}
    )
    assert response.status_code == (403 if role == "panel" else 404)
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN


def test_the_editor_lists_open_requests_due_at_the_papers_meeting(
    client, world, agenda, meetings, paper
):
    finance_request(world, meetings)
    client.force_login(world.users["mopac-governance"])
    page = client.get(reverse("reports:update", args=[paper.pk])).content.decode()
    assert "Open requests due at this meeting" in page
    assert "The Panel asked for a report on the aligned finance risk." in page


def test_matters_arising_shows_the_request_answered_by_the_paper(
    world, agenda, meetings, paper
):
    request = finance_request(world, meetings, is_sensitive=True)
    meeting_services.panel_request_update(
        request=request,
        data={"status": "answered", "answered_by": paper, "answered_in": "section 1"},
        expected_version=1,
        user=world.users["mopac-governance"],
    )
    paper = PanelPaper.objects.get(pk=paper.pk)
    assert rendering.build_document(paper).matters_arising == ()
    paper.include_matters_arising = True
    full = rendering.build_document(paper)
    (matter,) = full.matters_arising
    assert (matter.status, matter.answered) == ("Answered", "In this paper, section 1")
    assert full.marking == "OFFICIAL-SENSITIVE"  # the request is sensitive
    (public,) = rendering.build_document(paper, edition="public").matters_arising
    assert public.withheld and public.text == ""


def test_the_dashboard_shows_requests_due_at_the_next_meeting(client, world, meetings):
    finance_request(world, meetings)
    client.force_login(world.users["mps-governance"])
    page = client.get(reverse("dashboard")).content.decode()
    assert "Requests due at the next Panel meeting" in page
    assert "The Panel asked for a report on the aligned finance risk." in page
    client.force_login(world.users["mps-reader"])
    page = client.get(reverse("dashboard")).content.decode()
    assert "Requests due at the next Panel meeting" not in page


# --- Query counts -----


def _more_meetings(world, panel, count: int, start: int = 200) -> None:
    gov = world.users["mopac-governance"]
    for offset in range(start, start + count):
        meeting = meeting_services.meeting_create(
            panel=panel, data={"date": day(offset)}, user=gov
        )
        meeting_services.agenda_item_create(
            meeting=meeting,
            data={"number": "1", "kind": "titled", "title": "Apologies"},
            user=gov,
        )


@pytest.mark.parametrize("role", ["mopac-governance", "panel"])
def test_the_meeting_list_costs_the_same_for_more_meetings(
    client, world, panel, django_assert_num_queries, role
):
    _more_meetings(world, panel, 1)
    client.force_login(world.users[role])
    url = reverse("reports:meetings")
    client.get(url)
    expected = {"mopac-governance": 5, "panel": 4}[role]
    with django_assert_num_queries(expected):
        client.get(url)
    _more_meetings(world, panel, 5, start=300)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", ["mopac-governance", "panel"])
def test_the_meeting_page_costs_the_same_for_more_items_and_requests(
    client, world, agenda, meetings, django_assert_num_queries, role
):
    finance_request(world, meetings)
    client.force_login(world.users[role])
    url = meetings["next"].get_absolute_url()
    client.get(url)
    expected = {"mopac-governance": 8, "panel": 8}[role]
    with django_assert_num_queries(expected):
        client.get(url)
    gov = world.users["mopac-governance"]
    for number in range(2, 8):
        meeting_services.agenda_item_create(
            meeting=meetings["next"],
            data={"number": str(number), "kind": "titled", "title": "Any business"},
            user=gov,
        )
        finance_request(world, meetings)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def test_the_dashboards_requests_cost_one_query_however_many(
    client, world, meetings, django_assert_num_queries
):
    finance_request(world, meetings)
    client.force_login(world.users["mps-governance"])
    client.get(reverse("dashboard"))
    with django_assert_num_queries(8) as one:
        client.get(reverse("dashboard"))
    for _ in range(5):
        finance_request(world, meetings)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(reverse("dashboard")).content.decode()
    assert page.count("aligned finance risk") == 6
