"""The organisation register report: data as at the period end, the PDF read back
with pypdf, access, query budgets and background rendering of large registers.
"""

import hashlib
import io
import re
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from reports import register_pdf, register_report, register_services
from reports.models import RegisterReport, RegisterReportStatus
from reports.tasks import render_register_report
from risks import as_at
from risks.choices import Direction
from risks.models import Risk
from risks.selectors import heat_maps

from .register_data import (
    CLOSED_TITLE,
    CONTROL,
    DONE_ACTION,
    DRAFT_TITLE,
    EARLY_CLOSED_TITLE,
    FUTURE_ACTION,
    LATE_CONTROL,
    LATE_TITLE,
    OVERDUE_ACTION,
    Q2_END,
    RENAMED,
    SECRET,
    VICTIMS,
    build_register_world,
    bulk_register,
    change_after_the_period,
)

# pytest-django creates the test database only for tests that use it: these
# read what a module fixture wrote there, and may be selected alone (-k).
pytestmark = pytest.mark.django_db

Q2 = "2019/20 Q2"
FULL_TITLE = (
    "Mayor's Office for Policing and Crime: Corporate risk register, 2019/20 Q2"
)


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(texts: list[str]) -> str:
    return " ".join(texts).replace("\n", " ")


def report_url(slug="mopac", period: str | None = Q2, pdf=False) -> str:
    url = reverse(
        "reports:register_pdf" if pdf else "reports:register_report", args=[slug]
    )
    return url if period is None else f"{url}?{_query(period)}"


def _query(period: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"period": period})


# --- One render for the PDF tests ---------------------------------------------


@dataclass
class Rendered:
    pdf: bytes
    again: bytes
    after_changes: bytes
    after_changes_html: str
    html: str

    @cached_property
    def pages(self) -> list[str]:
        return pages(self.pdf)

    @cached_property
    def text(self) -> str:
        return flat(self.pages)


def _render(world):
    document = register_report.build_register_report(world.mopac, world.q2)
    return (
        register_pdf.render_register_pdf(document),
        register_pdf.render_register_html(document),
    )


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker) -> Rendered:
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_register_world()
        pdf, html = _render(world)
        again, _ = _render(world)
        # Change the register after the period end, some of it dated today.
        change_after_the_period(world)
        change_after_the_period_today(world)
        after_pdf, after_html = _render(world)
        transaction.set_rollback(True)
    return Rendered(pdf, again, after_pdf, after_html, html)


def change_after_the_period_today(world) -> None:
    from risks import services

    gov = world.users["mopac-governance"]
    services.risk_update(
        risk=Risk.objects.get(pk=world.r10.pk),
        user=gov,
        data={"title": "Renamed today"},
    )


def test_title_block_names_organisation_period_and_date(rendered):
    first = rendered.pages[0].replace("\n", " ")
    for words in (
        "MOPAC corporate risk register",
        "Mayor's Office for Policing and Crime: Corporate risk register",
        "2019/20 Q2, as at 30 September 2019",
        "Protective marking: OFFICIAL-SENSITIVE",
    ):
        assert words in first, words


def test_marking_names_and_page_numbers_on_every_page(rendered):
    assert len(rendered.pages) >= 3
    for number, page in enumerate(rendered.pages, start=1):
        # Running header and footer (and the body text on pages 1 and N).
        assert page.count("OFFICIAL-SENSITIVE") >= 2, number
        assert f"Page {number} of {len(rendered.pages)}" in page, number
        assert "MOPAC corporate risk register" in page, number
        assert "2019/20 Q2, as at 30 September 2019" in page, number


HEADINGS = [
    "Summary",
    "Risks by rating band",
    "Heat maps",
    "Risks outside appetite",
    "Overdue actions",
    "Risks",
    f"MOPAC-R01 {VICTIMS}",
    "MOPAC-R02 Source handling",
    "MOPAC-R10 Workforce capacity",
    "Risks closed during the period",
]


def test_sections_and_risks_come_in_order(rendered):
    position = 0
    for heading in HEADINGS:
        found = rendered.text.find(heading, position)
        assert found >= 0, heading
        position = found + len(heading)


def test_every_open_risk_has_an_entry_and_others_are_left_out(rendered):
    text = rendered.text
    for reference in ("MOPAC-R01", "MOPAC-R02", "MOPAC-R10"):
        assert reference in text
    # Closed during the period: listed at the end; closed before, draft, another
    # organisation's and later risks: not at all.
    closed = text.split("Risks closed during the period")[-1]
    assert f"MOPAC-R03 {CLOSED_TITLE}: closed 15 August 2019" in closed
    for absent in (EARLY_CLOSED_TITLE, DRAFT_TITLE, "MPS-R01", LATE_TITLE):
        assert absent not in text


def test_band_counts(rendered):
    summary = rendered.text.split("Heat maps")[0]
    assert "3 open risks by current score, as at 30 September 2019" in summary
    # Very high, high, medium, low: R01 12 and R10 16 are high, R02 4 is low.
    assert re.search(r"Very high 20 to 25 0\s+High 12 to 16 2", summary), summary
    assert re.search(r"Medium 5 to 10 0\s+Low 1 to 4 1\s+Total 3", summary)


def test_heat_maps_of_current_and_target_scores(rendered):
    maps = rendered.text.split("Heat maps", 1)[1].split("Risks outside appetite")[0]
    assert "Current scores: 3 open risks" in maps
    assert "Target scores: 3 open risks" in maps
    assert maps.count("Impact 1 Impact 2 Impact 3 Impact 4 Impact 5") == 2
    assert maps.count("Likelihood 5") == 2
    for band in ("Low", "Medium", "High", "Very high"):
        assert band in maps


def test_outside_appetite_furthest_first(rendered):
    part = rendered.text.split("Risks outside appetite", 1)[1].split("Overdue actions")[
        0
    ]
    assert "2 open risks with a current score above the ceiling" in part
    first = part.index(
        f"MOPAC-R01 {VICTIMS}: current score 12 High, appetite ceiling 10 (cautious)."
    )
    second = part.index(
        "MOPAC-R10 Workforce capacity in the control room: current score 16 High, "
        "appetite ceiling 15 (open)."
    )
    assert first < second
    assert "MOPAC-R02" not in part


def test_overdue_actions_as_at_the_end_date(rendered):
    part = rendered.text.split("Overdue actions", 1)[1].split("Scores are")[0]
    assert (
        f"MOPAC-R01: {OVERDUE_ACTION} Due 31 Aug 2019, at risk, overdue by 30 days."
        in part
    )
    assert DONE_ACTION not in part and FUTURE_ACTION not in part


def test_risk_entry_has_statement_scores_travel_appetite_controls_actions(rendered):
    entry = rendered.text.split(f"MOPAC-R01 {VICTIMS}")[-1].split("MOPAC-R02")[0]
    for words in (
        f"Because of pressures on {VICTIMS.lower()}, there is a risk that the "
        "response falls short, which would reduce public confidence.",
        "Owner: Director of Strategy.",
        "Direction of travel: Increasing (↑)",
        "Appetite: cautious, up to 10: outside appetite.",
        "inherent 4 × 5 = 20 Very high",
        "previous quarter 3 × 3 = 9 Medium",
        "current 3 × 4 = 12 High",
        "target 2 × 3 = 6 Medium",
        "Controls of MOPAC-R01",
        "Actions of MOPAC-R01",
        "Overdue by 30 days",
    ):
        assert words in entry, words
    # Controls and actions are small tables, a row each (read from the HTML: a
    # PDF's text interleaves the lines of cells that wrap).
    html = rendered.html.split("Controls of MOPAC-R01")[1].split("MOPAC-R02")[0]
    for row in (
        f"<td>{CONTROL}</td><td>Detective</td><td>Partially effective</td>"
        "<td>2nd line</td>",
        f"<td>{DONE_ACTION}</td><td>Head of Victims</td><td>31 Jul 2019</td>"
        "<td>Complete</td>",
        f"<td>{OVERDUE_ACTION}</td><td>Head of Victims</td><td>31 Aug 2019</td>"
        "<td>At risk <strong>Overdue by 30 days</strong></td>",
        f"<td>{FUTURE_ACTION}</td><td>Head of Victims</td><td>31 Dec 2019</td>"
        "<td>On track</td>",
    ):
        assert row in html, row
    sensitive = rendered.text.split("MOPAC-R02 Source handling")[-1]
    assert sensitive.lstrip().startswith("OFFICIAL-SENSITIVE")
    assert SECRET in sensitive
    assert "Direction of travel: Stable (→)" in sensitive


def test_risk_entry_reads_in_order_with_controls_and_actions_as_tables(rendered):
    # An entry is a heading, the statement, the paragraph of owner, appetite,
    # travel and scores, its chart, then the controls and the actions tables
    # (actions in due-date order).
    entry = rendered.text.split(f"MOPAC-R01 {VICTIMS}")[-1].split("MOPAC-R02")[0]
    order = [
        "Because of pressures on",
        "Owner: Director of Strategy.",
        "Category:",
        "Appetite:",
        "Direction of travel:",
        "Scores: inherent",
        "; previous quarter",
        "; current",
        "; target",
        "Controls of MOPAC-R01",
        "Actions of MOPAC-R01",
        DONE_ACTION[:20],
        OVERDUE_ACTION[:20],
        "Overdue by 30 days",
        FUTURE_ACTION[:20],
    ]
    positions = [entry.find(words) for words in order]
    assert -1 not in positions, dict(zip(order, positions, strict=True))
    assert positions == sorted(positions)
    # A risk with neither controls nor actions says so.
    r10 = rendered.text.split("MOPAC-R10 Workforce capacity in the control room")[-1]
    r10 = r10.split("Risks closed during the period")[0]
    assert "Controls: none recorded." in r10
    assert "Actions: none recorded." in r10


def test_pdf_is_tagged_with_title_language_dates_and_outline(rendered):
    reader = PdfReader(io.BytesIO(rendered.pdf))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title == FULL_TITLE
    # Dated from the data: the period end, and the last change up to it.
    assert reader.metadata.creation_date.date().isoformat() in (
        "2019-09-30",  # UTC of 23:59:59 BST is 22:59:59 the same day
    )
    assert reader.metadata.modification_date.date().isoformat() == "2019-09-20"

    def titles(outline, depth=0):
        for item in outline:
            if isinstance(item, list):
                yield from titles(item, depth + 1)
            else:
                yield depth, item.title

    outline = list(titles(reader.outline))
    assert [t for d, t in outline if d == 0] == [
        "Risks at a glance",
        "Summary",
        "Risks",
        "Risks closed during the period",
    ]
    for title in (
        "Rating bands over the quarters",
        "Heat maps",
        "Risks outside appetite",
        "Overdue actions",
        f"MOPAC-R01 {VICTIMS}",
        "MOPAC-R10 Workforce capacity in the control room",
    ):
        assert (1, title) in outline, title


def test_same_data_gives_identical_bytes(rendered):
    assert rendered.pdf == rendered.again


def test_changes_after_the_period_end_leave_the_report_unchanged(rendered):
    assert rendered.after_changes_html == rendered.html
    assert rendered.after_changes == rendered.pdf
    text = flat(pages(rendered.after_changes))
    for later in (RENAMED, LATE_CONTROL, LATE_TITLE, "Renamed today"):
        assert later not in text


# --- The report's data ---------------------------------------------------------


@pytest.fixture
def rw(db):
    return build_register_world()


def test_document_data_as_at_the_period_end(rw):
    doc = register_report.build_register_report(rw.mopac, rw.q2)
    assert [r.reference for r in doc.risks] == ["MOPAC-R01", "MOPAC-R02", "MOPAC-R10"]
    victims = doc.risks[0]
    assert victims.direction == Direction.INCREASING
    assert (victims.previous.value, victims.current.value) == (9, 12)
    assert [a.overdue for a in victims.actions] == [False, True, False]
    assert doc.previous_period == rw.q1
    assert doc.marking == "OFFICIAL-SENSITIVE"
    assert [c.reference for c in doc.closed] == ["MOPAC-R03"]


def test_current_heat_map_matches_the_register_heat_map(rw):
    doc = register_report.build_register_report(rw.mopac, rw.q2)
    moment = as_at.end_of_day(Q2_END)
    (register_map,) = heat_maps(
        Risk.history.as_of(moment).filter(organisation_id=rw.mopac.pk)
    )
    counts = [[c.count for c in row.cells] for row in register_map.rows]
    assert [[c.count for c in row.cells] for row in doc.heat_maps[0].rows] == counts
    assert doc.heat_maps[1].total == 3


def test_marking_follows_the_risks_as_at_the_period_end(rw):
    from risks import services

    from .register_data import at

    services.risk_update(
        risk=rw.sensitive,
        user=rw.users["mopac-governance"],
        data={"marking": "official"},
        at=at(2019, 10, 10, 10),
    )
    as_at_q2 = register_report.build_register_report(rw.mopac, rw.q2)
    as_at_q3 = register_report.build_register_report(rw.mopac, rw.q3)
    assert as_at_q2.marking == "OFFICIAL-SENSITIVE"
    assert as_at_q3.marking == "OFFICIAL"


def test_default_period_is_the_latest_closed_one(rw):
    periods = register_report.organisation_periods(rw.mopac)
    assert register_report.choose_period(periods, rw.mopac, None) == rw.q2
    assert register_report.choose_period(periods, rw.mopac, "2019/20 Q3") == rw.q3
    with pytest.raises(register_report.PeriodNotFoundError):
        register_report.choose_period(periods, rw.mopac, "2019/20 Q9")


# --- Views: access, periods ------------------------------------------------------


@pytest.mark.parametrize(
    "username", ["mopac-governance", "mopac-owner", "mopac-reader", "admin"]
)
def test_members_and_superusers_read_the_report(client, rw, username):
    client.force_login(rw.users[username])
    response = client.get(report_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "Corporate risk register" in body
    assert "2019/20 Q2, as at 30 September 2019" in body
    assert "MOPAC-R10" in body


@pytest.mark.parametrize(
    "username", ["mps-governance", "mps-owner", "mps-reader", "panel", "outsider"]
)
@pytest.mark.parametrize("pdf", [False, True])
def test_others_get_404(client, rw, username, pdf):
    client.force_login(rw.users[username])
    response = client.get(report_url(pdf=pdf))
    assert response.status_code == 404
    assert b"MOPAC-R01" not in response.content


@pytest.mark.parametrize("pdf", [False, True])
def test_anonymous_users_are_sent_to_sign_in(client, rw, pdf):
    response = client.get(report_url(pdf=pdf))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unknown_organisation_is_404(client, rw):
    client.force_login(rw.users["admin"])
    assert client.get(report_url("nowhere")).status_code == 404
    assert client.get(report_url("nowhere", pdf=True)).status_code == 404


@pytest.mark.parametrize("pdf", [False, True])
@pytest.mark.parametrize("label", ["2019/20 Q9", "x" * 300, "<script>", " "])
def test_a_period_that_does_not_exist_is_404_with_a_clear_message(
    client, rw, pdf, label
):
    client.force_login(rw.users["mopac-reader"])
    response = client.get(report_url(period=label, pdf=pdf))
    if not label.strip():  # an empty label means the default period
        assert response.status_code == 200
        return
    assert response.status_code == 404
    body = response.content.decode()
    assert "MOPAC has no reporting period called" in body
    assert "<script>" not in body
    assert "2019/20 Q1" in body and "2019/20 Q3" in body  # the ones it has


def test_without_a_period_the_latest_closed_one_is_shown(client, rw):
    client.force_login(rw.users["mopac-reader"])
    response = client.get(report_url(period=None))
    assert response.status_code == 200
    assert "2019/20 Q2, as at 30 September 2019" in response.content.decode()


def test_an_organisation_without_periods_is_404(client, rw):
    client.force_login(rw.users["mps-reader"])
    response = client.get(report_url("mps", period=None))
    assert response.status_code == 404
    assert "MPS has no reporting periods yet" in response.content.decode()


def test_small_registers_render_the_pdf_inline(client, rw, settings):
    settings.REGISTER_PDF_INLINE_MAX_RISKS = 10
    client.force_login(rw.users["mopac-owner"])
    response = client.get(report_url(pdf=True))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        "mopac-corporate-risk-register-2019-20-q2-as-at-2019-09-30.pdf"
        in response["Content-Disposition"]
    )
    assert "MOPAC-R10" in flat(pages(response.content))
    assert not RegisterReport.objects.exists()


def test_link_partial_points_members_at_their_own_register(rw):
    from risks.access import membership_of

    html = render_to_string(
        "reports/_register_report_link.html",
        {"membership": membership_of(rw.users["mps-reader"])},
    )
    assert reverse("reports:register_report", args=["mps"]) in html
    assert reverse("reports:register_pdf", args=["mps"]) in html
    assert render_to_string("reports/_register_report_link.html", {}).strip() == ""


# --- Query budget ---------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_query_count_is_constant_and_small(client, rw, settings):
    settings.REGISTER_PDF_INLINE_MAX_RISKS = 1000
    gov = rw.users["mopac-governance"]
    client.force_login(gov)
    client.get(report_url())  # warm up: one-off lookups are not the budget
    bulk_register(rw.mopac, 10, user=gov, previous=rw.q1, period=rw.q2, prefix="A")
    small = (_queries(client, report_url()), _queries(client, report_url(pdf=True)))
    bulk_register(rw.mopac, 50, user=gov, previous=rw.q1, period=rw.q2, prefix="B")
    large = (_queries(client, report_url()), _queries(client, report_url(pdf=True)))
    assert small == large
    assert max(large) <= 30
    response = client.get(report_url(pdf=True))
    text = flat(pages(response.content))
    assert "B-0050" in text and "63 open risks by current score" in text


# --- Background rendering of large registers -------------------------------------


def test_large_registers_render_in_the_background_then_serve_the_stored_pdf(
    client, rw, settings, django_capture_on_commit_callbacks
):
    settings.REGISTER_PDF_INLINE_MAX_RISKS = 2
    client.force_login(rw.users["mopac-reader"])
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.get(report_url(pdf=True))
    assert response.status_code == 202
    assert "The register report is being rendered" in response.content.decode()
    report = RegisterReport.objects.get()
    assert report.status == RegisterReportStatus.RENDERING
    assert (report.risk_count, report.period_label) == (3, Q2)
    assert report.requested_by == rw.users["mopac-reader"]
    assert len(callbacks) == 1

    # Asking again while it renders starts nothing new.
    with django_capture_on_commit_callbacks() as again:
        assert client.get(report_url(pdf=True)).status_code == 202
    assert again == [] and RegisterReport.objects.count() == 1

    callbacks[0]()  # the commit enqueues; the immediate backend runs the task
    report.refresh_from_db()
    assert report.status == RegisterReportStatus.READY
    with django_capture_on_commit_callbacks() as later:
        response = client.get(report_url(pdf=True))
    assert later == []
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = response.getvalue()  # streamed from the storage
    assert hashlib.sha256(data).hexdigest() == report.sha256
    # The stored render is the report itself, byte for byte.
    document = register_report.build_register_report(rw.mopac, rw.q2)
    assert register_pdf.render_register_pdf(document) == data
    assert "MOPAC-R10" in flat(pages(data))


def test_a_change_up_to_the_period_end_renders_again(
    client, rw, settings, django_capture_on_commit_callbacks
):
    settings.REGISTER_PDF_INLINE_MAX_RISKS = 2
    client.force_login(rw.users["mopac-reader"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(report_url(pdf=True)).status_code == 202
    assert client.get(report_url(pdf=True)).status_code == 200
    # A later change: same data up to 30 September, same stored render.
    change_after_the_period(rw)
    with django_capture_on_commit_callbacks() as callbacks:
        assert client.get(report_url(pdf=True)).status_code == 200
    assert callbacks == []
    # A backdated change within the period: a new render.
    from risks import services

    from .register_data import at

    services.risk_update(
        risk=rw.r10,
        user=rw.users["mopac-governance"],
        data={"title": "Backdated"},
        at=at(2019, 9, 25, 10),
    )
    with django_capture_on_commit_callbacks() as callbacks:
        assert client.get(report_url(pdf=True)).status_code == 202
    assert len(callbacks) == 1
    assert RegisterReport.objects.count() == 2


def test_a_new_layout_version_renders_again(
    client, rw, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.REGISTER_PDF_INLINE_MAX_RISKS = 2
    client.force_login(rw.users["mopac-reader"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(report_url(pdf=True)).status_code == 202
    old = RegisterReport.objects.get()
    assert old.layout_version == register_pdf.LAYOUT_VERSION
    assert client.get(report_url(pdf=True)).status_code == 200
    # Same data, but the template or stylesheet changed: the old render is not
    # served again.
    monkeypatch.setattr(register_pdf, "LAYOUT_VERSION", register_pdf.LAYOUT_VERSION + 1)
    with django_capture_on_commit_callbacks() as callbacks:
        assert client.get(report_url(pdf=True)).status_code == 202
    assert len(callbacks) == 1
    new = RegisterReport.objects.exclude(pk=old.pk).get()
    assert new.data_version == old.data_version
    assert new.layout_version == register_pdf.LAYOUT_VERSION


def test_a_failed_render_says_so_and_can_be_tried_again(
    client, rw, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.REGISTER_PDF_INLINE_MAX_RISKS = 2
    client.force_login(rw.users["mopac-reader"])

    def broken(document):
        raise RuntimeError("the printer is on fire")

    monkeypatch.setattr(register_pdf, "render_register_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(report_url(pdf=True))
    report = RegisterReport.objects.get()
    assert report.status == RegisterReportStatus.FAILED
    assert "the printer is on fire" in report.error
    response = client.get(report_url(pdf=True))
    assert response.status_code == 200
    assert "could not be rendered" in response.content.decode()
    assert "Try again" in response.content.decode()

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(report_url(pdf=True))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == RegisterReportStatus.READY and report.error == ""
    assert client.get(response["Location"])["Content-Type"] == "application/pdf"


def test_the_task_does_nothing_for_a_finished_report(rw, settings):
    settings.REGISTER_PDF_INLINE_MAX_RISKS = 2
    state = register_services.register_report_request(
        organisation=rw.mopac,
        period=rw.q2,
        user=rw.users["mopac-reader"],
        risk_count=3,
    )
    report = state.report
    assert render_register_report.call(report.pk) == "ready"
    report.refresh_from_db()
    first = report.sha256
    assert render_register_report.call(report.pk) == "ready"  # nothing re-rendered
    report.refresh_from_db()
    assert report.sha256 == first


def test_the_fetcher_serves_the_register_stylesheet_and_nothing_more():
    from reports.fetcher import STATIC_BASE_URL, RefusedURL, SafeFetcher

    response = SafeFetcher().fetch(f"{STATIC_BASE_URL}css/register.css")
    assert response.headers["Content-Type"].startswith("text/css")
    with pytest.raises(RefusedURL):
        SafeFetcher().fetch(f"{STATIC_BASE_URL}css/app.css")
