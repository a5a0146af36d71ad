"""Forms of the paper editor, rendered with GOV.UK Frontend classes."""

from django import forms
from django.db import models
from django.db.models import Max

from risks import forms as risk_forms
from risks.forms import (
    VERSION_MESSAGE,
    GovukFormMixin,
    date_input,
    reason_field,
    textarea,
)
from risks.models import ReportingPeriod, Theme

from .models import PanelPaper, PaperSection, SectionKind
from .services import PAPER_FIELDS, SECTION_FIELDS

MARKDOWN_HINT = "Markdown. Paragraphs are numbered in the paper."


def revision_field() -> forms.IntegerField:
    """Return the hidden revision the page was loaded from."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": VERSION_MESSAGE,
            "invalid": VERSION_MESSAGE,
            "min_value": VERSION_MESSAGE,
        },
    )


def paper_reason_field(label: str = "Reason for change") -> forms.CharField:
    """Return the optional reason kept in the paper's history."""
    field = reason_field(label)
    field.help_text = "Kept in the paper's history with your name."
    return field


def period_labels() -> list[tuple[str, object]]:
    """Return each reporting period label with its latest end date, newest first."""
    rows = (
        ReportingPeriod.objects.values("label")
        .annotate(end=Max("end"))
        .order_by("-end", "label")
    )
    return [(row["label"], row["end"]) for row in rows]


class RevisionedForm(forms.Form):
    """A change to an existing paper: the revision it was made from, and why."""

    def __init__(self, *args, paper: PanelPaper | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if paper is not None:
            self.fields["revision"] = revision_field()
            self.initial.setdefault("revision", paper.revision)
            self.fields["reason"] = paper_reason_field()


class PaperForm(GovukFormMixin, RevisionedForm, forms.ModelForm):
    """The details of a paper: meeting, author posts, period, marking, themes."""

    period_end = forms.DateField(
        label="Period end",
        required=False,
        widget=date_input(),
        help_text="Appendix A shows the register as at the end of this day. Leave "
        "it blank to use the end of the reporting period.",
    )
    themes = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Appendix A lists the agreed aligned risks of these themes.",
    )

    class Meta:
        model = PanelPaper
        fields = (*PAPER_FIELDS, "themes")
        widgets = {
            "meeting_date": date_input(),
            "agenda_item": forms.TextInput(attrs={"class": "govuk-input--width-5"}),
            "report_by": textarea(2),
        }

    def __init__(self, *args, **kwargs):
        instance = kwargs.get("instance")
        kwargs.setdefault("paper", instance if instance and instance.pk else None)
        super().__init__(*args, **kwargs)
        self.period_ends = dict(period_labels())
        if self.period_ends:
            choices = [(label, label) for label in self.period_ends]
            current = instance.period_label if instance else ""
            if current and current not in self.period_ends:
                choices.insert(0, (current, current))
            self.fields["period_label"] = forms.ChoiceField(
                label="Reporting period",
                choices=[("", "Select"), *choices],
                help_text="The quarter the paper reports on.",
                error_messages={"required": "Select the reporting period"},
            )
        else:
            label = self.fields["period_label"]
            label.help_text = "The quarter the paper reports on, e.g. 2019/20 Q2."
            label.widget.attrs["class"] = "govuk-input--width-10"
        self.fields["include_heat_maps"].label = "Include heat maps"
        self.order_fields(
            [
                *PAPER_FIELDS[:6],
                "period_end",
                "marking",
                "themes",
                "include_heat_maps",
                "include_matters_arising",
                "reason",
            ]
        )

    def clean(self):
        cleaned = super().clean()
        label, end = cleaned.get("period_label"), cleaned.get("period_end")
        if end is None and "period_end" not in self.errors:
            if label in self.period_ends:
                cleaned["period_end"] = self.period_ends[label]
            elif label:
                self.add_error("period_end", "Enter the period end")
        return cleaned

    def paper_data(self) -> dict:
        """Return the cleaned values the paper services take as `data`."""
        return {n: v for n, v in self.cleaned_data.items() if n in PAPER_FIELDS}


class SectionForm(GovukFormMixin, RevisionedForm, forms.ModelForm):
    """A section of the paper: its kind, heading and Markdown body."""

    class Meta:
        model = PaperSection
        fields = SECTION_FIELDS
        widgets = {
            "body": textarea(14),
            "order": forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
        }
        help_texts = {
            "body": MARKDOWN_HINT,
            "order": "Sections of the same part of the paper appear in this order.",
        }

    def __init__(self, *args, **kwargs):
        # A new section overwrites nothing, so only edits carry the revision.
        instance = kwargs.get("instance")
        paper = instance.paper if instance is not None and instance.pk else None
        super().__init__(*args, paper=paper, **kwargs)
        self.fields["kind"].choices = [("", "Select"), *SectionKind.choices]
        self.fields["kind"].label = "Kind of section"
        self.fields["kind"].error_messages["required"] = "Select the kind of section"
        self.fields["heading"].help_text = (
            "Numbered sections need a heading; the others use the standard one "
            "when it is left blank."
        )
        self.fields["oral_update"].label = "Oral update at the meeting"
        self.fields["is_sensitive"].label = "OFFICIAL-SENSITIVE"
        self.fields[
            "is_sensitive"
        ].help_text = "Left out of the public edition of the paper."

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("kind") == SectionKind.BODY
            and not (cleaned.get("heading") or "").strip()
        ):
            self.add_error("heading", "Enter a heading for a numbered section")
        return cleaned

    def section_data(self) -> dict:
        """Return the cleaned values the section services take as `data`."""
        return {n: v for n, v in self.cleaned_data.items() if n in SECTION_FIELDS}


class SectionDeleteForm(GovukFormMixin, forms.Form):
    """Confirm removing a section, saying why."""

    revision = revision_field()
    reason = paper_reason_field("Why is the section being removed?")


class StepForm(forms.Form):
    """A clear or publish button: the revision the user saw on the page."""

    revision = revision_field()
    organisation = forms.SlugField(required=False)


# --- Conflicts ---------------------------------------------------------------


def conflict_rows(form: forms.Form, current: models.Model | None) -> list[dict]:
    """Pair the user's submitted values with the saved ones, field by field."""
    return risk_forms.conflict_rows(form, current, skip=("revision", "reason"))


class QuestionForm(GovukFormMixin, forms.Form):
    """A panel member's question on a published paper or one of its sections."""

    section = forms.TypedChoiceField(
        label="What is your question about?",
        coerce=int,
        empty_value=None,
        required=False,
    )
    text = forms.CharField(
        label="Your question",
        widget=textarea(6),
        max_length=4000,
        help_text="Governance officers of MOPAC and the MPS see it and answer "
        "before the meeting. Every panel member sees the question and its answer.",
        error_messages={"required": "Enter your question."},
    )

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [
            ("", "The paper as a whole"),
            *((section.pk, section.title) for section in sections),
        ]


class AnswerForm(GovukFormMixin, forms.Form):
    """Governance's answer to a question; kept as a draft until published."""

    answer = forms.CharField(
        label="Answer",
        widget=textarea(8),
        help_text="Panel members see the answer only when you publish it.",
        error_messages={"required": "Enter the answer."},
    )
