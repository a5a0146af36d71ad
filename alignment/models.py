"""Alignment links between two organisations' risks, and their joint actions."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from risks.models import ActionFields, Organisation, Risk, Theme


class Relationship(models.TextChoices):
    SHARED = "shared", "Shared risk"
    CONTRIBUTES_TO = "contributes_to", "Contributes to"
    MIRROR = "mirror", "Mirror"


class LinkStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    AGREED = "agreed", "Agreed"
    DECLINED = "declined", "Declined"
    ENDED = "ended", "Ended"


class AlignmentLinkQuerySet(models.QuerySet):
    def agreed(self):
        return self.filter(status=LinkStatus.AGREED)


class AlignmentLink(models.Model):
    """Two organisations' agreement that one risk of each is the same concern."""

    proposer_risk = models.ForeignKey(
        Risk, on_delete=models.PROTECT, related_name="links_proposed"
    )
    partner_risk = models.ForeignKey(
        Risk, on_delete=models.PROTECT, related_name="links_received"
    )
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="links")
    relationship = models.CharField(
        max_length=20, choices=Relationship, default=Relationship.SHARED
    )
    rationale = models.TextField(help_text="Why these two risks are aligned.")
    status = models.CharField(
        max_length=10, choices=LinkStatus, default=LinkStatus.PROPOSED
    )
    proposed_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The other organisation's governance officer who agreed or declined.",
    )
    decision_reason = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = AlignmentLinkQuerySet.as_manager()

    class Meta:
        ordering = ["theme__name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(proposer_risk=F("partner_risk")),
                name="link_two_different_risks",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposer_risk.reference} ↔ {self.partner_risk.reference}"

    def get_absolute_url(self) -> str:
        return reverse("alignment:detail", args=[self.pk])


class JointAction(ActionFields):
    """Further work agreed on an alignment link, owned by one organisation."""

    link = models.ForeignKey(
        AlignmentLink, on_delete=models.CASCADE, related_name="joint_actions"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organisation that owns and updates this action.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["link", "due_date", "id"]
