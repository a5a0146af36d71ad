"""Making and recognising API token secrets (pure functions, no database)."""

import hashlib
import secrets

# A recognisable prefix lets secret scanners and people spot a leaked token.
TOKEN_PREFIX = "rrt_"  # noqa: S105  a label, not a secret
SECRET_BYTES = 32  # 256 bits of randomness: the hash needs no salt or stretching
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
MAX_TOKEN_LENGTH = 100


def new_secret() -> str:
    """Return a new token: the prefix and 43 URL-safe characters."""
    return TOKEN_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def digest(token: str) -> str:
    """Return the SHA-256 of a token, in hex: what the database keeps."""
    return hashlib.sha256(token.encode()).hexdigest()


def shown_prefix(token: str) -> str:
    return token[:SHOWN_PREFIX_LENGTH]


def looks_like_token(token: str) -> bool:
    """Say whether a string could be one of our tokens (cheap check, no query)."""
    return (
        token.startswith(TOKEN_PREFIX)
        and len(token) <= MAX_TOKEN_LENGTH
        and token.isascii()
        and token[len(TOKEN_PREFIX) :].replace("-", "").replace("_", "").isalnum()
    )
