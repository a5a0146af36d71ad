"""Reads of the risk register, shaped for pages, in a constant number of queries."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import (
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.urls import reverse
from django.utils.http import urlencode

from . import access, charts, scoring
from .choices import (
    IMPACT_CHOICES,
    LIKELIHOOD_CHOICES,
    Category,
    Direction,
    RiskStatus,
)
from .models import Action, Control, Organisation, Review, Risk, Theme

REGISTER_PAGE_SIZE = 100
SEARCH_MAX_LENGTH = 200
# Sort key: (label, ordering); the primary key last keeps paging stable.
SORTS = {
    "reference": ("Reference (A to Z)", ("reference", "pk")),
    "-score": (
        "Current score (highest first)",
        ("-current_score_db", "reference", "pk"),
    ),
    "score": ("Current score (lowest first)", ("current_score_db", "reference", "pk")),
}
DEFAULT_SORT = "reference"
RATINGS = range(1, 6)


def risks_owned_by(user) -> QuerySet[Risk]:
    """Return the open and draft risks the user owns, soonest review first."""
    return (
        Risk.objects.filter(owner=user)
        .exclude(status=RiskStatus.CLOSED)
        .select_related("organisation")
        .order_by("next_review_date", "reference")
    )


# --- Direction of travel ----------------------------------------------------


def with_review_scores(risks: QuerySet[Risk]) -> QuerySet[Risk]:
    """Annotate the scores of the latest and the previous review (by period end)."""
    reviews = (
        Review.objects.filter(risk=OuterRef("pk"))
        .order_by("-period__end", "-pk")
        .annotate(review_score=F("likelihood") * F("impact"))
        .values("review_score")
    )
    return risks.annotate(
        latest_review_score=Subquery(reviews[:1]),
        previous_review_score=Subquery(reviews[1:2]),
    )


def travel(risk: Risk) -> Direction:
    """Return the direction of travel of a risk annotated by with_review_scores."""
    return scoring.direction_of_travel(
        risk.previous_review_score, risk.latest_review_score
    )


# --- Register filters -------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class FilterOptions:
    """The choices offered by the register's filter form."""

    organisations: list[Option]
    themes: list[Option]
    owners: list[Option]
    statuses: list[Option] = field(
        default_factory=lambda: [
            Option(v, str(label)) for v, label in RiskStatus.choices
        ]
    )
    categories: list[Option] = field(
        default_factory=lambda: [Option(v, str(label)) for v, label in Category.choices]
    )
    likelihoods: list[Option] = field(
        default_factory=lambda: [
            Option(str(v), label) for v, label in LIKELIHOOD_CHOICES
        ]
    )
    impacts: list[Option] = field(
        default_factory=lambda: [Option(str(v), label) for v, label in IMPACT_CHOICES]
    )
    sorts: list[Option] = field(
        default_factory=lambda: [
            Option(key, label) for key, (label, _) in SORTS.items()
        ]
    )


def register_filter_options(visible: QuerySet[Risk]) -> FilterOptions:
    """Return the organisations, themes and owners the filter form offers.

    One query: the three lists are a UNION of (kind, value, label, sort key)
    rows, sorted here, since a compound query cannot order its parts.
    """

    def kind(name: str) -> Value:
        return Value(name, output_field=models.CharField())

    organisations = Organisation.objects.order_by().values_list(
        kind("organisation"), "slug", "name", "short_name"
    )
    themes = Theme.objects.order_by().values_list(kind("theme"), "slug", "name", "name")
    owners = (
        get_user_model()
        # `pk IN (owner ids)`: no join and DISTINCT over every visible risk.
        .objects.filter(pk__in=visible.order_by().values("owner_id"))
        .order_by()
        .values_list(kind("owner"), "username", "membership__post_title", "username")
    )
    options: dict[str, list[Option]] = {"organisation": [], "theme": [], "owner": []}
    rows = organisations.union(themes, owners, all=True)
    for name, value, label, _ in sorted(rows, key=lambda row: (row[0], row[3])):
        if name == "owner":
            label = f"{value} ({label})" if label else value
        options[name].append(Option(value, label))
    return FilterOptions(
        organisations=options["organisation"],
        themes=options["theme"],
        owners=options["owner"],
    )


@dataclass(frozen=True)
class RegisterFilters:
    """The register's query parameters, validated; bad values are dropped."""

    organisation: str = ""
    status: str = ""
    category: str = ""
    theme: str = ""
    owner: str = ""
    q: str = ""
    likelihood: int | None = None
    impact: int | None = None
    sort: str = DEFAULT_SORT
    ignored: tuple[str, ...] = ()

    @classmethod
    def from_params(
        cls, params: Mapping[str, str], options: FilterOptions
    ) -> "RegisterFilters":
        """Read the filters from query parameters, noting any value we ignore."""
        values: dict = {}
        ignored: list[str] = []

        def pick(name: str, label: str, allowed: Iterable[Option]) -> None:
            raw = (params.get(name) or "").strip()
            if not raw:
                return
            if raw in {option.value for option in allowed}:
                values[name] = raw
            else:
                ignored.append(f"{label} “{raw[:50]}” is not one you can filter by")

        pick("organisation", "Organisation", options.organisations)
        pick("status", "Status", options.statuses)
        pick("category", "Category", options.categories)
        pick("theme", "Theme", options.themes)
        pick("owner", "Owner", options.owners)
        pick("likelihood", "Likelihood", options.likelihoods)
        pick("impact", "Impact", options.impacts)
        pick("sort", "Sort order", options.sorts)
        for name in ("likelihood", "impact"):
            if name in values:
                values[name] = int(values[name])
        # No stored text holds a NUL, and PostgreSQL refuses one in a query.
        q = (params.get("q") or "").replace("\x00", "").strip()
        if len(q) > SEARCH_MAX_LENGTH:
            ignored.append(f"Search text was cut to {SEARCH_MAX_LENGTH} characters")
            q = q[:SEARCH_MAX_LENGTH]
        return cls(**values, q=q, ignored=tuple(ignored))

    @property
    def is_filtered(self) -> bool:
        return self != RegisterFilters(sort=self.sort, ignored=self.ignored)

    @property
    def params(self) -> dict[str, str]:
        """Return the filters as clean query parameters, for links that keep them."""
        names = ("organisation", "status", "category", "theme", "owner", "q")
        params = {name: getattr(self, name) for name in names}
        params |= {"likelihood": self.likelihood, "impact": self.impact}
        if self.sort != DEFAULT_SORT:
            params["sort"] = self.sort
        return {name: str(value) for name, value in params.items() if value}

    @property
    def sort_label(self) -> str:
        return SORTS[self.sort][0]

    @property
    def ordering(self) -> tuple[str, ...]:
        return SORTS[self.sort][1]

    def apply(self, risks: QuerySet[Risk]) -> QuerySet[Risk]:
        """Return the risks that match every filter."""
        lookups = {
            "organisation__slug": self.organisation,
            "status": self.status,
            "category": self.category,
            "themes__slug": self.theme,  # slugs are unique: no duplicate rows
            "owner__username": self.owner,
            "current_likelihood": self.likelihood,
            "current_impact": self.impact,
        }
        risks = risks.filter(
            **{lookup: value for lookup, value in lookups.items() if value}
        )
        if self.q:
            risks = risks.filter(
                Q(reference__icontains=self.q)
                | Q(title__icontains=self.q)
                | Q(cause__icontains=self.q)
                | Q(event__icontains=self.q)
                | Q(effect__icontains=self.q)
            )
        return risks

    def for_heat_map(self) -> "RegisterFilters":
        """Drop the filters a heat map replaces (it plots open risks by L and I)."""
        return replace(self, status="", likelihood=None, impact=None)

    def admits(self, status: str, likelihood: int, impact: int) -> bool:
        """Say whether these values pass the filters that for_heat_map drops."""
        return (
            self.status in ("", status)
            and self.likelihood in (None, likelihood)
            and self.impact in (None, impact)
        )

    def heat_map_links(self, list_url: str) -> Callable[[str], "CellLink"]:
        """Return organisation slug → CellLink: the register filtered to a cell."""
        # The query string is built once per organisation: a register draws 50
        # cells, and only the ratings (plain digits) differ between them.
        kept = self.for_heat_map().params
        kept.pop("organisation", None)  # each map's cells name their own

        def links(organisation: str) -> CellLink:
            query = urlencode(
                kept | {"organisation": organisation, "status": RiskStatus.OPEN}
            )
            prefix = f"{list_url}?{query}"

            def link(likelihood: int, impact: int) -> str:
                return f"{prefix}&likelihood={likelihood:d}&impact={impact:d}"

            return link

        return links


# --- Register rows ----------------------------------------------------------


# The register table's columns: the only fields its query reads.
REGISTER_ROW_FIELDS = (
    "pk",
    "reference",
    "title",
    "organisation__short_name",
    "owner_post",
    "current_likelihood",
    "current_impact",
    "target_likelihood",
    "target_impact",
    "next_review_date",
    "status",
    "latest_review_score",
    "previous_review_score",
)


@dataclass(frozen=True)
class RegisterRow:
    """One risk as the register table shows it, derived values included."""

    pk: int
    reference: str
    title: str
    url: str
    theme_names: list[str]
    organisation: str
    owner_post: str
    current_score: int | None
    current_band: scoring.Band | None
    target_score: int | None
    target_band: scoring.Band | None
    direction: Direction
    next_review_date: date | None
    review_overdue: bool
    status: RiskStatus


THEME_SEPARATOR = "\x1f"  # the ASCII unit separator: not typed in a name


def register_rows() -> QuerySet:
    """Return every risk prepared for the register table: plain values, by score.

    Narrow it with access.viewable_risks(user, register_rows()) and the filters.
    """
    # Building these annotations costs more than planning and running them
    # (0.8 ms of a 19 ms register page), so the query is built once per process
    # and cloned; the clone is what callers filter and evaluate, never the
    # cached query itself, which holds no user, date or result.
    return _register_rows().all()


@cache
def _register_rows() -> QuerySet:
    # values(), not model instances: a page of 100 rows builds in a third of
    # the time, and the table needs no model behaviour. The theme names come
    # in the same query, aggregated per risk (sorted when the rows are shaped).
    theme_names = (
        Risk.themes.through.objects.filter(risk=OuterRef("pk"))
        .order_by()
        .values("risk")
        .annotate(names=StringAgg("theme__name", Value(THEME_SEPARATOR)))
        .values("names")
    )
    return (
        with_review_scores(Risk.objects.with_scores("current"))  # the score sorts
        .values(*REGISTER_ROW_FIELDS)
        .annotate(theme_names=Subquery(theme_names))
    )


def risk_url_maker() -> Callable[[int], str]:
    """Return a function of a risk's pk to its page's URL, reversing only once."""
    marker = 2_147_483_647  # no risk has this id; it only marks the pk's place
    head, tail = reverse("risks:detail", args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def register_page_rows(values: Iterable[dict], today: date) -> list[RegisterRow]:
    """Shape a page of register_rows, adding the derived values."""
    url = risk_url_maker()
    rows = []
    for row in values:
        current = scoring.score(row["current_likelihood"], row["current_impact"])
        target = scoring.score(row["target_likelihood"], row["target_impact"])
        rows.append(
            RegisterRow(
                pk=row["pk"],
                reference=row["reference"],
                title=row["title"],
                url=url(row["pk"]),
                theme_names=sorted(row["theme_names"].split(THEME_SEPARATOR))
                if row["theme_names"]
                else [],
                organisation=row["organisation__short_name"],
                owner_post=row["owner_post"],
                current_score=current,
                current_band=scoring.band_for(current),
                target_score=target,
                target_band=scoring.band_for(target),
                direction=scoring.direction_of_travel(
                    row["previous_review_score"], row["latest_review_score"]
                ),
                next_review_date=row["next_review_date"],
                review_overdue=scoring.review_is_overdue(
                    status=row["status"],
                    next_review_date=row["next_review_date"],
                    today=today,
                ),
                status=RiskStatus(row["status"]),
            )
        )
    return rows


# --- Heat maps --------------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    likelihood: int
    impact: int
    count: int
    band: scoring.Band
    href: str = ""  # the register filtered to this cell, where a page links it


@dataclass(frozen=True)
class HeatRow:
    likelihood: int
    label: str
    cells: list[HeatCell]


@dataclass(frozen=True)
class HeatMap:
    slug: str
    short_name: str
    name: str
    total: int
    rows: list[HeatRow]


IMPACT_HEADERS = [(value, f"Impact {label}") for value, label in IMPACT_CHOICES]


# (likelihood, impact) → the URL of the register listing that cell's risks.
CellLink = Callable[[int, int], str]


def heat_map_rows(
    grid: Mapping[tuple[int, int], int], link: CellLink | None = None
) -> list[HeatRow]:
    """Lay (likelihood, impact) counts out as a 5×5 grid, likelihood 5 on top."""
    likelihood_labels = dict(LIKELIHOOD_CHOICES)
    return [
        HeatRow(
            likelihood=likelihood,
            label=f"Likelihood {likelihood_labels[likelihood]}",
            cells=[
                HeatCell(
                    likelihood=likelihood,
                    impact=impact,
                    count=(count := grid.get((likelihood, impact), 0)),
                    band=scoring.band_for(likelihood * impact),
                    href=link(likelihood, impact) if link and count else "",
                )
                for impact in RATINGS
            ],
        )
        for likelihood in reversed(RATINGS)
    ]


HEAT_MAP_GROUPS = (
    "organisation__slug",
    "organisation__short_name",
    "organisation__name",
    "current_likelihood",
    "current_impact",
)


def _grid_counts(risks: QuerySet[Risk], *also: str) -> QuerySet:
    return (
        risks.order_by()  # keep the default ordering out of the GROUP BY
        .values(*HEAT_MAP_GROUPS, *also)
        .annotate(n=Count("pk"))
    )


def _heat_maps(
    counts: Iterable[dict], link: Callable[[str], CellLink] | None
) -> list[HeatMap]:
    grids: dict[tuple[str, str, str], dict[tuple[int, int], int]] = {}
    for row in counts:
        key = (
            row["organisation__slug"],
            row["organisation__short_name"],
            row["organisation__name"],
        )
        cell = (row["current_likelihood"], row["current_impact"])
        grids.setdefault(key, {})[cell] = row["n"]
    return [
        HeatMap(
            slug=slug,
            short_name=short_name,
            name=name,
            total=sum(grid.values()),
            rows=heat_map_rows(grid, link(slug) if link else None),
        )
        for (slug, short_name, name), grid in sorted(
            grids.items(), key=lambda item: item[0][1]
        )
    ]


def heat_maps(risks: QuerySet[Risk]) -> list[HeatMap]:
    """Count open risks by current likelihood and impact, one grid per organisation."""
    return _heat_maps(_grid_counts(risks.filter(status=RiskStatus.OPEN)), None)


@dataclass(frozen=True)
class RegisterSummary:
    """The register's row count under its filters and its heat maps."""

    count: int  # risks matching every filter
    heat_maps: list[HeatMap]


def register_summary(
    visible: QuerySet[Risk],
    filters: RegisterFilters,
    link: Callable[[str], CellLink] | None = None,
) -> RegisterSummary:
    """Count the filtered risks and draw the heat maps, in one grouped query."""
    # The heat maps ignore the status, likelihood and impact filters; grouping
    # by status as well lets the same rows give the count under every filter.
    counts = list(_grid_counts(filters.for_heat_map().apply(visible), "status"))
    return RegisterSummary(
        count=sum(
            row["n"]
            for row in counts
            if filters.admits(
                row["status"], row["current_likelihood"], row["current_impact"]
            )
        ),
        heat_maps=_heat_maps(
            (row for row in counts if row["status"] == RiskStatus.OPEN), link
        ),
    )


# --- The risk page ----------------------------------------------------------


@dataclass(frozen=True)
class ActionRow:
    action: Action
    overdue: bool


@dataclass(frozen=True)
class TimelineEntry:
    review: Review
    direction: Direction


@dataclass(frozen=True)
class AlignedRisk:
    link: models.Model
    risk: Risk


@dataclass(frozen=True)
class RiskPage:
    risk: Risk
    direction: Direction
    review_overdue: bool
    actions: list[ActionRow]
    timeline: list[TimelineEntry]
    aligned: list[AlignedRisk]
    chart: charts.ScoreChart


def risk_page_risks(risks: QuerySet[Risk]) -> QuerySet[Risk]:
    """Prepare risks for the risk page: everything it shows, prefetched."""
    return (
        risks.select_related("organisation", "owner")
        .prefetch_related(
            "themes",
            # Explicit orderings: the models' default ones join the risk and
            # its organisation again just to sort one risk's children.
            Prefetch("controls", queryset=Control.objects.order_by("pk")),
            Prefetch("actions", queryset=Action.objects.order_by("due_date", "pk")),
            Prefetch(
                "reviews",
                queryset=Review.objects.select_related(
                    "period", "reviewed_by"
                ).order_by("period__end", "pk"),
            ),
        )
        .fetch_mode(models.FETCH_RAISE)
    )


def review_timeline(reviews: Iterable[Review]) -> list[TimelineEntry]:
    """Pair each review with its direction of travel; newest first."""
    entries, previous = [], None
    for review in sorted(reviews, key=lambda r: (r.period.end, r.pk)):
        entries.append(
            TimelineEntry(
                review=review,
                direction=scoring.direction_of_travel(previous, review.score),
            )
        )
        previous = review.score
    return entries[::-1]


def aligned_risks(user, risk: Risk) -> list[AlignedRisk]:
    """Return the agreed links of the risk whose other risk the user may view."""
    links = (
        access.visible_agreed_links(user, risk)
        .select_related(
            "theme", "proposer_risk__organisation", "partner_risk__organisation"
        )
        .fetch_mode(models.FETCH_RAISE)
    )
    return [
        AlignedRisk(
            link=link,
            risk=link.partner_risk
            if link.proposer_risk_id == risk.pk
            else link.proposer_risk,
        )
        for link in links
    ]


def review_scores(reviews: Iterable[Review]) -> list[charts.ReviewScore]:
    """Return the reviews (period prefetched) as chart points, oldest first."""
    return [
        charts.ReviewScore(end=r.period.end, label=r.period.label, score=r.score)
        for r in sorted(reviews, key=lambda r: (r.period.end, r.pk))
    ]


def current_quarter_end(reviews: Iterable[Review], today: date) -> date | None:
    """Return the end of the reviewed period holding today, if there is one."""
    return next(
        (r.period.end for r in reviews if r.period.start <= today <= r.period.end),
        None,
    )


def risk_chart(risk: Risk, today: date) -> charts.ScoreChart:
    """Chart a risk's score at each quarterly review, from its prefetched reviews."""
    reviews = risk.reviews.all()
    return charts.score_chart(
        f"Score of {risk.reference} at each quarterly review",
        [("Score", review_scores(reviews))],
        target=risk.target_score,
        ceiling=risk.appetite_ceiling,
        current_end=current_quarter_end(reviews, today),
        slug=f"risk-{risk.pk}-chart",
    )


def risk_page(user, risk: Risk, today: date) -> RiskPage:
    """Shape a risk fetched through risk_page_risks for its page."""
    timeline = review_timeline(risk.reviews.all())
    return RiskPage(
        risk=risk,
        direction=timeline[0].direction if timeline else Direction.NEW,
        review_overdue=risk.review_is_overdue(today),
        actions=[
            ActionRow(action=action, overdue=action.is_overdue(today))
            for action in risk.actions.all()
        ],
        timeline=timeline,
        aligned=aligned_risks(user, risk),
        chart=risk_chart(risk, today),
    )


# --- Register trends --------------------------------------------------------


def _grouped_reviews(reviews: QuerySet) -> QuerySet:
    """Count reviews per organisation, quarter, score and appetite, in the database."""
    return (
        reviews.order_by()
        .values_list(
            "risk__organisation__short_name",
            "risk__organisation__slug",
            "period__end",
            "period__label",
            "likelihood",
            "impact",
            "risk__appetite",
        )
        .annotate(reviews=Count("pk"))
        .order_by("risk__organisation__short_name", "period__end")
    )


def _trend_charts(
    reviews: QuerySet, title: Callable[[str], str]
) -> list[charts.BandBarsChart]:
    """One band chart per organisation of the grouped reviews (one query)."""
    grouped: dict[tuple[str, str], list[tuple]] = {}
    for name, slug, end, label, likelihood, impact, appetite, n in _grouped_reviews(
        reviews
    ):
        grouped.setdefault((name, slug), []).append(
            (
                end,
                label,
                scoring.score(likelihood, impact),
                scoring.appetite_ceiling(appetite),
                n,
            )
        )
    return [
        charts.band_bars_chart(
            title(name),
            charts.band_counts(rows),
            slug=f"trends-{slug}",
        )
        for (name, slug), rows in grouped.items()
    ]


def register_trends(user) -> list[charts.BandBarsChart]:
    """Chart, per organisation, the frozen reviews the user may see by band (one query).

    Each closed quarter's reviews, counted by the band of their score, and how
    many scores were above their risk's appetite ceiling.
    """
    reviews = Review.objects.filter(
        risk__in=access.viewable_risks(user), period__is_closed=True
    )
    return _trend_charts(
        reviews,
        lambda name: f"{name} risks by rating band at each closed quarter's review",
    )


def period_trend(user, period) -> charts.BandBarsChart | None:
    """Chart the organisation's closed quarters up to the period (one query)."""
    reviews = Review.objects.filter(
        risk__in=access.viewable_risks(user),
        period__organisation=period.organisation_id,
        period__is_closed=True,
        period__end__lte=period.end,
    )
    found = _trend_charts(
        reviews,
        lambda name: (
            f"{name} risks by rating band at each closed quarter's review, "
            f"to {period.label}"
        ),
    )
    return found[0] if found else None
