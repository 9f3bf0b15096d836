"""Forms of the reports: the aging page's reminders and the Activity page's filters (the period
and date pickers are in ``reports.periods``)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import OneTimeKeyForm
from billing.models import Invoice, Product
from customers.models import Customer
from reports.periods import EARLIEST, LATEST, OUT_OF_RANGE
from reports.selectors.activity import KINDS, ActivityFilter
from reports.selectors.aging import BUCKETS


class BucketRemindForm(OneTimeKeyForm):
    """"Remind everyone in this bucket": the bucket key, the report's as-of date and the
    form's one-time key (hidden)."""

    bucket = forms.ChoiceField(choices=[(b.key, b.label) for b in BUCKETS], widget=forms.HiddenInput)
    as_of = forms.DateField(input_formats=["%Y-%m-%d"], widget=forms.HiddenInput,
                            error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")})

    def clean_as_of(self):
        value = self.cleaned_data["as_of"]
        if not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(OUT_OF_RANGE)
        return value



def _check_range(value):
    if value is not None and not EARLIEST <= value <= LATEST:
        raise forms.ValidationError(OUT_OF_RANGE)
    return value


class ActivityFilterForm(forms.Form):
    """The Activity page's filters (GET): ``user`` (a member's user id), ``kind`` (a value of
    ``reports.selectors.activity.KINDS``), ``start``/``end`` (ISO dates, both included) and, from
    an object's history panel, one of ``customer``/``product``/``invoice`` (ids of the shop's
    objects; another shop's id is a form error). A field with an error is left out of
    :meth:`activity_filter`, so the page still shows, with the error beside it."""

    OBJECTS = ("customer", "product", "invoice")

    user = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("Who"))
    kind = forms.ChoiceField(required=False, label=_("What"), choices=[("", _("Everything")), *KINDS])
    start = forms.DateField(required=False, label=_("From"), input_formats=["%Y-%m-%d"],
                            widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"invalid": _("Enter the start date as YYYY-MM-DD.")})
    end = forms.DateField(required=False, label=_("To"), input_formats=["%Y-%m-%d"],
                          widget=forms.DateInput(attrs={"type": "date"}),
                          error_messages={"invalid": _("Enter the end date as YYYY-MM-DD.")})
    customer = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput,
                                      error_messages={"invalid_choice": _("That customer is not in this shop.")})
    product = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput,
                                     error_messages={"invalid_choice": _("That product is not in this shop.")})
    invoice = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput,
                                     error_messages={"invalid_choice": _("That invoice is not in this shop.")})

    def __init__(self, data=None, *, shop, members, **kwargs):
        """``members``: the shop's memberships with their users (the ``user`` choices)."""
        super().__init__(data, **kwargs)
        self.users = {m.user_id: m.user for m in members}
        self.fields["user"].choices = [("", gettext("Everyone")), *((m.user_id, m.user.username) for m in members)]
        self.fields["customer"].queryset = Customer.objects.filter(shop=shop)
        self.fields["product"].queryset = Product.objects.filter(shop=shop)
        self.fields["invoice"].queryset = Invoice.objects.filter(shop=shop)

    def clean_start(self):
        return _check_range(self.cleaned_data["start"])

    def clean_end(self):
        return _check_range(self.cleaned_data["end"])

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", gettext("The end date is before the start date."))
        if len([name for name in self.OBJECTS if data.get(name)]) > 1:
            raise forms.ValidationError(gettext("Pick one customer, product or invoice at a time."))
        return data

    def _data(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    @property
    def target(self):
        """The object the page is limited to (a Customer, Product or Invoice) or None."""
        data = self._data()
        return next((data[name] for name in self.OBJECTS if data.get(name) is not None), None)

    def activity_filter(self) -> ActivityFilter:
        """The :class:`ActivityFilter` of the valid fields (everything when unbound)."""
        data = self._data()
        user = self.users.get(data.get("user"))
        target = self.target if not self.non_field_errors() else None
        objects = {f"{type(target).__name__.lower()}_id": target.pk} if target is not None else {}
        return ActivityFilter(kinds=frozenset([data["kind"]]) if data.get("kind") else frozenset(),
                              user_id=user.pk if user else None, username=user.username if user else None,
                              start=data.get("start"), end=data.get("end"), **objects)
