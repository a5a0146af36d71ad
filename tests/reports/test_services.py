"""Paper services: editing raises the revision, clearance, publication and its task."""

import datetime
import hashlib
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.tasks.signals import task_enqueued

from reports import rendering, selectors, services
from reports.models import (
    Clearance,
    PanelPaper,
    PaperSection,
    Publication,
    PublicationStatus,
    SectionKind,
)
from reports.tasks import render_publication

from ..factories import ThemeFactory

GOVERNANCE = ["mopac-governance", "mps-governance"]
NOT_GOVERNANCE = [
    "mopac-owner",
    "mopac-reader",
    "mps-owner",
    "mps-reader",
    "panel",
    "outsider",
]
PAPER_DATA = {
    "meeting_date": datetime.date(2019, 9, 18),
    "agenda_item": "5b",
    "title": "Alignment of MOPAC and Met Risks",
    "report_by": "MOPAC Chief Executive Officer & Met Director of Strategy & "
    "Governance",
    "period_label": "2019/20 Q2",
    "period_end": datetime.date(2019, 9, 30),
}


@pytest.fixture
def paper(world):
    """A draft paper with one numbered section, written by MOPAC governance."""
    user = world.users["mopac-governance"]
    paper = services.paper_create(
        user=user, data=PAPER_DATA, themes=[ThemeFactory(name="Community engagement")]
    )
    services.section_create(
        paper=paper,
        user=user,
        data={
            "kind": SectionKind.BODY,
            "heading": "Alignment of risk",
            "body": "MOPAC and the MPS continue to embed improved ways of working.",
        },
    )
    paper.refresh_from_db()
    return paper


def clear_both(world, paper):
    for org in (world.mopac, world.mps):
        services.paper_clear(
            paper=paper, organisation=org, user=world.users[f"{org.slug}-governance"]
        )


def publish(world, paper, capture, user="mps-governance") -> Publication:
    """Publish and run the render task as the commit would."""
    with capture(execute=True):
        publication = services.paper_publish(paper=paper, user=world.users[user])
    publication.refresh_from_db()
    return publication


def stored(publication: Publication, edition: str = "full") -> bytes:
    with getattr(publication, f"{edition}_pdf").open("rb") as file:
        return file.read()


def status(paper: PanelPaper) -> str:
    return services.paper_status(PanelPaper.objects.get(pk=paper.pk))


# --- Creating and editing -------------------------------------------------------


@pytest.mark.parametrize("username", GOVERNANCE)
def test_governance_of_either_organisation_creates_a_paper(world, username):
    user = world.users[username]
    paper = services.paper_create(user=user, data=PAPER_DATA, reason="Q2 paper")
    assert paper.revision == 1
    assert paper.created_by == user
    row = paper.history.get()
    assert (row.history_user, row.history_change_reason) == (user, "Q2 paper")
    assert status(paper) == "Draft"


@pytest.mark.parametrize("username", NOT_GOVERNANCE)
def test_others_may_not_create_a_paper(world, username):
    with pytest.raises(PermissionDenied):
        services.paper_create(user=world.users[username], data=PAPER_DATA)
    assert not PanelPaper.objects.exists()


@pytest.mark.parametrize("username", GOVERNANCE)
def test_governance_of_either_organisation_edits_the_paper(world, paper, username):
    user = world.users[username]
    updated = services.paper_update(
        paper=paper,
        user=user,
        data={"title": "Alignment of risks"},
        expected_revision=paper.revision,
        reason="Title agreed",
    )
    assert updated.revision == paper.revision + 1
    assert PanelPaper.objects.get(pk=paper.pk).title == "Alignment of risks"
    latest = updated.history.first()
    assert latest.history_user == user
    assert latest.history_change_reason == "Title agreed"
    assert latest.revision == updated.revision


@pytest.mark.parametrize("username", NOT_GOVERNANCE)
def test_others_may_not_edit_the_paper_or_its_sections(world, paper, username):
    user = world.users[username]
    section = paper.sections.get()
    with pytest.raises(PermissionDenied):
        services.paper_update(paper=paper, user=user, data={"title": "X"})
    with pytest.raises(PermissionDenied):
        services.section_create(
            paper=paper, user=user, data={"kind": SectionKind.LEGAL, "body": "None."}
        )
    with pytest.raises(PermissionDenied):
        services.section_update(section=section, user=user, data={"body": "X"})
    with pytest.raises(PermissionDenied):
        services.section_delete(section=section, user=user)
    assert PanelPaper.objects.get(pk=paper.pk).revision == paper.revision


def test_saving_without_a_change_keeps_the_revision(world, paper):
    before = paper.history.count()
    services.paper_update(
        paper=paper,
        user=world.users["mps-governance"],
        data={"title": paper.title},
        themes=list(paper.themes.all()),
    )
    assert PanelPaper.objects.get(pk=paper.pk).revision == paper.revision
    assert paper.history.count() == before


def test_stale_edit_is_refused_and_nothing_is_written(world, paper):
    loaded = paper.revision
    services.paper_update(
        paper=paper, user=world.users["mps-governance"], data={"agenda_item": "6"}
    )
    with pytest.raises(services.StaleVersionError) as raised:
        services.paper_update(
            paper=paper,
            user=world.users["mopac-governance"],
            data={"title": "Overwritten?"},
            expected_revision=loaded,
        )
    assert raised.value.current.revision == loaded + 1
    fresh = PanelPaper.objects.get(pk=paper.pk)
    assert (fresh.title, fresh.agenda_item) == (PAPER_DATA["title"], "6")


def test_changing_themes_raises_the_revision_in_one_history_row(world, paper):
    violence = ThemeFactory(name="Violence")
    before = paper.history.count()
    updated = services.paper_update(
        paper=paper,
        user=world.users["mps-governance"],
        data={},
        themes=[violence],
        reason="Violence theme added",
    )
    assert updated.revision == paper.revision + 1
    assert list(PanelPaper.objects.get(pk=paper.pk).themes.all()) == [violence]
    assert paper.history.count() == before + 1
    row = paper.history.first()
    assert row.history_change_reason == "Violence theme added"
    assert [t.theme for t in row.themes.all()] == [violence]


def test_invalid_data_is_refused_without_raising_the_revision(world, paper):
    with pytest.raises(ValidationError) as raised:
        services.paper_update(
            paper=paper, user=world.users["mps-governance"], data={"title": ""}
        )
    assert "title" in raised.value.message_dict
    assert PanelPaper.objects.get(pk=paper.pk).revision == paper.revision


def test_every_section_edit_raises_the_revision_with_user_and_reason(world, paper):
    user = world.users["mps-governance"]
    start = paper.revision
    section = services.section_create(
        paper=paper,
        user=user,
        data={"kind": SectionKind.LEGAL, "body": "No legal implications."},
        reason="Legal section drafted",
    )
    assert PanelPaper.objects.get(pk=paper.pk).revision == start + 1
    assert section.history.get().history_user == user
    assert section.history.get().history_change_reason == "Legal section drafted"

    services.section_update(
        section=section,
        user=user,
        data={"body": "Legal advice is not required."},
        expected_revision=start + 1,
        reason="Reworded",
    )
    assert PanelPaper.objects.get(pk=paper.pk).revision == start + 2
    assert section.history.first().history_change_reason == "Reworded"

    services.section_delete(section=section, user=user, reason="Not needed")
    assert PanelPaper.objects.get(pk=paper.pk).revision == start + 3
    assert not PaperSection.objects.filter(pk=section.pk).exists()
    deleted = PaperSection.history.filter(id=section.pk).first()
    assert (deleted.history_type, deleted.history_user) == ("-", user)
    assert deleted.history_change_reason == "Not needed"
    paper_row = paper.history.first()
    assert (paper_row.revision, paper_row.history_user) == (start + 3, user)
    assert paper_row.history_change_reason == "Not needed"


def test_stale_section_edit_is_refused(world, paper):
    section = paper.sections.get()
    with pytest.raises(services.StaleVersionError):
        services.section_update(
            section=section,
            user=world.users["mps-governance"],
            data={"body": "Mine"},
            expected_revision=paper.revision - 1,
        )
    assert PaperSection.objects.get(pk=section.pk).body != "Mine"


def test_section_rules(world, paper):
    user = world.users["mps-governance"]
    with pytest.raises(ValidationError) as raised:
        services.section_create(
            paper=paper, user=user, data={"kind": SectionKind.BODY, "body": "x"}
        )
    assert "heading" in raised.value.message_dict
    services.section_create(
        paper=paper, user=user, data={"kind": SectionKind.RECOMMENDATIONS}
    )
    with pytest.raises(ValidationError) as raised:
        services.section_create(
            paper=paper, user=user, data={"kind": SectionKind.RECOMMENDATIONS}
        )
    assert "kind" in raised.value.message_dict


# --- Clearance --------------------------------------------------------------------


@pytest.mark.parametrize("org", ["mopac", "mps"])
def test_governance_clears_for_its_own_organisation(world, paper, org):
    user = world.users[f"{org}-governance"]
    organisation = getattr(world, org)
    clearance = services.paper_clear(paper=paper, organisation=organisation, user=user)
    assert (clearance.revision, clearance.cleared_by) == (paper.revision, user)
    assert status(paper) == f"Cleared by {organisation.short_name}"
    row = clearance.history.get()
    assert row.history_user == user
    assert row.history_change_reason == (
        f"Revision {paper.revision} cleared for {organisation.short_name}"
    )


@pytest.mark.parametrize(
    ("org", "username"),
    [
        ("mopac", "mps-governance"),
        ("mps", "mopac-governance"),
        *[("mopac", name) for name in NOT_GOVERNANCE],
        *[("mps", name) for name in NOT_GOVERNANCE],
    ],
)
def test_nobody_else_may_clear_for_an_organisation(world, paper, org, username):
    with pytest.raises(PermissionDenied):
        services.paper_clear(
            paper=paper,
            organisation=getattr(world, org),
            user=world.users[username],
        )
    assert not Clearance.objects.exists()


def test_clearing_is_idempotent_per_revision(world, paper):
    user = world.users["mopac-governance"]
    first = services.paper_clear(paper=paper, organisation=world.mopac, user=user)
    again = services.paper_clear(paper=paper, organisation=world.mopac, user=user)
    assert first.pk == again.pk
    assert Clearance.objects.count() == 1


def test_clearing_a_revision_the_user_has_not_seen_is_refused(world, paper):
    with pytest.raises(ValidationError):
        services.paper_clear(
            paper=paper,
            organisation=world.mopac,
            user=world.users["mopac-governance"],
            expected_revision=paper.revision - 1,
        )
    assert not Clearance.objects.exists()


def test_status_follows_clearances_and_an_edit_voids_them(world, paper):
    assert status(paper) == "Draft"
    services.paper_clear(
        paper=paper, organisation=world.mopac, user=world.users["mopac-governance"]
    )
    assert status(paper) == "Cleared by MOPAC"
    services.paper_clear(
        paper=paper, organisation=world.mps, user=world.users["mps-governance"]
    )
    assert status(paper) == "Cleared by both organisations"

    services.section_update(
        section=paper.sections.get(),
        user=world.users["mps-governance"],
        data={"body": "A late change."},
    )
    assert status(paper) == "Draft"
    state = services.paper_state(PanelPaper.objects.get(pk=paper.pk))
    assert {o.short_name for o in state.missing} == {"MOPAC", "MPS"}
    assert Clearance.objects.count() == 2  # kept, but for the older revision


# --- Publication ----------------------------------------------------------------


def test_publishing_is_refused_until_both_organisations_clear(
    world, paper, django_capture_on_commit_callbacks
):
    user = world.users["mopac-governance"]
    with pytest.raises(ValidationError, match="MOPAC and MPS must clear revision"):
        services.paper_publish(paper=paper, user=user)
    services.paper_clear(paper=paper, organisation=world.mopac, user=user)
    with pytest.raises(ValidationError, match="MPS must clear revision"):
        services.paper_publish(paper=paper, user=user)
    assert not Publication.objects.exists()


@pytest.mark.parametrize("username", NOT_GOVERNANCE)
def test_only_governance_publishes(world, paper, username):
    clear_both(world, paper)
    with pytest.raises(PermissionDenied):
        services.paper_publish(paper=paper, user=world.users[username])
    assert not Publication.objects.exists()


@pytest.mark.parametrize("username", GOVERNANCE)
def test_publishing_stores_both_pdfs_with_their_sha256(
    world, paper, django_capture_on_commit_callbacks, username
):
    clear_both(world, paper)
    publication = publish(world, paper, django_capture_on_commit_callbacks, username)

    assert publication.status == PublicationStatus.PUBLISHED
    assert (publication.version, publication.revision) == (1, paper.revision)
    assert publication.published_by == world.users[username]
    assert publication.render_error == ""
    for edition in ("full", "public"):
        data = stored(publication, edition)
        assert data.startswith(b"%PDF")
        assert hashlib.sha256(data).hexdigest() == getattr(
            publication, f"{edition}_sha256"
        )
    assert publication.full_pdf.name != publication.public_pdf.name
    assert publication.full_sha256 != publication.public_sha256
    assert status(paper) == "Published (version 1)"
    assert selectors.latest_publication(paper) == publication
    rows = list(publication.history.order_by("history_date", "history_id"))
    assert [r.status for r in rows] == ["rendering", "published"]
    assert {r.history_user for r in rows} == {world.users[username]}
    assert rows[-1].history_change_reason == "Version 1 published"


def test_the_task_is_enqueued_on_commit_with_ids_only(
    world, paper, django_capture_on_commit_callbacks
):
    clear_both(world, paper)
    enqueued = []

    def remember(sender, task_result, **kwargs):
        enqueued.append(task_result)

    task_enqueued.connect(remember)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            publication = services.paper_publish(
                paper=paper, user=world.users["mps-governance"]
            )
        assert enqueued == []  # nothing reaches a worker before the commit
        assert publication.status == PublicationStatus.RENDERING
        assert status(paper) == "Cleared by both organisations"
        for callback in callbacks:
            callback()
    finally:
        task_enqueued.disconnect(remember)
    (result,) = enqueued
    assert result.task.name == render_publication.name
    assert result.kwargs == {"publication_id": publication.pk, "revision": 2}
    json.dumps([result.args, result.kwargs])  # a database queue can store them
    publication.refresh_from_db()
    assert publication.status == PublicationStatus.PUBLISHED


def test_publishing_again_while_rendering_is_refused(
    world, paper, django_capture_on_commit_callbacks
):
    clear_both(world, paper)
    with django_capture_on_commit_callbacks(execute=False):
        services.paper_publish(paper=paper, user=world.users["mps-governance"])
        with pytest.raises(ValidationError, match="being rendered"):
            services.paper_publish(paper=paper, user=world.users["mopac-governance"])
    assert Publication.objects.count() == 1


def test_a_failed_render_leaves_the_paper_unpublished_and_a_retry_succeeds(
    world, paper, django_capture_on_commit_callbacks, monkeypatch
):
    clear_both(world, paper)

    def broken(paper, *, edition="full"):
        raise RuntimeError("WeasyPrint ran out of memory")

    with monkeypatch.context() as patch:
        patch.setattr(rendering, "render_pdf", broken)
        failed = publish(world, paper, django_capture_on_commit_callbacks)

    assert failed.status == PublicationStatus.FAILED
    assert "WeasyPrint ran out of memory" in failed.render_error
    assert not failed.full_pdf and not failed.full_sha256
    assert status(paper) == "Cleared by both organisations"
    assert not selectors.published(PanelPaper.objects.all()).exists()
    assert selectors.latest_publication(paper) is None
    state = services.paper_state(PanelPaper.objects.get(pk=paper.pk))
    assert state.failed == failed and state.can_publish
    failed_row = failed.history.first()
    assert failed_row.history_change_reason == "Version 1 could not be rendered"

    retried = publish(world, paper, django_capture_on_commit_callbacks)
    assert retried.pk == failed.pk  # the same version 1, tried again
    assert (retried.version, retried.status) == (1, PublicationStatus.PUBLISHED)
    assert retried.render_error == ""
    assert stored(retried).startswith(b"%PDF")
    assert status(paper) == "Published (version 1)"


def test_a_render_of_a_revision_edited_meanwhile_fails(
    world, paper, django_capture_on_commit_callbacks
):
    """With a real queue, the paper can change before a worker renders it."""
    clear_both(world, paper)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publication = services.paper_publish(
            paper=paper, user=world.users["mps-governance"]
        )
    services.paper_update(
        paper=paper, user=world.users["mopac-governance"], data={"title": "Changed"}
    )
    for callback in callbacks:
        callback()
    publication.refresh_from_db()
    assert publication.status == PublicationStatus.FAILED
    assert "changed" in publication.render_error
    assert status(paper) == "Draft"


def test_a_published_version_never_changes(
    world, paper, django_capture_on_commit_callbacks
):
    clear_both(world, paper)
    first = publish(world, paper, django_capture_on_commit_callbacks)
    first_bytes = {e: stored(first, e) for e in ("full", "public")}
    first_hashes = (first.full_sha256, first.public_sha256)
    user = world.users["mopac-governance"]

    with pytest.raises(ValidationError, match="already published as version 1"):
        services.paper_publish(paper=paper, user=user)

    services.section_create(
        paper=paper,
        user=user,
        data={"kind": SectionKind.BODY, "heading": "Aligned finance risk"},
    )
    assert status(paper) == "Draft"  # a new draft of version 2
    with pytest.raises(ValidationError, match="must clear revision"):
        services.paper_publish(paper=paper, user=user)

    clear_both(world, PanelPaper.objects.get(pk=paper.pk))
    second = publish(world, paper, django_capture_on_commit_callbacks)
    assert (second.version, second.status) == (2, PublicationStatus.PUBLISHED)
    assert second.revision == PanelPaper.objects.get(pk=paper.pk).revision
    assert second.full_sha256 != first.full_sha256
    assert status(paper) == "Published (version 2)"

    first.refresh_from_db()
    assert first.status == PublicationStatus.PUBLISHED
    assert (first.full_sha256, first.public_sha256) == first_hashes
    assert {e: stored(first, e) for e in ("full", "public")} == first_bytes
    assert first.full_pdf.name != second.full_pdf.name


def test_the_task_leaves_a_published_version_alone(
    world, paper, django_capture_on_commit_callbacks, monkeypatch
):
    clear_both(world, paper)
    publication = publish(world, paper, django_capture_on_commit_callbacks)
    monkeypatch.setattr(rendering, "render_pdf", lambda *a, **k: b"%PDF-forged")
    outcome = render_publication.call(
        publication_id=publication.pk, revision=publication.revision
    )
    assert outcome == "superseded"
    again = Publication.objects.get(pk=publication.pk)
    assert again.full_sha256 == publication.full_sha256
    assert stored(again) == stored(publication)
