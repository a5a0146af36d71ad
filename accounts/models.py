"""Models of the accounts app."""

from django.conf import settings
from django.db import models


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
