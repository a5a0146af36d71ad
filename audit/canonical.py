"""The canonical form of a history row, the same on PostgreSQL and SQLite.

A row is hashed as JSON with sorted keys (its column names), no spaces, UTF-8:
datetimes in UTC with microseconds, dates ISO, decimals as their text, binary
as hex. Values come through Django's field conversions, so both databases give
the same Python values and therefore the same bytes.
"""

import datetime
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable

ID_BYTES = 8
HASH_BYTES = 32
RECORD_BYTES = ID_BYTES + HASH_BYTES


def plain(value):
    """Return the value in a JSON-ready form that does not depend on the database."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes | memoryview | bytearray):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return str(value)


def row_bytes(table: str, columns: Iterable[str], values: Iterable) -> bytes:
    """Return the canonical bytes of one row of a table."""
    body = {column: plain(value) for column, value in zip(columns, values, strict=True)}
    return json.dumps(
        [table, body], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def row_hash(table: str, columns: Iterable[str], values: Iterable) -> bytes:
    """Return the SHA-256 of a row's canonical bytes."""
    return hashlib.sha256(row_bytes(table, columns, values)).digest()


def record(history_id: int, digest: bytes) -> bytes:
    """Return the 40-byte record a seal chunk keeps for one row."""
    return history_id.to_bytes(ID_BYTES, "big") + digest


def records(blob: bytes) -> Iterable[tuple[int, bytes]]:
    """Yield (history id, row hash) from a chunk's records."""
    view = memoryview(blob)
    for start in range(0, len(view), RECORD_BYTES):
        yield (
            int.from_bytes(view[start : start + ID_BYTES], "big"),
            bytes(view[start + ID_BYTES : start + RECORD_BYTES]),
        )


def header_bytes(**fields) -> bytes:
    """Return the canonical bytes of a seal's own fields."""
    return json.dumps(
        plain(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
