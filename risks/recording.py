"""Saving tracked models: validated, versioned and attributed in history."""

from collections.abc import Iterable
from datetime import datetime

from django.db import models
from django.db.models import F


class StaleVersionError(Exception):
    """The object changed since the form was loaded; nothing was written."""

    def __init__(self, current: models.Model):
        super().__init__(f"{current} has changed since you opened it.")
        self.current = current


def _attribute(
    instance: models.Model, *, user, reason: str, at: datetime | None
) -> None:
    instance._history_user = user
    instance._change_reason = reason or None
    if at is not None:
        instance._history_date = at


def record(instance: models.Model, *, user, reason: str, at: datetime | None) -> None:
    """Validate and save, attributing the history row to the user and reason."""
    instance.full_clean()
    _attribute(instance, user=user, reason=reason, at=at)
    instance.save()


def record_delete(
    instance: models.Model, *, user, reason: str, at: datetime | None
) -> None:
    """Delete, attributing the history row to the user and reason."""
    _attribute(instance, user=user, reason=reason, at=at)
    instance.delete()


def apply_changes(
    instance: models.Model, data: dict, fields: Iterable[str]
) -> list[str]:
    """Copy the given fields onto the instance; return the names that changed."""
    changed = []
    for name in fields:
        if name in data and getattr(instance, name) != data[name]:
            setattr(instance, name, data[name])
            changed.append(name)
    return changed


def check_version(instance: models.Model, expected_version: int | None) -> None:
    """Refuse at once when the form was loaded from an older version."""
    if expected_version is not None and instance.version != expected_version:
        raise StaleVersionError(instance)


def claim_version(instance: models.Model, expected_version: int | None) -> None:
    """Bump the version only if it is still the one the form was loaded from.

    A conditional UPDATE is atomic on PostgreSQL and SQLite alike, so of two
    concurrent saves from the same version exactly one wins.
    """
    model = type(instance)
    if expected_version is None:
        expected_version = instance.version
    claimed = model.objects.filter(pk=instance.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if not claimed:
        raise StaleVersionError(model.objects.get(pk=instance.pk))
    instance.version = expected_version + 1
