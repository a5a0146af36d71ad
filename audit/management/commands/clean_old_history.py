"""Refuse django-simple-history's `clean_old_history`: history is never pruned.

This command overrides the library's because the audit app is listed before
simple_history in INSTALLED_APPS (the first app wins).
"""

from django.core.management.base import BaseCommand, CommandError

REFUSAL = (
    "History is the register's audit trail and is never pruned: {name} is "
    "disabled. Seals would report every removed row. For a lawful erasure of "
    "particular rows use manage.py erase_history (see docs/audit.md)."
)


class Command(BaseCommand):
    command_name = "clean_old_history"
    requires_system_checks = []  # refuses without touching the database
    help = "Disabled: history is never pruned (see erase_history for erasures)."

    def add_arguments(self, parser) -> None:
        # Accept the library's arguments so that any call gets the explanation.
        parser.add_argument("args", nargs="*")
        parser.add_argument("--auto", action="store_true")
        parser.add_argument("--days", type=int)
        parser.add_argument("-d", "--dry", action="store_true")
        parser.add_argument("-m", "--minutes", type=int)
        parser.add_argument("--excluded_fields", nargs="+")
        parser.add_argument("--base-manager", action="store_true")

    def handle(self, *args, **options):
        raise CommandError(REFUSAL.format(name=self.command_name))
