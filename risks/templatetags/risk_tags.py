"""Template helpers for risk pages."""

from django import template

from ..choices import IMPACT_CHOICES, LIKELIHOOD_CHOICES, ActionStatus, RiskStatus

register = template.Library()

_LIKELIHOOD = dict(LIKELIHOOD_CHOICES)
_IMPACT = dict(IMPACT_CHOICES)
# Tag colours only echo the words inside the tag.
_TAG_CLASSES = {
    RiskStatus.DRAFT: "govuk-tag--grey",
    RiskStatus.OPEN: "govuk-tag--blue",
    RiskStatus.CLOSED: "govuk-tag--grey",
    ActionStatus.NOT_STARTED: "govuk-tag--grey",
    ActionStatus.ON_TRACK: "govuk-tag--green",
    ActionStatus.AT_RISK: "govuk-tag--orange",
    ActionStatus.COMPLETE: "govuk-tag--blue",
    ActionStatus.CANCELLED: "govuk-tag--grey",
}


@register.filter
def likelihood_label(value: int | None) -> str:
    """Return "3 – Possible" for a likelihood rating."""
    return _LIKELIHOOD.get(value, "Not rated")


@register.filter
def impact_label(value: int | None) -> str:
    """Return "4 – Major" for an impact rating."""
    return _IMPACT.get(value, "Not rated")


@register.filter
def status_tag_class(value: str) -> str:
    """Return the GOV.UK tag colour class for a risk or action status."""
    return _TAG_CLASSES.get(value, "govuk-tag--grey")
