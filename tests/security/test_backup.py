"""Backup and restore: every row of every table, history included, comes back.

PostgreSQL (production): pg_dump --format=custom of the database, pg_restore into
a fresh one, then every table compared, row counts and contents. SQLite (the
embedded default): dumpdata, loaddata into a freshly migrated database, compared
the same way. The procedures are the ones docs/backup.md documents.
"""

import datetime
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

from .world import RISK_KEYS, build_world

ROOT = Path(settings.BASE_DIR)
# Rows that a fresh migrate writes itself, or that are not worth keeping.
NOT_DUMPED = ("contenttypes", "auth.permission", "sessions", "admin.logentry")
NOT_COMPARED = {"django_migrations", "django_session", "django_admin_log"}
# loaddata saves m2m fields after the rows; with history on, simple-history would
# record each of those as a new change. The restore turns history off for that.
RESTORE = (
    "from django.conf import settings; settings.SIMPLE_HISTORY_ENABLED = False; "
    "from django.core.management import call_command; "
    "call_command('loaddata', {path!r})"
)


def run(*command: str, env: dict | None = None) -> None:
    result = subprocess.run(  # noqa: S603 - fixed commands, our own arguments
        command, capture_output=True, text=True, env=env, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr[-3000:]


# --- PostgreSQL ---------------------------------------------------------------------


def pg_options(database: dict) -> list[str]:
    options = ["--host", database["HOST"] or "localhost", "--no-password"]
    if database["PORT"]:
        options += ["--port", str(database["PORT"])]
    if database["USER"]:
        options += ["--username", database["USER"]]
    return options


def pg_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
        "ORDER BY table_name"
    )
    return [name for (name,) in cursor.fetchall()]


def pg_contents(cursor) -> dict[str, tuple[int, str]]:
    """Each table's row count and an MD5 of all its rows, in a stable order."""
    contents = {}
    for table in pg_tables(cursor):
        name = connection.ops.quote_name(table)
        cursor.execute(
            f"SELECT COUNT(*), md5(COALESCE(string_agg(t::text, '|' "  # noqa: S608
            f"ORDER BY t::text), '')) FROM {name} AS t"
        )
        contents[table] = cursor.fetchone()
    return contents


@pytest.mark.django_db(transaction=True)
def test_pg_dump_and_pg_restore_bring_back_every_row(postgresql_only, tmp_path):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed")
    build_world()  # committed: pg_dump reads from its own connection
    database = connection.settings_dict
    source, restored = database["NAME"], f"{database['NAME']}_restored"
    env = {**os.environ}
    if database["PASSWORD"]:
        env["PGPASSWORD"] = database["PASSWORD"]
    dump = tmp_path / "riskregister.dump"
    run("pg_dump", *pg_options(database), "--format=custom", "--file", str(dump),
        source, env=env)  # fmt: skip
    run("dropdb", *pg_options(database), "--if-exists", restored, env=env)
    run("createdb", *pg_options(database), restored, env=env)
    try:
        run("pg_restore", *pg_options(database), "--no-owner", "--exit-on-error",
            "--dbname", restored, str(dump), env=env)  # fmt: skip
        with connection.cursor() as cursor:
            expected = pg_contents(cursor)
        import psycopg2

        other = psycopg2.connect(
            dbname=restored,
            host=database["HOST"] or None,
            port=database["PORT"] or None,
            user=database["USER"] or None,
            password=database["PASSWORD"] or None,
        )
        try:
            with other.cursor() as cursor:
                actual = pg_contents(cursor)
        finally:
            other.close()
    finally:
        run("dropdb", *pg_options(database), "--if-exists", restored, env=env)
    assert actual == expected
    assert expected["risks_historicalrisk"][0] > len(RISK_KEYS)  # history came too


# --- SQLite ------------------------------------------------------------------------


def to_the_millisecond(value):
    """dumpdata writes times to the millisecond (DjangoJSONEncoder): compare so."""
    if isinstance(value, datetime.datetime | datetime.time):
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    return value


def sqlite_contents(database) -> dict[str, tuple[int, list]]:
    """Each table's rows, read through Django's own type conversions."""
    contents = {}
    with database.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        for (table,) in cursor.fetchall():
            if table in NOT_COMPARED:
                continue
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # noqa: S608
            rows = [tuple(map(to_the_millisecond, row)) for row in cursor.fetchall()]
            contents[table] = (len(rows), rows)
    return contents


def test_dumpdata_and_loaddata_bring_back_every_row_with_history(db, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip(
            "The JSON round trip is the SQLite procedure; see the pg_dump test."
        )
    build_world()
    backup = tmp_path / "riskregister.json"
    call_command(
        "dumpdata",
        "--natural-foreign",
        *(f"--exclude={name}" for name in NOT_DUMPED),
        output=str(backup),
        verbosity=0,
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "riskregister.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'restored.sqlite3'}",
    }
    manage = str(ROOT / "manage.py")
    run(sys.executable, manage, "migrate", "--noinput", env=env)
    run(sys.executable, manage, "shell", "-c", RESTORE.format(path=str(backup)),
        env=env)  # fmt: skip
    expected = sqlite_contents(connection)
    restored = DatabaseWrapper(
        {**connection.settings_dict, "NAME": str(tmp_path / "restored.sqlite3")},
        alias="restored",
    )
    try:
        actual = sqlite_contents(restored)
    finally:
        restored.close()
    assert actual.keys() == expected.keys()
    differing = [table for table in expected if actual[table] != expected[table]]
    assert differing == []
    assert expected["risks_historicalrisk"][0] > 0
