"""Append-only history on PostgreSQL: a trigger refuses UPDATE and DELETE.

Every history table and the audit's own tables (seals, erasure log,
verifications) get a BEFORE UPDATE OR DELETE row trigger that raises. It is
installed after every `migrate` (post_migrate), so a history table added by a
later migration is covered as soon as it exists; the system check
`audit.E001` (`manage.py check --database default`) names any table without it.

The one way through is an erasure (erasure.py): inside its transaction the
session-local setting `audit.erasing` lists the ids to remove, per table, and
the trigger lets a DELETE of exactly those rows pass. The setting ends with the
transaction. TRUNCATE is not refused: Django's test runner empties tables with
it; seals detect rows lost that way like any other.

SQLite has no such triggers; sealing and verifying work the same there.
"""

import json
from collections.abc import Iterable

from django.db import connection

TRIGGER = "audit_append_only"
SETTING = "audit.erasing"

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    erasing jsonb := nullif(current_setting('{SETTING}', true), '')::jsonb;
BEGIN
    IF TG_OP = 'DELETE' AND erasing IS NOT NULL
       AND (erasing -> TG_TABLE_NAME) @> jsonb_build_array(to_jsonb(OLD) -> TG_ARGV[0])
    THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'History is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'A lawful erasure goes through manage.py erase_history.';
END;
$$
"""


def is_enforced() -> bool:
    """Return whether this database enforces append-only history (PostgreSQL)."""
    return connection.vendor == "postgresql"


def tables_with_trigger() -> set[str]:
    """Return the tables of the current schema that have the trigger."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = %s AND pg_catalog.pg_table_is_visible(c.oid)",
            [TRIGGER],
        )
        return {name for (name,) in cursor.fetchall()}


def missing_triggers() -> list[str]:
    """Return the append-only tables that lack the trigger (none on SQLite)."""
    from .tables import append_only_tables

    if not is_enforced():
        return []
    existing_tables = set(connection.introspection.table_names())
    have = tables_with_trigger()
    return [
        name
        for name, _ in append_only_tables()
        if name in existing_tables and name not in have
    ]


def install() -> list[str]:
    """Create the trigger on every append-only table lacking it; return those."""
    from .tables import append_only_tables

    if not is_enforced():
        return []
    missing = set(missing_triggers())
    if not missing:
        return []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(FUNCTION_SQL)
        for name, id_column in append_only_tables():
            if name in missing:
                cursor.execute(
                    f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON "
                    f"{quote(name)} FOR EACH ROW EXECUTE FUNCTION "
                    f"{TRIGGER}(%s)",
                    [id_column],
                )
    return sorted(missing)


def install_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver: make every history table append-only."""
    if using == connection.alias:
        install()


def allow_erasure(rows: dict[str, Iterable[int]]) -> None:
    """Let this transaction delete exactly these rows (table -> history ids)."""
    if not is_enforced():
        return
    value = json.dumps({table: sorted(ids) for table, ids in rows.items()})
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, value])
