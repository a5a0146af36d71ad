"""Paper preview and PDF views.

Governance officers see the live draft, rendered on demand; everyone else who may
open a paper gets its latest published version, never a render of the draft.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from .. import rendering, selectors
from ..models import PanelPaper


def _paper(request: HttpRequest, pk: int) -> PanelPaper:
    return get_object_or_404(selectors.viewable_papers(request.user), pk=pk)


def _edition(request: HttpRequest) -> str:
    edition = request.GET.get("edition") or rendering.FULL
    if edition not in rendering.EDITIONS:
        raise Http404("There is no such edition of the paper.")
    return edition


@login_required
@require_safe
def paper_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the paper: the live draft to governance, else its published version."""
    paper = _paper(request, pk)
    edition = _edition(request)
    drafting = selectors.can_draft(request.user)
    publication = selectors.latest_publication(paper)
    if not drafting and publication is None:
        raise Http404("This paper has not been published.")
    context = {
        "paper": paper if drafting else selectors.published_face(paper),
        "edition": edition,
        "drafting": drafting,
        "publication": publication,
        "doc": rendering.build_document(paper, edition=edition) if drafting else None,
    }
    return render(request, "reports/paper_preview.html", context)


@login_required
@require_safe
def paper_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the PDF: a live draft render to governance, else the published one."""
    paper = _paper(request, pk)
    edition = _edition(request)
    drafting = selectors.can_draft(request.user)
    shown = paper if drafting else selectors.published_face(paper)
    filename = rendering.pdf_filename(shown, edition=edition)
    if drafting:
        data = rendering.render_pdf(paper, edition=edition)
        filename = filename.replace(".pdf", f"-draft-r{paper.revision}.pdf")
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(False, filename)
        response["Cache-Control"] = "private, no-store"
        return response
    publication = selectors.latest_publication(paper)
    stored = getattr(publication, f"{edition}_pdf", None) if publication else None
    if not stored:
        raise Http404("This edition has not been published.")
    filename = filename.replace(".pdf", f"-v{publication.version}.pdf")
    # Streamed in chunks from the storage (the object store when there are several
    # nodes); FileResponse closes the file when the response ends.
    response = FileResponse(
        stored.open("rb"), content_type="application/pdf", filename=filename
    )
    response["Cache-Control"] = "private"
    return response
