"""JSON as Django REST framework writes it, encoded by orjson.

A page of 1,000 risks is about 1.4 MB of JSON: the standard library's encoder
took about a sixth of the request's time (measured in bench/api.py), orjson a
small part of that. The bytes are the same as DRF's JSONRenderer gives (compact,
UTF-8, U+2028 and U+2029 escaped, datetimes as DRF formats them), which a test
compares.
"""

import orjson
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer
from rest_framework.utils.encoders import JSONEncoder

# DRF's own rules for what JSON has no type for: datetimes (milliseconds, "Z"
# for UTC), decimals, lazy translations, sets.
_DRF = JSONEncoder()
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


class JSONRenderer(DRFJSONRenderer):
    """DRF's JSON renderer with orjson doing the encoding (indented output aside)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        indent = self.get_indent(accepted_media_type, renderer_context or {})
        if indent is not None or not self.compact or self.ensure_ascii:
            return super().render(data, accepted_media_type, renderer_context)
        body = orjson.dumps(data, default=_DRF.default, option=OPTIONS)
        # As DRF: JSON stays a strict JavaScript subset.
        return body.replace("\u2028".encode(), b"\\u2028").replace(
            "\u2029".encode(), b"\\u2029"
        )
