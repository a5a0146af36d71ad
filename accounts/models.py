"""Models of the accounts app: break-glass sign-in links and API tokens."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class SignInLink(models.Model):
    """A one-time break-glass sign-in link for a superuser (manage.py signin_link)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token_digest = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the link's secret, in hex."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(
        max_length=150, help_text="The operating-system user who ran the command."
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Sign-in link {self.pk} for {self.user}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self, now):
        """Tokens that authenticate at `now`: neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    """A person's token for the read API; only the SHA-256 of its secret is kept.

    The secret is shown once, when the token is made. A token reads with its
    owner's rights, whatever they are at the time of each request.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        max_length=100, help_text='What the token is for, e.g. "Board dashboard".'
    )
    prefix = models.CharField(
        max_length=16,
        help_text="The token's first characters, to recognise it in lists and logs.",
    )
    digest = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the token, in hex."
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who made it (empty when made by create_api_token).",
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    last_used_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Recorded at most once per API_TOKEN_LAST_USED_SECONDS.",
    )

    # Creation and revocation are in the history; last use is written with
    # update() (not a change of the token) and left out.
    history = HistoricalRecords(excluded_fields=["last_used_at"])
    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="api_token_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False),
                name="api_token_revoked_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_active(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now
