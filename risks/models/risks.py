"""Risks, their controls and actions, and the object-permission tables."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from .. import scoring
from ..choices import (
    IMPACT_HELP,
    LIKELIHOOD_HELP,
    ActionStatus,
    Appetite,
    AssuranceLine,
    Category,
    ControlType,
    Effectiveness,
    Horizon,
    Marking,
    Proximity,
    RiskStatus,
    Treatment,
)
from .organisations import Organisation

SCORE_PARTS = ("inherent", "current", "target")


def rating_field(verbose_name: str, help_text: str):
    """Return a 1..5 likelihood or impact field (validated in forms and the DB)."""
    return models.PositiveSmallIntegerField(
        verbose_name,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=help_text,
    )


def range_constraint(name: str, field: str):
    """Return the DB check that keeps a rating field within 1..5."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 1, f"{field}__lte": 5}),
        name=f"{name}_{field}_1_to_5",
        violation_error_message=f"{field.replace('_', ' ').capitalize()} "
        "must be between 1 and 5.",
    )


class Theme(models.Model):
    """A cross-cutting concern (e.g. Community engagement) used to group risks."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RiskQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=RiskStatus.OPEN)

    def for_organisation(self, organisation: Organisation):
        return self.filter(organisation=organisation)

    def with_scores(self, *parts: str):
        """Annotate the scores (L × I) of the parts, all three by default, to sort."""
        return self.annotate(
            **{
                f"{part}_score_db": F(f"{part}_likelihood") * F(f"{part}_impact")
                for part in parts or SCORE_PARTS
            }
        )


class Risk(models.Model):
    """A corporate risk in one organisation's register."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="risks"
    )
    reference = models.CharField(
        max_length=30, help_text="Unique within the organisation, e.g. MOPAC-R07."
    )
    title = models.CharField(max_length=300)
    cause = models.TextField(help_text="Because of … (the cause).")
    event = models.TextField(help_text="There is a risk that … (the event).")
    effect = models.TextField(help_text="Which would result in … (the effect).")
    category = models.CharField(
        max_length=20, choices=Category, help_text="Orange Book Annex 4 category."
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="risks")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_risks",
    )
    owner_post = models.CharField(
        "owner post title", max_length=200, help_text="e.g. Director of Strategy."
    )
    horizon = models.CharField(
        max_length=20, choices=Horizon, default=Horizon.LONG_TERM
    )
    status = models.CharField(
        max_length=10, choices=RiskStatus, default=RiskStatus.OPEN
    )
    treatment = models.CharField(
        max_length=10, choices=Treatment, default=Treatment.TREAT
    )
    inherent_likelihood = rating_field("inherent likelihood", LIKELIHOOD_HELP)
    inherent_impact = rating_field("inherent impact", IMPACT_HELP)
    current_likelihood = rating_field("current likelihood", LIKELIHOOD_HELP)
    current_impact = rating_field("current impact", IMPACT_HELP)
    target_likelihood = rating_field("target likelihood", LIKELIHOOD_HELP)
    target_impact = rating_field("target impact", IMPACT_HELP)
    target_date = models.DateField(
        null=True, blank=True, help_text="When the target score should be reached."
    )
    appetite = models.CharField(
        max_length=10,
        choices=Appetite,
        default=Appetite.CAUTIOUS,
        help_text="How much of this risk the organisation will accept.",
    )
    proximity = models.CharField(
        max_length=10,
        choices=Proximity,
        default=Proximity.FROM_6_TO_12_MONTHS,
        help_text="How soon the risk could materialise.",
    )
    marking = models.CharField(
        "protective marking",
        max_length=20,
        choices=Marking,
        default=Marking.OFFICIAL,
    )
    public_summary = models.TextField(
        blank=True,
        help_text="Used in public papers instead of OFFICIAL-SENSITIVE detail.",
    )
    next_review_date = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Increases on every save; guards against lost updates."
    )

    history = HistoricalRecords(m2m_fields=[themes])
    objects = RiskQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__short_name", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "reference"],
                name="risk_unique_reference_per_organisation",
                violation_error_message="This organisation already has a risk "
                "with that reference.",
            ),
            *(
                range_constraint("risk", f"{part}_{kind}")
                for part in SCORE_PARTS
                for kind in ("likelihood", "impact")
            ),
            models.CheckConstraint(
                condition=Q(status=RiskStatus.CLOSED) | Q(closed_on__isnull=True),
                name="risk_closed_on_only_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(marking=Marking.OFFICIAL) | ~Q(public_summary=""),
                name="risk_sensitive_needs_public_summary",
                violation_error_message="An OFFICIAL-SENSITIVE risk needs a "
                "public summary for redacted papers.",
            ),
        ]
        indexes = [
            # Covers the register's heat maps, count and owner options: they
            # read these columns only (index-only scans on PostgreSQL).
            models.Index(
                fields=[
                    "organisation",
                    "status",
                    "current_likelihood",
                    "current_impact",
                    "id",
                    "owner",
                ],
                name="risk_register_summary",
            ),
            # The register's default order: its first page is read off this
            # index instead of sorting every visible risk.
            models.Index(fields=["reference", "id"], name="risk_register_order"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("risks:detail", args=[self.pk])

    def clean(self) -> None:
        scores = (self.inherent_score, self.target_score)
        if None not in scores and scores[1] > scores[0]:
            raise ValidationError(
                {
                    "target_likelihood": "The target score cannot be higher than "
                    "the inherent score."
                }
            )

    @property
    def statement(self) -> str:
        return f"{self.cause} {self.event} {self.effect}"

    @property
    def inherent_score(self) -> int | None:
        return scoring.score(self.inherent_likelihood, self.inherent_impact)

    @property
    def current_score(self) -> int | None:
        return scoring.score(self.current_likelihood, self.current_impact)

    @property
    def target_score(self) -> int | None:
        return scoring.score(self.target_likelihood, self.target_impact)

    @property
    def inherent_band(self):
        return scoring.band_for(self.inherent_score)

    @property
    def current_band(self):
        return scoring.band_for(self.current_score)

    @property
    def target_band(self):
        return scoring.band_for(self.target_score)

    @property
    def appetite_ceiling(self) -> int:
        return scoring.appetite_ceiling(self.appetite)

    @property
    def within_appetite(self) -> bool | None:
        return scoring.within_appetite(self.current_score, self.appetite)

    def review_is_overdue(self, today: date) -> bool:
        return scoring.review_is_overdue(
            status=self.status, next_review_date=self.next_review_date, today=today
        )


class RiskUserObjectPermission(UserObjectPermissionBase):
    """Named owner/delegate permissions on one risk (guardian, direct FK)."""

    content_object = models.ForeignKey(Risk, on_delete=models.CASCADE)

    history = HistoricalRecords()


class RiskGroupObjectPermission(GroupObjectPermissionBase):
    """Group permissions on one risk (guardian, direct FK)."""

    content_object = models.ForeignKey(Risk, on_delete=models.CASCADE)


class Control(models.Model):
    """Something in place that reduces a risk's likelihood or impact."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="controls")
    description = models.TextField()
    control_type = models.CharField(
        "type", max_length=20, choices=ControlType, default=ControlType.PREVENTIVE
    )
    owner_post = models.CharField("owner post title", max_length=200)
    effectiveness = models.CharField(
        max_length=30, choices=Effectiveness, default=Effectiveness.NOT_ASSESSED
    )
    assurance_line = models.CharField(
        max_length=10,
        choices=AssuranceLine,
        default=AssuranceLine.FIRST,
        help_text="Where assurance on this control comes from (three lines model).",
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["risk", "id"]

    def __str__(self) -> str:
        return self.description[:80]


class ActionFields(models.Model):
    """Fields of planned further work, shared by risk actions and joint actions."""

    description = models.TextField()
    owner_post = models.CharField("owner post title", max_length=200)
    due_date = models.DateField()
    revised_due_date = models.DateField(
        null=True, blank=True, help_text="Set when the original due date has slipped."
    )
    status = models.CharField(
        max_length=20, choices=ActionStatus, default=ActionStatus.NOT_STARTED
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def effective_due_date(self) -> date:
        return self.revised_due_date or self.due_date

    def is_overdue(self, today: date) -> bool:
        return scoring.action_is_overdue(
            status=self.status,
            due_date=self.due_date,
            revised_due_date=self.revised_due_date,
            today=today,
        )


class Action(ActionFields):
    """Further work planned to bring a risk towards its target."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="actions")

    history = HistoricalRecords()

    class Meta:
        ordering = ["risk", "due_date", "id"]
