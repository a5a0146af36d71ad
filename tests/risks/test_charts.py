"""Score charts: their geometry, and the risk and alignment pages that show them."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse

from alignment.models import AlignmentLink, LinkStatus
from risks import charts
from risks.models import Risk

Q4, Q1, Q2 = "2018/19 Q4", "2019/20 Q1", "2019/20 Q2"


def review(end: str, label: str, score: int | None) -> charts.ReviewScore:
    return charts.ReviewScore(
        end=datetime.date.fromisoformat(end), label=label, score=score
    )


def test_two_risks_share_the_quarters_either_was_reviewed_in():
    chart = charts.score_chart(
        "Pair",
        [
            ("A", [review("2019-06-30", Q1, 12), review("2019-03-31", Q4, 16)]),
            ("B", [review("2019-09-30", Q2, 9)]),
        ],
        slug="pair",
    )
    assert [q.label for q in chart.quarters] == [Q4, Q1, Q2]
    assert [s.scores for s in chart.series] == [(16, 12, None), (None, None, 9)]
    assert chart.description == (f"Scores by quarter. A: {Q4} 16, {Q1} 12; B: {Q2} 9.")
    rows = chart.rows
    assert rows[0][1] == [(16, "High"), (None, "")]
    # A missing quarter breaks the line rather than joining across it.
    assert [len(s.segments) for s in chart.drawn] == [1, 1]
    assert [len(s.marks) for s in chart.drawn] == [2, 1]


def test_higher_scores_sit_higher_and_lines_mark_target_and_appetite():
    chart = charts.score_chart(
        "One",
        [("Score", [review("2019-03-31", Q4, 20), review("2019-06-30", Q1, 5)])],
        target=6,
        ceiling=10,
        current_end=datetime.date(2019, 6, 30),
        slug="one",
    )
    high, low = chart.drawn[0].marks
    assert high.y < low.y and high.x < low.x
    assert [rule.label for rule in chart.rules] == ["Appetite 10", "Target 6"]
    assert chart.current_column.label == Q1
    assert [band.label for band in chart.bands] == [
        "Low",
        "Medium",
        "High",
        "Very high",
    ]
    assert "target score 6" in chart.alt and "appetite ceiling 10" in chart.alt


def test_band_counts_stack_by_band_and_count_outside_appetite():
    end = datetime.date(2019, 9, 30)
    counts = charts.band_counts(
        [(end, Q2, 20, 10), (end, Q2, 12, 15), (end, Q2, 3, 4), (end, Q2, None, 4)]
    )
    (quarter,) = counts
    assert quarter.by_band == {"very_high": 1, "high": 1, "low": 1}
    assert quarter.outside == 1
    chart = charts.band_bars_chart("Bands", counts, slug="bands")
    (bar,) = chart.bars
    assert bar.total == 3 and [s.count for s in bar.segments] == [1, 1, 1]
    assert "2019/20 Q2: 3 risks (very high 1, high 1, medium 0, low 1), 1 outside" in (
        chart.description
    )


# --- The 2019 demo --------------------------------------------------------------


@pytest.fixture
def demo(db):
    call_command("load_demo", "--until", "2019-09-30", verbosity=0)


def quarterly(count: int) -> list[charts.Quarter]:
    """`count` consecutive quarters from 2018/19 Q4, oldest first."""
    quarters, year, number = [], 2018, 4
    for _ in range(count):
        end_month = {1: 6, 2: 9, 3: 12, 4: 3}[number]
        end_year = year + 1 if number == 4 else year
        quarters.append(
            charts.Quarter(
                end=datetime.date(end_year, end_month, 28),
                label=f"{year}/{(year + 1) % 100:02d} Q{number}",
            )
        )
        year, number = (year + 1, 1) if number == 4 else (year, number + 1)
    return quarters


def long_history(scores: list[int]) -> list[charts.ReviewScore]:
    return [
        charts.ReviewScore(end=q.end, label=q.label, score=score)
        for q, score in zip(quarterly(len(scores)), scores, strict=True)
    ]


def test_eight_years_of_quarters_print_labels_that_do_not_run_together():
    # 31 quarterly reviews, as the demo's registers carried to 2026/27.
    scores = [20, 16] + [20] * 5 + [25] * 5 + [20] * 2 + [16] * 2 + [20] * 15
    chart = charts.score_chart(
        "Long", [("Score", long_history(scores))], current_end=None, slug="long"
    )
    columns = chart.columns
    shown = [c for c in columns if c.show_label]
    assert shown[-1] is columns[-1]  # the newest quarter is always labelled
    label_width = len(columns[0].label) * chart.size.font * 0.55
    gaps = [b.x - a.x for a, b in zip(shown, shown[1:], strict=False)]
    assert len(shown) < len(columns) and min(gaps) >= label_width
    # Scores print where they change (the 25s' peak included), not at every point.
    marks = chart.drawn[0].marks
    printed = [(i, m.value) for i, m in enumerate(marks) if m.show_value]
    assert (7, 25) in printed and printed[-1] == (30, 20)
    assert len(printed) < len(marks) // 2
    # A score at the top of the scale is labelled below its point, inside the chart.
    assert marks[7].value_dy > 0 and marks[0].value_dy < 0


def test_a_few_quarters_print_every_label_and_score():
    chart = charts.score_chart(
        "Short",
        [("Score", long_history([20, 16, 20]))],
        current_end=quarterly(3)[1].end,
        slug="short",
    )
    assert all(c.show_label for c in chart.columns)
    assert [m.show_value for m in chart.drawn[0].marks] == [True, True, True]
    assert chart.current_column.label == "2019/20 Q1"


def test_the_current_quarter_keeps_its_label_among_many():
    quarters = quarterly(31)
    chart = charts.score_chart(
        "Long",
        [("Score", long_history([12] * 31))],
        current_end=quarters[27].end,
        slug="current",
    )
    shown = [i for i, c in enumerate(chart.columns) if c.show_label]
    assert 27 in shown
    step = shown[-1] - shown[-2] if shown[-1] != 27 else shown[-2] - shown[-3]
    assert all(abs(i - 27) >= step for i in shown if i != 27)


def test_a_long_band_chart_thins_its_labels_and_boxes_its_outside_counts():
    counts = tuple(
        charts.QuarterCount(
            quarter=q,
            by_band={"high": 5 + n % 3, "medium": 4},
            outside=3 + n % 4,
        )
        for n, q in enumerate(quarterly(31))
    )
    chart = charts.band_bars_chart("Bands", counts, slug="bands")
    bars = chart.bars
    assert bars[-1].show_label and sum(b.show_label for b in bars) < len(bars)
    # Bars narrower than a digit carry no counts; the table under them has them.
    assert not any(b.show_counts for b in bars)
    printed = [b for b in bars if b.show_outside]
    assert printed[-1] is bars[-1] and len(printed) < len(bars)
    x, y, width, height = printed[0].outside_box
    assert width > 0 and y + height <= printed[0].outside_y
    few = charts.band_bars_chart("Bands", counts[:3], slug="few").bars
    assert all(b.show_label and b.show_counts and b.show_outside for b in few)


def test_violence_risk_page_charts_its_scores_with_a_table(client, demo):
    client.force_login(get_user_model().objects.get(username="mopac-reader"))
    violence = Risk.objects.get(reference="MOPAC-R03")
    html = client.get(violence.get_absolute_url()).content.decode()
    chart = html[html.index('id="score-chart"') : html.index('id="reviews"')]
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart"' in chart
    assert 'role="img"' in chart and "aria-labelledby=" in chart
    title = chart[chart.index("<title") : chart.index("</title>")]
    scores = [r.score for r in violence.reviews.order_by("period__end")]
    assert len(scores) == 3
    assert f"Score: {Q4} {scores[0]}, {Q1} {scores[1]}, {Q2} {scores[2]}" in title
    assert f"target score {violence.target_score}" in title
    assert f"appetite ceiling {violence.appetite_ceiling}" in title
    # The same figures as a table, under a details element.
    table = chart[chart.index("<details") : chart.index("</details>")]
    for label in (Q4, Q1, Q2):
        assert f'<th scope="row" class="govuk-table__header">{label}' in table
    assert "Very high" in chart or "High" in chart  # the bands are labelled


def test_alignment_link_page_charts_both_organisations(client, demo):
    client.force_login(get_user_model().objects.get(username="mopac-governance"))
    violence = Risk.objects.get(reference="MOPAC-R03")
    link = AlignmentLink.objects.filter(status=LinkStatus.AGREED).get(
        Q(proposer_risk=violence) | Q(partner_risk=violence)
    )
    html = client.get(reverse("alignment:detail", args=[link.pk])).content.decode()
    chart = html[html.index('id="pair-chart"') : html.index("Rationale")]
    title = chart[chart.index("<title") : chart.index("</title>")]
    assert "MOPAC: " in title and "MPS: " in title
    assert f"MOPAC: {Q4} " in title
    header = chart[chart.index("<thead") : chart.index("</thead>")]
    assert ">MOPAC</th>" in header and ">MPS</th>" in header


def test_alignment_overview_charts_each_pair(client, demo):
    client.force_login(get_user_model().objects.get(username="mopac-governance"))
    html = client.get(reverse("alignment:overview")).content.decode()
    agreed = AlignmentLink.objects.filter(status=LinkStatus.AGREED).count()
    assert html.count('class="app-chart"') == agreed
    assert html.count("Show the chart's figures as a table") == agreed


# --- Register trends ------------------------------------------------------------

# session, user, membership, the reviews of closed quarters the user may see
TRENDS_QUERIES = 4


def test_trends_chart_each_organisation_in_constant_queries(
    client, demo, django_assert_num_queries
):
    client.force_login(get_user_model().objects.get(username="mopac-governance"))
    with django_assert_num_queries(TRENDS_QUERIES):
        html = client.get(reverse("risks:trends")).content.decode()
    assert 'id="trends-mopac-title"' in html
    assert "Outside appetite" in html
    assert "Show the chart's figures as a table" in html


def test_trends_show_only_what_the_user_may_see(client, demo):
    client.force_login(get_user_model().objects.get(username="met-reader"))
    html = client.get(reverse("risks:trends")).content.decode()
    mps = html.count('id="trends-mps-title"')
    # A reader of the MPS sees MOPAC's aligned risks only, never its whole register.
    mopac_open = Risk.objects.filter(organisation__slug="mopac").count()
    assert mps == 1
    if 'id="trends-mopac-title"' in html:
        chart = html[html.index('id="trends-mopac-title"') :]
        assert f"{mopac_open} risks" not in chart.split("</title>")[0]


def test_trends_need_sign_in(client, db):
    response = client.get(reverse("risks:trends"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
