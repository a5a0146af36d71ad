"""The database refuses changes to history: triggers on PostgreSQL, none on SQLite."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import checks
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from simple_history.management.commands import clean_old_history

from audit import triggers
from audit.models import Seal
from audit.sealing import seal_history
from audit.tables import append_only_tables, history_tables
from risks.models import Risk

from .conftest import on_postgresql

HistoricalRisk = Risk.history.model


@on_postgresql
def test_every_history_and_audit_table_has_the_trigger(db):
    assert triggers.missing_triggers() == []
    have = triggers.tables_with_trigger()
    assert {table.name for table in history_tables()} <= have
    assert {"audit_seal", "audit_sealchunk", "audit_erasure"} <= have


@on_postgresql
def test_a_history_table_without_the_trigger_fails_the_check_until_migrate(db):
    with connection.cursor() as cursor:
        cursor.execute(
            f'DROP TRIGGER {triggers.TRIGGER} ON "{HistoricalRisk._meta.db_table}"'
        )
    errors = checks.run_checks(databases=["default"], tags=[checks.Tags.database])

    assert [(e.id, e.msg) for e in errors] == [
        (
            "audit.E001",
            "History table risks_historicalrisk has no append-only trigger.",
        )
    ]
    assert triggers.install() == [HistoricalRisk._meta.db_table]
    assert triggers.missing_triggers() == []


@on_postgresql
def test_the_apps_connection_cannot_update_a_history_row(world):
    row = world.mopac_risk.history.get()
    with pytest.raises(DatabaseError, match="History is append-only: UPDATE"):
        with transaction.atomic():
            HistoricalRisk.objects.filter(pk=row.pk).update(title="Rewritten")
    row.refresh_from_db()
    assert row.title == world.mopac_risk.title


@on_postgresql
def test_the_apps_connection_cannot_delete_a_history_row(world):
    row = world.mopac_risk.history.get()
    with pytest.raises(DatabaseError, match="History is append-only: DELETE"):
        with transaction.atomic():
            row.delete()
    assert HistoricalRisk.objects.filter(pk=row.pk).exists()


@on_postgresql
def test_seals_and_the_erasure_log_are_append_only_too(world):
    seal_history()
    with pytest.raises(DatabaseError, match="append-only: UPDATE on audit_seal"):
        with transaction.atomic():
            Seal.objects.update(note="Rewritten")
    with pytest.raises(DatabaseError, match="append-only: DELETE on audit_sealchunk"):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM audit_sealchunk")


@on_postgresql
def test_the_trigger_refuses_simple_historys_own_pruning_command(world):
    command = clean_old_history.Command()  # the library's class, called directly
    with pytest.raises(DatabaseError, match="History is append-only: DELETE"):
        with transaction.atomic():
            call_command(command, "--auto", "--days", "0", stdout=None)
    assert world.mopac_risk.history.exists()


def test_sqlite_has_no_triggers_and_says_so(db):
    if connection.vendor == "postgresql":
        assert triggers.is_enforced()
        return
    assert not triggers.is_enforced()
    assert triggers.missing_triggers() == [] and triggers.install() == []


@pytest.mark.parametrize("name", ["clean_old_history", "clean_duplicate_history"])
def test_the_pruning_commands_refuse_and_explain(world, name):
    with pytest.raises(CommandError, match=f"never pruned: {name} is disabled"):
        call_command(name, "--auto", "--days", "0")
    assert world.mopac_risk.history.count() == 1


def test_the_pruning_command_exits_non_zero_from_the_command_line():
    done = subprocess.run(
        [sys.executable, "manage.py", "clean_old_history", "--auto", "--days", "1"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "riskregister.settings.test"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "History is the register's audit trail and is never pruned" in done.stderr


def test_append_only_tables_are_the_history_and_audit_tables(db):
    names = [name for name, _ in append_only_tables()]
    assert names == sorted(names)
    assert "audit_verification" in names and "audit_erasure" in names
    assert all(column for _, column in append_only_tables())
