"""Paper editor pages over HTTP: permissions, forms, clearance, publication, PDFs."""

import datetime
import hashlib

import pytest
from django.urls import reverse

from reports import rendering, services
from reports.models import (
    Clearance,
    PanelPaper,
    PaperSection,
    Publication,
    PublicationStatus,
    SectionKind,
)

from ..factories import ReportingPeriodFactory, ThemeFactory

GOVERNANCE = ["mopac-governance", "mps-governance"]
MEMBERS = ["mopac-owner", "mopac-reader", "mps-owner", "mps-reader"]
NOT_GOVERNANCE = [*MEMBERS, "panel", "outsider"]
FORM = {
    "meeting": "MPS-MOPAC Joint Audit Panel",
    "meeting_date": "2019-09-18",
    "agenda_item": "5b",
    "title": "Alignment of MOPAC and Met Risks",
    "report_by": "MOPAC Chief Executive Officer & Met Director of Strategy",
    "period_label": "2019/20 Q2",
    "period_end": "2019-09-30",
    "marking": "official",
}


@pytest.fixture
def paper(world):
    user = world.users["mopac-governance"]
    paper = services.paper_create(
        user=user,
        data={
            "meeting_date": datetime.date(2019, 9, 18),
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
        data={"kind": SectionKind.BODY, "heading": "Alignment of risk", "body": "x"},
    )
    paper.refresh_from_db()
    return paper


@pytest.fixture
def section(paper):
    return paper.sections.get()


def clear_both(world, paper):
    for org in (world.mopac, world.mps):
        services.paper_clear(
            paper=paper, organisation=org, user=world.users[f"{org.slug}-governance"]
        )


@pytest.fixture
def published(world, paper, django_capture_on_commit_callbacks):
    """Version 1 of the paper, rendered by the real renderer."""
    clear_both(world, paper)
    with django_capture_on_commit_callbacks(execute=True):
        publication = services.paper_publish(
            paper=paper, user=world.users["mps-governance"]
        )
    publication.refresh_from_db()
    assert publication.status == PublicationStatus.PUBLISHED
    return publication


def url(name, *args):
    return reverse(f"reports:{name}", args=args)


def revision(paper) -> int:
    return PanelPaper.objects.get(pk=paper.pk).revision


# --- Anonymous users and the list ---------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client, paper, section):
    for address in (
        url("list"),
        url("create"),
        url("update", paper.pk),
        url("section_create", paper.pk),
        url("section_update", section.pk),
        url("section_delete", section.pk),
        url("publication_pdf", paper.pk, 1),
    ):
        response = client.get(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith(reverse("login"))
    for address in (url("clear", paper.pk), url("publish", paper.pk)):
        response = client.post(address, {"revision": paper.revision})
        assert response["Location"].startswith(reverse("login"))
    assert not Clearance.objects.exists()


@pytest.mark.parametrize("username", GOVERNANCE)
def test_governance_lists_drafts_and_may_start_a_paper(client, world, paper, username):
    client.force_login(world.users[username])
    page = client.get(url("list")).content.decode()
    assert paper.title in page
    assert "Draft" in page
    assert url("create") in page
    assert url("update", paper.pk) in page


@pytest.mark.parametrize("username", NOT_GOVERNANCE)
def test_others_do_not_see_drafts_in_the_list(client, world, paper, username):
    client.force_login(world.users[username])
    page = client.get(url("list")).content.decode()
    assert paper.title not in page
    assert url("create") not in page


@pytest.mark.parametrize("username", [*MEMBERS, "panel"])
def test_members_and_panel_see_published_papers_with_download_links(
    client, world, published, username
):
    client.force_login(world.users[username])
    page = client.get(url("list")).content.decode()
    assert published.paper.title in page
    assert "Published (version 1)" in page
    assert url("publication_pdf", published.paper_id, 1) in page
    assert url("update", published.paper_id) not in page


def test_outsider_sees_no_paper(client, world, published):
    client.force_login(world.users["outsider"])
    assert published.paper.title not in client.get(url("list")).content.decode()


def test_list_costs_the_same_queries_for_more_papers(
    client, world, published, django_assert_max_num_queries
):
    client.force_login(world.users["mopac-governance"])
    with django_assert_max_num_queries(20) as one:
        client.get(url("list"))
    for n in range(4):
        services.paper_create(
            user=world.users["mps-governance"],
            data={
                "meeting_date": datetime.date(2020, 1, n + 1),
                "agenda_item": f"{n}",
                "title": f"Paper {n}",
                "report_by": "Director",
                "period_label": "2019/20 Q3",
                "period_end": datetime.date(2019, 12, 31),
            },
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(url("list")).content.decode()
    assert "Paper 3" in page


# --- Creating and editing a paper ----------------------------------------------------


@pytest.mark.parametrize("username", GOVERNANCE)
def test_governance_creates_a_paper(client, world, username):
    ReportingPeriodFactory(organisation=world.mopac)
    theme = ThemeFactory(name="Community engagement")
    client.force_login(world.users[username])
    form = client.get(url("create")).content.decode()
    assert '<option value="2019/20 Q2">2019/20 Q2</option>' in form
    response = client.post(
        url("create"), {**FORM, "period_end": "", "themes": [theme.pk]}
    )
    paper = PanelPaper.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("update", paper.pk)
    assert paper.created_by == world.users[username]
    assert paper.period_end == datetime.date(2019, 9, 30)  # from the period
    assert list(paper.themes.all()) == [theme]
    assert paper.history.first().history_user == world.users[username]


@pytest.mark.parametrize("username", NOT_GOVERNANCE)
def test_others_may_not_create_a_paper(client, world, username):
    client.force_login(world.users[username])
    assert client.get(url("create")).status_code == 403
    assert client.post(url("create"), FORM).status_code == 403
    assert not PanelPaper.objects.exists()


def test_bad_input_is_shown_in_an_error_summary(client, world):
    client.force_login(world.users["mopac-governance"])
    response = client.post(
        url("create"), {**FORM, "title": "", "meeting_date": "2019-02-31"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Enter the title" in page
    assert "must be a real date" in page
    assert not PanelPaper.objects.exists()


@pytest.mark.parametrize("username", GOVERNANCE)
def test_governance_edits_a_paper(client, world, paper, username):
    client.force_login(world.users[username])
    page = client.get(url("update", paper.pk)).content.decode()
    assert "Clearance and publication" in page
    assert f'name="revision" value="{paper.revision}"' in page
    response = client.post(
        url("update", paper.pk),
        {**FORM, "title": "Aligned risks", "revision": paper.revision, "reason": "Why"},
    )
    assert response.status_code == 302
    fresh = PanelPaper.objects.get(pk=paper.pk)
    assert (fresh.title, fresh.revision) == ("Aligned risks", paper.revision + 1)
    row = fresh.history.first()
    assert (row.history_user, row.history_change_reason) == (
        world.users[username],
        "Why",
    )


@pytest.mark.parametrize("username", NOT_GOVERNANCE)
def test_a_draft_is_not_found_by_others(client, world, paper, section, username):
    client.force_login(world.users[username])
    for address in (
        url("update", paper.pk),
        url("section_create", paper.pk),
        url("section_update", section.pk),
        url("section_delete", section.pk),
    ):
        assert client.get(address).status_code == 404, address
    assert client.post(url("update", paper.pk), FORM).status_code == 404


@pytest.mark.parametrize("username", [*MEMBERS, "panel"])
def test_a_published_paper_is_read_only_for_others(client, world, published, username):
    client.force_login(world.users[username])
    paper = published.paper
    section = paper.sections.get()
    for address in (
        url("update", paper.pk),
        url("section_create", paper.pk),
        url("section_update", section.pk),
        url("section_delete", section.pk),
    ):
        assert client.get(address).status_code == 403, address
    response = client.post(
        url("update", paper.pk), {**FORM, "revision": revision(paper)}
    )
    assert response.status_code == 403
    assert revision(paper) == published.revision


def test_stale_edit_shows_both_versions_and_writes_nothing(client, world, paper):
    loaded = paper.revision
    services.paper_update(
        paper=paper, user=world.users["mps-governance"], data={"title": "Theirs"}
    )
    client.force_login(world.users["mopac-governance"])
    response = client.post(
        url("update", paper.pk), {**FORM, "title": "Mine", "revision": loaded}
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "Mine" in page and "Theirs" in page
    assert PanelPaper.objects.get(pk=paper.pk).title == "Theirs"


# --- Sections -----------------------------------------------------------------------


@pytest.mark.parametrize("username", GOVERNANCE)
def test_governance_adds_edits_and_deletes_sections(client, world, paper, username):
    user = world.users[username]
    client.force_login(user)
    form = client.get(url("section_create", paper.pk)).content.decode()
    assert "Markdown. Paragraphs are numbered in the paper." in form
    response = client.post(
        url("section_create", paper.pk),
        {
            "kind": SectionKind.BODY,
            "heading": "Community engagement",
            "body": "Section 14 of the Act...",
            "order": 2,
            "is_sensitive": "on",
        },
    )
    assert response.status_code == 302
    section = PaperSection.objects.get(heading="Community engagement")
    assert section.is_sensitive and not section.oral_update
    assert revision(paper) == paper.revision + 1

    response = client.post(
        url("section_update", section.pk),
        {
            "kind": SectionKind.BODY,
            "heading": "Community engagement",
            "body": "Changed",
            "order": 2,
            "oral_update": "on",
            "revision": revision(paper),
            "reason": "Oral update instead",
        },
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.oral_update and not section.is_sensitive
    assert section.history.first().history_change_reason == "Oral update instead"

    assert client.get(url("section_delete", section.pk)).status_code == 200
    response = client.post(
        url("section_delete", section.pk),
        {"revision": revision(paper), "reason": "Merged"},
    )
    assert response.status_code == 302
    assert not PaperSection.objects.filter(pk=section.pk).exists()
    assert revision(paper) == paper.revision + 3
    assert paper.history.first().history_user == user


def test_numbered_section_needs_a_heading(client, world, paper):
    client.force_login(world.users["mps-governance"])
    response = client.post(
        url("section_create", paper.pk), {"kind": SectionKind.BODY, "order": 1}
    )
    assert response.status_code == 200
    assert "Enter a heading for a numbered section" in response.content.decode()
    assert revision(paper) == paper.revision


def test_stale_section_edit_shows_a_conflict(client, world, paper, section):
    client.force_login(world.users["mps-governance"])
    response = client.post(
        url("section_update", section.pk),
        {
            "kind": SectionKind.BODY,
            "heading": "Mine",
            "order": 1,
            "revision": paper.revision - 1,
        },
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "Mine" in page and "Alignment of risk" in page
    assert PaperSection.objects.get(pk=section.pk).heading == "Alignment of risk"


# --- Clearance and publication -------------------------------------------------------


@pytest.mark.parametrize("org", ["mopac", "mps"])
def test_governance_clears_for_its_own_organisation(client, world, paper, org):
    client.force_login(world.users[f"{org}-governance"])
    page = client.get(url("update", paper.pk)).content.decode()
    organisation = getattr(world, org)
    assert f"Clear revision {paper.revision} for {organisation.short_name}" in page
    response = client.post(
        url("clear", paper.pk),
        {"revision": paper.revision, "organisation": organisation.slug},
    )
    assert response.status_code == 302
    clearance = Clearance.objects.get()
    assert (clearance.organisation, clearance.revision) == (
        organisation,
        paper.revision,
    )
    page = client.get(url("update", paper.pk)).content.decode()
    assert f"Cleared by {organisation.short_name}" in page


@pytest.mark.parametrize(
    ("username", "org"), [("mopac-governance", "mps"), ("mps-governance", "mopac")]
)
def test_governance_may_not_clear_for_the_other_organisation(
    client, world, paper, username, org
):
    client.force_login(world.users[username])
    response = client.post(
        url("clear", paper.pk), {"revision": paper.revision, "organisation": org}
    )
    assert response.status_code == 403
    assert not Clearance.objects.exists()


@pytest.mark.parametrize("username", NOT_GOVERNANCE)
def test_others_may_not_clear_or_publish_a_draft(client, world, paper, username):
    client.force_login(world.users[username])
    for name in ("clear", "publish"):
        response = client.post(
            url(name, paper.pk), {"revision": paper.revision, "organisation": "mopac"}
        )
        assert response.status_code == 404
    assert not Clearance.objects.exists()


@pytest.mark.parametrize("username", [*MEMBERS, "panel"])
def test_others_may_not_clear_or_publish_a_published_paper(
    client, world, published, username
):
    paper = published.paper
    services.paper_update(
        paper=paper, user=world.users["mps-governance"], data={"title": "v2"}
    )
    client.force_login(world.users[username])
    for name in ("clear", "publish"):
        response = client.post(
            url(name, paper.pk), {"revision": revision(paper), "organisation": "mps"}
        )
        assert response.status_code == 403
    assert Publication.objects.count() == 1


def test_clear_and_publish_are_post_only(client, world, paper):
    client.force_login(world.users["mopac-governance"])
    assert client.get(url("clear", paper.pk)).status_code == 405
    assert client.get(url("publish", paper.pk)).status_code == 405


def test_clearing_after_the_paper_changed_is_refused(client, world, paper):
    client.force_login(world.users["mopac-governance"])
    response = client.post(
        url("clear", paper.pk),
        {"revision": paper.revision - 1, "organisation": "mopac"},
        follow=True,
    )
    assert "has changed since you opened it" in response.content.decode()
    assert not Clearance.objects.exists()


def test_publish_is_refused_until_both_clear_then_publishes_version_1(
    transactional_db, client, world, paper
):
    """Committed for real: the task runs when the request's transaction commits."""
    client.force_login(world.users["mopac-governance"])
    services.paper_clear(
        paper=paper, organisation=world.mopac, user=world.users["mopac-governance"]
    )
    page = client.get(url("update", paper.pk)).content.decode()
    assert "Publish as version" not in page
    response = client.post(
        url("publish", paper.pk), {"revision": paper.revision}, follow=True
    )
    assert "MPS must clear revision" in response.content.decode()
    assert not Publication.objects.exists()

    services.paper_clear(
        paper=paper, organisation=world.mps, user=world.users["mps-governance"]
    )
    page = client.get(url("update", paper.pk)).content.decode()
    assert "Cleared by both organisations" in page
    assert "Publish as version 1" in page
    response = client.post(url("publish", paper.pk), {"revision": paper.revision})
    assert response.status_code == 302
    publication = Publication.objects.get()
    assert (publication.version, publication.status) == (1, "published")
    page = client.get(url("update", paper.pk)).content.decode()
    assert "Version 1 published." in page
    assert "Published (version 1)" in page
    assert url("publication_pdf", paper.pk, 1) in page


def test_a_failed_render_can_be_published_again(
    client, world, paper, django_capture_on_commit_callbacks, monkeypatch
):
    clear_both(world, paper)
    client.force_login(world.users["mps-governance"])

    def broken(paper, *, edition="full"):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(rendering, "render_pdf", broken)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url("publish", paper.pk), {"revision": paper.revision})
    page = client.get(url("update", paper.pk)).content.decode()
    assert "could not be rendered" in page
    assert "disk full" in page
    assert "Try publishing again" in page
    assert Publication.objects.get().status == PublicationStatus.FAILED

    reader = world.users["mps-reader"]
    client.force_login(reader)
    assert client.get(url("publication_pdf", paper.pk, 1)).status_code == 404

    client.force_login(world.users["mopac-governance"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("publish", paper.pk), {"revision": paper.revision})
    assert Publication.objects.get().status == PublicationStatus.PUBLISHED
    client.force_login(reader)
    assert client.get(url("publication_pdf", paper.pk, 1)).status_code == 200


# --- Published PDFs ----------------------------------------------------------------


@pytest.mark.parametrize("username", [*GOVERNANCE, *MEMBERS, "panel"])
def test_everyone_with_access_downloads_the_published_pdfs(
    client, world, published, username
):
    client.force_login(world.users[username])
    for edition, expected in (
        ("full", published.full_sha256),
        ("public", published.public_sha256),
    ):
        response = client.get(
            url("publication_pdf", published.paper_id, 1), {"edition": edition}
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert hashlib.sha256(response.content).hexdigest() == expected


def test_panel_member_gets_404_for_a_draft_and_200_once_published(
    client, world, paper, django_capture_on_commit_callbacks
):
    client.force_login(world.users["panel"])
    assert client.get(url("update", paper.pk)).status_code == 404
    assert client.get(url("publication_pdf", paper.pk, 1)).status_code == 404
    clear_both(world, paper)
    with django_capture_on_commit_callbacks(execute=True):
        services.paper_publish(paper=paper, user=world.users["mopac-governance"])
    response = client.get(url("publication_pdf", paper.pk, 1))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_outsider_gets_404_for_a_published_pdf(client, world, published):
    client.force_login(world.users["outsider"])
    assert client.get(url("publication_pdf", published.paper_id, 1)).status_code == 404


def test_unknown_version_or_edition_is_not_found(client, world, published):
    client.force_login(world.users["panel"])
    address = url("publication_pdf", published.paper_id, 1)
    assert client.get(url("publication_pdf", published.paper_id, 2)).status_code == 404
    assert client.get(address, {"edition": "draft"}).status_code == 404


def test_a_pdf_that_does_not_match_its_sha256_is_refused_and_logged(
    client, world, published, caplog
):
    Publication.objects.filter(pk=published.pk).update(public_sha256="0" * 64)
    client.force_login(world.users["panel"])
    address = url("publication_pdf", published.paper_id, 1)
    response = client.get(address, {"edition": "public"})
    assert response.status_code == 500
    assert b"%PDF" not in response.content
    assert "does not match its SHA-256" in caplog.text
    assert client.get(address).status_code == 200  # the full edition is intact


def test_editing_after_publication_keeps_version_1_and_publishes_version_2(
    client, world, published, django_capture_on_commit_callbacks
):
    paper = published.paper
    client.force_login(world.users["mopac-governance"])
    address = url("publication_pdf", paper.pk, 1)
    before = client.get(address).content
    client.post(
        url("update", paper.pk),
        {**FORM, "title": "Revised title", "revision": revision(paper)},
    )
    assert client.get(address).content == before
    clear_both(world, PanelPaper.objects.get(pk=paper.pk))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("publish", paper.pk), {"revision": revision(paper)})
    second = Publication.objects.get(paper=paper, version=2)
    assert second.status == PublicationStatus.PUBLISHED
    assert client.get(address).content == before
    client.force_login(world.users["panel"])
    page = client.get(url("list")).content.decode()
    assert "Published (version 2)" in page
    assert url("publication_pdf", paper.pk, 1) in page
    assert url("publication_pdf", paper.pk, 2) in page


def test_admin_shows_papers_and_versions_but_never_changes_them(
    client, published, admin_user
):
    client.force_login(admin_user)
    for model in ("panelpaper", "clearance", "publication"):
        assert client.get(f"/admin/reports/{model}/").status_code == 200
        assert client.get(f"/admin/reports/{model}/add/").status_code == 403
    change = f"/admin/reports/publication/{published.pk}/change/"
    assert client.get(change).status_code == 200  # view only
    assert client.post(change, {"status": "failed"}).status_code == 403
    delete = f"/admin/reports/publication/{published.pk}/delete/"
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Publication.objects.get(pk=published.pk).status == "published"
