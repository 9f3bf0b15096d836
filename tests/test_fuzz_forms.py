"""Property-based tests: random, huge, negative, zero, malformed, unicode and markup
input to every form gives a page with form errors or a redirect — never a 500 — and
a refused submission writes nothing."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_tenancy import victim  # noqa: F401  (fixture: a shop with customers, entries, an invoice)

pytestmark = pytest.mark.django_db

NASTY = st.sampled_from([
    "", " ", "0", "-0", "-1", "0.001", "1e400", "-1e400", "NaN", "Infinity", "9" * 30, "12345678901234.99",
    "1,000", "₹100", "2026-02-30", "30/11/2026", "2026-13-01", "9999-12-31", "0001-01-01", "श्री गणेश",
    "<script>alert(1)</script>", "' OR 1=1 --", "\x00", "a" * 500, "१२३", "1.5.5", "+91 98765 43210",
])
VALUE = st.one_of(NASTY, st.text(max_size=40), st.integers(min_value=-10**20, max_value=10**20).map(str),
                  st.decimals(allow_nan=True, allow_infinity=True, places=3).map(str))

# URL name → (kwargs from the victim fixture, the form's field names)
FORMS = {
    "customers:create": (None, ["name", "phone", "email", "address", "notes", "credit_limit"]),
    "customers:edit": ("customer", ["name", "phone", "email", "address", "notes", "credit_limit"]),
    "ledger:due_create": ("customer", ["amount", "description", "incurred_on", "due_date"]),
    "ledger:payment_create": ("customer", ["amount", "received_on", "method", "reference", "note", "due"]),
    "ledger:due_void": ("due", ["reason"]),
    "ledger:payment_void": ("payment", ["reason"]),
    "accounts:shop_settings": (None, ["name", "phone", "address", "currency", "locale", "upi_id", "gstin",
                                      "invoice_prefix", "financial_year_start_month", "send_payment_receipts",
                                      "reminders_enabled", "remind_days_before", "remind_on_due_date",
                                      "remind_every_days_after", "remind_max_after"]),
    "billing:product_create": (None, ["sku", "name", "category", "unit", "sale_price", "cost_price", "tax_rate_0",
                                      "tax_rate_1", "hsn_code", "low_stock_level", "opening_stock"]),
    "billing:product_edit": ("product", ["sku", "name", "category", "unit", "sale_price", "cost_price",
                                         "tax_rate_0", "tax_rate_1", "hsn_code", "low_stock_level"]),
    "billing:product_stock": ("product", ["action", "quantity", "reason"]),
    "billing:category_list": (None, ["name"]),
    "billing:invoice_create": (None, ["customer", "issued_on", "discount_type", "discount_value", "amount_paid",
                                      "payment_method", "cash_tendered", "due_date", "notes", "line-product",
                                      "line-description", "line-quantity", "line-unit_price", "line-tax_rate"]),
    "billing:invoice_void": ("invoice", ["reason"]),
    "billing:cash_movement_create": (None, ["kind", "amount", "note", "idempotency_key"]),
    "billing:drawer_close": (None, ["action", "note", "idempotency_key"]),
    "accounts:staff_invite": (None, ["email", "role", "idempotency_key"]),
    "accounts:staff_login_create": (None, ["username", "password1", "password2", "role", "idempotency_key"]),
    "accounts:staff_member": ("member", ["role"]),
    "accounts:ownership_transfer": (None, ["member", "password", "idempotency_key"]),
}
KWARG = {"customer": "customer_id", "due": "due_id", "payment": "payment_id", "product": "product_id",
         "invoice": "invoice_id", "member": "membership_id"}


def snapshot():
    """Every row of every app model (history excluded), as comparable tuples."""
    state = {}
    with scopes_disabled():
        for model in apps.get_models():
            if model._meta.app_label not in {"accounts", "customers", "ledger", "billing"}:
                continue
            if model.__name__.startswith("Historical"):
                continue
            state[model._meta.label] = sorted(
                tuple(str(v) for v in row) for row in model._base_manager.values_list())
    return state


@pytest.mark.parametrize("name", sorted(FORMS))
def test_random_input_never_breaks_a_form(client, owner, victim, name):  # noqa: F811
    target, fields = FORMS[name]
    url = reverse(name, kwargs={KWARG[target]: victim[target].pk} if target else None)
    client.force_login(owner.user)

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.fixed_dictionaries(dict.fromkeys(fields, VALUE)))
    def post_random(data):
        before = snapshot()
        response = client.post(url, data)
        assert response.status_code in (200, 302), (name, data, response.status_code)
        if response.status_code == 200:
            assert snapshot() == before, (name, data)

    post_random()


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.fixed_dictionaries(dict.fromkeys(
    ["username", "email", "password1", "password2", "shop_name", "phone", "address"], VALUE)))
def test_random_registration_never_breaks(client, data):
    before = snapshot()
    response = client.post(reverse("accounts:register"), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert snapshot() == before
    client.logout()


def test_snapshot_sees_a_change(owner, victim):  # noqa: F811
    """The guard above is only as good as the snapshot: prove it notices a write."""
    before = snapshot()
    customer = victim["customer"]
    with scopes_disabled():
        type(customer).objects.filter(pk=customer.pk).update(notes="changed", balance=Decimal("1"))
    assert snapshot() != before
