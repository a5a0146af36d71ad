"""Reporting periods (quarters) and the quarterly reviews recorded in them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from .. import scoring
from ..choices import IMPACT_HELP, LIKELIHOOD_HELP
from .organisations import Organisation
from .risks import Risk, range_constraint, rating_field


class ReportingPeriodQuerySet(models.QuerySet):
    def open(self):
        return self.filter(is_closed=False)


class ReportingPeriod(models.Model):
    """A quarter of one organisation's financial year (which starts on 1 April)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="periods"
    )
    label = models.CharField(max_length=20, help_text="e.g. 2019/20 Q2.")
    start = models.DateField()
    end = models.DateField()
    is_closed = models.BooleanField(
        "closed", default=False, help_text="Reviews of a closed period are frozen."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()
    objects = ReportingPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "label"],
                name="period_unique_label_per_organisation",
                violation_error_message="This organisation already has a period "
                "with that label.",
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="period_end_after_start",
                violation_error_message="A period must end after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.label}"


class Review(models.Model):
    """A risk owner's quarterly assessment of one risk in one period."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="reviews")
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, related_name="reviews"
    )
    likelihood = rating_field("likelihood", LIKELIHOOD_HELP)
    impact = rating_field("impact", IMPACT_HELP)
    commentary = models.TextField(
        help_text="What changed this quarter and why the score is what it is."
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_on = models.DateField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["risk", "period__start"]
        constraints = [
            models.UniqueConstraint(
                fields=["risk", "period"],
                name="review_one_per_risk_and_period",
                violation_error_message="This risk already has a review for that "
                "period.",
            ),
            range_constraint("review", "likelihood"),
            range_constraint("review", "impact"),
        ]

    def __str__(self) -> str:
        return f"{self.risk.reference} {self.period.label}"

    @property
    def score(self) -> int:
        return scoring.score(self.likelihood, self.impact)

    @property
    def band(self):
        return scoring.band_for(self.score)
