"""Forms of the register's write pages, rendered with GOV.UK Frontend classes."""

from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms.boundfield import BoundField
from django.forms.utils import pretty_name
from django.utils.formats import date_format

from .choices import IMPACT_CHOICES, LIKELIHOOD_CHOICES, RiskStatus, Role
from .models import Action, Control, Organisation, ReportingPeriod, Risk, Theme
from .services import ACTION_FIELDS, CONTROL_FIELDS, RISK_EDITABLE_FIELDS

User = get_user_model()

# Widget → GOV.UK class, most specific first (CheckboxSelectMultiple is a RadioSelect).
GOVUK_CLASSES = (
    (forms.CheckboxSelectMultiple, "govuk-checkboxes__input"),
    (forms.RadioSelect, "govuk-radios__input"),
    (forms.Select, "govuk-select"),
    (forms.Textarea, "govuk-textarea"),
    (forms.CheckboxInput, "govuk-checkboxes__input"),
    (forms.widgets.Input, "govuk-input"),
)
ERROR_MODIFIERS = {"govuk-select", "govuk-textarea", "govuk-input"}
DEFAULT_REQUIRED = forms.Field.default_error_messages["required"]
VERSION_MESSAGE = "This page is out of date. Reload it and make your changes again."
RACE_MESSAGE = (
    "Someone else saved a change to this risk at the same moment. "
    "Check the form and submit it again."
)


class GovukBoundField(BoundField):
    """Give widgets GOV.UK classes and describe them by their hint and errors."""

    @property
    def id_for_label(self) -> str:
        # Radios and checkboxes: the error summary links to the first option.
        if self.use_fieldset and self.auto_id:
            return f"{self.auto_id}_0"
        return super().id_for_label

    def build_widget_attrs(self, attrs, widget=None):
        widget = widget or self.field.widget
        attrs = super().build_widget_attrs(attrs, widget)
        base = next(
            (css for kind, css in GOVUK_CLASSES if isinstance(widget, kind)), ""
        )
        if base and not widget.is_hidden:
            classes = [base, widget.attrs.get("class", "")]
            if self.errors and base in ERROR_MODIFIERS:
                classes.append(f"{base}--error")
            attrs["class"] = " ".join(css for css in classes if css)
        # The ids match templates/includes/field.html; fieldsets carry their own.
        if not widget.is_hidden and not self.use_fieldset:
            described = [f"{self.auto_id}-hint"] if self.help_text else []
            described += [
                f"{self.auto_id}-error-{n}" for n in range(1, len(self.errors) + 1)
            ]
            attrs.pop("aria-describedby", None)
            if described:
                attrs["aria-describedby"] = " ".join(described)
        return attrs


class GovukFormMixin:
    """GOV.UK rendering: ids equal field names (the error summary links to them)."""

    bound_field_class = GovukBoundField
    # GOV.UK validates on the server only; browsers' own messages are inconsistent.
    use_required_attribute = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            label = field.label or pretty_name(name)
            if (
                type(field) is forms.TypedChoiceField
                and field.choices
                and field.choices[0][0] == ""
            ):
                field.choices = [("", "Select"), *field.choices[1:]]
            if field.error_messages.get("required") == DEFAULT_REQUIRED:
                verb = "Select" if isinstance(field, forms.ChoiceField) else "Enter"
                field.error_messages["required"] = f"{verb} the {label.lower()}"
            if isinstance(field, forms.DateField):
                field.error_messages["invalid"] = f"{label} must be a real date"


def date_input() -> forms.DateInput:
    """Return a native date picker; it posts YYYY-MM-DD."""
    return forms.DateInput(
        attrs={"type": "date", "class": "govuk-input--width-10"}, format="%Y-%m-%d"
    )


def textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def rating_field(kind: str, label: str, part: str = "") -> forms.TypedChoiceField:
    """Return a 1–5 likelihood or impact select with a message naming the range."""
    choices = LIKELIHOOD_CHOICES if kind == "likelihood" else IMPACT_CHOICES
    article = "a" if kind == "likelihood" else "an"
    message = f"Enter {article} {kind} from 1 to 5"
    if part:
        message += f" for the {part} score"
    return forms.TypedChoiceField(
        label=label,
        choices=[("", "Select")] + choices,
        coerce=int,
        empty_value=None,
        error_messages={"required": message, "invalid_choice": message},
    )


def reason_field(
    label: str = "Reason for change",
    required: bool = False,
    help_text: str = "Kept in the risk's history with your name.",
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        widget=textarea(2),
        help_text=help_text,
    )


def apply_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, beside the fields it names."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class VersionedForm(forms.Form):
    """The version the page was loaded from, and why the user changes it."""

    reason = reason_field(
        help_text="Optional, but it helps whoever reads the history: for example, "
        "“Agreed at the September risk board”. Kept with your name."
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": VERSION_MESSAGE,
            "invalid": VERSION_MESSAGE,
            "min_value": VERSION_MESSAGE,
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk:
            self.initial.setdefault("version", instance.version)


# --- Risks ------------------------------------------------------------------


def member_users(
    organisations: QuerySet[Organisation], roles: tuple[str, ...]
) -> QuerySet:
    """Return the active users holding one of the roles in the organisations."""
    return (
        User.objects.filter(
            is_active=True,
            membership__organisation__in=organisations,
            membership__role__in=roles,
        )
        .select_related("membership__organisation")
        .order_by("membership__organisation__short_name", "membership__post_title")
    )


class MemberChoiceField(forms.ModelChoiceField):
    """Users shown by post, name and organisation: posts are what people know."""

    def label_from_instance(self, obj) -> str:
        membership = obj.membership
        name = obj.get_full_name() or obj.get_username()
        return f"{membership.post_title}: {name} ({membership.organisation})"


OWNER_ROLES = (Role.RISK_OWNER, Role.GOVERNANCE)


class RiskForm(GovukFormMixin, forms.ModelForm):
    """The fields of a risk that people type in; scores are selects of 1–5."""

    inherent_likelihood = rating_field("likelihood", "Inherent likelihood", "inherent")
    inherent_impact = rating_field("impact", "Inherent impact", "inherent")
    current_likelihood = rating_field("likelihood", "Current likelihood", "current")
    current_impact = rating_field("impact", "Current impact", "current")
    target_likelihood = rating_field("likelihood", "Target likelihood", "target")
    target_impact = rating_field("impact", "Target impact", "target")
    themes = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    field_order = (
        "organisation",
        "reference",
        "title",
        "cause",
        "event",
        "effect",
        "category",
        "themes",
        "owner",
        "owner_post",
        "status",
        "horizon",
        "treatment",
        "appetite",
        "proximity",
        "inherent_likelihood",
        "inherent_impact",
        "current_likelihood",
        "current_impact",
        "target_likelihood",
        "target_impact",
        "target_date",
        "next_review_date",
        "marking",
        "public_summary",
        "reason",
        "version",
    )
    # Constraint errors name no field; show each beside the field to correct.
    constraint_fields = {
        "risk_unique_reference_per_organisation": "reference",
        "risk_sensitive_needs_public_summary": "public_summary",
    }

    class Meta:
        model = Risk
        fields = (*RISK_EDITABLE_FIELDS, "themes")
        widgets = {
            "reference": forms.TextInput(
                attrs={"class": "govuk-input--width-10", "spellcheck": "false"}
            ),
            "cause": textarea(),
            "event": textarea(),
            "effect": textarea(),
            "public_summary": textarea(),
            "target_date": date_input(),
            "next_review_date": date_input(),
        }

    def risk_data(self) -> dict:
        """Return the cleaned values the risk services take as `data`."""
        names = (*RISK_EDITABLE_FIELDS, "status")
        return {n: v for n, v in self.cleaned_data.items() if n in names}

    def _get_validation_exclusions(self):
        # The organisation is fixed when editing; keep it so that the unique
        # reference constraint is checked here rather than by the service.
        exclude = super()._get_validation_exclusions()
        if self.instance.organisation_id is not None and "organisation" not in (
            self._errors or {}
        ):
            exclude.discard("organisation")
        return exclude

    def validate_constraints(self) -> None:
        exclude = self._get_validation_exclusions()
        for constraint in self.instance._meta.constraints:
            try:
                constraint.validate(type(self.instance), self.instance, exclude=exclude)
            except ValidationError as error:
                name = self.constraint_fields.get(constraint.name)
                self.add_error(name if name in self.fields else None, error)


class RiskCreateForm(RiskForm):
    """A new risk in one of the organisations the user governs."""

    status = forms.ChoiceField(
        choices=[(RiskStatus.OPEN, "Open"), (RiskStatus.DRAFT, "Draft")],
        initial=RiskStatus.OPEN,
        help_text="Draft risks are not yet agreed for the register.",
    )

    class Meta(RiskForm.Meta):
        fields = ("organisation", *RiskForm.Meta.fields, "owner", "status")

    def __init__(self, *args, organisations: QuerySet[Organisation], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].empty_label = "Select"
        self.fields["owner"] = MemberChoiceField(
            queryset=member_users(organisations, OWNER_ROLES),
            required=False,
            label="Risk owner",
            empty_label="No owner yet",
            help_text="A risk owner or governance officer of the organisation. "
            "They can then edit the risk.",
        )
        if len(organisations) == 1:
            # Nothing to choose; keep it last so error links go to a visible field.
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations[0].pk
            self.fields["organisation"] = self.fields.pop("organisation")


class RiskUpdateForm(VersionedForm, RiskForm):
    """Change a risk; only governance officers may change its reference."""

    def __init__(self, *args, can_change_reference: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_change_reference:
            del self.fields["reference"]


class RiskCloseForm(GovukFormMixin, forms.Form):
    reason = reason_field("Why is the risk being closed?", required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = (
            "Enter the reason for closing the risk"
        )


class OwnerForm(GovukFormMixin, forms.Form):
    """Hand a risk to a new owner (the edit permission moves with it)."""

    owner = MemberChoiceField(
        queryset=User.objects.none(), label="Risk owner", empty_label="Select"
    )
    owner_post = forms.CharField(
        label="Owner post title",
        max_length=200,
        help_text="The post, never a name: for example, Director of Strategy.",
    )
    reason = reason_field()

    def __init__(self, *args, risk: Risk, **kwargs):
        kwargs.setdefault(
            "initial", {"owner": risk.owner_id, "owner_post": risk.owner_post}
        )
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.filter(pk=risk.organisation_id)
        self.fields["owner"].queryset = member_users(organisations, OWNER_ROLES)


class DelegateAddForm(GovukFormMixin, forms.Form):
    """Let another risk owner of the organisation edit the risk."""

    delegate = MemberChoiceField(
        queryset=User.objects.none(), label="Add a delegate", empty_label="Select"
    )

    def __init__(self, *args, risk: Risk, exclude: list, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.filter(pk=risk.organisation_id)
        self.fields["delegate"].queryset = member_users(
            organisations, (Role.RISK_OWNER,)
        ).exclude(pk__in=[u.pk for u in exclude])
        self.fields["delegate"].error_messages["required"] = (
            "Select a risk owner to add as a delegate"
        )


class DelegateRemoveForm(forms.Form):
    delegate = forms.ModelChoiceField(
        queryset=User.objects.none(), widget=forms.HiddenInput
    )

    def __init__(self, *args, delegates: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = User.objects.filter(
            pk__in=[u.pk for u in delegates]
        )


# --- Controls, actions, deletes ---------------------------------------------


class ControlForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        model = Control
        fields = CONTROL_FIELDS
        widgets = {"description": textarea()}


class ControlUpdateForm(VersionedForm, ControlForm):
    pass


class ActionForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        model = Action
        fields = ACTION_FIELDS
        widgets = {
            "description": textarea(),
            "due_date": date_input(),
            "revised_due_date": date_input(),
        }

    def clean(self):
        cleaned = super().clean()
        due, revised = cleaned.get("due_date"), cleaned.get("revised_due_date")
        if due and revised and revised <= due:
            self.add_error(
                "revised_due_date", "The revised due date must be after the due date"
            )
        return cleaned


class ActionUpdateForm(VersionedForm, ActionForm):
    pass


class DeleteForm(GovukFormMixin, forms.Form):
    reason = reason_field("Why is it being deleted?")


# --- Reviews ----------------------------------------------------------------


class ReviewForm(GovukFormMixin, forms.Form):
    """A risk's quarterly review in one of its organisation's open periods."""

    period = forms.ModelChoiceField(
        queryset=ReportingPeriod.objects.none(),
        label="Reporting period",
        empty_label="Select",
        error_messages={
            "required": "Select the reporting period",
            # Only open periods are offered: a closed one arrives as "invalid".
            "invalid_choice": "That period is closed or belongs to another "
            "organisation; its reviews are frozen.",
        },
    )
    likelihood = rating_field("likelihood", "Current likelihood")
    impact = rating_field("impact", "Current impact")
    commentary = forms.CharField(
        widget=textarea(5),
        help_text="What changed this quarter and why the score is what it is.",
        error_messages={"required": "Enter the commentary for this review"},
    )

    def __init__(self, *args, risk: Risk, **kwargs):
        kwargs.setdefault(
            "initial",
            {"likelihood": risk.current_likelihood, "impact": risk.current_impact},
        )
        super().__init__(*args, **kwargs)
        periods = ReportingPeriod.objects.open().filter(
            organisation_id=risk.organisation_id
        )
        self.fields["period"].queryset = periods
        if len(periods) == 1:
            self.fields["period"].initial = periods[0].pk


# --- Conflict page ----------------------------------------------------------


def _display(field: forms.Field, value) -> str:
    """Write a value as the form shows it, for comparing two versions."""
    if value in (None, "") or (isinstance(value, list | QuerySet) and not value):
        return "Not set"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | QuerySet):
        return ", ".join(sorted(str(item) for item in value))
    if isinstance(value, date):
        return date_format(value, "j F Y")
    if isinstance(field, forms.ChoiceField):
        labels = {str(key): label for key, label in field.choices}
        return str(labels.get(str(value), value))
    return str(value)


def conflict_rows(
    form: forms.Form,
    current: models.Model | None,
    *,
    skip: tuple[str, ...] = ("version", "reason"),
) -> list[dict]:
    """Pair the user's submitted values with the saved ones, field by field.

    `current` is None when the object has since been deleted.
    """
    rows = []
    for name, field in form.fields.items():
        if name in skip or name not in form.cleaned_data:
            continue
        saved = getattr(current, name) if current is not None else None
        if isinstance(field, forms.ModelMultipleChoiceField) and saved is not None:
            saved = list(saved.all())
        yours, theirs = (
            _display(field, form.cleaned_data[name]),
            _display(field, saved),
        )
        rows.append(
            {
                "name": name,
                "label": form[name].label,
                "yours": yours,
                "current": theirs,
                "differs": yours != theirs,
            }
        )
    return rows
