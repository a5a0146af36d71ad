"""E-mail notifications: what was sent to whom, and who asked not to be told."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Kind(models.TextChoices):
    """The events people are told about, each of which they may opt out of."""

    CLEARANCE_NEEDED = "clearance_needed", "A paper is ready for your clearance"
    PAPER_PUBLISHED = "paper_published", "A panel paper is published"
    ALIGNMENT_PROPOSED = "alignment_proposed", "An alignment is proposed to you"
    ALIGNMENT_AGREED = "alignment_agreed", "Your alignment proposal is agreed"
    ALIGNMENT_DECLINED = "alignment_declined", "Your alignment proposal is declined"
    QUESTION_ASKED = "question_asked", "A panel member asks a question"
    ANSWER_PUBLISHED = "answer_published", "Your question is answered"


class Delivery(models.Model):
    """One notification e-mail for one event to one person.

    The row is written before the e-mail leaves; its uniqueness is what stops a
    retried or repeated task from sending the same event twice.
    """

    event = models.CharField(
        max_length=100, help_text='The event, e.g. "question-asked:12".'
    )
    kind = models.CharField(max_length=30, choices=Kind)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at", "pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient"], name="delivery_once_per_event_and_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} to user #{self.recipient_id}"


class Preference(models.Model):
    """One person's choice for one kind of notification (no row: they get it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(max_length=30, choices=Kind)
    enabled = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], name="preference_once_per_person_and_kind"
            )
        ]

    def __str__(self) -> str:
        state = "on" if self.enabled else "off"
        return f"{self.get_kind_display()}: {state} for user #{self.user_id}"
