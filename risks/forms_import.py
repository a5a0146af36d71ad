"""Forms of the register import: upload a file, then confirm its preview."""

from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from . import import_files
from .forms import GovukFormMixin
from .models import Organisation


class ImportUploadForm(GovukFormMixin, forms.Form):
    """Choose the register and the file; the file is read and checked here."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Register to import into",
        empty_label="Select",
        error_messages={"required": "Select the register to import into"},
    )
    file = forms.FileField(
        label="Upload a file",
        error_messages={
            "required": "Select an Excel workbook (.xlsx) or CSV file (.csv)",
            "empty": "The selected file is empty",
            "invalid": "Select an Excel workbook (.xlsx) or CSV file (.csv)",
        },
    )

    def __init__(self, *args, organisations: QuerySet[Organisation], **kwargs):
        super().__init__(*args, **kwargs)
        self.workbook: import_files.RawWorkbook | None = None
        self.fields["organisation"].queryset = organisations
        self.fields["file"].help_text = (
            f"An Excel workbook (.xlsx) or CSV file (.csv), smaller than "
            f"{import_files.size_label(import_files.max_bytes())}, with up to "
            f"{import_files.max_rows():,} rows on each sheet."
        )
        if len(organisations) == 1:
            # Nothing to choose; the page names the register instead.
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations[0].pk

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Cheap checks first: refuse before reading a byte of a wrong file.
        if PurePath(upload.name).suffix.lower() not in import_files.EXTENSIONS:
            raise ValidationError(
                "The selected file must be an Excel workbook (.xlsx) or a CSV "
                "file (.csv)"
            )
        limit = import_files.max_bytes()
        if upload.size > limit:
            raise ValidationError(
                "The selected file must be smaller than "
                f"{import_files.size_label(limit)}"
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None and not self.errors:
            upload.seek(0)
            try:
                self.workbook = import_files.read_upload(upload.name, upload.read())
            except import_files.ImportFileError as error:
                self.add_error("file", str(error))
        return cleaned


class ImportConfirmForm(forms.Form):
    """The fingerprint of the preview the user saw, and nothing else."""

    fingerprint = forms.CharField(
        widget=forms.HiddenInput, min_length=64, max_length=64
    )
