"""Reads of the risk register, shaped for pages, in a constant number of queries."""

from django.db.models import QuerySet

from .choices import RiskStatus
from .models import Risk


def risks_owned_by(user) -> QuerySet[Risk]:
    """Return the open and draft risks the user owns, soonest review first."""
    return (
        Risk.objects.filter(owner=user)
        .exclude(status=RiskStatus.CLOSED)
        .select_related("organisation")
        .order_by("next_review_date", "reference")
    )


def register_rows(risks: QuerySet[Risk]) -> QuerySet[Risk]:
    """Prepare risks for the register table."""
    return risks.select_related("organisation").with_scores()
