"""Forms of the account pages."""

from django import forms

from risks.forms import GovukFormMixin

from .services import DEFAULT_DAYS, MAX_DAYS


class TokenCreateForm(GovukFormMixin, forms.Form):
    """A new personal access token: what it is for and how long it lasts."""

    name = forms.CharField(
        max_length=100,
        help_text='What will use it, for example "Board dashboard (Power BI)".',
        error_messages={"required": "Enter what the token is for"},
    )
    days = forms.IntegerField(
        label="Days until it expires",
        min_value=1,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        help_text=f"At most {MAX_DAYS} days (one year).",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
        error_messages={
            "required": "Enter the number of days until it expires",
            "invalid": "Enter the number of days as a whole number",
            "min_value": "A token must last at least 1 day",
            "max_value": f"A token can last at most {MAX_DAYS} days",
        },
    )
