"""The organisation register report: HTML preview, PDF and .docx, at a period end.

Only the organisation's own members (and superusers) may read it; everyone else
gets the same 404 as for an organisation that does not exist. Small registers
are rendered during the request; larger ones in the background, with a status
page until the stored file is ready.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_safe

from risks.models import Organisation, ReportingPeriod

from .. import register_pdf, register_report, register_services, selectors
from ..models import FileFormat, RegisterReportStatus
from .downloads import file_response


def _organisation(request: HttpRequest, slug: str) -> Organisation:
    organisation = get_object_or_404(Organisation, slug=slug)
    if not selectors.can_view_register_report(request.user, organisation):
        raise Http404("No such organisation register.")
    return organisation


def _period(
    request: HttpRequest, organisation: Organisation
) -> tuple[ReportingPeriod, list[ReportingPeriod]]:
    """Return the ?period= period (else the default one) and all the periods."""
    periods = register_report.organisation_periods(organisation)
    label = request.GET.get("period")
    return register_report.choose_period(periods, organisation, label), periods


def _period_not_found(
    request: HttpRequest, error: register_report.PeriodNotFoundError
) -> HttpResponse:
    """Answer 404 with what was wrong and the periods there are."""
    context = {
        "organisation": error.organisation,
        "periods": error.periods,
        "problem": str(error),
    }
    return render(request, "reports/register_status.html", context, status=404)


@login_required
@require_safe
def register_report_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the organisation's register as at the end of a reporting period."""
    organisation = _organisation(request, slug)
    try:
        period, periods = _period(request, organisation)
    except register_report.PeriodNotFoundError as error:
        return _period_not_found(request, error)
    context = {
        "organisation": organisation,
        "period": period,
        "periods": periods,
        "doc": register_report.build_register_report(
            organisation, period, periods=periods
        ),
    }
    return render(request, "reports/register_preview.html", context)


def _register_file(request: HttpRequest, slug: str, file_format: str) -> HttpResponse:
    """Return the register file: rendered now, stored, or a page while it renders.

    POST starts a failed background render again, then comes back here.
    """
    organisation = _organisation(request, slug)
    try:
        period, periods = _period(request, organisation)
    except register_report.PeriodNotFoundError as error:
        return _period_not_found(request, error)
    filename = register_pdf.register_pdf_filename(organisation, period)
    filename = filename.removesuffix(".pdf") + f".{file_format}"
    risk_count = register_report.open_risk_count(organisation, period)
    if risk_count <= register_services.inline_limit():
        document = register_report.build_register_report(
            organisation, period, periods=periods
        )
        data = register_services.render_file(document, file_format)
        return file_response(
            data, filename=filename, file_format=file_format, cache_control="private"
        )

    state = register_services.register_report_request(
        organisation=organisation,
        period=period,
        user=request.user,
        risk_count=risk_count,
        file_format=file_format,
        retry=request.method == "POST",
    )
    url_name = f"reports:register_{file_format}"
    if request.method == "POST":
        url = reverse(url_name, args=[organisation.slug])
        return redirect(f"{url}?{urlencode({'period': period.label})}")
    report = state.report
    if state.started:
        # The immediate backend (dev, tests outside a transaction) has already
        # rendered it by now; a worker has not.
        report.refresh_from_db()
    if report.status == RegisterReportStatus.READY:
        return file_response(
            report.stored_file.open("rb"),
            filename=filename,
            file_format=file_format,
            cache_control="private",
        )
    failed = register_services.has_failed(report)
    context = {
        "organisation": organisation,
        "period": period,
        "periods": periods,
        "report": report,
        "failed": failed,
        "url_name": url_name,
        "format_label": FileFormat(file_format).label,
    }
    # 202 Accepted while it renders: the file is on its way.
    status = 200 if failed else 202
    return render(request, "reports/register_status.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def register_report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """Return the register PDF: rendered now, stored, or a page while it renders."""
    return _register_file(request, slug, FileFormat.PDF)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def register_report_docx(request: HttpRequest, slug: str) -> HttpResponse:
    """Return the register .docx: rendered now, stored, or a page while it renders."""
    return _register_file(request, slug, FileFormat.DOCX)
