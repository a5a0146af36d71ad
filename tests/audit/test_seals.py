"""Sealing and verifying history: untouched history verifies, tampering is named."""

import datetime

import pytest
from django.utils import timezone

from audit import sealing
from audit.models import Occasion, Seal, SealChunk, Verification
from audit.tables import history_tables
from audit.verification import verify_history
from risks import services
from risks.models import Risk

from ..factories import RiskFactory
from .conftest import behind_the_apps_back, copy_row, run

RISKS = Risk.history.model._meta.db_table


def edit(world, risk, title):
    return services.risk_update(
        risk=risk,
        user=world.users["mopac-governance"],
        data={"title": title},
        reason="Title clarified",
    )


def ids(risk) -> list[int]:
    return list(
        risk.history.order_by("history_id").values_list("history_id", flat=True)
    )


def test_every_tracked_model_has_its_history_table_sealed(db):
    names = {table.name for table in history_tables()}
    assert RISKS in names
    assert "risks_historicalrisk_themes" in names  # m2m history too
    assert "reports_historicalpublication" in names
    assert "alignment_historicalalignmentlink" in names
    assert names == set(sorted(names))
    assert [t.name for t in history_tables()] == sorted(names)


def test_untouched_history_verifies_and_says_how_much(world):
    first = sealing.seal_history()
    edit(world, world.mopac_risk, "Demand exceeds capacity")
    second = sealing.seal_history(occasion=Occasion.DAILY)

    status, output = run("verify_history")

    assert status == 0
    rows = first.row_count + second.row_count
    assert output.startswith(
        f"History verified: {rows:,} rows in 2 seals, last sealed "
    )
    assert second.row_count == 1  # only the edit: the rest was in the first seal
    assert second.previous_digest == first.digest
    assert second.tables[RISKS]["after"] == first.tables[RISKS]["through"]
    last = Verification.objects.get()
    assert last.ok and last.message == output.splitlines()[0]


def test_rows_written_after_the_seal_wait_for_the_next(world):
    sealing.seal_history()
    edit(world, world.mopac_risk, "Demand exceeds capacity")

    outcome = verify_history()

    assert outcome.ok and outcome.unsealed == 1


def test_a_changed_field_is_named_with_its_table_and_id(world):
    edit(world, world.mopac_risk, "Demand exceeds capacity")
    sealing.seal_history()
    old = ids(world.mopac_risk)[0]
    with behind_the_apps_back(RISKS) as cursor:
        cursor.execute(
            "UPDATE risks_historicalrisk SET current_likelihood = 1 "
            "WHERE history_id = %s",
            [old],
        )

    status, output = run("verify_history")

    assert status == 1
    assert f"{RISKS} history id {old}: changed after seal 1" in output
    assert not Verification.objects.get().ok


def test_a_deleted_row_is_named(world):
    edit(world, world.mopac_risk, "Demand exceeds capacity")
    sealing.seal_history()
    old = ids(world.mopac_risk)[0]
    with behind_the_apps_back(RISKS) as cursor:
        cursor.execute("DELETE FROM risks_historicalrisk WHERE history_id = %s", [old])

    status, output = run("verify_history")

    assert status == 1
    assert f"{RISKS} history id {old}: deleted after seal 1" in output


def test_a_back_dated_row_inserted_behind_a_seal_is_named(world):
    risks = [RiskFactory(organisation=world.mopac) for _ in range(3)]
    gap = ids(risks[1])[0]
    with behind_the_apps_back(RISKS) as cursor:  # a gap, as a rollback leaves one
        cursor.execute("DELETE FROM risks_historicalrisk WHERE history_id = %s", [gap])
    sealing.seal_history()
    with behind_the_apps_back(RISKS) as cursor:
        copy_row(
            cursor,
            RISKS,
            ids(risks[0])[0],
            gap,
            title="A risk nobody recorded",
            history_date=datetime.datetime(2019, 6, 30, tzinfo=datetime.UTC),
        )

    status, output = run("verify_history")

    assert status == 1
    assert f"{RISKS} history id {gap}: inserted behind seal 1" in output


def test_the_first_problem_is_named_in_table_then_id_order(world):
    edit(world, world.mopac_risk, "Demand exceeds capacity")
    sealing.seal_history()
    first, second = ids(world.mopac_risk)[:2]
    with behind_the_apps_back(RISKS) as cursor:
        cursor.execute(
            "UPDATE risks_historicalrisk SET title = %s WHERE history_id IN (%s, %s)",
            ["Rewritten", first, second],
        )

    assert verify_history().history_id == first


def test_an_altered_seal_is_found(world):
    sealing.seal_history()
    edit(world, world.mopac_risk, "Demand exceeds capacity")
    sealing.seal_history()
    with behind_the_apps_back("audit_seal") as cursor:
        cursor.execute("UPDATE audit_seal SET note = 'Nothing to see' WHERE number = 2")

    outcome = verify_history()

    assert not outcome.ok
    assert "Seal 2 does not match its own digest" in outcome.message


def test_a_removed_seal_breaks_the_chain(world):
    sealing.seal_history()
    edit(world, world.mopac_risk, "Demand exceeds capacity")
    sealing.seal_history()
    sealing.seal_history()
    with behind_the_apps_back("audit_seal", "audit_sealchunk") as cursor:
        cursor.execute(
            "DELETE FROM audit_sealchunk WHERE seal_id IN "
            "(SELECT id FROM audit_seal WHERE number = 2)"
        )
        cursor.execute("DELETE FROM audit_seal WHERE number = 2")

    outcome = verify_history()

    assert not outcome.ok and "Seal 2 is missing" in outcome.message


def test_no_seal_yet_is_not_a_pass(db):
    status, output = run("verify_history")

    assert status == 1
    assert "never been sealed" in output


def test_large_tables_are_stored_in_chunks_and_verify(world, monkeypatch):
    monkeypatch.setattr(sealing, "CHUNK_ROWS", 2)
    for title in ("One", "Two", "Three", "Four"):
        edit(world, world.mopac_risk, title)

    seal = sealing.seal_history()

    chunks = SealChunk.objects.filter(seal=seal, table=RISKS).order_by("position")
    assert [c.rows for c in chunks] == [2, 2, 2]  # 2 created + 4 edits
    assert sum(c.rows for c in SealChunk.objects.filter(seal=seal)) == seal.row_count
    assert verify_history().ok


def test_an_unknown_occasion_is_refused(db):
    with pytest.raises(sealing.SealError, match="Unknown occasion"):
        sealing.seal_history(occasion="whenever")
    assert not Seal.objects.exists()


def test_the_seal_command_reports_the_seal(world):
    status, output = run("seal_history", "--occasion", "daily", "--note", "Nightly")

    assert status == 0
    seal = Seal.objects.get()
    assert (seal.occasion, seal.note) == (Occasion.DAILY, "Nightly")
    assert output.startswith(f"Seal 1: {seal.row_count:,} new history rows sealed")
    assert seal.digest in output
    assert seal.sealed_at <= timezone.now()


def test_the_seal_command_can_hand_the_seal_to_the_workers(world):
    status, output = run("seal_history", "--occasion", "daily", "--enqueue")

    assert status == 0 and "Seal queued as task" in output
    # The immediate backend (tests, development) has run it already.
    assert Seal.objects.get().occasion == Occasion.DAILY


def _without(column: str):
    """history_tables() as if the risks' history had no such column."""
    from dataclasses import replace

    def tables():
        found = []
        for table in history_tables():
            if table.name == RISKS:
                keep = [i for i, name in enumerate(table.columns) if name != column]
                table = replace(
                    table,
                    columns=tuple(table.columns[i] for i in keep),
                    fields=tuple(table.fields[i] for i in keep),
                )
            found.append(table)
        return found

    return tables


def test_a_column_added_after_a_seal_does_not_break_it(world, monkeypatch):
    monkeypatch.setattr(sealing, "history_tables", _without("public_summary"))
    seal = sealing.seal_history()  # as before a migration added public_summary
    assert "public_summary" not in seal.tables[RISKS]["columns"]
    monkeypatch.undo()
    with behind_the_apps_back(RISKS) as cursor:  # what the new column's default is
        cursor.execute("UPDATE risks_historicalrisk SET public_summary = 'Added'")

    assert verify_history().ok


def test_a_sealed_column_that_is_gone_is_reported(world, monkeypatch):
    sealing.seal_history()
    from audit import verification

    monkeypatch.setattr(verification, "history_tables", _without("title"))

    outcome = verify_history()

    assert not outcome.ok
    assert (
        f"{RISKS}: column title, sealed in seal 1, no longer exists" in outcome.message
    )
