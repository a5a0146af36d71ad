"""Running the background worker on several machines: restarts and a heartbeat.

django-tasks-db's `db_worker` marks a task RUNNING when it claims it and
SUCCESSFUL or FAILED when it ends. A worker that is killed (SIGKILL, a machine
lost, an out-of-memory kill) leaves its task RUNNING for ever, and no other worker
takes it. `run_worker` therefore runs each worker under a stable id (the host and
the systemd instance): when a worker starts, the tasks still RUNNING under its own
id were interrupted (only one process runs under an id), so they are put back in
the queue and run again. Both renders are safe to run again: they store under a
fixed name, replacing what an interrupted run left (reports/storage.py), and only
while the row is still waiting for them.

The heartbeat is a thread, not a line in the worker's loop, because the loop runs
each task in the main thread: during a 20-second register render a line from the
loop would stop and a monitor would take a busy worker for a dead one. Each beat
says what the worker runs and for how long, and how many tasks wait.
"""

import logging
import threading

from django.db import DatabaseError, connection, transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


def requeue_interrupted(*, worker_id: str, backend_name: str) -> list[str]:
    """Put the tasks this worker id was running when it stopped back in the queue."""
    with transaction.atomic():
        running = (
            DBTaskResult.objects.running()
            .filter(backend_name=backend_name)
            .select_for_update()
        )
        # The last id in worker_ids is the worker that claimed the current run.
        interrupted = [t for t in running if t.worker_ids[-1:] == [worker_id]]
        for task_result in interrupted:
            task_result.status = TaskResultStatus.READY
            task_result.started_at = None
            task_result.save(update_fields=["status", "started_at"])
    return [str(task_result.id) for task_result in interrupted]


class Heartbeat(threading.Thread):
    """Log a line every `interval` seconds: alive, what runs, how many wait."""

    def __init__(self, *, worker_id: str, backend_name: str, interval: float):
        super().__init__(name="heartbeat", daemon=True)
        self.worker_id = worker_id
        self.backend_name = backend_name
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.beat()

    def stop(self) -> None:
        self.stopped.set()

    def beat(self) -> None:
        """Log one heartbeat line (an error line when the database does not answer)."""
        tasks = DBTaskResult.objects.filter(backend_name=self.backend_name)
        try:
            running = [
                t
                for t in tasks.running().only("task_path", "started_at", "worker_ids")
                if t.worker_ids[-1:] == [self.worker_id]
            ]
            waiting = tasks.ready().count()
        except DatabaseError as error:
            logger.error(
                "heartbeat worker=%s database=unavailable (%s)", self.worker_id, error
            )
            return
        finally:
            connection.close()  # this thread's own connection; none is kept open
        now = timezone.now()
        doing = ", ".join(
            f"{t.task_path.rsplit('.', 1)[-1]} for "
            f"{(now - t.started_at).total_seconds():.0f} s"
            for t in running
        )
        logger.info(
            "heartbeat worker=%s running=%s waiting=%d",
            self.worker_id,
            doing or "nothing",
            waiting,
        )
