"""The canonical form of a history row, the same on PostgreSQL and SQLite.

A row is hashed as a JSON array of its values in the order of its columns'
names (the seal records the table and those names), no spaces, UTF-8:
datetimes in UTC with microseconds, dates ISO, decimals as their text, binary
as hex. Values come through Django's field conversions, so both databases give
the same Python values and therefore the same bytes.

Only the columns a seal recorded are hashed when it is verified: a column added
later by a migration (whose old rows take its default) does not break old seals.
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


_AS_IS = frozenset({str, int, bool, type(None)})


def plain(value):
    """Return the value in a JSON-ready form that does not depend on the database."""
    if type(value) in _AS_IS:
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


_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def row_bytes(values: Iterable) -> bytes:
    """Return the canonical bytes of one row's values (in its columns' order)."""
    return _encode([plain(value) for value in values]).encode()


def row_hash(values: Iterable) -> bytes:
    """Return the SHA-256 of a row's canonical bytes."""
    return hashlib.sha256(row_bytes(values)).digest()


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


def erasure_digest(erasure) -> str:
    """Return the SHA-256 of an erasure log entry, as seals record it."""
    return hashlib.sha256(
        header_bytes(
            id=erasure.pk,
            erased_at=erasure.erased_at,
            table=erasure.table,
            history_ids=erasure.history_ids,
            reason=erasure.reason,
            requested_by=erasure.requested_by,
            run_by=erasure.run_by,
        )
    ).hexdigest()
