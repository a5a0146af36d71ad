"""The pages with score charts in real Chromium: drawn without JavaScript, axe-clean."""

from django.urls import reverse

from alignment.models import AlignmentLink, LinkStatus
from risks.models import ReportingPeriod, Risk

from .conftest import check_accessibility, sign_in


def test_chart_pages_show_their_charts_and_pass_axe(page, live_server, demo):
    sign_in(page, live_server, "mopac-governance")
    violence = Risk.objects.get(reference="MOPAC-R03")
    link = AlignmentLink.objects.filter(status=LinkStatus.AGREED).first()
    latest = ReportingPeriod.objects.filter(organisation__slug="mopac").latest("end")
    dashboard = reverse("risks:period_detail", args=[latest.pk])
    for path in (
        violence.get_absolute_url(),
        link.get_absolute_url(),
        "/alignment/",
        "/risks/trends/",
        dashboard,
    ):
        page.goto(f"{live_server.url}{path}")
        chart = page.locator("svg.app-chart").first
        assert chart.is_visible()
        assert chart.get_attribute("role") == "img"
        page.get_by_text("Show the chart's figures as a table").first.click()
        assert page.locator("details[open] table").first.is_visible()
        check_accessibility(page)
