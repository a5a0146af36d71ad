"""Members' questions on published papers, and governance's answers.

Questions are fetched through reports.selectors.viewable_questions: one the user
may not see answers 404, one they may see but not answer 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from risks.forms import apply_service_error

from .. import question_services, selectors
from ..forms import AnswerForm, QuestionForm

get_or_post = require_http_methods(["GET", "HEAD", "POST"])


@login_required
@require_safe
def question_list(request: HttpRequest) -> HttpResponse:
    """List the panel's questions for governance: awaiting an answer first."""
    if not selectors.can_answer(request.user):
        raise PermissionDenied("Only governance officers answer panel questions.")
    questions = list(
        selectors.viewable_questions(request.user)
        .select_related("paper")
        .order_by("answer_published", "-asked_at", "-pk")
    )
    return render(request, "reports/question_list.html", {"questions": questions})


@login_required
@get_or_post
def question_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask a question on a published paper (panel members, until the meeting)."""
    paper = get_object_or_404(selectors.viewable_papers(request.user), pk=pk)
    if not selectors.can_ask(request.user):
        raise PermissionDenied("Only Audit Panel members may ask questions on papers.")
    publication = selectors.latest_publication(paper)
    sections = selectors.published_sections(paper, publication) if publication else []
    form = QuestionForm(
        request.POST if request.method == "POST" else None, sections=sections
    )
    if request.method == "POST" and form.is_valid():
        try:
            question_services.question_ask(
                paper=paper,
                user=request.user,
                text=form.cleaned_data["text"],
                section_id=form.cleaned_data["section"],
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request,
                "Your question is sent to MOPAC and MPS governance. Its answer "
                "will appear on this page.",
            )
            return redirect(f"{paper.get_absolute_url()}#questions")
    context = {
        "paper": selectors.published_face(paper, publication) if publication else paper,
        "form": form,
    }
    return render(request, "reports/question_form.html", context)


@login_required
@get_or_post
def question_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer a question: save a draft, or publish the answer to the panel."""
    question = get_object_or_404(
        selectors.viewable_questions(request.user).select_related("paper", "section"),
        pk=pk,
    )
    if not selectors.can_answer(request.user):
        raise PermissionDenied("Only governance officers may answer panel questions.")
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        initial={"answer": question.answer},
    )
    if request.method == "POST" and form.is_valid():
        publish = request.POST.get("publish") == "yes"
        try:
            question_services.question_answer(
                question=question,
                user=request.user,
                answer=form.cleaned_data["answer"],
                publish=publish,
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request,
                "The answer is published to the panel."
                if publish
                else "The answer is saved as a draft. The panel does not see it yet.",
            )
            return redirect("reports:questions")
    return render(
        request, "reports/question_answer.html", {"question": question, "form": form}
    )
