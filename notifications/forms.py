"""The notification preferences form."""

from django import forms

from .models import Kind


class PreferencesForm(forms.Form):
    """Which e-mails to receive, of the kinds the person may receive."""

    wanted = forms.MultipleChoiceField(
        label="Send me an e-mail when",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, kinds: tuple[Kind, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wanted"].choices = [(kind.value, kind.label) for kind in kinds]
