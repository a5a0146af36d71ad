"""Forms of the quarterly cycle: opening a reporting period."""

from django import forms
from django.db.models import QuerySet
from django.utils.formats import date_format

from . import cycle
from .forms import GovukFormMixin, date_input
from .models import Organisation, ReportingPeriod


def _day(value) -> str:
    return date_format(value, "j F Y")


class PeriodCreateForm(GovukFormMixin, forms.Form):
    """A new quarter for one of the organisations the user governs."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        empty_label="Select",
        error_messages={"required": "Select the organisation"},
    )
    label = forms.CharField(
        max_length=20,
        help_text="The financial year and quarter, for example 2019/20 Q3.",
        widget=forms.TextInput(
            attrs={"class": "govuk-input--width-10", "spellcheck": "false"}
        ),
        error_messages={"required": "Enter the label"},
    )
    start = forms.DateField(label="Start date", widget=date_input())
    end = forms.DateField(
        label="End date", widget=date_input(), help_text="The last day of the period."
    )

    field_order = ("organisation", "label", "start", "end")

    def __init__(self, *args, organisations: QuerySet[Organisation], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if len(organisations) == 1:
            # Nothing to choose; keep it hidden so error links go to a visible field.
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations[0].pk

    def clean_label(self) -> str:
        return " ".join(self.cleaned_data["label"].split())

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation")
        label, start, end = (cleaned.get(n) for n in ("label", "start", "end"))
        if start and end and end <= start:
            self.add_error("end", "The end date must be after the start date")
            return cleaned
        if organisation is None:
            return cleaned
        if (
            label
            and ReportingPeriod.objects.filter(
                organisation=organisation, label__iexact=label
            ).exists()
        ):
            self.add_error(
                "label",
                f"{organisation.short_name} already has a period called {label}",
            )
        if start and end:
            clash = cycle.overlapping_periods(organisation, start, end).first()
            if clash is not None:
                self.add_error(
                    "start",
                    f"The dates overlap {clash.label} ({_day(clash.start)} to "
                    f"{_day(clash.end)}). Periods of one organisation cannot overlap",
                )
        return cleaned
