from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "History seals and verification"

    def ready(self) -> None:
        from . import checks, triggers  # noqa: F401  (registers the system check)

        # After every migrate, so that a historical table added by any later
        # migration is append-only from the moment it exists.
        post_migrate.connect(
            triggers.install_after_migrate,
            sender=self,
            dispatch_uid="audit.install_append_only_triggers",
        )
