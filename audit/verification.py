"""verify_history: recompute every seal and compare it with the stored rows.

For each seal in order: it must follow the previous one (number and digest);
each table's rows in the seal's id range are streamed from the database and
merged, in history id order, with the row hashes the seal recorded. A row whose
hash differs was changed; a recorded row that is gone was deleted (unless an
erasure log entry that a seal recorded lists it); a row the seal did not record
was inserted behind it.
Finally the seal's own digest is recomputed from its fields and chunks, so an
altered seal is found too. The first problem found is reported.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone

from . import canonical
from .models import Erasure, Seal, SealChunk, Verification
from .sealing import boundaries, chunk_digest, seal_digest, stream_rows
from .tables import history_tables


@dataclass(frozen=True)
class Outcome:
    """What a verification found."""

    ok: bool
    rows: int
    seals: int
    last_sealed_at: object  # datetime | None
    message: str
    table: str = ""
    history_id: int | None = None
    unsealed: int = 0


def when(moment) -> str:
    """Format a moment for messages: local time with its zone."""
    return timezone.localtime(moment).strftime("%d %B %Y %H:%M:%S %Z")


class _Problem(Exception):
    def __init__(self, message: str, table: str = "", history_id: int | None = None):
        super().__init__(message)
        self.message, self.table, self.history_id = message, table, history_id


def _erased() -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """Return the rows erased per table by sealed log entries and by unsealed ones.

    Only a sealed entry excuses a missing row: an entry added to the log behind
    the command's back is in no seal.
    """
    sealed: dict[str, str] = {}
    for (erasures,) in Seal.objects.values_list("erasures").iterator():
        sealed.update(erasures.get("entries", {}))
    entries = {str(entry.pk): entry for entry in Erasure.objects.all()}
    for key, digest in sealed.items():
        entry = entries.get(key)
        if entry is None or canonical.erasure_digest(entry) != digest:
            change = "is gone" if entry is None else "no longer matches its seal"
            raise _Problem(
                f"Erasure log entry {key} {change}: the erasure log was altered."
            )
    erased: dict[str, set[int]] = defaultdict(set)
    unsealed: dict[str, set[int]] = defaultdict(set)
    for key, entry in entries.items():
        (erased if key in sealed else unsealed)[entry.table].update(entry.history_ids)
    return erased, unsealed


def _stored(
    seal: Seal, table: str, digests: list[bytes]
) -> Iterator[tuple[int, bytes]]:
    """Yield the seal's records for the table, collecting each chunk's digest."""
    chunks = SealChunk.objects.filter(seal=seal, table=table).order_by("position")
    expected = 0
    for chunk in chunks.iterator(chunk_size=2):  # 200 KB each
        if chunk.position != expected:
            raise _Problem(
                f"Seal {seal.number} is missing part {expected} of {table}: the seal "
                "itself was altered.",
                table,
            )
        expected += 1
        blob = bytes(chunk.row_hashes)
        digests.append(
            chunk_digest(
                table=table,
                position=chunk.position,
                first_id=chunk.first_id,
                last_id=chunk.last_id,
                rows=chunk.rows,
                blob=blob,
            )
        )
        yield from canonical.records(blob)


def _compare(seal, table, stored, live, erased: set[int], unsealed: set[int]) -> int:
    """Merge stored and live rows in id order; return the live rows matched."""
    matched = 0
    sealed = f"seal {seal.number} of {when(seal.sealed_at)}"
    mine, theirs = next(stored, None), next(live, None)
    while mine is not None or theirs is not None:
        if theirs is None or (mine is not None and mine[0] < theirs[0]):
            if mine[0] not in erased:
                why = (
                    " An erasure lists it but is not sealed yet: run seal_history."
                    if mine[0] in unsealed
                    else ""
                )
                raise _Problem(
                    f"{table} history id {mine[0]}: deleted after {sealed}.{why}",
                    table,
                    mine[0],
                )
            mine = next(stored, None)
        elif mine is None or theirs[0] < mine[0]:
            raise _Problem(
                f"{table} history id {theirs[0]}: inserted behind {sealed}.",
                table,
                theirs[0],
            )
        else:
            if mine[1] != theirs[1]:
                raise _Problem(
                    f"{table} history id {mine[0]}: changed after {sealed}.",
                    table,
                    mine[0],
                )
            matched += 1
            mine, theirs = next(stored, None), next(live, None)
    return matched


def _check_seal(seal: Seal, previous: Seal | None, tables, erased, unsealed) -> int:
    expected_number = previous.number + 1 if previous else 1
    if seal.number != expected_number:
        raise _Problem(
            f"Seal {expected_number} is missing: the chain of seals was altered."
        )
    if seal.previous_digest != (previous.digest if previous else ""):
        raise _Problem(
            f"Seal {seal.number} does not follow seal {expected_number - 1}: the "
            "chain of seals was altered."
        )
    digests: list[bytes] = []
    matched = 0
    for name, entry in sorted(seal.tables.items()):
        if not entry["rows"]:
            continue
        table = tables.get(name)
        if table is None:
            raise _Problem(f"{name} is sealed but is no longer a history table.", name)
        try:
            live = stream_rows(
                table, entry["after"], entry["through"], entry["columns"]
            )
        except LookupError as lost:
            raise _Problem(
                f"{name}: column {lost.args[0]}, sealed in seal {seal.number}, no "
                "longer exists.",
                name,
            ) from None
        stored = _stored(seal, name, digests)
        matched += _compare(
            seal, name, stored, live, erased.get(name, set()), unsealed.get(name, set())
        )
    recomputed = seal_digest(
        number=seal.number,
        previous_digest=seal.previous_digest,
        sealed_at=seal.sealed_at,
        occasion=seal.occasion,
        note=seal.note,
        row_count=seal.row_count,
        tables=seal.tables,
        files=seal.files,
        erasures=seal.erasures,
        chunk_digests=digests,
    )
    if recomputed != seal.digest:
        raise _Problem(
            f"Seal {seal.number} does not match its own digest: the seal itself "
            "was altered."
        )
    return matched


def _unsealed(last: Seal | None, tables) -> int:
    """Count the rows written since the last seal (they await the next one)."""
    total = 0
    highs = boundaries(list(tables.values()))
    for name, table in tables.items():
        after = last.tables.get(name, {}).get("through", 0) if last else 0
        if highs[name] > after:
            total += table.model._base_manager.filter(
                **{f"{table.id_field}__gt": after}
            ).count()
    return total


def verify_history(*, record: bool = True) -> Outcome:
    """Recompute every seal against the stored history; record the outcome."""
    tables = {table.name: table for table in history_tables()}
    previous, rows, seals = None, 0, 0
    try:
        erased, unsealed = _erased()
        for seal in Seal.objects.order_by("number").iterator(chunk_size=100):
            rows += _check_seal(seal, previous, tables, erased, unsealed)
            previous, seals = seal, seals + 1
    except _Problem as problem:
        outcome = Outcome(
            ok=False,
            rows=rows,
            seals=seals,
            last_sealed_at=previous.sealed_at if previous else None,
            message=f"History altered: {problem.message}",
            table=problem.table,
            history_id=problem.history_id,
        )
    else:
        if previous is None:
            message = "Nothing verified: history has never been sealed."
        else:
            message = (
                f"History verified: {rows:,} rows in {seals:,} seals, last sealed "
                f"{when(previous.sealed_at)}"
            )
        outcome = Outcome(
            ok=previous is not None,
            rows=rows,
            seals=seals,
            last_sealed_at=previous.sealed_at if previous else None,
            message=message,
            unsealed=_unsealed(previous, tables),
        )
    if record:
        Verification.objects.create(
            verified_at=timezone.now(),
            ok=outcome.ok,
            rows=outcome.rows,
            seals=outcome.seals,
            message=outcome.message,
        )
    return outcome
