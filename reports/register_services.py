"""Stored register reports (PDF or .docx): requesting a background render, storing it.

Small registers are rendered during the request (reports/views/register.py);
larger ones by the `render_register_report` task into a RegisterReport row. A
ready render is reused while the register's data up to the period end and the
report's layout in that format (layout_version) are unchanged, so asking again
costs one query, not a render.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from risks.models import Organisation, ReportingPeriod

from . import register_pdf, register_report
from .models import FileFormat, RegisterReport, RegisterReportStatus
from .storage import store_file

logger = logging.getLogger(__name__)

# A render still "rendering" after this long is taken to be abandoned (a worker
# stopped), and may be started again.
RENDER_TIMEOUT = timedelta(minutes=30)


# The Word edition's layout (reports/docx_register.py), versioned apart from the
# PDF's (register_pdf.LAYOUT_VERSION) so that a change to one does not render the
# other again. Bump it when the .docx changes. Until 6 the .docx was stored under
# the PDF's version (5); 6: risks at a glance, charts, entry tables.
DOCX_LAYOUT_VERSION = 6


def layout_version(file_format: str) -> int:
    """Return the current layout of the register report in that format."""
    if file_format == FileFormat.DOCX:
        return DOCX_LAYOUT_VERSION
    return register_pdf.LAYOUT_VERSION


def inline_limit() -> int:
    """Return the most open risks a register may have to render in the request."""
    return settings.REGISTER_PDF_INLINE_MAX_RISKS


@dataclass(frozen=True)
class RenderState:
    """A stored render, and whether this request started it."""

    report: RegisterReport
    started: bool


def is_abandoned(report: RegisterReport, now: datetime | None = None) -> bool:
    """Say whether a render has been 'rendering' for longer than it can take."""
    now = now or timezone.now()
    return (
        report.status == RegisterReportStatus.RENDERING
        and report.requested_at < now - RENDER_TIMEOUT
    )


def has_failed(report: RegisterReport, now: datetime | None = None) -> bool:
    """Say whether the render failed or was abandoned (it may be started again)."""
    return report.status == RegisterReportStatus.FAILED or is_abandoned(report, now)


def _start(report: RegisterReport, *, user, at: datetime) -> None:
    """Mark the report as rendering and enqueue the task once this commits."""
    from .tasks import render_register_report

    report.status = RegisterReportStatus.RENDERING
    report.requested_by = user if user.is_authenticated else None
    report.requested_at = at
    report.finished_at = None
    report.error = ""
    report.save()
    transaction.on_commit(partial(render_register_report.enqueue, report_id=report.pk))


@transaction.atomic
def register_report_request(
    *,
    organisation: Organisation,
    period: ReportingPeriod,
    user,
    risk_count: int,
    file_format: str = FileFormat.PDF,
    retry: bool = False,
    at: datetime | None = None,
) -> RenderState:
    """Return the stored render of this register as at the period end, or start one.

    A ready render of the same data and layout is reused. A render in progress is
    left to finish. A failed (or abandoned) one is started again only when asked to
    (`retry`), so that reloading a failure page does not start render after render.
    """
    at = at or timezone.now()
    version = register_report.data_version(organisation, period)
    report, created = RegisterReport.objects.select_for_update().get_or_create(
        organisation=organisation,
        period=period,
        period_label=period.label,
        file_format=file_format,
        data_version=version,
        layout_version=layout_version(file_format),
        defaults={"requested_at": at, "risk_count": risk_count},
    )
    if created or (retry and has_failed(report, at)):
        report.risk_count = risk_count
        _start(report, user=user, at=at)
        return RenderState(report=report, started=True)
    return RenderState(report=report, started=False)


def _claim(report_id: int) -> RegisterReport | None:
    report = (
        RegisterReport.objects.select_for_update()
        .select_related("organisation", "period")
        .get(pk=report_id)
    )
    return report if report.status == RegisterReportStatus.RENDERING else None


def render_file(document, file_format: str) -> bytes:
    """Return the report in the format asked for."""
    if file_format == FileFormat.DOCX:
        from . import docx_register  # python-docx only when a .docx is asked for

        return docx_register.write_register_docx(document)
    return register_pdf.render_register_pdf(document)


def register_report_render(report_id: int) -> str:
    """Render a requested register report and store the file with its SHA-256."""
    report = RegisterReport.objects.select_related("organisation", "period").get(
        pk=report_id
    )
    if report.status != RegisterReportStatus.RENDERING:
        return report.status  # already done by an earlier run of the task
    try:
        document = register_report.build_register_report(
            report.organisation, report.period
        )
        data = render_file(document, report.file_format)
    except Exception as error:
        logger.exception("Rendering register report %s failed", report_id)
        with transaction.atomic():
            current = _claim(report_id)
            if current is not None:
                current.status = RegisterReportStatus.FAILED
                current.error = f"{type(error).__name__}: {error}"[:2000]
                current.finished_at = timezone.now()
                current.save()
        return RegisterReportStatus.FAILED.value
    with transaction.atomic():
        current = _claim(report_id)
        if current is None:
            return "superseded"
        slug = slugify(f"{current.organisation.slug} {current.period_label}")
        file_format = current.file_format
        store_file(
            getattr(current, file_format),
            f"{slug}-as-at-{current.period.end}-{current.pk}.{file_format}",
            data,
        )
        current.sha256 = hashlib.sha256(data).hexdigest()
        current.risk_count = len(document.risks)
        current.status = RegisterReportStatus.READY
        current.finished_at = timezone.now()
        current.save()
    return RegisterReportStatus.READY.value
