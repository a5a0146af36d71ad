"""Score charts: what each chart shows and where its marks go, drawn by templates.

This is the one place that decides the charts' content and geometry, so that the
risk page, the alignment pages, the paper and the register report draw the same
charts: templates/charts/ turn a chart into inline SVG for a page and for
WeasyPrint alike (reports/chart_images.py makes PNGs of the same SVG for Word).
Only scales and positions are computed here; no drawing library is needed for
a few lines, rectangles and labels.

Every chart says what it shows in its title (WeasyPrint tags an inline SVG as a
Figure and takes its alternative text from the <title>) and in its description,
labels the rating bands and the lines in words beside their colours, and carries
its figures as rows for a table under it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from . import scoring

MAX_SCORE = 25
SCORE_TICKS = (0, 5, 10, 15, 20, 25)
# Fills and text colours of the bands, as the heat maps have them (app.css).
BAND_FILLS = {
    "low": "#cce2d8",
    "medium": "#fff7bf",
    "high": "#fcd6c3",
    "very_high": "#f4cdc6",
}
# Up to two series: a solid line with circles, a dashed line with squares, so
# that the organisations differ in shape and dash as well as colour.
SERIES_STYLES = (
    {"stroke": "#0b0c0c", "dash": "", "marker": "circle"},
    {"stroke": "#1d70b8", "dash": "6 3", "marker": "square"},
)


@dataclass(frozen=True)
class Size:
    """A chart's outer size and the margins around its plot area (px)."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    font: int
    detailed: bool = True  # ticks, band labels and a legend; else a sketch whose
    # legend is printed once beside the charts (the register report's entries)

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    @property
    def plot_width(self) -> int:
        return self.plot_right - self.left

    @property
    def plot_height(self) -> int:
        return self.plot_bottom - self.top

    @property
    def legend_x(self) -> int:
        return self.plot_right + 8


PAGE = Size(width=600, height=260, left=32, right=120, top=10, bottom=40, font=12)
# In a table cell of the alignment overview: small, with its legend.
COMPACT = Size(width=330, height=130, left=24, right=80, top=6, bottom=24, font=9)
SMALL = Size(
    width=240, height=90, left=6, right=6, top=6, bottom=16, font=9, detailed=False
)


@dataclass(frozen=True)
class Quarter:
    """A column of a chart: a reporting period, known by its end and label."""

    end: date
    label: str


@dataclass(frozen=True)
class ReviewScore:
    """One frozen quarterly review's score, as the charts read it."""

    end: date
    label: str
    score: int | None


@dataclass(frozen=True)
class Series:
    name: str
    scores: tuple[int | None, ...]  # one per quarter, None where not reviewed


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    value: int
    show_value: bool = True  # printed beside the point (see _worth_printing)
    value_dy: float = -6  # below the point where above would leave the chart


@dataclass(frozen=True)
class DrawnSeries:
    name: str
    stroke: str
    dash: str
    marker: str
    segments: tuple[str, ...]  # polyline points, broken where a quarter is missing
    marks: tuple[Mark, ...]


@dataclass(frozen=True)
class LegendEntry:
    label: str
    stroke: str
    dash: str
    marker: str  # "circle", "square" or "" for a plain line
    y: float


@dataclass(frozen=True)
class BandRect:
    key: str
    label: str
    fill: str
    y: float
    height: float
    label_y: float


@dataclass(frozen=True)
class Rule:
    """A horizontal line across the plot: the target or the appetite ceiling."""

    label: str
    y: float
    stroke: str
    dash: str


@dataclass(frozen=True)
class Column:
    label: str
    x: float
    width: float
    is_current: bool
    show_label: bool = True

    @property
    def left(self) -> float:
        return round(self.x - self.width / 2, 1)


def _x(size: Size, index: int, columns: int) -> float:
    step = (size.plot_right - size.left) / max(columns, 1)
    return round(size.left + step * (index + 0.5), 1)


def _column_width(size: Size, columns: int) -> float:
    return round((size.plot_right - size.left) / max(columns, 1), 1)


def _label_step(size: Size, columns: int, labels: Iterable[str]) -> int:
    """Return k: printing every k-th column's label, no two labels run together.

    A register carried over several years has dozens of quarters; their labels
    ("2019/20 Q1") would print on top of each other. k doubles until a label
    fits (4: one a year).
    """
    longest = max((len(label) for label in labels), default=0)
    needed = longest * size.font * 0.55 + 4  # Liberation Sans averages ~0.55 em
    width = _column_width(size, columns)
    step = 1
    while step * width < needed and step < columns:
        step *= 2
    return step


def _labelled(columns: int, step: int, keep: int | None = None) -> frozenset[int]:
    """Return the columns whose label is printed: the newest, then every step-th.

    `keep` (the current quarter) is always labelled; labels too close to it
    give way.
    """
    chosen = {i for i in range(columns) if (columns - 1 - i) % step == 0}
    if keep is not None:
        chosen = {i for i in chosen if abs(i - keep) >= step} | {keep}
    return frozenset(chosen)


def _worth_printing(values: Sequence[int | None], step: int) -> frozenset[int]:
    """Return the points whose value is printed beside them.

    The first, each change and the newest, at least `step` columns apart: a
    run of equal scores is read from its first label and the line, and every
    figure is in the table under the chart and in the alternative text.
    """
    present = [i for i, value in enumerate(values) if value is not None]
    if not present:
        return frozenset()
    changes = [
        i
        for n, i in enumerate(present)
        if n == 0 or values[i] != values[present[n - 1]]
    ]
    chosen: list[int] = []
    for index in changes:
        if not chosen or index - chosen[-1] >= step:
            chosen.append(index)
    newest = present[-1]
    while chosen and chosen[-1] != newest and newest - chosen[-1] < step:
        chosen.pop()
    if not chosen or chosen[-1] != newest:
        chosen.append(newest)
    return frozenset(chosen)


def _y(size: Size, value: float, top: float = MAX_SCORE) -> float:
    span = size.plot_bottom - size.top
    return round(size.plot_bottom - span * value / top, 1)


def _series_text(series: Series, quarters: Sequence[Quarter]) -> str:
    scores = [
        f"{quarter.label} {score}"
        for quarter, score in zip(quarters, series.scores, strict=True)
        if score is not None
    ]
    return f"{series.name}: {', '.join(scores) if scores else 'no reviews'}"


@dataclass(frozen=True)
class ScoreChart:
    """Scores at each quarterly review, with target and appetite lines and bands."""

    title: str
    quarters: tuple[Quarter, ...]
    series: tuple[Series, ...]
    target: int | None = None
    ceiling: int | None = None
    current: int | None = None  # index of the current quarter's column
    size: Size = PAGE
    slug: str = "chart"  # unique on the page: ids of the title and description

    @property
    def description(self) -> str:
        """Every figure in words: the SVG's <desc> and the PDF's alternative text."""
        parts = [_series_text(series, self.quarters) for series in self.series]
        if self.target is not None:
            parts.append(f"target score {self.target}")
        if self.ceiling is not None:
            parts.append(f"appetite ceiling {self.ceiling}")
        return "Scores by quarter. " + "; ".join(parts) + "."

    @property
    def alt(self) -> str:
        return f"{self.title}. {self.description}"

    @property
    def ticks(self) -> list[tuple[int, float]]:
        return [(value, _y(self.size, value)) for value in SCORE_TICKS]

    @property
    def bands(self) -> list[BandRect]:
        rects = []
        for band in scoring.bands():
            top, bottom = _y(self.size, band.ceiling), _y(self.size, band.floor - 1)
            rects.append(
                BandRect(
                    key=band.key,
                    label=band.label,
                    fill=BAND_FILLS.get(band.key, "#f3f2f1"),
                    y=top,
                    height=round(bottom - top, 1),
                    label_y=round((top + bottom) / 2 + self.size.font / 3, 1),
                )
            )
        return rects

    @property
    def step(self) -> int:
        """Label every step-th quarter."""
        return _label_step(
            self.size, len(self.quarters), (q.label for q in self.quarters)
        )

    @property
    def columns(self) -> list[Column]:
        total = len(self.quarters)
        labelled = _labelled(total, self.step, self.current)
        return [
            Column(
                label=quarter.label,
                x=_x(self.size, index, total),
                width=_column_width(self.size, total),
                is_current=index == self.current,
                show_label=index in labelled,
            )
            for index, quarter in enumerate(self.quarters)
        ]

    @property
    def column_width(self) -> float:
        return _column_width(self.size, len(self.quarters))

    @property
    def current_column(self) -> Column | None:
        return next((c for c in self.columns if c.is_current), None)

    @property
    def rules(self) -> list[Rule]:
        rules = []
        if self.ceiling is not None:
            rules.append(
                Rule(
                    f"Appetite {self.ceiling}",
                    _y(self.size, self.ceiling),
                    stroke="#d4351c",
                    dash="2 2",
                )
            )
        if self.target is not None:
            rules.append(
                Rule(
                    f"Target {self.target}",
                    _y(self.size, self.target),
                    stroke="#00703c",
                    dash="8 4",
                )
            )
        return rules

    @property
    def drawn(self) -> list[DrawnSeries]:
        total = len(self.quarters)
        # Scores are printed at least as far apart as two digits need.
        step = _label_step(self.size, total, ["25"])
        # A label above a point near the top would be cut off: it goes below.
        highest = self.size.top + self.size.font + 2
        drawn = []
        for number, series in enumerate(self.series):
            style = SERIES_STYLES[number % len(SERIES_STYLES)]
            printed = _worth_printing(series.scores, step)
            segments, current, marks = [], [], []
            for index, score in enumerate(series.scores):
                if score is None:
                    if current:
                        segments.append(current)
                    current = []
                    continue
                x, y = _x(self.size, index, total), _y(self.size, score)
                current.append(f"{x},{y}")
                marks.append(
                    Mark(
                        x=x,
                        y=y,
                        value=score,
                        show_value=index in printed,
                        value_dy=-6 if y >= highest else self.size.font + 4,
                    )
                )
            if current:
                segments.append(current)
            drawn.append(
                DrawnSeries(
                    name=series.name,
                    stroke=style["stroke"],
                    dash=style["dash"],
                    marker=style["marker"],
                    segments=tuple(" ".join(points) for points in segments),
                    marks=tuple(marks),
                )
            )
        return drawn

    @property
    def legend(self) -> list[LegendEntry]:
        entries = [(s.name, s.stroke, s.dash, s.marker) for s in self.drawn]
        entries += [(rule.label, rule.stroke, rule.dash, "") for rule in self.rules]
        step = self.size.font * 1.5
        return [
            LegendEntry(
                label=label,
                stroke=stroke,
                dash=dash,
                marker=marker,
                y=round(self.size.top + step * (index + 0.6), 1),
            )
            for index, (label, stroke, dash, marker) in enumerate(entries)
        ]

    @property
    def rows(self) -> list[tuple[Quarter, list[tuple[int | None, str]]]]:
        """The table under the chart: per quarter, each series' score and band."""
        result = []
        for index, quarter in enumerate(self.quarters):
            cells = []
            for series in self.series:
                score = series.scores[index]
                band = scoring.band_for(score)
                cells.append((score, band.label if band else ""))
            result.append((quarter, cells))
        return result


def quarters_of(*histories: Iterable[ReviewScore]) -> tuple[Quarter, ...]:
    """Return the quarters any of the histories has a review for, oldest first."""
    seen: dict[date, str] = {}
    for history in histories:
        for review in history:
            seen.setdefault(review.end, review.label)
    return tuple(Quarter(end=end, label=seen[end]) for end in sorted(seen))


def _scores_on(quarters: Sequence[Quarter], history: Iterable[ReviewScore]) -> tuple:
    by_end = {review.end: review.score for review in history}
    return tuple(by_end.get(quarter.end) for quarter in quarters)


def score_chart(
    title: str,
    histories: Sequence[tuple[str, Iterable[ReviewScore]]],
    *,
    target: int | None = None,
    ceiling: int | None = None,
    current_end: date | None = None,
    size: Size = PAGE,
    slug: str,
) -> ScoreChart:
    """Chart one or two risks' review scores over the quarters either was reviewed."""
    histories = [(name, list(history)) for name, history in histories]
    quarters = quarters_of(*(history for _, history in histories))
    ends = [quarter.end for quarter in quarters]
    return ScoreChart(
        title=title,
        quarters=quarters,
        series=tuple(
            Series(name=name, scores=_scores_on(quarters, history))
            for name, history in histories
        ),
        target=target,
        ceiling=ceiling,
        current=ends.index(current_end) if current_end in ends else None,
        size=size,
        slug=slug,
    )


# --- Open risks by band per quarter -----------------------------------------------


@dataclass(frozen=True)
class BarSegment:
    key: str
    label: str
    fill: str
    count: int
    y: float
    height: float
    label_y: float


@dataclass(frozen=True)
class Bar:
    quarter: Quarter
    x: float
    width: float
    segments: tuple[BarSegment, ...]
    total: int
    outside: int
    outside_y: float
    show_label: bool = True  # the quarter's label under the axis
    show_counts: bool = True  # each part's count inside the bar, where it fits
    show_outside: bool = True  # the outside-appetite count above its diamond
    font: int = 12

    @property
    def outside_box(self) -> tuple[float, float, float, float]:
        """The white box under the outside-appetite count: x, y, width, height.

        The count sits over the bar; the box keeps it legible on any band.
        """
        width = len(str(self.outside)) * self.font * 0.62 + 4
        height = self.font + 2
        return (
            round(self.x - width / 2, 1),
            round(self.outside_y - 8 - self.font, 1),
            round(width, 1),
            height,
        )

    @property
    def left(self) -> float:
        return round(self.x - self.width / 2, 1)


@dataclass(frozen=True)
class QuarterCount:
    """One quarter's reviewed risks by band, and how many were outside appetite."""

    quarter: Quarter
    by_band: dict[str, int]
    outside: int


def _nice_top(largest: int) -> int:
    """Round the axis up to a multiple of 1, 2 or 5 times a power of ten."""
    if largest <= 5:
        return 5
    step = 1
    while True:
        for factor in (1, 2, 5):
            if largest <= 5 * factor * step:
                return 5 * factor * step
        step *= 10


@dataclass(frozen=True)
class BandBarsChart:
    """Reviewed risks by band per quarter (stacked bars) and those outside appetite."""

    title: str
    counts: tuple[QuarterCount, ...]
    size: Size = PAGE
    slug: str = "chart"  # unique on the page: ids of the title and description

    @property
    def top(self) -> int:
        return _nice_top(max((sum(c.by_band.values()) for c in self.counts), default=0))

    @property
    def description(self) -> str:
        parts = []
        for row in self.counts:
            bands = ", ".join(
                f"{band.label.lower()} {row.by_band.get(band.key, 0)}"
                for band in reversed(scoring.bands())
            )
            parts.append(
                f"{row.quarter.label}: {sum(row.by_band.values())} risks ({bands}), "
                f"{row.outside} outside appetite"
            )
        return "Risks reviewed by quarter. " + "; ".join(parts) + "."

    @property
    def alt(self) -> str:
        return f"{self.title}. {self.description}"

    @property
    def ticks(self) -> list[tuple[int, float]]:
        top = self.top
        return [(top * i // 5, _y(self.size, top * i / 5, top)) for i in range(6)]

    @property
    def legend(self) -> list[BandRect]:
        return [
            BandRect(
                key=band.key,
                label=band.label,
                fill=BAND_FILLS.get(band.key, "#f3f2f1"),
                y=self.size.top + self.size.font * 1.4 * number,
                height=self.size.font,
                label_y=self.size.top + self.size.font * (1.4 * number + 0.85),
            )
            for number, band in enumerate(reversed(scoring.bands()))
        ]

    @property
    def outside_legend_y(self) -> float:
        return self.size.top + self.size.font * 1.4 * len(scoring.bands()) + 4

    @property
    def bars(self) -> list[Bar]:
        top, total = self.top, len(self.counts)
        width = round(_column_width(self.size, total) * 0.6, 1)
        step = _label_step(self.size, total, (c.quarter.label for c in self.counts))
        labelled = _labelled(total, step)
        outside = [c.outside for c in self.counts]
        printed = _worth_printing(
            outside, _label_step(self.size, total, [f"{max(outside, default=0)}00"])
        )
        bars = []
        for index, row in enumerate(self.counts):
            base, segments = 0, []
            for band in scoring.bands():
                n = row.by_band.get(band.key, 0)
                if n:
                    upper = _y(self.size, base + n, top)
                    height = round(_y(self.size, base, top) - upper, 1)
                    segments.append(
                        BarSegment(
                            key=band.key,
                            label=band.label,
                            fill=BAND_FILLS.get(band.key, "#f3f2f1"),
                            count=n,
                            y=upper,
                            height=height,
                            label_y=round(upper + height / 2 + self.size.font / 3, 1),
                        )
                    )
                base += n
            bars.append(
                Bar(
                    quarter=row.quarter,
                    x=_x(self.size, index, total),
                    width=width,
                    segments=tuple(segments),
                    total=base,
                    outside=row.outside,
                    outside_y=_y(self.size, row.outside, top),
                    show_label=index in labelled,
                    # A count is printed only where a digit fits across the bar.
                    show_counts=width >= self.size.font,
                    show_outside=index in printed,
                    font=self.size.font,
                )
            )
        return bars

    @property
    def outside_points(self) -> str:
        return " ".join(f"{bar.x},{bar.outside_y}" for bar in self.bars)

    @property
    def band_headers(self) -> list[scoring.Band]:
        return list(reversed(scoring.bands()))

    @property
    def rows(self) -> list[tuple[Quarter, list[int], int, int]]:
        return [
            (
                row.quarter,
                [row.by_band.get(band.key, 0) for band in self.band_headers],
                sum(row.by_band.values()),
                row.outside,
            )
            for row in self.counts
        ]


def band_counts(
    reviews: Iterable[tuple],
) -> tuple[QuarterCount, ...]:
    """Count (period end, label, score, ceiling[, how many]) rows per quarter and band.

    A row stands for one review, or for as many as its fifth item says (rows
    already grouped by the database).
    """
    quarters: dict[date, str] = {}
    by_band: dict[date, dict[str, int]] = {}
    outside: dict[date, int] = {}
    for end, label, score, ceiling, *grouped in reviews:
        band = scoring.band_for(score)
        if band is None:
            continue
        many = grouped[0] if grouped else 1
        quarters.setdefault(end, label)
        counts = by_band.setdefault(end, {})
        counts[band.key] = counts.get(band.key, 0) + many
        if ceiling is not None and score > ceiling:
            outside[end] = outside.get(end, 0) + many
    return tuple(
        QuarterCount(
            quarter=Quarter(end=end, label=quarters[end]),
            by_band=by_band[end],
            outside=outside.get(end, 0),
        )
        for end in sorted(quarters)
    )


def band_bars_chart(
    title: str, counts: tuple[QuarterCount, ...], *, slug: str, size: Size = PAGE
) -> BandBarsChart:
    """Chart the counts of band_counts() as stacked bars."""
    return BandBarsChart(title=title, counts=counts, size=size, slug=slug)
