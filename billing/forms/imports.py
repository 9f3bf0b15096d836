"""Forms of the import pages: the upload (what to import and the file) and the confirmation.

They parse input only; the file is read and checked by ``billing.services.imports``, whose
``SheetError``/``ImportJobError`` the views put back on the field it names."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import OneTimeKeyForm
from billing.models import ImportJob
from core.money import interpolate_lazy
from core.sheets import MAX_FILE_BYTES

ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportUploadForm(OneTimeKeyForm):
    """``kind`` (``ImportJob.Kind``) and ``file`` (an ``UploadedFile``); the one-time key
    makes a double upload create one job."""

    kind = forms.ChoiceField(label=_("What to import"), choices=ImportJob.Kind.choices, widget=forms.RadioSelect,
                             initial=ImportJob.Kind.CUSTOMERS)
    file = forms.FileField(
        label=_("Spreadsheet file"),
        help_text=interpolate_lazy(_("CSV (UTF-8) or Excel .xlsx, up to %(size)s MB. The first row holds the column "
                                     "names."), {"size": MAX_FILE_BYTES // (1024 * 1024)}),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": _("Choose the file to import."), "empty": _("The file is empty.")},
    )


class ImportConfirmForm(forms.Form):
    """Confirm an import: ``skip_bad_rows`` imports the rows without errors and leaves out the others."""

    skip_bad_rows = forms.BooleanField(required=False, label=_("Skip the rows with errors and import the others"))
