"""Reads for the governance page: the last seal, verifications, the erasure log."""

from django.db.models import QuerySet

from .models import Erasure, Seal, Verification


def last_seal() -> Seal | None:
    """Return the newest seal, or None before the first."""
    return Seal.objects.order_by("-number").first()


def recent_seals(count: int = 10) -> QuerySet[Seal]:
    """Return the newest seals, newest first."""
    return Seal.objects.order_by("-number")[:count]


def last_verification() -> Verification | None:
    """Return the newest verification, or None if history was never verified."""
    return Verification.objects.order_by("-verified_at", "-id").first()


def erasures() -> QuerySet[Erasure]:
    """Return the erasure log, newest first."""
    return Erasure.objects.order_by("-erased_at", "-id")
