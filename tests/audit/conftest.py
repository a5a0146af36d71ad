"""Helpers for the audit tests: tampering with history as the database superuser."""

import io
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection

from audit import triggers
from audit.tables import history_table

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only"
)


@contextmanager
def behind_the_apps_back(*tables: str):
    """Run raw SQL as the superuser with the append-only trigger disabled.

    ALTER TABLE is transactional: the test's rollback enables it again. It
    refuses while deferred foreign-key checks are pending, so they run first.
    """
    with connection.cursor() as cursor:
        if triggers.is_enforced():
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(
                    f'ALTER TABLE "{table}" DISABLE TRIGGER {triggers.TRIGGER}'
                )
        yield cursor
        if triggers.is_enforced():
            for table in tables:
                cursor.execute(
                    f'ALTER TABLE "{table}" ENABLE TRIGGER {triggers.TRIGGER}'
                )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def copy_row(cursor, table_name: str, source_id: int, new_id: int, **changes) -> None:
    """Insert a copy of one history row under another history id."""
    table = history_table(table_name)
    columns = [column for column in table.columns if column != table.id_column]
    values = ", ".join(
        "%s" if column in changes else f'"{column}"' for column in columns
    )
    params = [changes[column] for column in columns if column in changes]
    names = ", ".join(f'"{column}"' for column in columns)
    cursor.execute(
        f'INSERT INTO "{table_name}" ("{table.id_column}", {names}) '  # noqa: S608
        f'SELECT %s, {values} FROM "{table_name}" WHERE "{table.id_column}" = %s',
        [new_id, *params, source_id],
    )


def run(command: str, *args) -> tuple[int, str]:
    """Run a management command; return (exit status, stdout and stderr)."""
    out = io.StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()
