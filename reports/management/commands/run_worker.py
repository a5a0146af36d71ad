"""`manage.py run_worker --worker-id ID [--heartbeat SECONDS]`: the task worker."""

import logging
import sys

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

NOT_INSTALLED = (
    "run_worker needs the database task backend (django_tasks_db), which only the "
    "production settings install: the development and test settings run each task "
    "at once, with no worker."
)

if not apps.is_installed("django_tasks_db"):

    class Command(BaseCommand):
        help = "Run the background task worker (production settings only)."

        def run_from_argv(self, argv):
            # Whatever the options: there is nothing for a worker to run here.
            self.stderr.write(f"CommandError: {NOT_INSTALLED}")
            sys.exit(1)

        def handle(self, *args, **options):
            raise CommandError(NOT_INSTALLED)

else:
    from django_tasks_db.management.commands import db_worker

    from reports import worker

    class Command(db_worker.Command):
        help = (
            "Run the background task worker (django-tasks-db's db_worker) under a "
            "stable id: on start it puts back the tasks it was running when it was "
            "stopped, and while it runs it logs a heartbeat line."
        )

        def add_arguments(self, parser) -> None:
            super().add_arguments(parser)
            # db_worker invents a random id; a restarted worker must know its own.
            parser.set_defaults(worker_id=None)
            parser.add_argument(
                "--heartbeat",
                type=float,
                default=60.0,
                help="Seconds between heartbeat lines (default: 60).",
            )

        def handle(
            self, *args, worker_id, heartbeat: float, backend_name: str, **options
        ):
            if not worker_id:
                raise CommandError(
                    "--worker-id is required: one stable id per worker process, "
                    "such as the host name and the systemd instance (%H-%i), so "
                    "that a restarted worker takes back the tasks it was running."
                )
            if heartbeat <= 0:
                raise CommandError("--heartbeat must be a positive number of seconds.")
            self._configure_heartbeat_logging(options["verbosity"])
            requeued = worker.requeue_interrupted(
                worker_id=worker_id, backend_name=backend_name
            )
            if requeued:
                worker.logger.warning(
                    "worker=%s was stopped while running %d task(s); queued again: %s",
                    worker_id,
                    len(requeued),
                    ", ".join(requeued),
                )
            beat = worker.Heartbeat(
                worker_id=worker_id, backend_name=backend_name, interval=heartbeat
            )
            beat.start()
            try:
                super().handle(
                    *args, worker_id=worker_id, backend_name=backend_name, **options
                )
            finally:
                beat.stop()

        def _configure_heartbeat_logging(self, verbosity: int) -> None:
            # As db_worker does for its own logger: to this command's stdout.
            worker.logger.setLevel(logging.INFO if verbosity else logging.ERROR)
            if not worker.logger.handlers:
                worker.logger.addHandler(logging.StreamHandler(self.stdout))
