"""Risks, controls and actions as flat rows of the values people read.

Each row is a tuple in its columns' order: choice labels rather than codes,
derived values (score, band, within appetite, overdue) worked out by
risks.scoring, dates as dates, nothing neutralised (writers do that). The rows
are read with values_list(), only the columns they print, and streamed from the
database: a model instance per row, or a prefetch of children a sheet never
prints, cost many times the writing of the file itself. The CSV and XLSX
exports write these rows; any other flat list of risks can read them too.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from django.contrib.auth import get_user_model
from django.db.models import (
    CharField,
    F,
    OrderBy,
    OuterRef,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Cast

from . import scoring
from .choices import (
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
from .models import Action, Control, Risk, Theme

THEME_SEPARATOR = "; "
# Rows fetched from the database at a time (a server-side cursor on PostgreSQL):
# what an export holds in memory at once, whatever the register's length.
CHUNK_SIZE = 100


@dataclass(frozen=True)
class Column:
    """One column: its header, a name for keyed rows, and its width in a sheet."""

    header: str
    key: str
    width: int = 16


def _score_columns(part: str) -> list[Column]:
    title = part.capitalize()
    return [
        Column(f"{title} likelihood", f"{part}_likelihood", 12),
        Column(f"{title} impact", f"{part}_impact", 12),
        Column(f"{title} score", f"{part}_score", 12),
        Column(f"{title} band", f"{part}_band", 12),
    ]


# Header names match the import template where the import reads the column,
# so that an organisation's export can be corrected and imported again.
RISK_COLUMNS = (
    Column("Reference", "reference", 14),
    Column("Organisation", "organisation", 14),
    Column("Title", "title", 40),
    Column("Cause", "cause", 50),
    Column("Event", "event", 50),
    Column("Effect", "effect", 50),
    Column("Category", "category", 18),
    Column("Themes", "themes", 30),
    Column("Owner username", "owner_username", 20),
    Column("Owner post", "owner_post", 30),
    Column("Horizon", "horizon", 12),
    Column("Status", "status", 10),
    Column("Treatment", "treatment", 12),
    *_score_columns("inherent"),
    *_score_columns("current"),
    *_score_columns("target"),
    Column("Appetite", "appetite", 12),
    Column("Within appetite", "within_appetite", 12),
    Column("Proximity", "proximity", 20),
    Column("Marking", "marking", 20),
    Column("Public summary", "public_summary", 40),
    Column("Target date", "target_date", 14),
    Column("Next review date", "next_review_date", 14),
)

CONTROL_COLUMNS = (
    Column("Risk reference", "risk_reference", 14),
    Column("Organisation", "organisation", 14),
    Column("Description", "description", 60),
    Column("Type", "control_type", 14),
    Column("Owner post", "owner_post", 30),
    Column("Effectiveness", "effectiveness", 20),
    Column("Assurance line", "assurance_line", 14),
)

ACTION_COLUMNS = (
    Column("Risk reference", "risk_reference", 14),
    Column("Organisation", "organisation", 14),
    Column("Description", "description", 60),
    Column("Owner post", "owner_post", 30),
    Column("Due date", "due_date", 14),
    Column("Revised due date", "revised_due_date", 14),
    Column("Status", "status", 14),
    Column("Overdue", "overdue", 10),
)


def _labels(choices) -> dict[str, str]:
    """Return {code: label}; read with .get(code, code), so that an unknown code
    shows as itself, as get_*_display() shows it."""
    return dict(choices.choices)


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return "Yes" if value else "No"


def _band_label(value: int | None) -> str:
    band = scoring.band_for(value)
    return band.label if band else ""


# --- Risks --------------------------------------------------------------------


def _theme_ids() -> Subquery:
    """The ids of a risk's themes, comma-separated, in no particular order."""
    return Subquery(
        Risk.themes.through.objects.filter(risk=OuterRef("pk"))
        .order_by()
        .values("risk")
        .annotate(ids=StringAgg(Cast("theme_id", CharField()), Value(",")))
        .values("ids")
    )


class _ThemeNames:
    """Theme ids → "Name; Name", in the database's order of names."""

    def __init__(self) -> None:
        self._read()

    def _read(self) -> None:
        # Sorted by the database, as a prefetch of risk.themes would be: its
        # collation, not Python's, decides where "émigré" or "Zulu" go.
        themes = Theme.objects.order_by("name").values_list("pk", "name")
        self._rank = {pk: (rank, name) for rank, (pk, name) in enumerate(themes)}

    def __call__(self, ids: str | None) -> str:
        if not ids:
            return ""
        keys = [int(pk) for pk in ids.split(",")]
        if any(key not in self._rank for key in keys):
            self._read()  # a theme added since the list was read
        # A theme still unknown has been deleted since the risk was read.
        ranked = sorted(self._rank[key] for key in keys if key in self._rank)
        return THEME_SEPARATOR.join(name for _, name in ranked)


RISK_FIELDS = (
    "reference",
    "organisation__short_name",
    "title",
    "cause",
    "event",
    "effect",
    "category",
    "theme_ids",
    f"owner__{get_user_model().USERNAME_FIELD}",
    "owner_post",
    "horizon",
    "status",
    "treatment",
    "inherent_likelihood",
    "inherent_impact",
    "current_likelihood",
    "current_impact",
    "target_likelihood",
    "target_impact",
    "appetite",
    "proximity",
    "marking",
    "public_summary",
    "target_date",
    "next_review_date",
)


def risk_rows(risks: QuerySet[Risk]) -> Iterator[tuple]:
    """Yield one row per risk, in RISK_COLUMNS order and the queryset's order."""
    theme_names = _ThemeNames()
    category, horizon, status, treatment, appetite_label, proximity, marking = map(
        _labels,
        (Category, Horizon, RiskStatus, Treatment, Appetite, Proximity, Marking),
    )
    # Bands and appetite ceilings are settings, read once per export: the
    # scores and appetites a register holds are few (25 and 5).
    band = cache(_band_label)
    within = cache(
        lambda value, appetite: _yes_no(scoring.within_appetite(value, appetite))
    )
    score = scoring.score
    values = risks.annotate(theme_ids=_theme_ids()).values_list(*RISK_FIELDS)
    for (
        reference,
        organisation,
        title,
        cause,
        event,
        effect,
        category_code,
        theme_ids,
        owner,
        owner_post,
        horizon_code,
        status_code,
        treatment_code,
        inherent_likelihood,
        inherent_impact,
        current_likelihood,
        current_impact,
        target_likelihood,
        target_impact,
        appetite,
        proximity_code,
        marking_code,
        public_summary,
        target_date,
        next_review_date,
    ) in values.iterator(chunk_size=CHUNK_SIZE):
        inherent = score(inherent_likelihood, inherent_impact)
        current = score(current_likelihood, current_impact)
        target = score(target_likelihood, target_impact)
        yield (
            reference,
            organisation,
            title,
            cause,
            event,
            effect,
            category.get(category_code, category_code),
            theme_names(theme_ids),
            owner or "",
            owner_post,
            horizon.get(horizon_code, horizon_code),
            status.get(status_code, status_code),
            treatment.get(treatment_code, treatment_code),
            inherent_likelihood,
            inherent_impact,
            inherent,
            band(inherent),
            current_likelihood,
            current_impact,
            current,
            band(current),
            target_likelihood,
            target_impact,
            target,
            band(target),
            appetite_label.get(appetite, appetite),
            within(current, appetite),
            proximity.get(proximity_code, proximity_code),
            marking.get(marking_code, marking_code),
            public_summary,
            target_date,
            next_review_date,
        )


# --- Controls and actions -----------------------------------------------------


def _by_risk(ordering: Sequence[str]) -> list[OrderBy]:
    """Order children by their risk as `ordering` orders the risks themselves.

    `ordering` names Risk fields, or the scores Risk.objects.with_scores()
    annotates (`current_score_db`), each perhaps prefixed with "-".
    """
    result = []
    for name in ordering:
        field = name.removeprefix("-")
        if field.endswith("_score_db"):
            part = field.removesuffix("_score_db")
            expression = F(f"risk__{part}_likelihood") * F(f"risk__{part}_impact")
        else:
            expression = F(f"risk__{field}")
        result.append(expression.desc() if name.startswith("-") else expression.asc())
    return result


def _children(model, risks: QuerySet[Risk], ordering: Sequence[str], *then: str):
    return model.objects.filter(risk__in=risks.order_by().values("pk")).order_by(
        *_by_risk(ordering), *then
    )


CONTROL_FIELDS = (
    "risk__reference",
    "risk__organisation__short_name",
    "description",
    "control_type",
    "owner_post",
    "effectiveness",
    "assurance_line",
)


def control_rows(risks: QuerySet[Risk], ordering: Sequence[str]) -> Iterator[tuple]:
    """Yield the risks' controls in CONTROL_COLUMNS order, by risk in `ordering`."""
    control_type, effectiveness, line = map(
        _labels, (ControlType, Effectiveness, AssuranceLine)
    )
    values = _children(Control, risks, ordering, "pk").values_list(*CONTROL_FIELDS)
    for (
        reference,
        organisation,
        description,
        type_code,
        owner_post,
        effectiveness_code,
        line_code,
    ) in values.iterator(chunk_size=CHUNK_SIZE):
        yield (
            reference,
            organisation,
            description,
            control_type.get(type_code, type_code),
            owner_post,
            effectiveness.get(effectiveness_code, effectiveness_code),
            line.get(line_code, line_code),
        )


ACTION_FIELDS = (
    "risk__reference",
    "risk__organisation__short_name",
    "description",
    "owner_post",
    "due_date",
    "revised_due_date",
    "status",
)


def action_rows(
    risks: QuerySet[Risk], ordering: Sequence[str], today: date
) -> Iterator[tuple]:
    """Yield the risks' actions in ACTION_COLUMNS order, by risk in `ordering`."""
    status = _labels(ActionStatus)
    overdue = scoring.action_is_overdue
    values = _children(Action, risks, ordering, "due_date", "pk").values_list(
        *ACTION_FIELDS
    )
    for (
        reference,
        organisation,
        description,
        owner_post,
        due_date,
        revised_due_date,
        status_code,
    ) in values.iterator(chunk_size=CHUNK_SIZE):
        yield (
            reference,
            organisation,
            description,
            owner_post,
            due_date,
            revised_due_date,
            status.get(status_code, status_code),
            _yes_no(
                overdue(
                    status=status_code,
                    due_date=due_date,
                    revised_due_date=revised_due_date,
                    today=today,
                )
            ),
        )
