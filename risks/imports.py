"""Applying an import plan: every change through the services, all or nothing.

A register is imported from XLSX or CSV in three steps:

1. `import_files.read_upload` turns a file into rows of plain text (JSON-safe, so
   that the web preview can keep them in the session between its two steps).
2. `import_plan.build_plan` validates every row against one organisation's
   register and says what would be created or changed, writing nothing (a
   constant number of queries, whatever the number of rows).
3. `apply_plan` (here) runs the plan through the services in one transaction,
   with the reason "Imported from <file name>" on every history row.

No request objects in any of them: the views and the `import_register` command
share them.
"""

from datetime import datetime

from django.db import transaction

from . import services
from .import_plan import ImportPlan, RiskRow
from .models import Action, Control, Risk


def reason_for(file_name: str) -> str:
    return f"Imported from {file_name}"


class ImportConflict(Exception):
    """The register changed after the plan was made; nothing was written."""


def _check_unmoved(plan: ImportPlan) -> None:
    """Lock the rows the plan changes and refuse if any moved since planning."""
    for model, rows in (
        (Risk, plan.risks),
        (Control, plan.controls),
        (Action, plan.actions),
    ):
        expected = {row.existing.pk: row for row in rows if row.action == "update"}
        current = dict(
            model.objects.select_for_update()
            .filter(pk__in=expected)
            .order_by()
            .values_list("pk", "version")
        )
        for pk, row in expected.items():
            if current.get(pk) != row.existing.version:
                reference = getattr(row, "reference", "") or row.risk_reference
                what = "" if model is Risk else f"a {model._meta.verbose_name} of "
                raise ImportConflict(
                    f"{what}{reference} was changed by someone else after the preview"
                )
    new = [row.reference for row in plan.risks if row.existing is None]
    taken = list(
        Risk.objects.filter(organisation=plan.organisation, reference__in=new)
        .order_by("reference")
        .values_list("reference", flat=True)[:1]
    )
    if taken:
        raise ImportConflict(f"{taken[0]} was added to the register after the preview")


@transaction.atomic
def apply_plan(plan: ImportPlan, *, user, at: datetime | None = None) -> dict:
    """Make every change in the plan, or none; return the counts by sheet."""
    if plan.errors:
        raise ValueError("A plan with errors cannot be applied.")
    _check_unmoved(plan)
    reason = reason_for(plan.file_name)
    risks: dict[str, Risk] = {}
    try:
        for row in plan.risks:
            risks[row.reference.casefold()] = _apply_risk(
                plan, row, user=user, reason=reason, at=at
            )
        for model, rows in ((Control, plan.controls), (Action, plan.actions)):
            noun = model._meta.model_name
            create = getattr(services, f"{noun}_create")
            update = getattr(services, f"{noun}_update")
            for row in rows:
                if row.action == "create":
                    # The risk as this import left it, else as the register has it.
                    risk = risks.get(row.risk_reference.casefold()) or row.risk
                    create(risk=risk, user=user, data=row.data, reason=reason, at=at)
                elif row.action == "update":
                    update(
                        **{noun: row.existing},
                        user=user,
                        data=row.data,
                        expected_version=row.existing.version,
                        reason=reason,
                        at=at,
                    )
    except services.StaleVersionError as stale:
        raise ImportConflict(f"{stale.current} was changed by someone else") from stale
    return plan.counts()


def _apply_risk(plan: ImportPlan, row: RiskRow, *, user, reason: str, at) -> Risk:
    if row.existing is None:
        return services.risk_create(
            organisation=plan.organisation,
            user=user,
            data=row.data,
            owner=row.owner,
            themes=row.themes or (),
            reason=reason,
            at=at,
        )
    risk = row.existing
    if row.fields_changed or row.themes_changed:
        risk = services.risk_update(
            risk=risk,
            user=user,
            data=row.data,
            expected_version=risk.version,
            themes=row.themes if row.themes_changed else None,
            reason=reason,
            at=at,
        )
    if row.owner_changed:
        risk = services.risk_assign_owner(
            risk=risk,
            owner=row.owner,
            owner_post=row.data.get("owner_post", risk.owner_post),
            user=user,
            reason=reason,
            at=at,
        )
    return risk
