"""Template helpers for risk pages."""

from html import escape

from django import template
from django.utils.dates import MONTHS_3
from django.utils.safestring import mark_safe

from ..choices import (
    IMPACT_CHOICES,
    LIKELIHOOD_CHOICES,
    ActionStatus,
    Direction,
    RiskStatus,
)

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


# Scores, directions and register rows appear hundreds of times on a page, so
# they are formatted in Python rather than by {% include %}. They escape with the
# standard library's html.escape: the same output as django.utils.html.escape,
# without its lazy-string wrapper on each of the ~1,000 calls a register makes.


def _score_html(value: int | None, band) -> str:
    if not value:
        return "Not scored"
    return (
        f'<strong class="app-band app-band--{band.key}">'
        f"{value} {escape(band.label)}</strong>"
    )


def _travel_html(direction: Direction) -> str:
    return (
        f'<span class="app-travel app-travel--{direction.value}">'
        f'<span class="app-travel__symbol" aria-hidden="true">{direction.symbol}'
        f"</span> {direction.label}</span>"
    )


@register.simple_tag
def score(value: int | None, band) -> str:
    """Return a score with its band in words ("20 Very high"), or "Not scored"."""
    return mark_safe(_score_html(value, band))  # noqa: S308 - escaped above


@register.simple_tag
def travel(direction: Direction) -> str:
    """Return a direction of travel: the word always, the arrow as a second cue."""
    return mark_safe(_travel_html(direction))  # noqa: S308 - constants only


@register.simple_tag
def register_row(row) -> str:
    """Return one row of the register table (a selectors.RegisterRow)."""
    themes = (
        f' <span class="govuk-body-s app-themes">Themes: '
        f"{escape(', '.join(row.theme_names))}</span>"
        if row.theme_names
        else ""
    )
    overdue = (
        ' <strong class="govuk-tag govuk-tag--red app-tag">Review overdue</strong>'
        if row.review_overdue
        else ""
    )
    day = row.next_review_date
    # "j M Y" without dateformat's per-call parsing; MONTHS_3 is translatable.
    next_review = (
        f"{day.day} {MONTHS_3[day.month].title()} {day.year}" if day else "Not set"
    )
    cell = '<td class="govuk-table__cell">'
    return mark_safe(  # noqa: S308 - every value is escaped here
        '<tr class="govuk-table__row">'
        f'<td class="govuk-table__cell app-register__ref">{escape(row.reference)}</td>'
        '<td class="govuk-table__cell app-register__title">'
        f'<a class="govuk-link" href="{escape(row.url)}">{escape(row.title)}</a>'
        f"{themes}</td>"
        f"{cell}{escape(row.organisation)}</td>"
        f"{cell}{escape(row.owner_post)}</td>"
        f"{cell}{_score_html(row.current_score, row.current_band)}</td>"
        f"{cell}{_score_html(row.target_score, row.target_band)}</td>"
        f"{cell}{_travel_html(row.direction)}</td>"
        f"{cell}{escape(next_review)}{overdue}</td>"
        f'{cell}<strong class="govuk-tag {status_tag_class(row.status)}">'
        f"{escape(row.status.label)}</strong></td>"
        "</tr>"
    )


@register.simple_tag
def heat_map_cell(heat_map, cell) -> str:
    """Return one cell of a register heat map: its count, linked, and its band."""
    if cell.count:
        plural = "" if cell.count == 1 else "s"
        count = (
            f'<a class="govuk-link app-heatmap__link" href="{escape(cell.href)}">'
            f'{cell.count}<span class="govuk-visually-hidden"> open '
            f"{escape(heat_map.short_name)} risk{plural} at likelihood "
            f"{cell.likelihood}, impact {cell.impact}</span></a>"
        )
    else:
        count = '<span class="app-heatmap__zero">0</span>'
    return mark_safe(  # noqa: S308 - every value is escaped here
        f'<td class="govuk-table__cell app-cell--{cell.band.key}">{count} '
        f'<span class="app-cell__band">{escape(cell.band.label)}</span></td>'
    )


@register.simple_tag
def select_options(options, selected) -> str:
    """Return <option>s for selectors.Option values, marking the selected one."""
    chosen = "" if selected is None else str(selected)
    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(
            f'<option value="{escape(option.value)}"'
            f"{' selected' if option.value == chosen else ''}>"
            f"{escape(option.label)}</option>"
            for option in options
        )
    )


@register.simple_tag
def filter_select(name: str, label: str, options, selected, any_label: str = ""):
    """Return a labelled <select> of the register's filter form."""
    blank = f'<option value="">{escape(any_label)}</option>' if any_label else ""
    return mark_safe(  # noqa: S308 - every value is escaped here
        '<div class="govuk-form-group app-filters__item">'
        f'<label class="govuk-label govuk-label--s" for="filter-{escape(name)}">'
        f"{escape(label)}</label>"
        f'<select class="govuk-select app-filters__select" id="filter-{escape(name)}" '
        f'name="{escape(name)}">{blank}{select_options(options, selected)}</select>'
        "</div>"
    )
