"""Refuse django-simple-history's `clean_duplicate_history` (it deletes history)."""

from . import clean_old_history


class Command(clean_old_history.Command):
    command_name = "clean_duplicate_history"
