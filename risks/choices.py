"""Choice lists of the risk domain, as the UK Orange Book and our panel use them."""

from django.db import models


class Role(models.TextChoices):
    READER = "reader", "Reader"
    RISK_OWNER = "risk_owner", "Risk owner"
    GOVERNANCE = "governance", "Governance officer"


class Category(models.TextChoices):
    """Orange Book (2020) Annex 4 risk categories."""

    STRATEGY = "strategy", "Strategy"
    GOVERNANCE = "governance", "Governance"
    OPERATIONS = "operations", "Operations"
    LEGAL = "legal", "Legal"
    PROPERTY = "property", "Property"
    FINANCIAL = "financial", "Financial"
    COMMERCIAL = "commercial", "Commercial"
    PEOPLE = "people", "People"
    TECHNOLOGY = "technology", "Technology"
    INFORMATION = "information", "Information"
    SECURITY = "security", "Security"
    PROJECT = "project", "Project/Programme"
    REPUTATIONAL = "reputational", "Reputational"


class Horizon(models.TextChoices):
    SHORT_TERM = "short_term", "Short-term"
    LONG_TERM = "long_term", "Long-term"


class RiskStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Treatment(models.TextChoices):
    TOLERATE = "tolerate", "Tolerate"
    TREAT = "treat", "Treat"
    TRANSFER = "transfer", "Transfer"
    TERMINATE = "terminate", "Terminate"


class Appetite(models.TextChoices):
    AVERSE = "averse", "Averse"
    MINIMAL = "minimal", "Minimal"
    CAUTIOUS = "cautious", "Cautious"
    OPEN = "open", "Open"
    EAGER = "eager", "Eager"


class Proximity(models.TextChoices):
    UNDER_3_MONTHS = "lt_3m", "Less than 3 months"
    FROM_3_TO_6_MONTHS = "3_6m", "3 to 6 months"
    FROM_6_TO_12_MONTHS = "6_12m", "6 to 12 months"
    OVER_12_MONTHS = "gt_12m", "More than 12 months"


class Marking(models.TextChoices):
    OFFICIAL = "official", "OFFICIAL"
    OFFICIAL_SENSITIVE = "official_sensitive", "OFFICIAL-SENSITIVE"


class ControlType(models.TextChoices):
    PREVENTIVE = "preventive", "Preventive"
    DETECTIVE = "detective", "Detective"
    DIRECTIVE = "directive", "Directive"
    CORRECTIVE = "corrective", "Corrective"


class Effectiveness(models.TextChoices):
    EFFECTIVE = "effective", "Effective"
    PARTIALLY_EFFECTIVE = "partially_effective", "Partially effective"
    INEFFECTIVE = "ineffective", "Ineffective"
    NOT_ASSESSED = "not_assessed", "Not assessed"


class AssuranceLine(models.TextChoices):
    FIRST = "first", "1st line"
    SECOND = "second", "2nd line"
    THIRD = "third", "3rd line"
    EXTERNAL = "external", "External"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    COMPLETE = "complete", "Complete"
    CANCELLED = "cancelled", "Cancelled"


class Direction(models.TextChoices):
    """Direction of travel between two quarterly reviews."""

    INCREASING = "increasing", "Increasing"
    DECREASING = "decreasing", "Decreasing"
    STABLE = "stable", "Stable"
    NEW = "new", "New"

    @property
    def symbol(self) -> str:
        return {"increasing": "↑", "decreasing": "↓", "stable": "→", "new": "★"}[
            self.value
        ]


LIKELIHOOD_HELP = (
    "1 (rare), 2 (unlikely), 3 (possible), 4 (likely) or 5 (almost certain)."
)
IMPACT_HELP = "1 (minimal), 2 (minor), 3 (moderate), 4 (major) or 5 (severe)."
LIKELIHOOD_CHOICES = [
    (1, "1 – Rare"),
    (2, "2 – Unlikely"),
    (3, "3 – Possible"),
    (4, "4 – Likely"),
    (5, "5 – Almost certain"),
]
IMPACT_CHOICES = [
    (1, "1 – Minimal"),
    (2, "2 – Minor"),
    (3, "3 – Moderate"),
    (4, "4 – Major"),
    (5, "5 – Severe"),
]
