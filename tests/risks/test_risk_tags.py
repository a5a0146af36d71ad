"""The register's formatting tags: the markup they return, escaped."""

import datetime

from risks import scoring
from risks.choices import Direction, RiskStatus
from risks.selectors import Option, RegisterRow
from risks.templatetags import risk_tags

HOSTILE = '<script>alert("x")</script> & "quoted"'


def row(**changes) -> RegisterRow:
    values = {
        "pk": 7,
        "reference": "MOPAC-R07",
        "title": HOSTILE,
        "url": "/risks/7/",
        "theme_names": ["Finance", HOSTILE],
        "organisation": "MOPAC",
        "owner_post": HOSTILE,
        "current_score": 20,
        "current_band": scoring.band_for(20),
        "target_score": None,
        "target_band": None,
        "direction": Direction.INCREASING,
        "next_review_date": datetime.date(2026, 3, 5),
        "review_overdue": True,
        "status": RiskStatus.OPEN,
    }
    return RegisterRow(**(values | changes))


def test_register_row_escapes_every_text_and_shows_each_column():
    html = risk_tags.register_row(row())
    assert "<script>" not in html
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quoted&quot;"
        in html
    )
    assert '<a class="govuk-link" href="/risks/7/">' in html
    assert f"Themes: Finance, {HOSTILE[:3].replace('<', '&lt;')}" in html
    assert f"20 {scoring.band_for(20).label}</strong>" in html
    assert "Not scored" in html  # the target
    assert "Increasing</span>" in html and 'aria-hidden="true">↑' in html
    assert "5 Mar 2026 <strong" in html and "Review overdue" in html
    assert '<strong class="govuk-tag govuk-tag--blue">Open</strong>' in html


def test_register_row_without_themes_date_or_overdue():
    html = risk_tags.register_row(
        row(theme_names=[], next_review_date=None, review_overdue=False)
    )
    assert "Themes:" not in html
    assert "Not set</td>" in html
    assert "Review overdue" not in html


def test_filter_select_marks_the_choice_and_escapes_labels():
    options = [Option("a", "First"), Option("b", HOSTILE)]
    html = risk_tags.filter_select("owner", "Owner", options, "b", "All owners")
    assert '<label class="govuk-label govuk-label--s" for="filter-owner">Owner' in html
    assert '<option value="">All owners</option>' in html
    assert '<option value="a">First</option>' in html
    assert '<option value="b" selected>&lt;script&gt;' in html
    assert "<script>" not in html
    # Numbers chosen in the filters match their options' text values.
    numbers = [Option("1", "1 – Rare"), Option("2", "2 – Unlikely")]
    assert '<option value="2" selected>' in risk_tags.select_options(numbers, 2)
    assert " selected" not in risk_tags.select_options(numbers, None)
