"""Sealing while others write (PostgreSQL): nobody waits on the seal, no row is lost.

A history id is taken when the row is inserted, not when it commits, so a
transaction still open when the seal reads its boundary may commit a lower id
afterwards. The seal waits for such writers and then includes their rows.
"""

import threading

import pytest
from django.db import connection, transaction

from audit import sealing
from audit.models import Seal
from audit.sealing import SealError, seal_history
from audit.verification import verify_history
from risks.models import Risk

from ..factories import OrganisationFactory, RiskFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent writers are a PostgreSQL matter: SQLite commits one "
        "writer at a time, in history id order",
    ),
    pytest.mark.django_db(transaction=True),
]


class OpenWriter(threading.Thread):
    """Write a risk in a transaction left open until released."""

    def __init__(self, organisation):
        super().__init__(daemon=True)
        self.organisation = organisation
        self.written, self.release = threading.Event(), threading.Event()
        self.history_id = None

    def run(self):
        try:
            with transaction.atomic():
                risk = RiskFactory(organisation=self.organisation, reference="LATE")
                self.history_id = risk.history.get().history_id
                self.written.set()
                self.release.wait(10)
        finally:
            self.written.set()
            connection.close()


def test_a_lower_id_committed_during_the_seal_is_sealed_not_skipped():
    organisation = OrganisationFactory()
    writer = OpenWriter(organisation)
    writer.start()
    assert writer.written.wait(10)
    later = RiskFactory(organisation=organisation, reference="EARLY")  # committed
    later_id = later.history.get().history_id
    assert later_id > writer.history_id

    timer = threading.Timer(0.5, writer.release.set)
    timer.start()
    seal = seal_history()  # waits for the open writer, then reads past it
    writer.join(10)

    table = Risk.history.model._meta.db_table
    assert seal.tables[table]["through"] >= later_id
    assert seal.row_count >= 2
    outcome = verify_history()
    assert outcome.ok, outcome.message


def test_a_writer_that_never_finishes_makes_the_seal_give_up_cleanly(settings):
    settings.AUDIT_SEAL_WAIT_SECONDS = 0.3
    writer = OpenWriter(OrganisationFactory())
    writer.start()
    assert writer.written.wait(10)
    try:
        with pytest.raises(SealError, match="open transaction"):
            seal_history()
    finally:
        writer.release.set()
        writer.join(10)
    assert not Seal.objects.exists()
    assert seal_history().row_count >= 2  # once it has ended, sealing works


def test_writers_commit_while_old_rows_are_hashed_and_wait_for_the_next_seal(
    monkeypatch,
):
    organisation = OrganisationFactory()
    RiskFactory(organisation=organisation, reference="OLD")
    written: list[int] = []
    stream = sealing.stream_rows

    def write_meanwhile():
        with transaction.atomic():
            risk = RiskFactory(organisation=organisation, reference="MEANWHILE")
        written.append(risk.history.get().history_id)
        connection.close()

    def stream_rows_while_someone_writes(table, *args, **kwargs):
        rows = stream(table, *args, **kwargs)
        for position, row in enumerate(rows):
            yield row
            if position == 0 and not written:  # the table is being read now
                writer = threading.Thread(target=write_meanwhile, daemon=True)
                writer.start()
                writer.join(10)  # the writer must not wait on the seal
                assert not writer.is_alive(), "a writer was blocked by the seal"

    monkeypatch.setattr(sealing, "stream_rows", stream_rows_while_someone_writes)
    first = seal_history()
    monkeypatch.undo()

    table = Risk.history.model._meta.db_table
    assert written and written[0] > first.tables[table]["through"]
    second = seal_history()
    assert second.tables[table]["after"] < written[0] <= second.tables[table]["through"]
    outcome = verify_history()
    assert outcome.ok, outcome.message
