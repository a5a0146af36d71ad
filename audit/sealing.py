"""seal_history: a chained digest over the history rows added since the last seal.

Order and form are fixed: tables by name, rows by history id, each row in its
canonical form (canonical.py). A seal covers, per table, the ids above the
previous seal's and up to a boundary read in one statement (one snapshot).

Writers are never blocked: rows are read without locks, streamed from the
database and hashed as they come; the per-row hashes are spooled to a temporary
file (memory stays flat), and only the final insert of the seal is a
transaction, a short one. Rows committed meanwhile go into the next seal.

History ids are handed out by a sequence when a row is inserted, not when its
transaction commits: a transaction still open when the boundary is read may hold
an id below it. On PostgreSQL the seal therefore waits until every transaction
that was writing in this database when the boundary was read has ended, then
reads up to the boundary; no id at or below it can appear later except by
tampering, which verify_history reports as "inserted behind a seal". (On SQLite
one writer at a time commits in id order, so there is nothing to wait for.)
"""

import hashlib
import tempfile
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from . import canonical
from .models import Erasure, Occasion, Seal, SealChunk
from .tables import HistoryTable, history_tables

CHUNK_ROWS = 5000  # rows per stored chunk: 200 KB of row hashes
FETCH_ROWS = 2000  # rows per round trip while streaming a table
SPOOL_BYTES = 1024 * 1024  # row hashes beyond this go to a temporary file
ATTEMPTS = 3


class SealError(Exception):
    """The seal could not be made; nothing was written."""


class _Overtaken(Exception):
    """Another seal was written while this one was being computed."""


@dataclass
class _Chunk:
    table: str
    position: int
    first_id: int
    last_id: int
    rows: int
    offset: int
    length: int
    digest: bytes


def chunk_digest(
    *, table: str, position: int, first_id: int, last_id: int, rows: int, blob: bytes
) -> bytes:
    """Return the SHA-256 binding a chunk's place to its row records."""
    head = canonical.header_bytes(
        table=table, position=position, first_id=first_id, last_id=last_id, rows=rows
    )
    return hashlib.sha256(head + b"\n" + blob).digest()


def seal_digest(
    *,
    number: int,
    previous_digest: str,
    sealed_at,
    occasion: str,
    note: str,
    row_count: int,
    tables: dict,
    files: dict,
    erasures: dict,
    chunk_digests: list[bytes],
) -> str:
    """Return the seal's digest: its fields, then its chunks' digests in order."""
    digest = hashlib.sha256(
        canonical.header_bytes(
            number=number,
            previous_digest=previous_digest,
            sealed_at=sealed_at,
            occasion=occasion,
            note=note,
            row_count=row_count,
            tables=tables,
            files=files,
            erasures=erasures,
        )
    )
    for part in chunk_digests:
        digest.update(part)
    return digest.hexdigest()


def boundaries(tables: list[HistoryTable]) -> dict[str, int]:
    """Return the highest committed history id of each table, from one snapshot."""
    if not tables:
        return {}
    quote = connection.ops.quote_name
    # Table and column names come from the model registry, never from input.
    columns = ", ".join(
        f"(SELECT MAX({quote(table.id_column)}) FROM {quote(table.name)})"  # noqa: S608
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        highest = cursor.fetchone()
    return {
        table.name: value or 0 for table, value in zip(tables, highest, strict=True)
    }


_WRITERS_SQL = (
    "SELECT coalesce(array_agg(backend_xid::text), '{}') FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND backend_xid IS NOT NULL"
)


def wait_for_open_writers(timeout: float) -> None:
    """Wait until the transactions writing in this database now have ended."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(_WRITERS_SQL)
        (waiting,) = cursor.fetchone()
        while waiting:
            if time.monotonic() > deadline:
                raise SealError(
                    f"Sealing waited {timeout:.0f} s for {len(waiting)} open "
                    "transaction(s) writing to the database to end; nothing was "
                    "sealed. Try again later."
                )
            time.sleep(0.05)
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT coalesce(array_agg(backend_xid::text), '{}') "
                "FROM pg_stat_activity WHERE backend_xid::text = ANY(%s)",
                [waiting],
            )
            (waiting,) = cursor.fetchone()


def stream_rows(
    table: HistoryTable, after: int, through: int, columns: list[str] | None = None
):
    """Yield (history id, row hash) for the table's rows in (after, through].

    Hashes the given columns (default: all of them, as sealing does).
    """
    fields = table.fields_for(columns) if columns is not None else list(table.fields)
    id_at = fields.index(table.id_field)
    rows = (
        table.model._base_manager.filter(
            **{f"{table.id_field}__gt": after, f"{table.id_field}__lte": through}
        )
        .order_by(table.id_field)
        .values_list(*fields)
        .iterator(chunk_size=FETCH_ROWS)
    )
    row_hash = canonical.row_hash
    return ((values[id_at], row_hash(values)) for values in rows)


def _spool_chunk(table: str, position: int, blob: bytes, spool) -> _Chunk:
    """Write one chunk's row records to the spool; return where and its digest."""
    rows = len(blob) // canonical.RECORD_BYTES
    first_id = int.from_bytes(blob[: canonical.ID_BYTES], "big")
    last_start = len(blob) - canonical.RECORD_BYTES
    last_id = int.from_bytes(blob[last_start : last_start + canonical.ID_BYTES], "big")
    chunk = _Chunk(
        table=table,
        position=position,
        first_id=first_id,
        last_id=last_id,
        rows=rows,
        offset=spool.tell(),
        length=len(blob),
        digest=chunk_digest(
            table=table,
            position=position,
            first_id=first_id,
            last_id=last_id,
            rows=rows,
            blob=blob,
        ),
    )
    spool.write(blob)
    return chunk


def _hash_table(table: HistoryTable, after: int, through: int, spool) -> list[_Chunk]:
    """Hash the table's rows in (after, through] into chunks on the spool."""
    chunks: list[_Chunk] = []
    buffer = bytearray()
    full = CHUNK_ROWS * canonical.RECORD_BYTES
    for history_id, digest in stream_rows(table, after, through):
        buffer += canonical.record(history_id, digest)
        if len(buffer) >= full:
            chunks.append(_spool_chunk(table.name, len(chunks), bytes(buffer), spool))
            buffer = bytearray()
    if buffer:
        chunks.append(_spool_chunk(table.name, len(chunks), bytes(buffer), spool))
    return chunks


def _hash_tables(tables, lows, highs, spool) -> tuple[list[_Chunk], dict, int]:
    chunks: list[_Chunk] = []
    covered: dict[str, dict] = {}
    for table in tables:
        after = lows.get(table.name, 0)
        through = max(after, highs[table.name])
        found = _hash_table(table, after, through, spool) if through > after else []
        chunks += found
        covered[table.name] = {
            "after": after,
            "through": through,
            "rows": sum(chunk.rows for chunk in found),
            "columns": list(table.columns),
        }
    return chunks, covered, sum(entry["rows"] for entry in covered.values())


def _new_erasures(previous: Seal | None) -> dict:
    """Return the erasure log entries made since the previous seal, with digests.

    {"through": highest entry id sealed so far, "entries": {id: SHA-256}}.
    """
    through = previous.erasures.get("through", 0) if previous else 0
    entries = {
        str(entry.pk): canonical.erasure_digest(entry)
        for entry in Erasure.objects.filter(pk__gt=through).order_by("pk")
    }
    return {"through": max(map(int, entries), default=through), "entries": entries}


def _write(*, previous, occasion, note, files, chunks, covered, total, spool) -> Seal:
    with transaction.atomic():
        last = Seal.objects.select_for_update().order_by("-number").first()
        if (last and last.pk) != (previous and previous.pk):
            raise _Overtaken
        number = previous.number + 1 if previous else 1
        previous_digest = previous.digest if previous else ""
        sealed_at = timezone.now()
        erasures = _new_erasures(previous)
        seal = Seal.objects.create(
            number=number,
            sealed_at=sealed_at,
            occasion=occasion,
            note=note,
            previous_digest=previous_digest,
            row_count=total,
            tables=covered,
            files=files,
            erasures=erasures,
            digest=seal_digest(
                number=number,
                previous_digest=previous_digest,
                sealed_at=sealed_at,
                occasion=occasion,
                note=note,
                row_count=total,
                tables=covered,
                files=files,
                erasures=erasures,
                chunk_digests=[chunk.digest for chunk in chunks],
            ),
        )
        # One chunk (200 KB) per INSERT: the driver's copy of the statement, as
        # escaped text, is the largest thing held in memory while sealing.
        for chunk in chunks:
            spool.seek(chunk.offset)
            SealChunk.objects.create(
                seal=seal,
                table=chunk.table,
                position=chunk.position,
                first_id=chunk.first_id,
                last_id=chunk.last_id,
                rows=chunk.rows,
                row_hashes=spool.read(chunk.length),
            )
        return seal


def seal_history(
    *, occasion: str = Occasion.MANUAL, note: str = "", files: dict | None = None
) -> Seal:
    """Seal every history row added since the last seal; return the new seal."""
    if occasion not in Occasion.values:
        raise SealError(f"Unknown occasion {occasion!r}.")
    files = dict(sorted((files or {}).items()))
    tables = history_tables()
    wait = getattr(settings, "AUDIT_SEAL_WAIT_SECONDS", 60)
    for _ in range(ATTEMPTS):
        previous = Seal.objects.order_by("-number").first()
        lows = (
            {name: entry["through"] for name, entry in previous.tables.items()}
            if previous
            else {}
        )
        highs = boundaries(tables)
        wait_for_open_writers(wait)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            chunks, covered, total = _hash_tables(tables, lows, highs, spool)
            # Tables no longer in the code keep their place in the chain.
            for name, entry in (previous.tables if previous else {}).items():
                covered.setdefault(
                    name,
                    {"after": entry["through"], "through": entry["through"], "rows": 0},
                )
            try:
                return _write(
                    previous=previous,
                    occasion=occasion,
                    note=note,
                    files=files,
                    chunks=chunks,
                    covered=dict(sorted(covered.items())),
                    total=total,
                    spool=spool,
                )
            except (_Overtaken, IntegrityError):
                continue
    raise SealError(
        "Other seals kept being made while this one was computed; nothing was "
        "sealed. Try again."
    )
