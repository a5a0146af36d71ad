"""The Panel's requests due at the next meeting, for the governance dashboard.

A template tag rather than a context entry: the dashboard belongs to `risks`,
which does not import `reports` (dependencies flow reports → risks).
"""

from django import template
from django.utils import timezone

from .. import selectors

register = template.Library()


@register.inclusion_tag("reports/_requests_due.html", takes_context=True)
def requests_due_next_meeting(context) -> dict:
    """Render the requests due at each prepared panel's next meeting."""
    user = context["request"].user
    requests = selectors.next_meeting_requests(user, timezone.localdate())
    return {"requests": requests, "meeting": requests[0].due_at if requests else None}
