"""Seals over the history tables, the erasure log and verification results.

Seals, their chunks and the erasure log are append-only like the history they
protect (database triggers on PostgreSQL, see triggers.py).
"""

from django.db import models


class Occasion(models.TextChoices):
    MANUAL = "manual", "Run by hand"
    DAILY = "daily", "Daily"
    PERIOD_CLOSE = "period_close", "Reporting period closed"
    PUBLICATION = "publication", "Paper published"
    ERASURE = "erasure", "After an erasure"


class Seal(models.Model):
    """A digest over the history rows added since the previous seal, chained to it.

    `tables` holds, for every history table, the history ids the seal covers
    and the columns hashed: {"table": {"after": low, "through": high, "rows": n,
    "columns": [...]}} (ids low < id <= high).
    """

    number = models.PositiveIntegerField(unique=True)
    sealed_at = models.DateTimeField()
    occasion = models.CharField(max_length=20, choices=Occasion)
    note = models.TextField(blank=True)
    previous_digest = models.CharField(
        max_length=64,
        blank=True,
        help_text="The digest of the seal before; empty first.",
    )
    digest = models.CharField(max_length=64)
    row_count = models.PositiveBigIntegerField()
    tables = models.JSONField()
    files = models.JSONField(
        default=dict, blank=True, help_text="File name to SHA-256 (publications)."
    )
    erasures = models.JSONField(
        default=dict,
        blank=True,
        help_text="Erasure log entries sealed: {through: id, entries: {id: SHA-256}}.",
    )

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Seal {self.number} ({self.get_occasion_display()})"


class SealChunk(models.Model):
    """Consecutive rows of one table in a seal: history id and SHA-256 of each row.

    `row_hashes` is, per row, its history id (8 bytes, big-endian) then the
    SHA-256 of its canonical form (32 bytes): what lets verification name the
    one row that changed, went missing or appeared.
    """

    seal = models.ForeignKey(Seal, on_delete=models.PROTECT, related_name="chunks")
    table = models.CharField(max_length=200)
    position = models.PositiveIntegerField()
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    rows = models.PositiveIntegerField()
    row_hashes = models.BinaryField()

    class Meta:
        ordering = ["seal", "table", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["seal", "table", "position"], name="sealchunk_unique_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.table} {self.first_id}-{self.last_id} in seal {self.seal_id}"


class Erasure(models.Model):
    """One lawful removal of history rows: what, why, who asked and who ran it."""

    erased_at = models.DateTimeField()
    table = models.CharField(max_length=200)
    history_ids = models.JSONField(help_text="The history ids removed.")
    reason = models.TextField(help_text="The lawful basis, e.g. a court order.")
    requested_by = models.CharField(
        max_length=200,
        help_text="Post title of who asked, e.g. Data Protection Officer.",
    )
    run_by = models.CharField(max_length=200, help_text="Account that ran the command.")

    class Meta:
        ordering = ["erased_at", "id"]

    def __str__(self) -> str:
        return (
            f"{len(self.history_ids)} rows of {self.table} on {self.erased_at:%Y-%m-%d}"
        )


class Verification(models.Model):
    """The outcome of one run of verify_history."""

    verified_at = models.DateTimeField()
    ok = models.BooleanField()
    rows = models.PositiveBigIntegerField()
    seals = models.PositiveIntegerField()
    message = models.TextField()

    class Meta:
        ordering = ["verified_at", "id"]

    def __str__(self) -> str:
        return self.message
