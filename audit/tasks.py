"""Background sealing: after a period closes, a paper is published, and daily.

Runs on the immediate backend in development and tests, on db_worker in
production. The daily seal is enqueued (or run) by `manage.py seal_history
--occasion daily`, started by cron or a systemd timer (docs/audit.md).
"""

from django.tasks import task

from .models import Occasion
from .sealing import seal_history


@task
def seal_history_task(
    *, occasion: str = Occasion.MANUAL, note: str = "", files: dict | None = None
) -> int:
    """Seal the history written since the last seal; return the seal's number."""
    return seal_history(occasion=occasion, note=note, files=files).number
