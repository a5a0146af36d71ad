"""Paper preview, PDF and Word (.docx) views.

Governance officers see the live draft, rendered on demand; everyone else who may
open a paper gets its latest published version's stored file, never a render of
the draft.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from .. import question_services, rendering, selectors
from ..forms import QuestionForm
from ..models import PanelPaper, Publication
from ..tasks import stored_fields
from .downloads import file_response


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
        "paper": paper if drafting else selectors.published_face(paper, publication),
        "edition": edition,
        "drafting": drafting,
        "publication": publication,
        "doc": rendering.build_document(paper, edition=edition) if drafting else None,
    }
    context.update(_questions_context(request, context["paper"], publication))
    return render(request, "reports/paper_preview.html", context)


def _questions_context(
    request: HttpRequest, paper: PanelPaper, publication: Publication | None
) -> dict:
    """The paper's questions for governance and the panel; the form to ask one.

    `paper` is the paper as shown: its published face to the panel.
    """
    answering = selectors.can_answer(request.user)
    asking = selectors.can_ask(request.user) and publication is not None
    if not (answering or asking):
        return {"show_questions": False}
    questions = selectors.viewable_questions(request.user).filter(paper=paper)
    context = {
        "show_questions": True,
        "answering": answering,
        "asking": asking,
        "questions": list(questions),
        "ask_form": None,
        "ask_closed": "",
    }
    if asking:
        try:
            question_services.check_askable(publication, paper.meeting_date)
        except ValidationError as error:
            context["ask_closed"] = " ".join(error.messages)
        else:
            sections = selectors.published_sections(paper, publication)
            context["ask_form"] = QuestionForm(sections=sections)
    return context


def _renderer(file_format: str):
    """Return the format's render and file-name functions."""
    if file_format == "pdf":
        return rendering.render_pdf, rendering.pdf_filename
    # Imported here: python-docx is loaded only when a .docx is asked for.
    from .. import docx_paper

    return docx_paper.render_docx, docx_paper.docx_filename


def _paper_file(request: HttpRequest, pk: int, file_format: str) -> HttpResponse:
    """Return a draft render to governance, else the published stored file."""
    paper = _paper(request, pk)
    edition = _edition(request)
    render, name = _renderer(file_format)
    suffix = f".{file_format}"
    if selectors.can_draft(request.user):
        filename = name(paper, edition=edition)
        return file_response(
            render(paper, edition=edition),
            filename=filename.replace(suffix, f"-draft-r{paper.revision}{suffix}"),
            file_format=file_format,
            cache_control="private, no-store",
        )
    publication = selectors.latest_publication(paper)
    field = stored_fields(edition, file_format)[0]
    stored = getattr(publication, field, None) if publication else None
    if not stored:
        raise Http404("This edition has not been published in this format.")
    filename = name(selectors.published_face(paper, publication), edition=edition)
    return file_response(
        stored.open("rb"),
        filename=filename.replace(suffix, f"-v{publication.version}{suffix}"),
        file_format=file_format,
        cache_control="private",
    )


@login_required
@require_safe
def paper_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the PDF: a live draft render to governance, else the published one."""
    return _paper_file(request, pk, "pdf")


@login_required
@require_safe
def paper_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the .docx: a live draft render to governance, else the published one."""
    return _paper_file(request, pk, "docx")
