"""Background job of notifications: sending one event's e-mails."""

from django.tasks import task

from .services import deliver


@task
def send_notification(kind: str, object_id: int) -> int:
    """Send the e-mails of one event (each person at most once); return how many."""
    return len(deliver(kind, object_id))
