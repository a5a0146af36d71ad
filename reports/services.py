"""Writes to panel papers: editing, clearance and publication.

Every content edit (paper fields, themes, sections) raises the paper's revision,
and a clearance counts only for the revision it was given for, so an edit after
clearing asks both organisations to clear again. Publishing renders both PDFs in a
background task; a published version is never changed afterwards.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from notifications.models import Kind
from notifications.services import notify
from risks import access
from risks.models import Organisation, Risk, Theme
from risks.recording import StaleVersionError, apply_changes, record, record_delete

from . import selectors
from .models import (
    CLOSING_KINDS,
    SUMMARY_KINDS,
    Clearance,
    PanelPaper,
    PaperSection,
    Publication,
    PublicationStatus,
    SectionKind,
)
from .tasks import render_publication

__all__ = ["StaleVersionError"]

PAPER_FIELDS = (
    "meeting",
    "meeting_date",
    "agenda_item",
    "title",
    "report_by",
    "period_label",
    "period_end",
    "marking",
    "include_heat_maps",
    "include_matters_arising",
)
SECTION_FIELDS = ("kind", "heading", "body", "order", "oral_update", "is_sensitive")
# Kinds a paper has at most once; numbered (body) sections may repeat.
SINGLE_KINDS = frozenset(SUMMARY_KINDS + CLOSING_KINDS)
# A render still "in progress" after this long is taken to have died with its
# worker, and publishing may be tried again.
RENDER_TIMEOUT = timedelta(minutes=30)


# --- Derived status ------------------------------------------------------------


def required_organisations() -> QuerySet[Organisation]:
    """Return the organisations that must clear a paper: those holding a register."""
    holders = Organisation.objects.filter(
        Exists(Risk.objects.filter(organisation=OuterRef("pk")))
    )
    return holders if holders.exists() else Organisation.objects.all()


@dataclass(frozen=True)
class PaperState:
    """Where a paper stands: clearances of its current revision and publications."""

    revision: int
    required: tuple[Organisation, ...]
    cleared: tuple[Clearance, ...]
    published: Publication | None
    pending: Publication | None

    @property
    def cleared_organisations(self) -> tuple[Organisation, ...]:
        return tuple(c.organisation for c in self.cleared)

    @property
    def missing(self) -> tuple[Organisation, ...]:
        done = {c.organisation_id for c in self.cleared}
        return tuple(org for org in self.required if org.pk not in done)

    @property
    def fully_cleared(self) -> bool:
        return bool(self.required) and not self.missing

    @property
    def is_published(self) -> bool:
        """Say whether the current revision is the latest published version."""
        return self.published is not None and self.published.revision == self.revision

    @property
    def is_rendering(self) -> bool:
        return (
            self.pending is not None
            and self.pending.status == PublicationStatus.RENDERING
            and not _render_timed_out(self.pending)
        )

    @property
    def failed(self) -> Publication | None:
        """Return the last attempt to publish this revision if its render failed."""
        pending = self.pending
        if (
            pending is not None
            and pending.status == PublicationStatus.FAILED
            and pending.revision == self.revision
        ):
            return pending
        return None

    @property
    def can_publish(self) -> bool:
        return self.fully_cleared and not self.is_published and not self.is_rendering

    @property
    def label(self) -> str:
        if self.is_published:
            return f"Published (version {self.published.version})"
        if self.fully_cleared:
            everyone = "both" if len(self.required) == 2 else "all"
            return f"Cleared by {everyone} organisations"
        if self.cleared:
            names = " and ".join(org.short_name for org in self.cleared_organisations)
            return f"Cleared by {names}"
        return "Draft"

    @property
    def tag(self) -> str:
        """Return the GOV.UK tag colour modifier for the label."""
        if self.is_published:
            return "govuk-tag--green"
        if self.fully_cleared:
            return "govuk-tag--blue"
        if self.cleared:
            return "govuk-tag--light-blue"
        return "govuk-tag--grey"


def _render_timed_out(publication: Publication) -> bool:
    return publication.published_at < timezone.now() - RENDER_TIMEOUT


def paper_state(
    paper: PanelPaper, *, required: Iterable[Organisation] | None = None
) -> PaperState:
    """Derive the paper's state; uses prefetched clearances and publications."""
    if required is None:
        required = required_organisations()
    cleared = sorted(
        (c for c in paper.clearances.all() if c.revision == paper.revision),
        key=lambda c: c.organisation.short_name,
    )
    publications = sorted(paper.publications.all(), key=lambda p: -p.version)
    published = next(
        (p for p in publications if p.status == PublicationStatus.PUBLISHED), None
    )
    pending = next(
        (p for p in publications if p.status != PublicationStatus.PUBLISHED), None
    )
    return PaperState(
        revision=paper.revision,
        required=tuple(required),
        cleared=tuple(cleared),
        published=published,
        pending=pending,
    )


def paper_status(paper: PanelPaper) -> str:
    """Return the paper's status as people say it, e.g. "Cleared by MOPAC"."""
    return paper_state(paper).label


# --- Helpers -------------------------------------------------------------------


def _require_draft(user) -> None:
    if not selectors.can_draft(user):
        raise PermissionDenied("Only governance officers may draft and edit papers.")


def _claim_revision(paper: PanelPaper, expected_revision: int | None) -> None:
    """Raise the revision only if it is still the one the form was loaded from.

    A conditional UPDATE is atomic on PostgreSQL and SQLite alike, so of two
    concurrent edits from the same revision exactly one wins.
    """
    expected = paper.revision if expected_revision is None else expected_revision
    claimed = PanelPaper.objects.filter(pk=paper.pk, revision=expected).update(
        revision=F("revision") + 1
    )
    if not claimed:
        raise StaleVersionError(PanelPaper.objects.get(pk=paper.pk))
    paper.revision = expected + 1


def _check_revision(paper: PanelPaper, expected_revision: int | None) -> None:
    if expected_revision is not None and paper.revision != expected_revision:
        raise StaleVersionError(paper)


def _record_revision(
    paper: PanelPaper, *, user, reason: str, at: datetime | None
) -> None:
    """Save the paper's new revision so that its history says what changed."""
    record(paper, user=user, reason=reason, at=at)


def _fresh_section(section: PaperSection) -> PaperSection:
    """Reload the section; one deleted meanwhile is a conflict, not a crash."""
    fresh = PaperSection.objects.select_related("paper").filter(pk=section.pk).first()
    if fresh is None:
        raise StaleVersionError(PanelPaper.objects.get(pk=section.paper_id))
    return fresh


def _check_single_kind(section: PaperSection) -> None:
    if section.kind not in SINGLE_KINDS:
        return
    others = PaperSection.objects.filter(paper=section.paper_id, kind=section.kind)
    if section.pk:
        others = others.exclude(pk=section.pk)
    if others.exists():
        raise ValidationError(
            {
                "kind": f"The paper already has a “{section.get_kind_display()}” "
                "section. Edit that one instead."
            }
        )


def _check_heading(section: PaperSection) -> None:
    if section.kind == SectionKind.BODY and not section.heading.strip():
        raise ValidationError({"heading": "Enter a heading for a numbered section."})


# --- Papers --------------------------------------------------------------------


@transaction.atomic
def paper_create(
    *,
    user,
    data: dict,
    themes: Iterable[Theme] = (),
    reason: str = "",
    at: datetime | None = None,
) -> PanelPaper:
    """Start a new paper (revision 1) for a meeting of the Audit Panel."""
    _require_draft(user)
    paper = PanelPaper(created_by=user)
    apply_changes(paper, data, PAPER_FIELDS)
    record(paper, user=user, reason=reason or "Paper created", at=at)
    themes = list(themes)
    if themes:
        paper.themes.set(themes)  # history records the themes (same user, reason)
    return paper


@transaction.atomic
def paper_update(
    *,
    paper: PanelPaper,
    user,
    data: dict,
    themes: Iterable[Theme] | None = None,
    expected_revision: int | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> PanelPaper:
    """Change a paper's details or themes; skip the save when nothing changed."""
    _require_draft(user)
    fresh = PanelPaper.objects.get(pk=paper.pk)
    _check_revision(fresh, expected_revision)
    changed = apply_changes(fresh, data, PAPER_FIELDS)
    new_themes = None if themes is None else {t.pk for t in themes}
    themes_changed = new_themes is not None and new_themes != set(
        fresh.themes.values_list("pk", flat=True)
    )
    if not changed and not themes_changed:
        return fresh
    _claim_revision(fresh, expected_revision)
    if themes_changed:
        # One history row for the whole edit: the save below snapshots the themes.
        fresh.skip_history_when_saving = True
        try:
            fresh.themes.set(new_themes)
        finally:
            del fresh.skip_history_when_saving
    _record_revision(fresh, user=user, reason=reason or "Paper details changed", at=at)
    return fresh


# --- Sections ------------------------------------------------------------------


@transaction.atomic
def section_create(
    *,
    paper: PanelPaper,
    user,
    data: dict,
    expected_revision: int | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> PaperSection:
    """Add a Markdown section to the paper."""
    _require_draft(user)
    fresh = PanelPaper.objects.get(pk=paper.pk)
    _check_revision(fresh, expected_revision)
    section = PaperSection(paper=fresh)
    apply_changes(section, data, SECTION_FIELDS)
    _check_heading(section)
    _check_single_kind(section)
    _claim_revision(fresh, expected_revision)
    reason = reason or f"Section added: {section.title}"
    record(section, user=user, reason=reason, at=at)
    _record_revision(fresh, user=user, reason=reason, at=at)
    return section


@transaction.atomic
def section_update(
    *,
    section: PaperSection,
    user,
    data: dict,
    expected_revision: int | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> PaperSection:
    """Change a section; skip the save when nothing changed."""
    _require_draft(user)
    fresh = _fresh_section(section)
    paper = fresh.paper
    _check_revision(paper, expected_revision)
    if not apply_changes(fresh, data, SECTION_FIELDS):
        return fresh
    _check_heading(fresh)
    _check_single_kind(fresh)
    _claim_revision(paper, expected_revision)
    reason = reason or f"Section changed: {fresh.title}"
    record(fresh, user=user, reason=reason, at=at)
    _record_revision(paper, user=user, reason=reason, at=at)
    return fresh


@transaction.atomic
def section_delete(
    *,
    section: PaperSection,
    user,
    expected_revision: int | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> None:
    """Remove a section from the paper (its history is kept)."""
    _require_draft(user)
    fresh = _fresh_section(section)
    paper = fresh.paper
    _check_revision(paper, expected_revision)
    _claim_revision(paper, expected_revision)
    reason = reason or f"Section removed: {fresh.title}"
    record_delete(fresh, user=user, reason=reason, at=at)
    _record_revision(paper, user=user, reason=reason, at=at)


# --- Clearance and publication -------------------------------------------------


def _lock(paper: PanelPaper) -> PanelPaper:
    return PanelPaper.objects.select_for_update().get(pk=paper.pk)


def _check_seen(paper: PanelPaper, expected_revision: int | None) -> None:
    if expected_revision is not None and paper.revision != expected_revision:
        raise ValidationError(
            "The paper has changed since you opened it. Check the changes, "
            "then try again."
        )


@transaction.atomic
def paper_clear(
    *,
    paper: PanelPaper,
    organisation: Organisation,
    user,
    expected_revision: int | None = None,
    at: datetime | None = None,
) -> Clearance:
    """Clear the paper's current revision for the user's organisation."""
    if not access.is_governance(user, organisation):
        raise PermissionDenied(
            f"Only {organisation.short_name} governance officers may clear the "
            f"paper for {organisation.short_name}."
        )
    fresh = _lock(paper)
    _check_seen(fresh, expected_revision)
    existing = Clearance.objects.filter(
        paper=fresh, organisation=organisation, revision=fresh.revision
    ).first()
    if existing is not None:
        return existing
    clearance = Clearance(
        paper=fresh,
        organisation=organisation,
        revision=fresh.revision,
        cleared_by=user,
        cleared_at=at or timezone.now(),
    )
    record(
        clearance,
        user=user,
        reason=f"Revision {fresh.revision} cleared for {organisation.short_name}",
        at=at,
    )
    # The organisations still to clear are told once this commits.
    notify(Kind.CLEARANCE_NEEDED, clearance.pk)
    return clearance


@transaction.atomic
def paper_publish(
    *,
    paper: PanelPaper,
    user,
    expected_revision: int | None = None,
    at: datetime | None = None,
) -> Publication:
    """Publish the cleared revision as the next version; render its PDFs in a task.

    The task is enqueued when the transaction commits, so that a worker never
    looks for a publication that is not yet saved. With the immediate backend it
    has run by the time this returns (outside any enclosing transaction).
    """
    if not access.is_governance(user):
        raise PermissionDenied("Only governance officers may publish papers.")
    fresh = _lock(paper)
    _check_seen(fresh, expected_revision)
    state = paper_state(fresh)
    if state.missing:
        names = " and ".join(org.short_name for org in state.missing)
        raise ValidationError(
            f"{names} must clear revision {fresh.revision} before the paper can be "
            "published."
        )
    if not state.required:
        raise ValidationError("No organisation has cleared the paper.")
    if state.is_published:
        raise ValidationError(
            f"Revision {fresh.revision} is already published as version "
            f"{state.published.version}."
        )
    if state.is_rendering:
        raise ValidationError(
            f"Version {state.pending.version} is being rendered. Wait for it to finish."
        )
    # A failed (or abandoned) attempt at the next version is tried again in place.
    publication = state.pending or Publication(
        paper=fresh, version=state.published.version + 1 if state.published else 1
    )
    publication.revision = fresh.revision
    publication.published_at = at or timezone.now()
    publication.published_by = user
    publication.status = PublicationStatus.RENDERING
    publication.render_error = ""
    record(
        publication,
        user=user,
        reason=f"Version {publication.version} publication requested (revision "
        f"{fresh.revision})",
        at=at,
    )
    transaction.on_commit(
        partial(
            render_publication.enqueue,
            publication_id=publication.pk,
            revision=fresh.revision,
        )
    )
    return publication
