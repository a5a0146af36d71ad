"""Bulk writes that keep simple-history complete: one dated row per version.

Shared by the benchmark generator and the demo's carry-forward: both plan
objects as dated versions and write them here, the live row at its last
version and one historical row per version, with the version's own date, user
and reason, as the services would have recorded them one by one.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import models

from risks.models import Risk

BATCH_SIZE = 500


@dataclass(frozen=True)
class Version:
    """One state of an object: when, by whom, why, and its field values."""

    at: datetime
    kind: str  # "+" or "~", as simple-history records it
    user: str  # username, resolved when written
    reason: str
    fields: dict


def attribute(instance, *, at: datetime, user, reason: str):
    """Mark an instance for bulk_create_with_history: its date, user and reason."""
    instance._history_date = at
    instance._history_user = user
    instance._change_reason = reason
    return instance


def history_rows(model, pairs: Iterable[tuple[models.Model, Version]], users):
    """Build one historical row per (live object, version)."""
    history_model = model.history.model
    tracked = [f.attname for f in history_model.tracked_fields]
    rows = []
    for instance, version in pairs:
        values = {name: getattr(instance, name) for name in tracked}
        for name, value in version.fields.items():
            if name == "decided_by":  # planned as a username, like Version.user
                values["decided_by_id"] = users[value].pk if value else None
            else:
                values[name] = value
        rows.append(
            history_model(
                **values,
                history_date=version.at,
                history_type=version.kind,
                history_user_id=users[version.user].pk,
                history_change_reason=version.reason,
            )
        )
    return rows


def bulk_with_history(model, items: list[tuple[models.Model, Version]], users):
    """Create each object once and one history row per dated version of it.

    `items` pairs a live object (already carrying its last version's values)
    with each of its versions, oldest first.
    """
    live = list({id(obj): obj for obj, _ in items}.values())
    model.objects.bulk_create(live, batch_size=BATCH_SIZE)
    history = history_rows(model, items, users)
    return model.history.model.objects.bulk_create(history, batch_size=BATCH_SIZE)


def snapshot_risk_themes(history: Iterable, themes: Mapping[int, list]) -> int:
    """Record each risk history row's themes, as a save of the risk would.

    `themes` maps a risk id to its rows of the risk–theme table.
    """
    theme_history = Risk.history.model.themes.model
    rows = theme_history.objects.bulk_create(
        [
            theme_history(
                id=row.pk,
                risk_id=row.risk_id,
                theme_id=row.theme_id,
                history_id=h.history_id,
            )
            for h in history
            for row in themes.get(h.id, ())
        ],
        batch_size=BATCH_SIZE,
    )
    return len(rows)
