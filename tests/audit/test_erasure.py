"""erase_history: the one lawful removal, logged, sealed again and verified."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction
from django.utils import timezone

from audit import triggers
from audit.models import Erasure, Occasion, Seal
from audit.sealing import seal_history
from audit.verification import verify_history
from risks import services
from risks.models import Risk

from ..factories import ThemeFactory
from .conftest import behind_the_apps_back, on_postgresql, run

HistoricalRisk = Risk.history.model
RISKS = HistoricalRisk._meta.db_table
THEMES = "risks_historicalrisk_themes"


def erase(
    *ids, table=RISKS, reason="Court order 2026/117", by="Data Protection Officer"
):
    return run(
        "erase_history",
        "--table",
        table,
        "--ids",
        *[str(i) for i in ids],
        "--reason",
        reason,
        "--requested-by",
        by,
    )


@pytest.fixture
def themed(world):
    """A risk whose second history row has m2m history rows (its themes)."""
    risk = world.mopac_risk
    services.risk_update(
        risk=risk,
        user=world.users["mopac-governance"],
        data={"title": "Named officer's complaint"},
        themes=[ThemeFactory(), ThemeFactory()],
        reason="Complaint recorded",
    )
    return risk


def test_erasure_removes_the_rows_logs_them_seals_and_verifies(themed):
    seal_history()
    row = themed.history.order_by("-history_id").first()
    themes = list(
        row.themes.order_by("m2m_history_id").values_list("m2m_history_id", flat=True)
    )
    assert len(themes) == 2

    status, output = erase(row.history_id)

    assert status == 0, output
    assert not HistoricalRisk.objects.filter(pk=row.pk).exists()
    assert not row.themes.exists()
    log = list(Erasure.objects.order_by("id"))
    assert [(e.table, e.history_ids) for e in log] == [
        (THEMES, themes),
        (RISKS, [row.history_id]),
    ]
    assert {(e.reason, e.requested_by) for e in log} == {
        ("Court order 2026/117", "Data Protection Officer")
    }
    assert all(e.run_by for e in log)
    last = Seal.objects.order_by("-number").first()
    assert last.occasion == Occasion.ERASURE and f"erasure {log[-1].pk}" in last.note
    assert "Sealed again as seal 2" in output
    outcome = verify_history()
    assert outcome.ok, outcome.message


def test_an_unsealed_row_can_be_erased_too(themed):
    row = themed.history.order_by("-history_id").first()
    status, _ = erase(row.history_id)
    assert status == 0
    assert verify_history().ok


@on_postgresql
def test_the_erasure_lets_only_its_own_rows_go(themed):
    rows = list(themed.history.order_by("history_id"))
    first, second = rows[0], rows[-1]
    assert erase(second.history_id)[0] == 0
    # Later in the same transaction, the other rows are still protected.
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():
            first.delete()
    with pytest.raises(DatabaseError, match="append-only: DELETE on audit_erasure"):
        with transaction.atomic():
            Erasure.objects.all().delete()


@on_postgresql
def test_setting_names_tables_and_ids(db):
    triggers.allow_erasure({RISKS: [3, 1]})
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('audit.erasing')")
        assert cursor.fetchone() == ('{"risks_historicalrisk": [1, 3]}',)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"table": "risks_risk"}, "risks_risk is not a history table"),
        ({"reason": "  "}, "Give the reason"),
        ({"by": ""}, "Give the post title"),
    ],
)
def test_bad_erasures_are_refused_and_erase_nothing(themed, args, message):
    row = themed.history.order_by("-history_id").first()
    with pytest.raises(CommandError, match=message):
        call_command(
            "erase_history",
            "--table",
            args.get("table", RISKS),
            "--ids",
            str(row.history_id),
            "--reason",
            args.get("reason", "Court order"),
            "--requested-by",
            args.get("by", "Data Protection Officer"),
        )
    assert HistoricalRisk.objects.filter(pk=row.pk).exists()
    assert not Erasure.objects.exists() and not Seal.objects.exists()


def test_an_unknown_id_erases_nothing(themed):
    row = themed.history.order_by("-history_id").first()
    with pytest.raises(CommandError, match=f"no row with history id {row.pk + 1000}"):
        call_command(
            "erase_history",
            "--table",
            RISKS,
            "--ids",
            str(row.pk),
            str(row.pk + 1000),
            "--reason",
            "Court order",
            "--requested-by",
            "Data Protection Officer",
        )
    assert HistoricalRisk.objects.filter(pk=row.pk).exists()
    assert not Erasure.objects.exists()


def test_a_row_deleted_without_an_erasure_is_still_reported(themed):
    seal_history()
    rows = list(themed.history.order_by("history_id"))
    first, second = rows[0], rows[-1]
    erase(second.history_id)

    with behind_the_apps_back(RISKS) as cursor:
        cursor.execute(
            "DELETE FROM risks_historicalrisk WHERE history_id = %s", [first.pk]
        )

    outcome = verify_history()
    assert not outcome.ok
    assert (outcome.table, outcome.history_id) == (RISKS, first.pk)


def test_an_erasure_entry_added_behind_the_commands_back_excuses_nothing(themed):
    seal_history()
    first = themed.history.order_by("history_id").first()
    with behind_the_apps_back(RISKS) as cursor:
        cursor.execute(
            "DELETE FROM risks_historicalrisk WHERE history_id = %s", [first.pk]
        )
    Erasure.objects.create(  # forged: no seal has ever recorded it
        erased_at=timezone.now(),
        table=RISKS,
        history_ids=[first.pk],
        reason="Forged",
        requested_by="Nobody",
        run_by="intruder",
    )

    outcome = verify_history()

    assert not outcome.ok
    assert (outcome.table, outcome.history_id) == (RISKS, first.pk)
    assert "An erasure lists it but is not sealed yet" in outcome.message


@pytest.mark.parametrize("change", ["edit", "delete"])
def test_an_altered_erasure_log_is_found(themed, change):
    row = themed.history.order_by("-history_id").first()
    assert erase(row.history_id)[0] == 0
    with behind_the_apps_back("audit_erasure") as cursor:
        if change == "edit":
            cursor.execute("UPDATE audit_erasure SET reason = 'Tidying up'")
        else:
            cursor.execute('DELETE FROM audit_erasure WHERE "table" = %s', [THEMES])

    outcome = verify_history()

    assert not outcome.ok
    assert "the erasure log was altered" in outcome.message


def test_each_seal_records_the_erasures_made_since_the_one_before(themed):
    seal_history()
    row = themed.history.order_by("-history_id").first()
    erase(row.history_id)
    entries = {str(e.pk) for e in Erasure.objects.all()}

    after, later = Seal.objects.order_by("number")[1], seal_history()

    assert set(after.erasures["entries"]) == entries
    assert later.erasures == {"through": max(map(int, entries)), "entries": {}}
