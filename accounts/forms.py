import uuid

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import GstRegistration, Invite, Membership, Shop
from accounts.services.staff import STAFF_ROLES
from core.gst import state_with_gstin
from core.markets import Country

#: The prefixes of bills of supply (``BOS/26-27/0001``) and credit notes (``CN/26-27/0001``),
#: kept apart from invoice prefixes (as billing.services.numbering; accounts cannot import billing).
BILL_OF_SUPPLY_PREFIX = "BOS"
CREDIT_NOTE_PREFIX = "CN"
#: Each reserved prefix → why an invoice may not use it.
RESERVED_PREFIXES = {
    BILL_OF_SUPPLY_PREFIX: _("%(prefix)s numbers bills of supply; choose another prefix."),
    CREDIT_NOTE_PREFIX: _("%(prefix)s numbers credit notes; choose another prefix."),
}


class RegistrationForm(UserCreationForm):
    """Username, email, password twice, and the new shop's details."""

    email = forms.EmailField(label=_("Email"), required=True)
    shop_name = forms.CharField(label=_("Shop name"), max_length=120)
    phone = forms.CharField(label=_("Shop phone"), max_length=32, required=False)
    address = forms.CharField(label=_("Shop address"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    country = forms.ChoiceField(
        label=_("Country"), choices=Country.choices, initial=Country.INDIA, required=False,
        help_text=_("Sets the currency, the financial year, the taxes on invoices and the payment methods. "
                    "You can change the details later in shop settings."))

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_country(self):
        return self.cleaned_data.get("country") or Country.INDIA

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                gettext("An account with this email already exists. Log in or reset your password."))
        return email


class ShopSettingsForm(forms.ModelForm):
    """The shop's settings, shown in three groups: Shop, Invoices, Messages
    (``templates/accounts/shop_settings.html`` lays each field out)."""

    class Meta:
        model = Shop
        fields = ("name", "phone", "address", "country", "currency", "locale", "language", "upi_id", "tax_number",
                  "mobile_money", "gst_registration", "gstin", "state",
                  "prices_include_tax", "invoice_prefix", "financial_year_start_month", "send_payment_receipts",
                  "reminders_enabled", "remind_days_before", "remind_on_due_date", "remind_every_days_after",
                  "remind_max_after", "remind_monthly_after")
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}
        labels = {
            "reminders_enabled": _("Email due reminders automatically"),
            "remind_days_before": _("Days before the due date"),
            "remind_on_due_date": _("Remind on the due date"),
            "remind_every_days_after": _("Then every … days"),
            "remind_max_after": _("At most … times after"),
            "remind_monthly_after": _("Then remind every 30 days until paid"),
        }
        help_texts = {
            "remind_days_before": _("0 for no reminder before."),
            "remind_max_after": _("0 for none after the due date."),
            "remind_monthly_after": _("After the reminders above, one every 30 days for as long as anything "
                                      "stays unpaid."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Optional on the form: a post without them (an older page) keeps the shop's values.
        self.fields["language"].required = False
        self.fields["country"].required = False
        # Empty means "not under GST": for shops outside India. An Indian shop must choose (_clean_gst).
        self.fields["gst_registration"].choices = [("", gettext("Not under GST (outside India)")),
                                                  *GstRegistration.choices]

    def clean_language(self):
        return self.cleaned_data.get("language") or self.instance.language or "en"

    def clean_country(self):
        return self.cleaned_data.get("country") or self.instance.country or Country.INDIA

    def clean_gstin(self):
        return "".join(self.cleaned_data["gstin"].split()).upper()

    def clean_invoice_prefix(self):
        prefix = self.cleaned_data["invoice_prefix"]
        if prefix.upper() in RESERVED_PREFIXES:
            raise forms.ValidationError(RESERVED_PREFIXES[prefix.upper()] % {"prefix": prefix.upper()})
        return prefix

    def clean(self):
        data = super().clean()
        self._clean_gst(data)
        if data.get("reminders_enabled") and data.get("remind_days_before") == 0 \
                and data.get("remind_on_due_date") is False and data.get("remind_max_after") == 0 \
                and not data.get("remind_monthly_after"):
            self.add_error("reminders_enabled", gettext("Choose at least one reminder day (before, on or after "
                                                        "the due date), or turn automatic reminders off."))
        return data


    def _clean_gst(self, data):
        """GSTIN, state and registration agree: regular and composition need a GSTIN, an
        unregistered shop has none, and with a GSTIN the state is the GSTIN's. An Indian shop
        without a GSTIN chooses its registration (unregistered: bills of supply), so it never
        prints tax it may not collect; left empty it is only for shops outside India. A post
        without the field (an older page) keeps the shop's registration."""
        if "gst_registration" not in self.data and "gst_registration" not in self.errors:
            data["gst_registration"] = self.instance.gst_registration
        gstin, registration, state = data.get("gstin"), data.get("gst_registration"), data.get("state")
        if "gstin" in self.errors:
            return
        if (not registration and not gstin and "gst_registration" in self.data
                and data.get("country", Country.INDIA) == Country.INDIA):
            self.add_error("gst_registration", gettext(
                "Choose the shop's GST registration: without a GSTIN it is “Unregistered” (bills of supply, no "
                "tax charged)."))
        if registration in (GstRegistration.REGULAR, GstRegistration.COMPOSITION) and not gstin:
            self.add_error("gstin", gettext("Enter the shop's GSTIN: a registered shop prints it on every invoice."))
        if registration == GstRegistration.UNREGISTERED and gstin:
            self.add_error("gst_registration", gettext("A shop with a GSTIN is registered: choose regular or "
                                                       "composition, or clear the GSTIN."))
        if gstin:
            try:
                data["state"] = state_with_gstin(gstin, state)
            except ValueError as error:
                self.add_error("state", str(error))


class OneTimeKeyForm(forms.Form):
    """A form that carries a one-time ``idempotency_key`` (a UUID in a hidden field).

    A new form gets a fresh key; the browser posts it back, so a double click, a
    resubmitted page or a retried request all carry the same key. The service that
    creates the money row stores the key (unique per shop) and, when it sees a key again,
    returns the row it created the first time and writes nothing (DESIGN §5). A post
    without a key is accepted and not protected (``cleaned_data["idempotency_key"]`` is
    ``None``).
    """

    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())


# Staff (issue #13) ----------------------------------------------------------------------------

ROLE_HELP = {
    Membership.Role.OWNER: _("Everything, including shop settings, staff and ownership."),
    Membership.Role.MANAGER: _("Everything but shop settings and staff: voids, refunds, stock adjustments, "
                               "the cash drawer, reports."),
    Membership.Role.CASHIER: _("Sells, records dues and payments, adds and edits customers, sends reminders; "
                               "sees today's sales only."),
    Membership.Role.VIEWER: _("Reads reports and exports (e.g. an accountant); changes nothing."),
}


def role_choices(roles) -> list[tuple[str, str]]:
    """``(value, "Label — what it may do")`` for each of ``roles`` (lazy: translated when shown)."""
    return [(role, format_lazy("{} — {}", Membership.Role(role).label, ROLE_HELP[role])) for role in roles]


def _role_field(roles, initial=Membership.Role.CASHIER):
    return forms.ChoiceField(choices=role_choices(roles), initial=initial, widget=forms.RadioSelect)


class InviteForm(OneTimeKeyForm):
    """Invite by email: the address and the role (manager, cashier or viewer)."""

    email = forms.EmailField(label=_("Email address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "off"}))
    role = _role_field(STAFF_ROLES)


class StaffLoginForm(UserCreationForm):
    """A login the owner makes for a member without email: username, password twice,
    role, and a one-time key (a second submit of the same form lands on the login it
    made, so its username does not count as taken)."""

    role = _role_field(STAFF_ROLES)
    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)

    def __init__(self, *args, shop=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.shop = shop
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())

    def clean_username(self):
        if self._replayed():
            return self.cleaned_data.get("username")
        return super().clean_username()

    def validate_unique(self):
        if not self._replayed():
            super().validate_unique()

    def _replayed(self) -> bool:
        """Whether this form's one-time key already made a login in the shop."""
        if not hasattr(self, "_replay"):
            try:
                key = uuid.UUID(str(self.data.get(self.add_prefix("idempotency_key"), "")))
            except ValueError:
                key = None
            self._replay = key is not None and self.shop is not None and Invite.objects.filter(
                shop=self.shop, idempotency_key=key).exists()
        return self._replay


class RoleForm(forms.Form):
    """A member's new role (any role)."""

    role = _role_field(Membership.Role.values)


class TransferForm(forms.Form):
    """Transfer ownership: the active member who becomes owner, and the owner's password.
    The one-time key lets a second submit of the same form land on the done page."""

    member = forms.ModelChoiceField(queryset=Membership.objects.none(), label=_("New owner"),
                                    empty_label=_("Choose a member"), widget=forms.Select)
    password = forms.CharField(label=_("Your password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, shop, exclude, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (Membership.objects.filter(shop=shop, is_active=True)
                                          .exclude(pk=exclude.pk).select_related("user").order_by("user__username"))
        self.fields["member"].label_from_instance = (
            lambda m: f"{m.user.get_full_name() or m.user.username} ({m.get_role_display().lower()})")
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())


class InviteSignupForm(UserCreationForm):
    """The accept page, for someone new: a username and a password twice."""

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)
