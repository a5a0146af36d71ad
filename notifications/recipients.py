"""Who is told about which event: the one place that chooses recipients."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from risks import access
from risks.choices import Role

from .models import Kind

GOVERNANCE_KINDS = (
    Kind.CLEARANCE_NEEDED,
    Kind.PAPER_PUBLISHED,
    Kind.ALIGNMENT_PROPOSED,
    Kind.ALIGNMENT_AGREED,
    Kind.ALIGNMENT_DECLINED,
    Kind.QUESTION_ASKED,
)
PANEL_KINDS = (Kind.PAPER_PUBLISHED, Kind.ANSWER_PUBLISHED)


def _active_users() -> QuerySet:
    return get_user_model().objects.filter(is_active=True)


def governance_of(organisations) -> QuerySet:
    """Return the active governance officers of the organisations (ids or objects)."""
    return _active_users().filter(
        membership__role=Role.GOVERNANCE, membership__organisation__in=organisations
    )


def all_governance() -> QuerySet:
    """Return the active governance officers of every organisation."""
    return _active_users().filter(membership__role=Role.GOVERNANCE)


def panel_members_for(paper) -> QuerySet:
    """Return the active members of the panel the paper goes to.

    A paper on a meeting goes to that meeting's panel; a paper not yet on any
    meeting (one panel is all there is today) to every panel member.
    """
    if paper.panel_meeting_id is None:
        return _active_users().filter(panel_member__isnull=False)
    return _active_users().filter(panel_member__panel__meetings=paper.panel_meeting_id)


def asker_of(question) -> QuerySet:
    """Return the person who asked the question, while active."""
    return _active_users().filter(pk=question.asked_by_id)


def either(*querysets: QuerySet) -> QuerySet:
    """Return the users in any of the querysets, each once."""
    condition = Q()
    for users in querysets:
        condition |= Q(pk__in=users.values("pk"))
    return _active_users().filter(condition)


def kinds_for(user) -> tuple[Kind, ...]:
    """Return the kinds of notification the user may receive, in Kind order."""
    wanted = set()
    if access.is_governance(user):
        wanted |= set(GOVERNANCE_KINDS)
    if access.is_panel_member(user):
        wanted |= set(PANEL_KINDS)
    return tuple(kind for kind in Kind if kind in wanted)
