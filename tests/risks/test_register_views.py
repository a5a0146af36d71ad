"""The register list: visibility, filters, sorting, paging, heat maps, queries."""

import datetime
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from alignment.models import AlignmentLink, LinkStatus
from risks import access, selectors
from risks.choices import Category, RiskStatus

from ..factories import (
    PanelMemberFactory,
    ReportingPeriodFactory,
    ReviewFactory,
    RiskFactory,
    ThemeFactory,
    UserFactory,
)

URL = reverse("risks:list")
# Queries for one register page: session, user, the signed-in user's membership
# (with their panel seat), the filter options (organisations, themes and owners
# in one UNION), one grouped query for the count and the heat maps, and the page
# of rows with their themes.
REGISTER_QUERIES = 6
ROW = re.compile(r'class="govuk-table__cell app-register__ref">([^<]+)<')


def register(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def references(response) -> list[str]:
    """Return the references in the register table, in order."""
    return ROW.findall(response.text)


def agree(proposer_risk, partner_risk, status=LinkStatus.AGREED):
    return AlignmentLink.objects.create(
        proposer_risk=proposer_risk,
        partner_risk=partner_risk,
        theme=ThemeFactory(name="Violence", slug="violence"),
        rationale="Same concern.",
        status=status,
        proposed_by_organisation=proposer_risk.organisation,
        proposed_by=UserFactory(username="proposer"),
    )


@pytest.fixture
def register_world(world):
    """MOPAC risks that differ in every filtered field."""
    finance = ThemeFactory(name="Finance", slug="finance")
    people = ThemeFactory(name="People", slug="people")
    owner = world.users["mopac-owner"]
    risks = {
        "R02": RiskFactory(
            organisation=world.mopac,
            reference="MOPAC-R02",
            title="Budget gap",
            category=Category.FINANCIAL,
            current_likelihood=5,
            current_impact=5,
            owner=owner,
        ),
        "R03": RiskFactory(
            organisation=world.mopac,
            reference="MOPAC-R03",
            title="Recruitment",
            category=Category.PEOPLE,
            current_likelihood=1,
            current_impact=2,
            effect="which would leave posts vacant at the custody suite.",
        ),
        "R04": RiskFactory(
            organisation=world.mopac,
            reference="MOPAC-R04",
            title="Old draft",
            status=RiskStatus.DRAFT,
            current_likelihood=3,
            current_impact=4,
        ),
        "R05": RiskFactory(
            organisation=world.mopac,
            reference="MOPAC-R05",
            title="Closed one",
            status=RiskStatus.CLOSED,
            closed_on=datetime.date(2019, 6, 30),
            current_likelihood=3,
            current_impact=4,
        ),
    }
    risks["R02"].themes.add(finance)
    risks["R03"].themes.add(people, finance)
    return risks


# --- Access -----------------------------------------------------------------


def test_anonymous_user_is_sent_to_login(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "username", ["mopac-reader", "mopac-owner", "mopac-governance"]
)
def test_register_shows_own_organisation_only(client, world, username):
    response = register(client, world.users[username])
    assert response.status_code == 200
    assert references(response) == ["MOPAC-R01"]
    assert "MPS-R01" not in response.text
    assert "1 risk<" in response.text


@pytest.mark.parametrize("username", ["panel", "outsider"])
def test_users_without_organisation_see_no_unaligned_risks(client, world, username):
    response = register(client, world.users[username])
    assert references(response) == []
    assert "0 risks" in response.text


def test_each_user_filters_a_fresh_copy_of_the_register_query(client, world):
    """The rows' query is built once per process; no user's filter sticks to it."""
    assert selectors.register_rows() is not selectors.register_rows()
    assert references(register(client, world.users["mopac-reader"])) == ["MOPAC-R01"]
    assert references(register(client, world.users["mps-reader"])) == ["MPS-R01"]
    assert references(register(client, world.users["mopac-reader"])) == ["MOPAC-R01"]
    cached = selectors._register_rows()
    assert cached._result_cache is None  # never evaluated, so holds no rows
    assert not cached.query.where  # and never filtered
    assert cached.count() == 2  # every risk, for whoever narrows it


def test_viewable_risks_narrows_the_queryset_it_is_given(world):
    reader = world.users["mopac-reader"]
    given = selectors.register_rows().order_by("reference")
    assert [row["reference"] for row in access.viewable_risks(reader, given)] == [
        "MOPAC-R01"
    ]
    assert not access.viewable_risks(world.users["outsider"], given).exists()


@pytest.mark.parametrize("username", ["mps-reader", "mps-owner", "panel"])
def test_agreed_link_shows_the_other_risk(client, world, username):
    agree(world.mopac_risk, world.mps_risk)
    found = references(register(client, world.users[username]))
    assert "MOPAC-R01" in found
    if username == "panel":
        assert found == ["MOPAC-R01", "MPS-R01"]


@pytest.mark.parametrize(
    "status", [LinkStatus.PROPOSED, LinkStatus.DECLINED, LinkStatus.ENDED]
)
def test_link_not_agreed_shows_nothing(client, world, status):
    agree(world.mopac_risk, world.mps_risk, status=status)
    assert references(register(client, world.users["mps-reader"])) == ["MPS-R01"]
    assert references(register(client, world.users["panel"])) == []


# The stub URLconf there gives `risks:create` a target while it is not built.
def test_new_risk_link_only_for_governance(client, world):
    for username, expected in [
        ("mopac-governance", True),
        ("mopac-owner", False),
        ("mopac-reader", False),
        ("panel", False),
    ]:
        text = register(client, world.users[username]).text
        assert ("New risk" in text) is expected, username


def test_manages_a_register_agrees_with_the_query(world):
    users = [*world.users.values(), UserFactory(is_superuser=True)]
    for user in users:
        expected = access.managed_organisations(user).exists()
        assert access.manages_a_register(user) is expected, user.username
    assert any(access.manages_a_register(user) for user in users)


def test_panel_seat_read_with_the_membership_or_on_its_own(world):
    member_on_panel = world.users["mps-reader"]
    PanelMemberFactory(user=member_on_panel)
    access.links_changed()  # the seat was added after the world was built
    assert access.is_panel_member(member_on_panel)
    assert access.is_panel_member(world.users["panel"])  # no membership
    assert not access.is_panel_member(world.users["mopac-reader"])
    assert not access.is_panel_member(world.users["outsider"])


def test_visibility_is_the_same_with_aligned_ids_as_literals_or_subqueries(
    world, monkeypatch
):
    agree(world.mopac_risk, world.mps_risk)
    RiskFactory(organisation=world.mps, reference="MPS-R02")
    seen, literal = {}, access.ALIGNED_IDS_LIMIT
    for limit in (literal, -1):  # -1: always the subqueries
        monkeypatch.setattr(access, "ALIGNED_IDS_LIMIT", limit)
        access.links_changed()
        seen[limit] = {
            name: set(access.viewable_risks(user).values_list("reference", flat=True))
            for name, user in world.users.items()
        }
    assert seen[literal] == seen[-1]
    assert seen[-1]["mopac-reader"] == {"MOPAC-R01", "MPS-R01"}
    assert seen[-1]["panel"] == {"MOPAC-R01", "MPS-R01"}
    assert seen[-1]["outsider"] == set()


# --- Rows -------------------------------------------------------------------


def test_row_shows_scores_direction_review_and_status(client, world):
    risk = world.mopac_risk  # current 3 × 4 = 12, target 2 × 3 = 6
    risk.next_review_date = timezone.localdate() - datetime.timedelta(days=1)
    risk.save()
    for n, (likelihood, end) in enumerate([(4, (2019, 6, 30)), (3, (2019, 9, 30))]):
        ReviewFactory(
            risk=risk,
            likelihood=likelihood,
            impact=4,
            period=ReportingPeriodFactory(
                organisation=world.mopac,
                label=f"Q{n}",
                start=datetime.date(*end) - datetime.timedelta(days=80),
                end=datetime.date(*end),
            ),
        )
    row = register(client, world.users["mopac-reader"]).text.split("MOPAC-R01")[1]
    row = row.split("</tr>")[0]
    assert "12 High" in row
    assert "6 Medium" in row
    assert "Decreasing" in row and "↓" in row
    assert "Review overdue" in row
    assert "Open" in row
    assert "Director of Strategy" in row


@pytest.mark.parametrize(
    ("scores", "expected"),
    [([], "New"), ([12], "New"), ([12, 16], "Increasing"), ([16, 16], "Stable")],
)
def test_direction_of_travel_from_latest_two_reviews(client, world, scores, expected):
    # Create periods out of order: travel follows period end, not insertion.
    for n, value in reversed(list(enumerate(scores))):
        ReviewFactory(
            risk=world.mopac_risk,
            likelihood=value // 4,
            impact=4,
            period=ReportingPeriodFactory(
                organisation=world.mopac,
                label=f"Q{n}",
                start=datetime.date(2019, 1 + 3 * n, 1),
                end=datetime.date(2019, 3 + 3 * n, 28),
            ),
        )
    text = register(client, world.users["mopac-reader"]).text
    row = text.split("MOPAC-R01")[1].split("</tr>")[0]
    assert f"</span> {expected}</span>" in row


# --- Filters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["MOPAC-R01", "MOPAC-R02", "MOPAC-R03", "MOPAC-R04", "MOPAC-R05"]),
        ({"status": "open"}, ["MOPAC-R01", "MOPAC-R02", "MOPAC-R03"]),
        ({"status": "draft"}, ["MOPAC-R04"]),
        ({"status": "closed"}, ["MOPAC-R05"]),
        ({"category": "financial"}, ["MOPAC-R02"]),
        ({"theme": "finance"}, ["MOPAC-R02", "MOPAC-R03"]),
        ({"theme": "people"}, ["MOPAC-R03"]),
        ({"owner": "mopac-owner"}, ["MOPAC-R01", "MOPAC-R02"]),
        ({"likelihood": "5", "impact": "5"}, ["MOPAC-R02"]),
        ({"likelihood": "3", "impact": "4"}, ["MOPAC-R01", "MOPAC-R04", "MOPAC-R05"]),
        (
            {"organisation": "mopac"},
            ["MOPAC-R01", "MOPAC-R02", "MOPAC-R03", "MOPAC-R04", "MOPAC-R05"],
        ),
        ({"organisation": "mps"}, []),
        # Combined filters narrow each other.
        ({"theme": "finance", "owner": "mopac-owner"}, ["MOPAC-R02"]),
        ({"status": "open", "likelihood": "3", "impact": "4"}, ["MOPAC-R01"]),
        ({"theme": "finance", "category": "people", "status": "open"}, ["MOPAC-R03"]),
        ({"theme": "people", "category": "financial"}, []),
    ],
)
def test_filters(client, world, register_world, params, expected):
    response = register(client, world.users["mopac-governance"], **params)
    assert response.status_code == 200
    assert references(response) == expected
    count = len(expected)
    assert f">{count} risk{'' if count == 1 else 's'}</h2>" in response.text


def test_organisation_filter_for_a_reader_of_both(client, world):
    agree(world.mopac_risk, world.mps_risk)
    user = world.users["panel"]
    assert references(register(client, user, organisation="mps")) == ["MPS-R01"]
    assert references(register(client, user, organisation="mopac")) == ["MOPAC-R01"]


def test_filter_form_keeps_the_chosen_values(client, world, register_world):
    text = register(
        client, world.users["mopac-governance"], status="open", theme="finance", q="gap"
    ).text
    assert '<option value="open" selected>' in text
    assert '<option value="finance" selected>' in text
    assert 'name="q" type="search" value="gap"' in text
    assert "Clear filters" in text


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("budget", ["MOPAC-R02"]),  # title, any case
        ("mopac-r03", ["MOPAC-R03"]),  # reference
        ("CUSTODY SUITE", ["MOPAC-R03"]),  # effect
        ("demand is rising", ["MOPAC-R01", "MOPAC-R02", "MOPAC-R04", "MOPAC-R05"]),
        (
            "overwhelmed",
            ["MOPAC-R01", "MOPAC-R02", "MOPAC-R03", "MOPAC-R04", "MOPAC-R05"],
        ),
        ("no such words", []),
        ("bud\x00get", ["MOPAC-R02"]),  # a NUL, which PostgreSQL refuses, is dropped
    ],
)
def test_search(client, world, register_world, q, expected):
    register_world["R03"].cause = "Because of a national shortage,"
    register_world["R03"].save()
    response = register(client, world.users["mopac-governance"], q=q)
    assert references(response) == expected


def test_search_does_not_reach_other_organisations(client, world):
    assert references(register(client, world.users["mps-reader"], q="MOPAC")) == []


def test_sort_by_score(client, world, register_world):
    user = world.users["mopac-governance"]
    highest = references(register(client, user, sort="-score"))
    lowest = references(register(client, user, sort="score"))
    # Scores: R02 25, R01/R04/R05 12 (ties by reference), R03 2.
    assert highest == ["MOPAC-R02", "MOPAC-R01", "MOPAC-R04", "MOPAC-R05", "MOPAC-R03"]
    assert lowest == ["MOPAC-R03", "MOPAC-R01", "MOPAC-R04", "MOPAC-R05", "MOPAC-R02"]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"category": "<script>"},
        {"organisation": "../etc/passwd"},
        {"theme": "no-such-theme"},
        {"owner": "nobody"},
        {"likelihood": "9", "impact": "0"},
        {"likelihood": "abc", "impact": "-1"},
        {"likelihood": "3.5"},
        {"sort": "title; DROP TABLE risks_risk"},
        {"page": "abc"},
        {"page": "0"},
        {"page": "99999"},
        {"page": "-1"},
        {"q": "x" * 5000},
        {"q": "%_\\'\""},
        {"status": ""},
    ],
)
def test_invalid_parameters_never_fail(client, world, params):
    response = register(client, world.users["mopac-governance"], **params)
    assert response.status_code == 200
    assert references(response) in (["MOPAC-R01"], [])


def test_invalid_as_at_date_is_a_clear_400(client, world):
    response = register(client, world.users["mopac-governance"], as_at="not-a-date")
    assert response.status_code == 400
    assert "Enter the date as year-month-day" in response.text


def test_invalid_values_are_ignored_with_a_message(client, world):
    response = register(
        client, world.users["mopac-governance"], status="bogus", likelihood="9"
    )
    assert references(response) == ["MOPAC-R01"]
    text = unescape(response.text)
    assert "have been ignored" in text
    assert "Status “bogus”" in text
    assert "Likelihood “9”" in text


def test_valid_filters_survive_an_invalid_one(client, world, register_world):
    response = register(
        client, world.users["mopac-governance"], category="financial", status="nope"
    )
    assert references(response) == ["MOPAC-R02"]


# --- Paging -----------------------------------------------------------------


def test_pagination_above_100_rows_keeps_the_filters(client, world):
    RiskFactory.create_batch(100, organisation=world.mopac, category=Category.PEOPLE)
    RiskFactory(organisation=world.mopac, category=Category.LEGAL)
    user = world.users["mopac-governance"]

    first = register(client, user)
    assert "102 risks" in first.text
    assert len(references(first)) == 100
    assert 'aria-label="Pagination"' in first.text
    second = register(client, user, page=2)
    assert len(references(second)) == 2
    assert set(references(first)).isdisjoint(references(second))

    filtered = register(client, user, category="people", status="open")
    assert "100 risks" in filtered.text
    assert 'aria-label="Pagination"' not in filtered.text  # 100 fit on one page

    RiskFactory(organisation=world.mopac, category=Category.PEOPLE)
    filtered = register(client, user, category="people", status="open")
    assert "101 risks" in filtered.text
    next_link = re.search(r'href="([^"]+)" rel="next"', filtered.text).group(1)
    query = parse_qs(urlsplit(unescape(next_link)).query)
    assert query == {"category": ["people"], "status": ["open"], "page": ["2"]}
    last = client.get(URL + unescape(next_link))
    assert len(references(last)) == 1
    assert 'aria-current="page"' in last.text


def test_no_pagination_at_or_below_100_rows(client, world):
    RiskFactory.create_batch(99, organisation=world.mopac)
    response = register(client, world.users["mopac-governance"])
    assert len(references(response)) == 100
    assert 'aria-label="Pagination"' not in response.text


# --- Heat maps --------------------------------------------------------------


def heat_cells(response) -> dict[tuple[str, int, int], tuple[str, dict]]:
    """Map (organisation, likelihood, impact) to each non-zero cell's link."""
    cells = {}
    for match in re.finditer(
        r'<a class="govuk-link app-heatmap__link" href="([^"]+)">(\d+)<', response.text
    ):
        href, count = unescape(match.group(1)), match.group(2)
        query = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
        key = (query["organisation"], int(query["likelihood"]), int(query["impact"]))
        cells[key] = (count, query)
    return cells


def test_heat_map_counts_open_risks_with_links(client, world, register_world):
    response = register(client, world.users["mopac-governance"])
    cells = heat_cells(response)
    # Open MOPAC risks: R01 at 3 × 4, R02 at 5 × 5, R03 at 1 × 2; draft and
    # closed risks are not counted.
    assert {key: count for key, (count, _) in cells.items()} == {
        ("mopac", 3, 4): "1",
        ("mopac", 5, 5): "1",
        ("mopac", 1, 2): "1",
    }
    assert cells[("mopac", 5, 5)][1] == {
        "organisation": "mopac",
        "likelihood": "5",
        "impact": "5",
        "status": "open",
    }
    text = response.text
    assert "Heat maps count open risks only" in text.replace(
        "The heat maps", "Heat maps"
    )
    header = '<th scope="{}" class="govuk-table__header app-heatmap__header">{}</th>'
    assert header.format("row", "Likelihood 5 – Almost certain") in text
    assert header.format("col", "Impact 1 – Minimal") in text
    assert "3 open risks by current likelihood and impact" in text
    # Every cell names its band in words, not only in colour.
    assert text.count('<span class="app-cell__band">') == 25
    assert '<span class="app-cell__band">Very high</span>' in text


def test_heat_map_cell_link_lists_the_counted_risks(client, world, register_world):
    RiskFactory(organisation=world.mopac, current_likelihood=3, current_impact=4)
    user = world.users["mopac-governance"]
    count, query = heat_cells(register(client, user))[("mopac", 3, 4)]
    assert count == "2"
    assert len(references(register(client, user, **query))) == 2


def test_heat_maps_per_organisation(client, world):
    agree(world.mopac_risk, world.mps_risk)
    RiskFactory(organisation=world.mps, current_likelihood=2, current_impact=2)
    cells = heat_cells(register(client, world.users["panel"]))
    # The panel sees the aligned pair only, not the other MPS risk.
    assert {key: count for key, (count, _) in cells.items()} == {
        ("mopac", 3, 4): "1",
        ("mps", 3, 4): "1",
    }
    cells = heat_cells(register(client, world.users["mps-reader"]))
    assert {key: count for key, (count, _) in cells.items()} == {
        ("mopac", 3, 4): "1",
        ("mps", 3, 4): "1",
        ("mps", 2, 2): "1",
    }


def test_heat_map_follows_filters_other_than_status_and_rating(
    client, world, register_world
):
    user = world.users["mopac-governance"]
    cells = heat_cells(
        register(client, user, theme="finance", likelihood="5", impact="5")
    )
    assert set(cells) == {("mopac", 5, 5), ("mopac", 1, 2)}
    assert cells[("mopac", 1, 2)][1]["theme"] == "finance"
    cells = heat_cells(register(client, user, status="closed"))
    assert len(cells) == 3  # still the open risks


# --- Queries ----------------------------------------------------------------


def test_register_queries_do_not_grow_with_rows(
    client, world, django_assert_num_queries
):
    user = world.users["mopac-governance"]
    client.force_login(user)
    theme = ThemeFactory(name="Finance", slug="finance")
    period = ReportingPeriodFactory(organisation=world.mopac)
    counts = []
    for total in (10, 200):
        existing = world.mopac.risks.count()
        for risk in RiskFactory.create_batch(
            total - existing, organisation=world.mopac, owner=user
        ):
            risk.themes.add(theme)
            ReviewFactory(risk=risk, period=period, reviewed_by=user)
        with django_assert_num_queries(REGISTER_QUERIES) as captured:
            response = client.get(URL, {"sort": "-score"})
        assert f"{total} risks" in response.text
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] == REGISTER_QUERIES


# --- The count and the heat maps from one grouped query ----------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "open"},
        {"status": "closed"},
        {"likelihood": "5"},
        {"impact": "2", "status": "open"},
        {"likelihood": "3", "impact": "4"},
        {"category": "people"},
        {"theme": "finance"},
        {"q": "custody", "status": "open"},
        {"organisation": "mps", "likelihood": "1"},
    ],
)
def test_register_summary_counts_what_the_filters_select(world, register_world, params):
    user = world.users["mopac-governance"]
    visible = access.viewable_risks(user)
    filters = selectors.RegisterFilters.from_params(
        params, selectors.register_filter_options(visible)
    )
    summary = selectors.register_summary(visible, filters)
    assert summary.count == filters.apply(visible).count()
    # The heat maps are those of the risks without the status, likelihood and
    # impact filters, exactly as heat_maps() draws them.
    assert summary.heat_maps == selectors.heat_maps(
        filters.for_heat_map().apply(visible)
    )


def test_register_page_links_and_pages_with_the_grouped_count(
    client, world, register_world
):
    RiskFactory.create_batch(
        120, organisation=world.mopac, current_likelihood=2, current_impact=2
    )
    response = register(client, world.users["mopac-governance"], likelihood="2")
    assert "120 risks" in response.text
    assert "page 1 of 2" in response.text
    (count, query) = heat_cells(response)[("mopac", 2, 2)]
    assert count == "120"
    assert query == {
        "organisation": "mopac",
        "likelihood": "2",
        "impact": "2",
        "status": "open",
    }


def test_row_lists_its_themes_a_to_z(client, world):
    risk = world.mopac_risk
    risk.themes.add(
        ThemeFactory(name="Violence", slug="violence"),
        ThemeFactory(name="Finance", slug="finance"),
        ThemeFactory(name="Estates & <Property>", slug="estates"),
    )
    text = register(client, world.users["mopac-governance"]).text
    assert "Themes: Estates &amp; &lt;Property&gt;, Finance, Violence</span>" in text


def test_filter_options_in_order_with_owners_of_visible_risks_only(world):
    ThemeFactory(name="Violence", slug="violence")
    ThemeFactory(name="Finance", slug="finance")
    ownerless = RiskFactory(organisation=world.mopac, owner=None)
    options = selectors.register_filter_options(
        access.viewable_risks(world.users["mopac-governance"])
    )
    assert [o.value for o in options.organisations] == ["mopac", "mps"]
    assert [(o.value, o.label) for o in options.themes] == [
        ("finance", "Finance"),
        ("violence", "Violence"),
    ]
    # The MPS owner's risk is not visible to MOPAC without an agreed link.
    # An ownerless risk adds no option (and no NULL trips the owner query).
    assert [(o.value, o.label) for o in options.owners] == [
        ("mopac-owner", "mopac-owner (Director of Strategy)")
    ]
    assert ownerless.owner is None
