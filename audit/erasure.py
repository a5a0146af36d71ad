"""The one lawful removal of history rows: a data-protection erasure or court order."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import triggers
from .models import Erasure
from .tables import HistoryTable, history_table, history_tables


def _dependants(target: HistoryTable, ids: list[int]) -> dict[HistoryTable, list[int]]:
    """Return the rows of other history tables that belong to these rows (m2m)."""
    found = {}
    for table in history_tables():
        for field in table.model._meta.concrete_fields:
            if field.name == "history" and field.related_model is target.model:
                rows = list(
                    table.model._base_manager.filter(**{f"{field.attname}__in": ids})
                    .order_by(table.id_field)
                    .values_list(table.id_field, flat=True)
                )
                if rows:
                    found[table] = rows
    return found


@transaction.atomic
def erase_history(
    *,
    table: str,
    history_ids: list[int],
    reason: str,
    requested_by: str,
    run_by: str,
) -> list[Erasure]:
    """Delete these history rows (and their m2m history rows), logging why and who.

    The append-only trigger lets exactly these rows go, in this transaction only.
    """
    reason, requested_by = reason.strip(), requested_by.strip()
    if not reason:
        raise ValidationError("Give the reason for the erasure (its lawful basis).")
    if not requested_by:
        raise ValidationError("Give the post title of who asked for the erasure.")
    try:
        target = history_table(table)
    except LookupError:
        names = ", ".join(known.name for known in history_tables())
        raise ValidationError(
            f"{table} is not a history table. History tables: {names}."
        ) from None
    ids = sorted(set(history_ids))
    if not ids:
        raise ValidationError("Give the history ids of the rows to erase.")
    found = set(
        target.model._base_manager.filter(
            **{f"{target.id_field}__in": ids}
        ).values_list(target.id_field, flat=True)
    )
    missing = [str(history_id) for history_id in ids if history_id not in found]
    if missing:
        raise ValidationError(
            f"{table} has no row with history id {', '.join(missing)}; nothing was "
            "erased."
        )
    rows = {**_dependants(target, ids), target: ids}
    triggers.allow_erasure({known.name: known_ids for known, known_ids in rows.items()})
    now = timezone.now()
    entries = []
    for known, known_ids in rows.items():  # dependants first, then the rows named
        known.model._base_manager.filter(
            **{f"{known.id_field}__in": known_ids}
        ).delete()
        entries.append(
            Erasure.objects.create(
                erased_at=now,
                table=known.name,
                history_ids=known_ids,
                reason=reason,
                requested_by=requested_by,
                run_by=run_by,
            )
        )
    return entries
