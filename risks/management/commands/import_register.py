"""Import a register from .xlsx or .csv: all rows or none, as the web import does."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from risks import access, import_files, import_plan, imports
from risks.import_columns import ACTIONS, CONTROLS, RISKS
from risks.models import Organisation


class Command(BaseCommand):
    help = (
        "Check a register file (.xlsx or .csv) against an organisation's register, "
        "print what it would change and any errors, then import every row or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="Slug of the organisation, e.g. mps.")
        parser.add_argument("file", help="Path to the .xlsx or .csv file.")
        parser.add_argument(
            "--user",
            required=True,
            help="Username of the governance officer the changes are recorded as.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the preview and errors; write nothing.",
        )

    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(
                f"No organisation has the slug {options['organisation']}."
            )
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user is called {options['user']}.")
        if not access.can_manage_register(user, organisation):
            raise CommandError(
                f"{user.get_username()} is not a {organisation.short_name} "
                "governance officer, so cannot import into its register."
            )
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        try:
            workbook = import_files.read_upload(path.name, data)
        except import_files.ImportFileError as error:
            raise CommandError(str(error), returncode=1) from error

        plan = import_plan.build_plan(workbook, organisation)
        self._print_preview(plan)
        if plan.errors:
            for error in plan.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(plan.errors)} error(s) in {workbook.file_name}: nothing has "
                "been imported.",
                returncode=1,
            )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing has been imported.")
            return
        if not plan.has_changes:
            self.stdout.write("The register already matches the file: nothing to do.")
            return
        try:
            imports.apply_plan(plan, user=user)
        except (imports.ImportConflict, ValidationError, PermissionDenied) as error:
            text = " ".join(getattr(error, "messages", [str(error)]))
            raise CommandError(f"Nothing has been imported: {text}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {workbook.file_name} into the "
                f"{organisation.short_name} register."
            )
        )

    def _print_preview(self, plan: import_plan.ImportPlan) -> None:
        counts = plan.counts()
        for kind in (RISKS, CONTROLS, ACTIONS):
            numbers = counts[kind]
            self.stdout.write(
                f"{kind}: {numbers['create']} to add, {numbers['update']} to change, "
                f"{numbers['unchanged']} unchanged."
            )
            for row in plan.rows(kind, "create"):
                label = (
                    f"{row.reference} {row.title}"
                    if kind == RISKS
                    else f"{row.risk_reference}: {row.description[:60]}"
                )
                self.stdout.write(f"  + row {row.row}: {label}")
            for row in plan.rows(kind, "update"):
                label = row.reference if kind == RISKS else row.risk_reference
                changes = "; ".join(
                    f"{change.column}: {change.old} → {change.new}"
                    for change in row.changes
                )
                self.stdout.write(f"  ~ row {row.row}: {label}: {changes}")
        for sheet, columns in plan.ignored_columns.items():
            self.stdout.write(f"{sheet}: columns not imported: {', '.join(columns)}.")
