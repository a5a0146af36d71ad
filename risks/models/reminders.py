"""A record of the reminder digests sent, so that nobody gets two in one day."""

from django.conf import settings
from django.db import models


class ReminderLog(models.Model):
    """One reminder digest sent to one user on one day (send_reminders)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_on = models.DateField(help_text="The day the digest was for.")

    class Meta:
        ordering = ["-sent_on", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "sent_on"], name="reminder_once_per_user_and_day"
            )
        ]

    def __str__(self) -> str:
        return f"Reminder to user #{self.user_id} on {self.sent_on:%Y-%m-%d}"
