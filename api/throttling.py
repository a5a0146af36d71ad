"""Requests a minute per token (or per signed-in user), answered 429 beyond."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """Count requests per token; a browser session counts per user."""

    scope = "api"

    def get_rate(self) -> str:
        # Read at each request, so that settings changes (and tests) apply.
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str | None:
        token = request.auth
        if token is not None and hasattr(token, "pk"):
            return f"throttle_api_token_{token.pk}"
        if request.user and request.user.is_authenticated:
            return f"throttle_api_user_{request.user.pk}"
        return None  # refused as unauthenticated before it matters
