"""Members' questions on published papers, and governance's answers.

A panel member asks on a published paper (or one of its published sections) up
to the day of its meeting; governance officers of either organisation answer. An
answer may be kept as a draft; panel members see it once it is published, and
then it is no longer changed. Both events notify people (notifications app).
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from notifications.models import Kind
from notifications.services import notify
from risks import access
from risks.recording import record

from . import selectors
from .models import PanelPaper, Publication, Question

QUESTION_MAX = 4000


def _day(at: datetime | None):
    return timezone.localdate(at) if at is not None else timezone.localdate()


def check_askable(
    publication: Publication | None, meeting_date: date, *, at: datetime | None = None
) -> None:
    """Refuse a question on a paper not published, or whose meeting is past.

    `meeting_date` is the published paper's (selectors.published_face).
    """
    if publication is None:
        raise ValidationError(
            "Questions can be asked only on a published paper; this one is a draft."
        )
    if _day(at) > meeting_date:
        raise ValidationError(
            f"The meeting was on {meeting_date:%-d %B %Y}: questions on this "
            "paper closed then. Raise it with the Panel's secretariat instead."
        )


@transaction.atomic
def question_ask(
    *,
    paper: PanelPaper,
    user,
    text: str,
    section_id: int | None = None,
    at: datetime | None = None,
) -> Question:
    """Record a panel member's question on a published paper or one of its sections."""
    if not access.is_panel_member(user):
        raise PermissionDenied("Only Audit Panel members may ask questions on papers.")
    paper = PanelPaper.objects.select_for_update().get(pk=paper.pk)
    publication = selectors.latest_publication(paper)
    meeting_date = selectors.published_face(paper).meeting_date if publication else None
    check_askable(publication, meeting_date, at=at)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Enter your question."})
    if len(text) > QUESTION_MAX:
        raise ValidationError(
            {"text": f"A question can be at most {QUESTION_MAX} characters long."}
        )
    question = Question(
        paper=paper,
        version=publication.version,
        text=text,
        asked_by=user,
        asked_at=at or timezone.now(),
    )
    if section_id:
        sections = selectors.published_sections(paper, publication)
        section = next((s for s in sections if s.pk == section_id), None)
        if section is None:
            raise ValidationError(
                {"section": "Choose a section of the published paper."}
            )
        question.section_title = section.title
        # The draft may have removed the section since it was published.
        question.section_id = section.pk if section.live else None
    record(question, user=user, reason="Question asked", at=at)
    notify(Kind.QUESTION_ASKED, question.pk)
    return question


@transaction.atomic
def question_answer(
    *,
    question: Question,
    user,
    answer: str,
    publish: bool,
    at: datetime | None = None,
) -> Question:
    """Save governance's answer to a question, as a draft or published to the panel."""
    if not access.is_governance(user):
        raise PermissionDenied("Only governance officers may answer panel questions.")
    fresh = Question.objects.select_for_update().get(pk=question.pk)
    if fresh.answer_published:
        raise ValidationError(
            "The answer is already published to the panel and can no longer be changed."
        )
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": "Enter the answer."})
    if fresh.answer == answer and not publish:
        return fresh
    fresh.answer = answer
    fresh.answered_by = user
    fresh.answered_at = at or timezone.now()
    fresh.answer_published = publish
    reason = "Answer published to the panel" if publish else "Answer drafted"
    record(fresh, user=user, reason=reason, at=at)
    if publish:
        notify(Kind.ANSWER_PUBLISHED, fresh.pk)
    return fresh
