"""Forms of the meeting pages: a meeting, its agenda items and the Panel's requests."""

from django import forms
from django.db.models import Q

from risks.choices import Marking
from risks.forms import GovukFormMixin, VersionedForm, date_input, reason_field
from risks.models import Panel, ReportingPeriod

from .models import (
    AgendaItemKind,
    Meeting,
    PanelPaper,
    PanelRequest,
    RequestStatus,
)


class MeetingForm(GovukFormMixin, forms.Form):
    """A new meeting: its panel (when there is a choice), date and marking."""

    panel = forms.ModelChoiceField(queryset=Panel.objects.none())
    date = forms.DateField(widget=date_input())
    marking = forms.ChoiceField(
        label="Protective marking",
        choices=Marking.choices,
        initial=Marking.OFFICIAL,
        help_text="The least the agenda pack is marked; an item marked higher "
        "raises it.",
    )
    reason = reason_field(help_text="Kept in the meeting's history with your name.")

    def __init__(self, *args, panels: list[Panel], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["panel"]
        field.queryset = Panel.objects.filter(pk__in=[panel.pk for panel in panels])
        if len(panels) == 1:
            # One panel, as today: nothing to choose.
            field.initial = panels[0].pk
            field.widget = forms.HiddenInput()


class MeetingUpdateForm(GovukFormMixin, VersionedForm):
    """A meeting's date and marking, from the version the page showed."""

    date = forms.DateField(widget=date_input())
    marking = forms.ChoiceField(label="Protective marking", choices=Marking.choices)

    field_order = ("date", "marking", "reason", "version")


class AgendaItemForm(GovukFormMixin, forms.Form):
    """One agenda item: a paper, a register report for a period, or a title."""

    number = forms.CharField(
        label="Agenda item",
        max_length=10,
        help_text='As the agenda numbers it, e.g. "5b".',
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}),
    )
    order = forms.IntegerField(
        min_value=0,
        max_value=32767,
        initial=0,
        help_text="Items are listed from the lowest number.",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-5"}),
    )
    kind = forms.ChoiceField(
        label="Kind of item", choices=AgendaItemKind.choices, widget=forms.RadioSelect
    )
    paper = forms.ModelChoiceField(
        queryset=PanelPaper.objects.none(),
        required=False,
        help_text="For the joint paper: its published version goes in the pack.",
    )
    period = forms.ModelChoiceField(
        label="Register and reporting period",
        queryset=ReportingPeriod.objects.none(),
        required=False,
        help_text="For a register report: the register as at this period's end.",
    )
    title = forms.CharField(
        max_length=300,
        required=False,
        help_text="Needed for an item without a document; optional otherwise.",
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paper"].queryset = PanelPaper.objects.filter(
            Q(panel_meeting__isnull=True) | Q(panel_meeting=meeting)
        ).order_by("-meeting_date", "agenda_item")
        self.fields["period"].queryset = (
            ReportingPeriod.objects.filter(
                organisation__in=meeting.panel.organisations.all()
            )
            .select_related("organisation")
            .order_by("-end", "organisation__short_name")
        )
        self.fields["period"].label_from_instance = lambda p: (
            f"{p.organisation.short_name} {p.label}"
        )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == AgendaItemKind.PAPER and not cleaned.get("paper"):
            self.add_error("paper", "Select the paper")
        if kind == AgendaItemKind.REGISTER and not cleaned.get("period"):
            self.add_error("period", "Select the register and reporting period")
        if kind == AgendaItemKind.TITLED and not cleaned.get("title"):
            self.add_error("title", "Enter the item's title")
        return cleaned


class PanelRequestForm(GovukFormMixin, forms.Form):
    """What the Panel asked for, who answers it and at which meeting."""

    text = forms.CharField(
        label="Request",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="As minuted, e.g. “The Panel asked for a report on the aligned "
        "finance risk”.",
    )
    owner_organisation = forms.ModelChoiceField(
        label="Owner organisation", queryset=None
    )
    owner_post = forms.CharField(
        label="Owner post",
        max_length=200,
        help_text="The post that answers it, never a name.",
    )
    due_at = forms.ModelChoiceField(
        label="Due at the meeting of",
        queryset=Meeting.objects.none(),
        help_text="A later meeting of the panel that has not taken place.",
    )
    is_sensitive = forms.BooleanField(
        label="OFFICIAL-SENSITIVE",
        required=False,
        help_text="Its text is left out of public editions.",
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_organisation"].queryset = meeting.panel.organisations.all()
        # Every meeting of the panel: the service says clearly why a past one
        # cannot be chosen, rather than the list hiding it.
        self.fields["due_at"].queryset = meeting.panel.meetings.order_by("date")
        self.fields["due_at"].label_from_instance = lambda m: f"{m.date:%d %B %Y}"


class PanelRequestUpdateForm(GovukFormMixin, VersionedForm):
    """A request's status and where it was answered, or a new due meeting."""

    status = forms.ChoiceField(choices=RequestStatus.choices, widget=forms.RadioSelect)
    answered_by = forms.ModelChoiceField(
        label="Answered by the paper",
        queryset=PanelPaper.objects.none(),
        required=False,
        help_text="Needed when the request is answered.",
    )
    answered_in = forms.CharField(
        label="Where in that paper",
        max_length=200,
        required=False,
        help_text='e.g. "section 3, oral update".',
    )
    due_at = forms.ModelChoiceField(
        label="Due at the meeting of", queryset=Meeting.objects.none()
    )

    field_order = ("status", "answered_by", "answered_in", "due_at", "reason")

    def __init__(self, *args, request: PanelRequest, **kwargs):
        super().__init__(*args, **kwargs)
        panel = request.raised_at.panel
        self.fields["answered_by"].queryset = PanelPaper.objects.filter(
            panel_meeting__panel=panel
        ).order_by("-meeting_date", "agenda_item")
        self.fields["due_at"].queryset = panel.meetings.order_by("date")
        self.fields["due_at"].label_from_instance = lambda m: f"{m.date:%d %B %Y}"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == RequestStatus.ANSWERED and not cleaned.get(
            "answered_by"
        ):
            self.add_error("answered_by", "Select the paper that answered it")
        return cleaned
