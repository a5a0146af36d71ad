"""Who is asking: a personal access token (`Authorization: Bearer`) or a session.

A token authenticates as its owner, so every read goes through the same
selectors as the owner's browser and a token never sees more than its owner.
"""

import base64
import binascii

from django.utils import timezone
from rest_framework import authentication, exceptions

from accounts import selectors

KEYWORD = "Bearer"


def _basic_password(encoded: bytes) -> str:
    """Return the password of HTTP Basic credentials (where a token may be sent)."""
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise exceptions.AuthenticationFailed("The credentials are malformed.") from (
            error
        )
    return decoded.partition(":")[2]


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticate `Authorization: Bearer rrt_…` against the hashed tokens.

    The token is also taken as the password of HTTP Basic credentials (any user
    name): that is how Power BI keeps it as an encrypted data-source credential
    for scheduled refresh, out of the report's queries (docs/power-bi.md).
    """

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in (b"bearer", b"basic"):
            return None  # no token: the session may still authenticate
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as 'Authorization: Bearer <token>'."
            )
        if header[0].lower() == b"basic":
            secret = _basic_password(header[1])
        else:
            try:
                secret = header[1].decode("ascii")
            except UnicodeDecodeError as error:
                raise exceptions.AuthenticationFailed(
                    "The token is malformed."
                ) from error
        now = timezone.now()
        token = selectors.authenticated_token(secret, now)
        if token is None:
            # One message for unknown, revoked and expired tokens alike: the
            # answer must not tell a guesser which tokens once existed.
            raise exceptions.AuthenticationFailed(
                "The token is not valid: it may be mistyped, expired or revoked."
            )
        selectors.note_use(token, now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'{KEYWORD} realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """A signed-in browser (the API docs page); the API only reads, so no CSRF."""

    def enforce_csrf(self, request) -> None:
        # Every endpoint is GET/HEAD/OPTIONS; DRF itself exempts safe methods.
        return None
