"""Forms of the reports that post (the period and date pickers are in ``reports.periods``)."""

from django import forms

from accounts.forms import OneTimeKeyForm
from reports.periods import EARLIEST, LATEST, OUT_OF_RANGE
from reports.selectors.aging import BUCKETS


class BucketRemindForm(OneTimeKeyForm):
    """"Remind everyone in this bucket": the bucket key, the report's as-of date and the
    form's one-time key (hidden)."""

    bucket = forms.ChoiceField(choices=[(b.key, b.label) for b in BUCKETS], widget=forms.HiddenInput)
    as_of = forms.DateField(input_formats=["%Y-%m-%d"], widget=forms.HiddenInput,
                            error_messages={"invalid": "Enter the date as YYYY-MM-DD."})

    def clean_as_of(self):
        value = self.cleaned_data["as_of"]
        if not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(OUT_OF_RANGE)
        return value
