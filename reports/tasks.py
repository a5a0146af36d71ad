"""Background jobs of the reports app: rendering a publication's PDFs and .docx.

Tasks take ids, never objects, so that they run the same on the immediate
backend (dev, tests) and on django-tasks-db workers (production).
"""

import hashlib
import logging
from functools import partial

from django.db import transaction
from django.tasks import task

from audit.models import Occasion
from audit.tasks import seal_history_task
from notifications.models import Kind
from notifications.services import notify
from risks.recording import record

from .models import PanelPaper, Publication, PublicationStatus
from .storage import store_file

logger = logging.getLogger(__name__)

EDITIONS = ("full", "public")
# The stored files of a publication: (edition, format) -> (file field, SHA field).
STORED = {
    ("full", "pdf"): ("full_pdf", "full_sha256"),
    ("public", "pdf"): ("public_pdf", "public_sha256"),
    ("full", "docx"): ("full_docx", "full_docx_sha256"),
    ("public", "docx"): ("public_docx", "public_docx_sha256"),
}


def stored_fields(edition: str, file_format: str) -> tuple[str, str]:
    """Return the names of the file field and its SHA-256 field."""
    return STORED[(edition, file_format)]


class PaperChangedError(Exception):
    """The paper was edited after publishing was requested; the render is void."""

    def __init__(self, now: int, revision: int):
        super().__init__(
            f"The paper was changed (now revision {now}) before revision {revision} "
            "could be rendered. Clear and publish it again."
        )


def _current(publication_id: int, revision: int) -> Publication | None:
    """Lock the publication if it is still this attempt's, else return None."""
    publication = (
        Publication.objects.select_for_update()
        .select_related("published_by")
        .get(pk=publication_id)
    )
    if (
        publication.status != PublicationStatus.RENDERING
        or publication.revision != revision
    ):
        return None  # published, failed or superseded by a later attempt
    return publication


def _check_unchanged(paper_id: int, revision: int) -> None:
    paper = PanelPaper.objects.select_for_update().get(pk=paper_id)
    if paper.revision != revision:
        raise PaperChangedError(paper.revision, revision)


def _store(
    publication_id: int, revision: int, files: dict[tuple[str, str], bytes]
) -> bool:
    """Save both editions' PDF and .docx with their SHA-256; mark it published."""
    with transaction.atomic():
        publication = _current(publication_id, revision)
        if publication is None:
            return False
        # Holding the paper's row lock until commit means no edit slips in
        # between this check and the version becoming published.
        _check_unchanged(publication.paper_id, revision)
        for (edition, file_format), data in files.items():
            file_field, sha_field = stored_fields(edition, file_format)
            suffix = "" if edition == "full" else f"-{edition}"
            name = (
                f"paper-{publication.paper_id}-v{publication.version}{suffix}"
                f".{file_format}"
            )
            store_file(getattr(publication, file_field), name, data)
            setattr(publication, sha_field, hashlib.sha256(data).hexdigest())
        publication.status = PublicationStatus.PUBLISHED
        record(
            publication,
            user=publication.published_by,
            reason=f"Version {publication.version} published",
            at=None,
        )
        # Seal the history with the published files' SHA-256 once committed.
        transaction.on_commit(
            partial(
                seal_history_task.enqueue,
                occasion=Occasion.PUBLICATION,
                note=f"Paper {publication.paper_id} version {publication.version} "
                "published",
                files={
                    getattr(publication, file_field).name: getattr(
                        publication, sha_field
                    )
                    for file_field, sha_field in (stored_fields(*key) for key in files)
                },
            )
        )
        # The panel and both governance teams are told once it is committed.
        notify(Kind.PAPER_PUBLISHED, publication.pk)
        return True


def _fail(publication_id: int, revision: int, error: BaseException) -> None:
    """Record why the render failed; the paper stays a draft to publish again."""
    with transaction.atomic():
        publication = _current(publication_id, revision)
        if publication is None:
            return
        publication.status = PublicationStatus.FAILED
        text = str(error)
        if not isinstance(error, PaperChangedError):
            text = f"{type(error).__name__}: {text}"
        publication.render_error = text[:2000]
        record(
            publication,
            user=publication.published_by,
            reason=f"Version {publication.version} could not be rendered",
            at=None,
        )


@task
def render_publication(publication_id: int, revision: int) -> str:
    """Render the full and public PDF and .docx of a publication and publish it."""
    # Imported here: the renderers are heavy and must not be loaded by models/urls.
    from . import docx_paper, rendering

    publication = Publication.objects.select_related("paper").get(pk=publication_id)
    if (
        publication.status != PublicationStatus.RENDERING
        or publication.revision != revision
    ):
        return "superseded"
    paper = publication.paper
    try:
        if paper.revision != revision:
            raise PaperChangedError(paper.revision, revision)
        files = {}
        for edition in EDITIONS:
            files[edition, "pdf"] = rendering.render_pdf(paper, edition=edition)
            files[edition, "docx"] = docx_paper.render_docx(paper, edition=edition)
        stored = _store(publication_id, revision, files)
    except PaperChangedError as error:
        logger.warning("Publication %s not rendered: %s", publication_id, error)
        _fail(publication_id, revision, error)
        return PublicationStatus.FAILED.value
    except Exception as error:
        logger.exception(
            "Rendering publication %s (paper %s v%s) failed",
            publication_id,
            paper.pk,
            publication.version,
        )
        _fail(publication_id, revision, error)
        return PublicationStatus.FAILED.value
    return PublicationStatus.PUBLISHED.value if stored else "superseded"


@task
def render_register_report(report_id: int) -> str:
    """Render a large organisation register report (PDF or .docx) and store it."""
    # Imported here: the renderer is heavy and must not be loaded by models/urls.
    from .register_services import register_report_render

    return register_report_render(report_id)


@task
def render_meeting_pack(pack_id: int) -> str:
    """Render a meeting's agenda pack (one edition) and store it."""
    # Imported here: the renderer is heavy and must not be loaded by models/urls.
    from .pack_services import pack_render

    return pack_render(pack_id)
