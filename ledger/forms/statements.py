"""Forms of the shareable statement: the customer's "I have paid" report and the
shopkeeper's confirm/reject decision."""

from django import forms
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from core.money import AmountField
from ledger import markets


class ClaimForm(forms.Form):
    """What the customer reports on the public statement page. Nothing is posted to the
    ledger from it: the shopkeeper confirms or rejects the resulting claim.

    With ``shop``, the reference field asks for what the shop's market pays with (the UPI
    reference in India, the M-Pesa code in Kenya, the bKash/Nagad TrxID in Bangladesh:
    ``ledger.markets.claim_reference_field``); create it in the customer's language."""

    amount = AmountField(label=_("Amount paid"))
    reference = forms.CharField(
        label=_("UPI reference"), max_length=100, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("e.g. 412345678901")}),
        help_text=_("The 12-digit UTR / transaction ID shown in your UPI app, so the shop can find the payment."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("Optional")}))

    def __init__(self, *args, shop=None, **kwargs):
        super().__init__(*args, **kwargs)
        if shop is not None:
            texts = markets.claim_reference_field(shop)
            reference = self.fields["reference"]
            reference.label, reference.help_text = texts.label, texts.help_text
            reference.widget.attrs["placeholder"] = texts.placeholder

    def clean_reference(self):
        return " ".join(self.cleaned_data["reference"].split())

    def clean_note(self):
        return " ".join(self.cleaned_data["note"].split())


class ClaimDecisionForm(forms.Form):
    """Confirm or reject a claim. ``next`` is where to go afterwards (the customer's page
    or the claims list); only a path on this site is accepted."""

    next = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, allowed_hosts, **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_hosts = allowed_hosts

    def clean_next(self):
        target = self.cleaned_data["next"]
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts=self.allowed_hosts) \
                and target.startswith("/") and not target.startswith("//"):
            return target
        return ""
