"""Forms of the alignment workflow."""

from django import forms

from risks.models import Risk, Theme

from .models import JointAction, Relationship


def govuk_widgets(form: forms.Form) -> None:
    """Give each widget the GOV.UK Frontend class its element needs."""
    classes = {
        forms.Select: "govuk-select",
        forms.Textarea: "govuk-textarea",
        forms.DateInput: "govuk-input govuk-input--width-10",
        forms.TextInput: "govuk-input",
    }
    for field in form.fields.values():
        for widget_type, css in classes.items():
            if isinstance(field.widget, widget_type):
                field.widget.attrs.setdefault("class", css)
                break


class ProposeForm(forms.Form):
    """Propose that one of our risks aligns with one of the other organisation's."""

    proposer_risk = forms.ModelChoiceField(
        queryset=Risk.objects.none(), label="Your organisation's risk"
    )
    partner_risk = forms.ModelChoiceField(
        queryset=Risk.objects.none(), label="The other organisation's risk"
    )
    theme = forms.ModelChoiceField(queryset=Theme.objects.all())
    relationship = forms.ChoiceField(choices=Relationship.choices)
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why the two risks are the same concern, for the other "
        "organisation's governance officer to consider.",
    )

    def __init__(self, *args, own_risks, partner_risks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposer_risk"].queryset = own_risks
        self.fields["partner_risk"].queryset = partner_risks
        govuk_widgets(self)


class ReasonForm(forms.Form):
    """A reason for a workflow step (agree, decline, end)."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args, required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        govuk_widgets(self)


class JointActionForm(forms.ModelForm):
    """Add or change a joint action."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label="Reason for change",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    class Meta:
        model = JointAction
        fields = ["description", "owner_post", "due_date", "revised_due_date", "status"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "revised_due_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        govuk_widgets(self)

    def clean(self):
        cleaned = super().clean()
        due, revised = cleaned.get("due_date"), cleaned.get("revised_due_date")
        if due and revised and revised < due:
            self.add_error(
                "revised_due_date", "The revised due date must be after the due date."
            )
        return cleaned
