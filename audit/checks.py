"""System check: every history table is append-only (PostgreSQL).

Runs with `manage.py check --database default` (database checks are opt-in).
"""

from django.core import checks


@checks.register(checks.Tags.database)
def history_tables_append_only(app_configs=None, databases=None, **kwargs):
    """Report any history table that lacks the append-only trigger."""
    from django.db import DatabaseError

    from .triggers import missing_triggers

    if not databases or "default" not in databases:
        return []
    try:
        missing = missing_triggers()
    except DatabaseError:
        return []  # not migrated yet: `migrate` installs the triggers
    return [
        checks.Error(
            f"History table {name} has no append-only trigger.",
            hint="Run manage.py migrate: it installs the trigger after migrating.",
            id="audit.E001",
        )
        for name in missing
    ]
