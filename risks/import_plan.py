"""Planning an import: every row checked against the register, nothing written."""

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch

from .choices import Marking, RiskStatus, Role
from .import_columns import (
    ACTION_COLUMNS,
    ACTIONS,
    CHOICE,
    CONTROL_COLUMNS,
    CONTROLS,
    DATE,
    RATING,
    RISK_COLUMNS,
    RISKS,
    SHEET_COLUMNS,
    TEXT,
    CellError,
    Column,
    column_index,
    display,
    header_key,
    normal,
    parse_choice,
    parse_date,
    parse_rating,
)
from .import_files import RawSheet, RawWorkbook
from .models import Action, Control, Membership, Organisation, Risk, Theme

OWNER_ROLES = (Role.RISK_OWNER, Role.GOVERNANCE)


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}"
        if self.sheet != RISKS:
            where = f"{self.sheet} sheet, row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Change:
    column: str
    old: str
    new: str


class _PlannedRow:
    """A planned row's `existing` object and `changes` say what the import does."""

    @property
    def action(self) -> str:
        if self.existing is None:
            return "create"
        return "update" if self.changes else "unchanged"


@dataclass
class RiskRow(_PlannedRow):
    """One risk to create, change or leave as it is."""

    row: int
    reference: str
    existing: Risk | None
    data: dict
    owner: object = None
    fields_changed: bool = False
    owner_changed: bool = False
    themes: list[Theme] | None = None
    themes_changed: bool = False
    changes: list[Change] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.data.get("title") or (self.existing.title if self.existing else "")


@dataclass
class ChildRow(_PlannedRow):
    """One control or action to create, change or leave as it is."""

    kind: str
    row: int
    risk_reference: str
    existing: Control | Action | None
    data: dict
    risk: Risk | None = None  # None: the risk is added by the same file
    changes: list[Change] = field(default_factory=list)

    @property
    def description(self) -> str:
        if self.existing is not None:
            return self.existing.description
        return self.data.get("description", "")


@dataclass
class ImportPlan:
    organisation: Organisation
    file_name: str
    risks: list[RiskRow] = field(default_factory=list)
    controls: list[ChildRow] = field(default_factory=list)
    actions: list[ChildRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def rows(self, kind: str, action: str) -> list:
        rows = {RISKS: self.risks, CONTROLS: self.controls, ACTIONS: self.actions}
        return [row for row in rows[kind] if row.action == action]

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            kind: {
                action: len(self.rows(kind, action))
                for action in ("create", "update", "unchanged")
            }
            for kind in (RISKS, CONTROLS, ACTIONS)
        }

    @property
    def has_changes(self) -> bool:
        return any(
            counts["create"] or counts["update"] for counts in self.counts().values()
        )

    def fingerprint(self) -> str:
        """Hash what the plan would do and the versions it starts from.

        The preview page carries it; if the register moves before the user
        confirms, the confirmed plan hashes differently and is refused.
        """
        state = {
            "organisation": self.organisation.pk,
            "errors": [str(error) for error in self.errors],
            "rows": [
                [
                    kind,
                    row.row,
                    row.action,
                    row.existing.pk if row.existing else None,
                    row.existing.version if row.existing else None,
                    [asdict(change) for change in row.changes],
                ]
                for kind, rows in (
                    (RISKS, self.risks),
                    (CONTROLS, self.controls),
                    (ACTIONS, self.actions),
                )
                for row in rows
            ],
        }
        encoded = json.dumps(state, sort_keys=True, default=str).encode()
        return hashlib.sha256(encoded).hexdigest()


class _Register:
    """One organisation's register, loaded once for checking every row."""

    def __init__(self, organisation: Organisation):
        self.organisation = organisation
        risks = (
            Risk.objects.filter(organisation=organisation)
            .select_related("owner")
            .prefetch_related(
                "themes",
                Prefetch("controls", queryset=Control.objects.order_by("pk")),
                Prefetch("actions", queryset=Action.objects.order_by("pk")),
            )
            .order_by("pk")
        )
        # References match whatever their case: MOPAC-R01 is mopac-r01.
        self.risks = {risk.reference.casefold(): risk for risk in risks}
        self.members = list(
            Membership.objects.filter(organisation=organisation).select_related("user")
        )
        self.themes = list(Theme.objects.order_by("name"))
        self.organisation_names = {
            normal(organisation.short_name),
            normal(organisation.name),
            normal(organisation.slug),
        }

    def owner(self, text: str) -> Membership:
        """Find a member by username, else by a post title only one member holds."""
        wanted = text.strip()
        by_username = [
            m
            for m in self.members
            if m.user.get_username().casefold() == wanted.casefold()
        ]
        matches = by_username or [
            m for m in self.members if normal(m.post_title) == normal(wanted)
        ]
        short = self.organisation.short_name
        if not matches:
            raise CellError(f"no {short} member has the username or post “{wanted}”")
        if len(matches) > 1:
            raise CellError(
                f"more than one {short} member holds the post “{wanted}”: enter "
                "the owner's username instead"
            )
        membership = matches[0]
        if membership.role not in OWNER_ROLES or not membership.user.is_active:
            raise CellError(
                f"{membership.user.get_username()} cannot own risks: the owner must "
                f"be a {short} risk owner or governance officer"
            )
        return membership

    def theme_list(self, text: str) -> list[Theme]:
        by_name = {}
        for theme in self.themes:
            by_name[normal(theme.name)] = theme
            by_name[normal(theme.slug)] = theme
        if normal(text) in by_name:
            return [by_name[normal(text)]]
        names = [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]
        if len(names) == 1:
            names = [part.strip() for part in text.split(",") if part.strip()]
        found, unknown = [], []
        for name in names:
            theme = by_name.get(normal(name))
            if theme is None:
                unknown.append(name)
            elif theme not in found:
                found.append(theme)
        if unknown:
            known = "; ".join(theme.name for theme in self.themes) or "none yet"
            raise CellError(
                f"there is no theme called “{unknown[0]}” (the themes are: {known})"
            )
        return found

    def check_organisation(self, text: str) -> None:
        if normal(text) not in self.organisation_names:
            raise CellError(
                f"this row is for “{text}”, but you are importing into the "
                f"{self.organisation.short_name} register"
            )


class _Sheet:
    """Reads one sheet's rows by column, collecting errors as it goes."""

    def __init__(self, raw: RawSheet, columns: Sequence[Column], plan: ImportPlan):
        self.raw = raw
        self.plan = plan
        index = column_index(columns)
        self.positions: dict[str, int] = {}
        ignored = []
        for position, header in enumerate(raw.headers):
            column = index.get(header_key(header))
            if column is None:
                if header:
                    ignored.append(header)
            else:
                self.positions[column.name] = position
        if ignored:
            plan.ignored_columns[raw.name] = ignored
        self.columns = {column.name: column for column in columns}
        self.formulas = set(raw.formulas)

    def has(self, name: str) -> bool:
        return name in self.positions

    def error(self, row: int, column: Column | str | None, message: str) -> None:
        header = column.header if isinstance(column, Column) else (column or "")
        self.plan.errors.append(RowError(self.raw.name, row, header, message))

    def values(self, number: int, cells: list[str]) -> tuple[dict, bool]:
        """Return the row's parsed values (present columns only) and validity."""
        values, ok = {}, True
        for name, position in self.positions.items():
            column = self.columns[name]
            text = cells[position] if position < len(cells) else ""
            if (number, position) in self.formulas:
                self.error(
                    number,
                    column,
                    "the cell holds a formula: enter the value itself",
                )
                ok = False
                continue
            try:
                values[name] = self._parse(text, column)
            except CellError as error:
                self.error(number, column, str(error))
                ok = False
        return values, ok

    def _parse(self, text: str, column: Column):
        if not text:
            if column.required:
                verb = "select" if column.kind == CHOICE else "enter"
                raise CellError(f"{verb} the {column.noun}")
            return None
        if column.max_length and len(text) > column.max_length:
            raise CellError(
                f"enter {column.max_length} characters or fewer (this has {len(text)})"
            )
        if column.kind == RATING:
            return parse_rating(text)
        if column.kind == DATE:
            return parse_date(text)
        if column.kind == CHOICE:
            return parse_choice(text, column)
        return text


def _model_errors(
    sheet: _Sheet, number: int, instance: models.Model, exclude: list[str]
) -> bool:
    """Run the model's own checks (lengths, choices, clean()); report each."""
    try:
        # Constraints and uniqueness are checked against the loaded register
        # instead: here they would cost queries on every row.
        instance.full_clean(
            exclude=exclude, validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            column = sheet.columns.get(name)
            for message in messages:
                sheet.error(number, column, message)
        return False
    return True


RISK_DATA_FIELDS = tuple(
    column.name
    for column in RISK_COLUMNS
    if column.kind in (TEXT, CHOICE, RATING, DATE)
)


def _changes(
    existing: models.Model,
    candidate: models.Model,
    names: Iterable[str],
    columns: dict[str, Column],
) -> list[Change]:
    changes = []
    for name in names:
        old, new = getattr(existing, name), getattr(candidate, name)
        if old != new:
            column = columns[name]
            changes.append(
                Change(column.header, display(old, column), display(new, column))
            )
    return changes


def _copy(instance: models.Model) -> models.Model:
    """Return an unsaved copy of the row's fields, to try the file's values on."""
    model = type(instance)
    return model(
        **{f.attname: getattr(instance, f.attname) for f in model._meta.fields}
    )


def _plan_risks(plan: ImportPlan, register: _Register, raw: RawSheet) -> set[str]:
    """Plan the Risks sheet; return every reference it names (casefolded)."""
    sheet = _Sheet(raw, RISK_COLUMNS, plan)
    seen: dict[str, int] = {}
    for number, cells in raw.rows:
        values, ok = sheet.values(number, cells)
        reference = values.get("reference") or ""
        key = reference.casefold()
        if key in seen:
            sheet.error(
                number,
                sheet.columns["reference"],
                f"{reference} is already in row {seen[key]} of this file",
            )
            ok = False
        elif reference:
            seen[key] = number
        existing = register.risks.get(key)
        row = RiskRow(
            row=number,
            reference=existing.reference if existing else reference,
            existing=existing,
            data={},
        )
        if _plan_risk_row(sheet, register, row, values, ok):
            plan.risks.append(row)
    return set(seen)


def _plan_risk_row(
    sheet: _Sheet, register: _Register, row: RiskRow, values: dict, ok: bool
) -> bool:
    """Check one risk row against the register; fill in the row's plan."""
    number, existing, columns = row.row, row.existing, sheet.columns

    def check(name: str, parse):
        nonlocal ok
        try:
            return parse(values[name])
        except CellError as error:
            sheet.error(number, columns[name], str(error))
            ok = False
            return None

    if values.get("organisation"):
        check("organisation", register.check_organisation)
    owner = existing.owner if existing else None
    owner_membership = None
    if sheet.has("owner"):
        owner = None
        if values.get("owner"):
            owner_membership = check("owner", register.owner)
            owner = owner_membership.user if owner_membership else None
    themes = list(existing.themes.all()) if existing else []
    if sheet.has("themes"):
        themes = check("themes", register.theme_list) if values.get("themes") else []
    if not ok:
        return False

    # A blank choice keeps the register's value (or takes the model's default);
    # a blank date or public summary clears it.
    data = {}
    for name, value in values.items():
        column = columns[name]
        if name not in RISK_DATA_FIELDS or (value is None and column.kind == CHOICE):
            continue
        data[name] = "" if value is None and column.kind == TEXT else value
    if not data.get("owner_post"):
        data.pop("owner_post", None)
        if owner_membership is not None:
            data["owner_post"] = owner_membership.post_title
        elif existing is None:
            sheet.error(
                number,
                columns["owner_post"],
                "enter the owner's post title, or name the owner in the Owner column",
            )
            return False
    status = data.pop("status", None)
    if existing is None:
        if status == RiskStatus.CLOSED:
            sheet.error(
                number, columns["status"], "a new risk cannot be imported as closed"
            )
            return False
        if status:
            data["status"] = status
        candidate = Risk(organisation=register.organisation)
    else:
        if status and status != existing.status:
            sheet.error(
                number,
                columns["status"],
                "an import cannot change the status of a risk (it is "
                f"{existing.get_status_display()} in the register)",
            )
            return False
        data.pop("reference", None)  # matched on it: keep the register's spelling
        candidate = _copy(existing)
    for name, value in data.items():
        setattr(candidate, name, value)
    if candidate.marking == Marking.OFFICIAL_SENSITIVE and not (
        candidate.public_summary.strip()
    ):
        sheet.error(
            number,
            columns["public_summary"],
            "enter a public summary: an OFFICIAL-SENSITIVE risk needs one for "
            "redacted papers",
        )
        return False
    if not _model_errors(sheet, number, candidate, ["organisation", "owner"]):
        return False

    row.data, row.owner, row.themes = data, owner, themes
    if existing is None:
        return True
    row.changes = _changes(existing, candidate, data, columns)
    row.fields_changed = bool(row.changes)
    row.owner_changed = owner != existing.owner
    if row.owner_changed:
        row.changes.append(Change("Owner", display(existing.owner), display(owner)))
    old_themes = list(existing.themes.all())
    row.themes_changed = {t.pk for t in themes} != {t.pk for t in old_themes}
    if row.themes_changed:
        row.changes.append(Change("Themes", display(old_themes), display(themes)))
    if row.changes and existing.status == RiskStatus.CLOSED:
        sheet.error(
            number, "", f"{existing.reference} is closed, so it cannot be changed"
        )
        return False
    return True


def _plan_children(
    plan: ImportPlan,
    register: _Register,
    raw: RawSheet,
    *,
    model: type[Control] | type[Action],
    references: set[str],
) -> None:
    """Plan the Controls or Actions sheet: match each row by its description."""
    kind, columns = (
        (CONTROLS, CONTROL_COLUMNS) if model is Control else (ACTIONS, ACTION_COLUMNS)
    )
    noun = kind[:-1].lower()
    sheet = _Sheet(raw, columns, plan)
    new_references = {
        row.reference.casefold() for row in plan.risks if row.existing is None
    }
    seen: dict[tuple[str, str], int] = {}
    for number, cells in raw.rows:
        values, ok = sheet.values(number, cells)
        if values.get("organisation"):
            try:
                register.check_organisation(values["organisation"])
            except CellError as error:
                sheet.error(number, sheet.columns["organisation"], str(error))
                ok = False
        reference = values.get("risk_reference") or ""
        description = values.get("description") or ""
        risk = register.risks.get(reference.casefold())
        if risk is not None:
            reference = risk.reference
        elif reference and reference.casefold() not in new_references:
            # A reference on the Risks sheet whose row has errors is reported
            # there; say nothing more about it here.
            if reference.casefold() not in references:
                sheet.error(
                    number,
                    sheet.columns["risk_reference"],
                    f"there is no risk {reference} on the Risks sheet or in the "
                    f"{register.organisation.short_name} register",
                )
            ok = False
        key = (reference.casefold(), normal(description))
        if reference and description:
            if key in seen:
                sheet.error(
                    number,
                    sheet.columns["description"],
                    f"the same {noun} of {reference} is already in row "
                    f"{seen[key]} of this sheet",
                )
                ok = False
            else:
                seen[key] = number
        if not ok:
            continue
        existing = None
        if risk is not None:
            matches = [
                child
                for child in getattr(risk, f"{noun}s").all()
                if normal(child.description) == key[1]
            ]
            if len(matches) > 1:
                sheet.error(
                    number,
                    sheet.columns["description"],
                    f"{reference} has more than one {noun} with this description: "
                    "change one of them on the risk's page first",
                )
                continue
            existing = matches[0] if matches else None
        row = _plan_child_row(sheet, number, kind, model, reference, existing, values)
        if row is None:
            continue
        row.risk = risk
        if row.action != "unchanged" and risk and risk.status == RiskStatus.CLOSED:
            sheet.error(
                number,
                sheet.columns["risk_reference"],
                f"{reference} is closed, so its {noun}s cannot be changed",
            )
            continue
        getattr(plan, f"{noun}s").append(row)


def _plan_child_row(
    sheet: _Sheet,
    number: int,
    kind: str,
    model: type[Control] | type[Action],
    reference: str,
    existing: Control | Action | None,
    values: dict,
) -> ChildRow | None:
    columns = sheet.columns
    data = {
        name: value
        for name, value in values.items()
        if name not in ("risk_reference", "organisation")
        and not (value is None and columns[name].kind == CHOICE)
    }
    if model is Action:
        due, revised = data.get("due_date"), data.get("revised_due_date")
        if due and revised and revised <= due:
            sheet.error(
                number,
                columns["revised_due_date"],
                "the revised due date must be after the due date",
            )
            return None
    if existing is not None:
        # Matched loosely on its description: keep the register's wording.
        data.pop("description", None)
    candidate = model() if existing is None else _copy(existing)
    for name, value in data.items():
        setattr(candidate, name, value)
    if not _model_errors(sheet, number, candidate, ["risk"]):
        return None
    row = ChildRow(
        kind=kind, row=number, risk_reference=reference, existing=existing, data=data
    )
    if existing is not None:
        row.changes = _changes(existing, candidate, data, columns)
    return row


SHEET_ORDER = {name: position for position, name in enumerate(SHEET_COLUMNS)}


def build_plan(workbook: RawWorkbook, organisation: Organisation) -> ImportPlan:
    """Check every row of the file against the register; write nothing."""
    plan = ImportPlan(organisation=organisation, file_name=workbook.file_name)
    register = _Register(organisation)
    references = _plan_risks(plan, register, workbook.sheets[RISKS])
    for model, name in ((Control, CONTROLS), (Action, ACTIONS)):
        raw = workbook.sheets.get(name)
        if raw is not None and raw.rows:
            _plan_children(plan, register, raw, model=model, references=references)
    # Sorting is stable: a row's errors stay in column order.
    plan.errors.sort(key=lambda error: (SHEET_ORDER[error.sheet], error.row))
    return plan
