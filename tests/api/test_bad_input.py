"""Query parameters no database could take: 400 or an empty list, never a 500."""

import pytest
from django.urls import reverse

NUL = "a\x00b"  # PostgreSQL refuses a NUL in any string it is sent

# Every list and the text parameters it reads.
TEXT_PARAMETERS = {
    "api:risks": ("organisation", "status", "category", "theme", "owner", "q"),
    "api:dashboard_risks": ("organisation",),
    "api:controls": ("organisation",),
    "api:actions": ("organisation", "status"),
    "api:reviews": ("organisation",),
    "api:links": ("status",),
}


@pytest.mark.parametrize(
    ("name", "parameter"),
    [(name, p) for name, params in TEXT_PARAMETERS.items() for p in params],
)
def test_a_nul_in_a_text_parameter_is_not_a_server_error(
    api_as, world, name, parameter
):
    response = api_as("mopac-governance").get(reverse(name), **{parameter: NUL})
    assert response.status_code in (200, 400), response.content[:200]


@pytest.mark.parametrize("value", [NUL, "x" * 5000])
def test_text_search_as_at_a_day_takes_any_text(api_as, world, value):
    response = api_as("mopac-reader").get(
        reverse("api:risks"), as_at="2019-09-30", q=value
    )
    assert response.status_code in (200, 400), response.content[:200]
