"""The history tables, found generically: every django-simple-history model.

audit imports no app of the project: whatever app adds a tracked model, its
historical table is sealed, verified and made append-only without a change here.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db import models
from simple_history.models import HistoricalChanges


@dataclass(frozen=True)
class HistoryTable:
    """One history table: its model, name, id column and the columns hashed."""

    model: type[models.Model]
    name: str
    id_column: str
    id_field: str
    columns: tuple[str, ...]  # sorted, the id column included
    fields: tuple[str, ...]  # attnames in the order of `columns`

    def fields_for(self, columns: list[str]) -> list[str]:
        """Return the attnames of these columns; raise LookupError for a lost one."""
        by_column = dict(zip(self.columns, self.fields, strict=True))
        missing = [column for column in columns if column not in by_column]
        if missing:
            raise LookupError(missing[0])
        return [by_column[column] for column in columns]


def history_tables() -> list[HistoryTable]:
    """Return every historical table, ordered by table name."""
    tables = []
    for model in apps.get_models():
        meta = model._meta
        if not issubclass(model, HistoricalChanges) or meta.proxy or not meta.managed:
            continue
        concrete = sorted(meta.concrete_fields, key=lambda field: field.column)
        tables.append(
            HistoryTable(
                model=model,
                name=meta.db_table,
                id_column=meta.pk.column,
                id_field=meta.pk.attname,
                columns=tuple(field.column for field in concrete),
                fields=tuple(field.attname for field in concrete),
            )
        )
    return sorted(tables, key=lambda table: table.name)


def history_table(name: str) -> HistoryTable:
    """Return the history table of that name; raise LookupError if there is none."""
    for table in history_tables():
        if table.name == name:
            return table
    raise LookupError(name)


def append_only_tables() -> list[tuple[str, str]]:
    """Return (table, id column) of every table the database keeps append-only."""
    from .models import Erasure, Seal, SealChunk, Verification

    own = [
        (model._meta.db_table, model._meta.pk.column)
        for model in (Erasure, Seal, SealChunk, Verification)
    ]
    return sorted([(table.name, table.id_column) for table in history_tables()] + own)
