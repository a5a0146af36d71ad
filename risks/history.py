"""One timeline of every recorded change to a risk and what hangs off it.

History rows of each object are fetched in one query per model and paired with
their predecessor in Python, so the page costs the same whatever its length.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import CharField, Value
from django.db.models.functions import Cast

from .models import Action, Control, ReportingPeriod, Review, Risk, Theme
from .models import RiskUserObjectPermission as Grant

# Bookkeeping fields that never mean anything to a reader of the history.
HIDDEN_FIELDS = {
    "id",
    "version",
    "risk",
    "organisation",
    "content_object",
    "permission",
}
VERBS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Who:
    name: str
    post: str


@dataclass(frozen=True)
class Entry:
    """One recorded change: when, who, why, what and the fields it changed."""

    when: datetime
    who: Who | None
    subject: str
    verb: str
    reason: str
    changes: list[FieldChange] = field(default_factory=list)
    order: int = 0


# A source yields history rows touching one risk that the viewer may see; other
# apps add their own (alignment adds link history) without `risks` importing them.
TimelineSource = Callable[[int, object], Iterable[tuple[models.QuerySet, Callable]]]
_extra_sources: list[TimelineSource] = []


def register_source(source: TimelineSource) -> None:
    """Add a source of history rows for the risk timeline."""
    if source not in _extra_sources:
        _extra_sources.append(source)


class Display:
    """Turns stored values into words: choice labels and names of related rows."""

    def __init__(self, labels: dict[type, dict[int, str]]):
        self.labels = labels

    def value(self, model_field: models.Field, value) -> str:
        if value is None or value == "":
            return "(none)"
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        if isinstance(model_field, models.ForeignKey):
            names = self.labels.get(model_field.related_model, {})
            return names.get(value, f"#{value}")
        if isinstance(model_field, models.BooleanField):
            return "Yes" if value else "No"
        if isinstance(model_field, models.DateField):
            return value.strftime("%-d %B %Y")
        return str(value)


def _tracked_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in HIDDEN_FIELDS]


def _diff(model, old, new, display: Display) -> list[FieldChange]:
    changes = []
    for model_field in _tracked_fields(model):
        before = getattr(old, model_field.attname) if old is not None else None
        after = getattr(new, model_field.attname) if new is not None else None
        if before != after:
            changes.append(
                FieldChange(
                    label=str(model_field.verbose_name).capitalize(),
                    old=display.value(model_field, before),
                    new=display.value(model_field, after),
                )
            )
    return changes


def _pairs(rows: Iterable) -> Iterable[tuple[object | None, object]]:
    """Yield (previous, row) for each history row, per object, oldest first."""
    previous: dict[int, object] = {}
    for row in rows:
        yield previous.get(row.id), row
        previous[row.id] = row


def _who(row) -> Who | None:
    user = row.history_user
    if user is None:
        return None
    membership = getattr(user, "membership", None)
    return Who(
        name=user.get_full_name() or user.get_username(),
        post=membership.post_title if membership else "",
    )


def _ordered(queryset: models.QuerySet) -> models.QuerySet:
    return queryset.select_related("history_user__membership").order_by(
        "history_date", "history_id"
    )


def _describe(label: str) -> Callable:
    def subject(row) -> str:
        text = getattr(row, "description", "") or ""
        return f"{label}: {text[:80]}" if text else label

    return subject


def _review_subject(periods: dict[int, str]) -> Callable:
    return lambda row: f"Review {periods.get(row.period_id, '')}".strip()


def _grant_subject(users: dict[int, str]) -> Callable:
    return lambda row: f"Edit permission for {users.get(row.user_id, 'a user')}"


def _labels(risk: Risk) -> dict[type, dict[int, str]]:
    """Names of the rows history refers to by id, fetched in one UNION query."""
    user_model = get_user_model()
    sources = {
        "user": (user_model.objects.all(), user_model.USERNAME_FIELD, user_model),
        "period": (
            ReportingPeriod.objects.filter(organisation_id=risk.organisation_id),
            "label",
            ReportingPeriod,
        ),
        "risk": (Risk.objects.all(), "reference", Risk),
        "theme": (Theme.objects.all(), "name", Theme),
    }
    queries = [
        queryset.order_by()
        .annotate(kind=Value(kind, output_field=CharField()))
        .values_list("kind", "pk", Cast(field, CharField()))
        for kind, (queryset, field, _) in sources.items()
    ]
    labels: dict[type, dict[int, str]] = {model: {} for _, _, model in sources.values()}
    for kind, pk, label in queries[0].union(*queries[1:], all=True):
        labels[sources[kind][2]][pk] = label
    return labels


def _themes_by_history_row(risk: Risk, names: dict[int, str]) -> dict[int, str]:
    """Return the risk's theme names as recorded with each history row (one query)."""
    through = Risk.history.model._meta.get_field("historicalrisk_themes").related_model
    grouped: dict[int, list[str]] = {}
    for history_id, theme_id in through.objects.filter(risk_id=risk.pk).values_list(
        "history_id", "theme_id"
    ):
        grouped.setdefault(history_id, []).append(names.get(theme_id, f"#{theme_id}"))
    return {key: ", ".join(sorted(values)) for key, values in grouped.items()}


def _theme_change(themes_at: dict[int, str], previous, row) -> list[FieldChange]:
    before = themes_at.get(previous.history_id, "") if previous is not None else ""
    after = themes_at.get(row.history_id, "")
    if before == after:
        return []
    return [FieldChange("Themes", before or "(none)", after or "(none)")]


def risk_timeline(risk: Risk, viewer) -> list[Entry]:
    """Return every recorded change to the risk and its parts, newest first.

    Related records of other apps (alignment links) appear only where the viewer
    may see them.
    """
    display = Display(_labels(risk))
    periods = display.labels[ReportingPeriod]
    users = display.labels[get_user_model()]
    sources = [
        (Risk, _ordered(Risk.history.filter(id=risk.pk)), lambda row: "Risk"),
        (
            Control,
            _ordered(Control.history.filter(risk_id=risk.pk)),
            _describe("Control"),
        ),
        (Action, _ordered(Action.history.filter(risk_id=risk.pk)), _describe("Action")),
        (
            Review,
            _ordered(Review.history.filter(risk_id=risk.pk)),
            _review_subject(periods),
        ),
        (
            Grant,
            _ordered(Grant.history.filter(content_object_id=risk.pk)),
            _grant_subject(users),
        ),
    ]
    for source in _extra_sources:
        for queryset, subject in source(risk.pk, viewer):
            sources.append((queryset.model.instance_type, _ordered(queryset), subject))
    themes_at = _themes_by_history_row(risk, display.labels[Theme])
    entries = []
    for model, rows, subject in sources:
        for previous, row in _pairs(rows):
            if row.history_type == "-":
                changes = []
            else:
                changes = _diff(model, previous, row, display)
                if model is Risk:
                    changes += _theme_change(themes_at, previous, row)
                if row.history_type == "~" and not changes:
                    continue  # a save that changed only bookkeeping fields
            entries.append(
                Entry(
                    when=row.history_date,
                    who=_who(row),
                    subject=subject(row),
                    verb=VERBS[row.history_type],
                    reason=row.history_change_reason or "",
                    changes=changes,
                    order=row.history_id,
                )
            )
    return sorted(entries, key=lambda e: (e.when, e.order), reverse=True)
