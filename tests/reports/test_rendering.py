"""The paper as HTML: Markdown sanitising, section order, Appendix A as at the
period end, the public edition, the preview and PDF views, and the demo paper."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from alignment import services as alignment_services
from reports import rendering
from reports.appendix import build_appendix
from reports.demo import load_demo_paper
from reports.markdown import render_markdown
from reports.models import PanelPaper, Publication, PublicationStatus, SectionKind
from risks import services as risk_services
from risks.choices import Direction

from .render_data import (
    DONE_ACTION,
    LATE_CONTROL,
    LATE_TITLE,
    OPEN_ACTION,
    OPEN_CONTROL,
    PUBLIC_SUMMARY,
    SECRET_CONTROL,
    SECRET_SECTION,
    SECRET_STATEMENT,
    at,
    build_render_world,
)

# --- Markdown -------------------------------------------------------------------


def test_markdown_keeps_paper_formatting():
    html = render_markdown(
        "# Heading\n\nSome **bold** and *em*.\n\n- one\n- two\n\n> quoted\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\nline  \nbreak"
    )
    for tag in ("<h3>", "<strong>", "<em>", "<ul>", "<li>", "<blockquote>"):
        assert tag in html
    for tag in ("<table>", "<thead>", "<tbody>", "<tr>", "<th>", "<td>", "<br>"):
        assert tag in html
    assert "<h1>" not in html


def test_markdown_shows_raw_html_as_text_and_drops_images():
    html = render_markdown(
        '<script>alert(1)</script> <img src="file:///etc/passwd"> '
        '<p style="color:red" onclick="x()">styled</p>\n\n'
        "![a chart](file:///etc/passwd)"
    )
    assert "<script" not in html and "<img" not in html and "<p style" not in html
    assert "&lt;script&gt;" in html  # shown as typed, never interpreted
    assert "style=" not in html.replace("&lt;p style=", "")
    assert "<em>a chart</em>" in html  # an image leaves only its description


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "http://127.0.0.1/", "javascript:alert(1)", "/relative"],
)
def test_markdown_drops_links_that_are_not_https_or_mailto(url):
    html = render_markdown(f"[label]({url})")
    assert "href" not in html
    assert "label" in html


def test_markdown_keeps_https_and_mailto_links_in_the_preview():
    html = render_markdown("[site](https://example.org/x) [mail](mailto:a@b.invalid)")
    assert 'href="https://example.org/x"' in html
    assert 'href="mailto:a@b.invalid"' in html


def test_markdown_prints_links_as_text_for_the_pdf():
    html = render_markdown(
        "[the site](https://example.org/x) and "
        "[a@b.invalid](mailto:a@b.invalid) and [bad](file:///etc/passwd)",
        links=False,
    )
    assert "<a" not in html
    assert "the site (https://example.org/x)" in html
    assert "a@b.invalid and bad" in html
    assert "file:" not in html


def test_recommendations_become_lettered_lists():
    assert "<ol>" in render_markdown("- one\n- two", lettered=True)
    assert "<ul>" in render_markdown("- one\n- two")


# --- The document -----------------------------------------------------------------


@pytest.fixture
def rw(db):
    return build_render_world()


def test_document_orders_sections_like_the_reference(rw):
    doc = rendering.build_document(rw.paper)
    assert [s.kind for s in doc.summary] == [
        SectionKind.SUMMARY,
        SectionKind.KEY_CONSIDERATIONS,
        SectionKind.INTERDEPENDENCIES,
        SectionKind.RECOMMENDATIONS,
    ]
    assert [s.title for s in doc.body] == [
        "Alignment of risk",
        "Community Engagement",
        "Aligned Finance risk",
    ]
    assert [s.title for s in doc.closing] == [
        "Equality and Diversity Impact",
        "Financial Implications",
        "Legal Implications",
        "Risk Implications",
        "Contact Details",
        "Appendices and Background Papers",
    ]
    assert doc.summary[0].title == "Overall Summary of the Purpose of the Report"


def test_html_document_has_language_title_and_fixed_dates(rw):
    html = rendering.render_html(rw.paper)
    assert '<html lang="en-GB">' in html
    assert f"<title>{rw.paper.title}</title>" in html
    assert '<meta name="dcterms.created" content="2019-09-01T08:00:00+00:00">' in html
    assert '<meta name="dcterms.modified" content="2019-09-01T08:13:00+00:00">' in html
    assert 'href="css/paper.css"' in html


def test_oral_update_section_says_so(rw):
    html = rendering.render_html(rw.paper)
    assert rendering.ORAL_UPDATE in html
    assert SECRET_SECTION in html


def test_full_edition_is_marked_sensitive_when_it_prints_sensitive_content(rw):
    assert rendering.build_document(rw.paper).marking == "OFFICIAL-SENSITIVE"
    assert rendering.build_document(rw.paper, edition="public").marking == "OFFICIAL"


def test_unknown_edition_is_refused(rw):
    with pytest.raises(ValueError, match="Unknown edition"):
        rendering.render_html(rw.paper, edition="secret")


def test_pdf_html_prints_links_as_text_and_keeps_hostile_text_inert(rw):
    html = rendering.render_html(rw.paper)
    assert "the web (https://example.org/law)" in html
    assert "<img" not in html and "<a " not in html
    assert "&lt;img src=" in html  # the raw tag is printed as typed, inert
    assert 'href="file' not in html and 'href="http://' not in html


# --- Appendix A ---------------------------------------------------------------------


def _themes(appendix):
    return {
        theme.name: {
            group.heading: [risk.reference for risk in group.risks]
            for group in theme.organisations
        }
        for theme in appendix.themes
    }


def test_appendix_lists_agreed_links_as_at_the_period_end(rw):
    appendix = build_appendix(rw.paper)
    # MPS-R03 was aligned in July, after the period end: it is not listed.
    assert _themes(appendix) == {
        "Community engagement": {
            "MOPAC risks": ["MOPAC-R01"],
            "MPS risks": ["MPS-R01"],
        },
        "Violence": {"MOPAC risks": ["MOPAC-R01"], "MPS risks": ["MPS-R02"]},
    }
    victims = appendix.themes[0].organisations[0].risks[0]
    assert victims.title == "Victims at the heart"
    assert (victims.score, victims.likelihood, victims.impact) == (12, 3, 4)
    assert victims.band.label == "High"
    assert victims.direction == Direction.INCREASING
    assert victims.aligned_with == ("MPS-R01",)
    assert [c.description for c in victims.controls] == [OPEN_CONTROL]
    assert [c.effectiveness for c in victims.controls] == ["Effective"]
    assert [a.description for a in victims.actions] == [OPEN_ACTION]  # open only
    assert victims.actions[0].due == datetime.date(2019, 10, 31)


def test_appendix_groups_organisations_by_short_name_from_data(rw):
    rw.mps.short_name = "AAA"
    rw.mps.save()
    headings = [g.heading for g in build_appendix(rw.paper).themes[0].organisations]
    assert headings == ["AAA risks", "MOPAC risks"]


def test_appendix_is_unchanged_when_the_register_changes_later(rw):
    before = rendering.render_html(rw.paper)
    gov = rw.users["mopac-governance"]
    risk_services.risk_update(
        risk=rw.victims,
        user=gov,
        data={"title": "Renamed in August", "current_likelihood": 5},
        at=at(2019, 8, 1, 10),
    )
    risk_services.control_create(
        risk=rw.victims,
        user=gov,
        data={"description": LATE_CONTROL, "owner_post": "Head"},
        at=at(2019, 8, 2, 10),
    )
    link = rw.victims.links_proposed.get(partner_risk=rw.violence)
    alignment_services.link_end(
        link=link, user=gov, reason="Realigned", at=at(2019, 8, 3, 10)
    )
    rw.victims.refresh_from_db()
    assert rw.victims.title == "Renamed in August"  # the register did change
    after = rendering.render_html(rw.paper)
    assert after == before
    assert "Victims at the heart" in after
    assert LATE_CONTROL not in after and LATE_TITLE not in after
    assert DONE_ACTION not in after


def test_appendix_heat_maps_show_both_organisations_as_at_the_period_end(rw):
    rw.paper.include_heat_maps = True
    rw.paper.save()
    maps = build_appendix(rw.paper).heat_maps
    assert [(m.short_name, m.total) for m in maps] == [("MOPAC", 1), ("MPS", 3)]
    html = rendering.render_html(rw.paper)
    assert "Heat maps" in html and "Likelihood 3" in html and "Impact 4" in html


# --- Public edition -------------------------------------------------------------------


def test_public_edition_leaves_out_sensitive_content(rw):
    full = rendering.render_html(rw.paper)
    public = rendering.render_html(rw.paper, edition="public")
    for secret in (SECRET_STATEMENT, SECRET_CONTROL, SECRET_SECTION):
        assert secret in full
        assert secret not in public
    assert PUBLIC_SUMMARY in public
    assert rendering.WITHHELD in public
    assert rendering.PUBLIC_NOTE in public
    assert "Engagement with the people we serve" not in public  # sensitive title
    assert "Victims at the heart" in public  # OFFICIAL risks stay in full


# --- Views ----------------------------------------------------------------------------


def _publish(paper, user, full=b"%PDF-stored-full", public=b"%PDF-stored-public"):
    publication = Publication(
        paper=paper,
        version=1,
        revision=paper.revision,
        published_at=at(2019, 9, 10, 12),
        published_by=user,
        status=PublicationStatus.PUBLISHED,
    )
    publication.full_pdf.save("full.pdf", ContentFile(full), save=False)
    publication.public_pdf.save("public.pdf", ContentFile(public), save=False)
    publication.save()
    return publication


def test_anonymous_users_are_sent_to_sign_in(client, rw):
    for name in ("reports:detail", "reports:pdf"):
        response = client.get(reverse(name, args=[rw.paper.pk]))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_governance_previews_the_live_draft(client, rw):
    client.force_login(rw.users["mps-governance"])
    response = client.get(reverse("reports:detail", args=[rw.paper.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Second engagement paragraph." in page
    assert SECRET_SECTION in page
    assert 'href="https://example.org/law"' in page  # links work on screen
    assert "css/paper.css" in page and "style=" not in page
    public = client.get(
        reverse("reports:detail", args=[rw.paper.pk]), {"edition": "public"}
    ).content.decode()
    assert SECRET_SECTION not in public and rendering.PUBLIC_NOTE in public


def test_governance_gets_a_live_pdf_of_the_draft(client, rw):
    client.force_login(rw.users["mopac-governance"])
    response = client.get(reverse("reports:pdf", args=[rw.paper.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert (
        "2019-09-18-5b-alignment-of-mopac-and-met-risks"
        in (response["Content-Disposition"])
    )
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("name", ["mopac-reader", "mps-owner", "panel"])
def test_others_cannot_open_a_draft(client, rw, name):
    client.force_login(rw.users[name])
    for view in ("reports:detail", "reports:pdf"):
        assert client.get(reverse(view, args=[rw.paper.pk])).status_code == 404


@pytest.mark.parametrize("name", ["mopac-reader", "panel"])
def test_others_get_the_stored_published_version_never_the_draft(client, rw, name):
    _publish(rw.paper, rw.users["mps-governance"])
    client.force_login(rw.users[name])
    preview = client.get(reverse("reports:detail", args=[rw.paper.pk]))
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Version 1 was published on 10 September 2019" in page
    assert "Second engagement paragraph." not in page  # no live draft
    assert reverse("reports:pdf", args=[rw.paper.pk]) in page
    full = client.get(reverse("reports:pdf", args=[rw.paper.pk]))
    assert full.getvalue() == b"%PDF-stored-full"
    assert full["Content-Disposition"].startswith("inline;")
    public = client.get(
        reverse("reports:pdf", args=[rw.paper.pk]), {"edition": "public"}
    )
    assert public.getvalue() == b"%PDF-stored-public"


def test_unknown_edition_answers_404(client, rw):
    client.force_login(rw.users["mopac-governance"])
    url = reverse("reports:pdf", args=[rw.paper.pk])
    assert client.get(url, {"edition": "leaked"}).status_code == 404


def test_missing_paper_answers_404(client, rw):
    client.force_login(rw.users["mopac-governance"])
    assert client.get(reverse("reports:detail", args=[999999])).status_code == 404


# --- Demo paper ---------------------------------------------------------------------


def test_demo_paper_is_created_once_with_the_reference_structure(world):
    from ..factories import ThemeFactory

    ThemeFactory(name="Community engagement", slug="community-engagement")
    ThemeFactory(name="Violence", slug="violence")
    user = world.users["mopac-governance"]
    paper = load_demo_paper(user=user, at=at(2019, 9, 2, 10))
    again = load_demo_paper(user=user, at=at(2019, 9, 3, 10))
    assert again.pk == paper.pk
    assert PanelPaper.objects.count() == 1
    assert paper.agenda_item == "5b" and paper.meeting_date == datetime.date(
        2019, 9, 18
    )
    assert paper.period_end == datetime.date(2019, 6, 30)
    # Appendix A: the risks with a significant community engagement response.
    assert list(paper.themes.values_list("name", flat=True)) == ["Community engagement"]
    doc = rendering.build_document(paper)
    assert [s.title for s in doc.body] == [
        "Alignment of risk",
        "Community Engagement",
        "Aligned Finance risk",
    ]
    assert doc.body[2].oral_update
    assert len(doc.summary) == 4 and len(doc.closing) == 6
    contact = next(s for s in doc.closing if s.kind == SectionKind.CONTACT)
    assert "governance@mopac.example.invalid" in contact.html
