"""Template context shared by every page."""

from django.http import HttpRequest

from . import access


def membership(request: HttpRequest) -> dict:
    """Expose the signed-in user's organisation membership to templates."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"membership": access.membership_of(user)}
