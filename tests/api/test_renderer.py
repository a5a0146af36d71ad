"""The API's JSON renderer writes the same bytes as Django REST framework's."""

import datetime
import decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict

from api.renderers import JSONRenderer
from risks.choices import Direction

UTC = datetime.UTC
LONDON = datetime.timezone(datetime.timedelta(hours=1))

SAMPLES = [
    {"results": [], "next": None, "count": 0},
    {
        "date": datetime.date(2019, 9, 30),
        "utc": datetime.datetime(2019, 9, 30, 12, 0, 1, 123456, tzinfo=UTC),
        "offset": datetime.datetime(2019, 9, 30, 12, 0, tzinfo=LONDON),
        "naive": datetime.datetime(2019, 9, 30, 12, 0),
        "time": datetime.time(9, 30, 15, 250000),
        "decimal": decimal.Decimal("12.50"),
        "lazy": gettext_lazy("Very high"),
        "choice": Direction.INCREASING,
        "text": "Café – “quoted” \u2028 line \u2029 paragraph ↑ ★ <script>",
        "numbers": [0, -1, 25, 2**40, True, False, None],
        "nested": ReturnDict({"a": [{"b": ("c", 1)}]}, serializer=None),
    },
]


@pytest.mark.parametrize("data", SAMPLES)
def test_the_same_bytes_as_drfs_renderer(data):
    assert JSONRenderer().render(data) == DRFJSONRenderer().render(data)


def test_an_indented_request_is_rendered_by_drf():
    data = {"a": [1, 2]}
    accepted = "application/json; indent=2"
    assert JSONRenderer().render(data, accepted) == DRFJSONRenderer().render(
        data, accepted
    )
    assert b"\n" in JSONRenderer().render(data, accepted)


def test_nothing_renders_as_no_bytes():
    assert JSONRenderer().render(None) == b""
