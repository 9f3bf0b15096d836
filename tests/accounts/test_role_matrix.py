"""The role matrix (issue #13, DESIGN §3): every restricted page or POST × every role.

Each row of :data:`CASES` is one restricted action: the URL, what to post, and the roles
that may do it (``O``wner, ``M``anager, ``C``ashier, ``V``iewer). For an allowed role the
action succeeds (a write changes the shop's book, a page answers 200); for a refused role
the answer is 403 and nothing in the shop's book changed. Adding an action is one line.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invite, Membership, Shop
from accounts.permissions import PERMISSIONS
from accounts.services import invite_create
from billing.models import (
    CashClose,
    CashMovement,
    Category,
    CreditNote,
    Denomination,
    Invoice,
    Product,
    StockMovement,
)
from billing.services.catalogue import category_save, product_create
from billing.services.drawer import drawer_close, drawer_setup
from billing.services.invoices import invoice_issue
from billing.totals import LineInput
from customers.models import Customer
from ledger.models import Allocation, Due, Payment, PaymentClaim, Refund, StatementLink
from ledger.services import entries as ledger
from ledger.services.statements import claim_create, statement_link_get_or_create
from messaging.models import Message
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory
from tests.messaging.factories import MessageFactory

pytestmark = pytest.mark.django_db

ROLES = {"O": Membership.Role.OWNER, "M": Membership.Role.MANAGER, "C": Membership.Role.CASHIER,
         "V": Membership.Role.VIEWER}
PASSWORD = "pass-word-123"  # tests.accounts.factories.UserFactory's


@dataclass
class World:
    """Shop A's book, with one of everything a restricted action acts on."""

    shop: Shop
    asha: Customer
    due: Due
    payment: Payment
    saver: Customer
    refund: Refund
    settled: Customer
    archived: Customer
    claim: PaymentClaim
    failed: Message
    category: Category
    product: Product
    invoice: Invoice
    close: CashClose
    target: Membership
    invite: Invite

    def denomination(self, value: str) -> Denomination:
        return Denomination.objects.get(shop=self.shop, value=Decimal(value))


def today() -> str:
    return timezone.localdate().isoformat()


@pytest.fixture
def world(owner, shop):
    day = timezone.localdate()
    asha = CustomerFactory(shop=shop, name="Asha", email="asha@example.com", phone="9876543210")
    due = ledger.due_create(shop=shop, customer=asha, amount=Decimal("500"), description="Rice", incurred_on=day)
    payment = ledger.payment_create(shop=shop, customer=asha, amount=Decimal("200"), received_on=day)
    saver = CustomerFactory(shop=shop, name="Saver")
    ledger.payment_create(shop=shop, customer=saver, amount=Decimal("300"), received_on=day)
    refund = ledger.refund_create(shop=shop, customer=saver, amount=Decimal("100"), refunded_on=day,
                                  method="cash", reason="Paid twice")
    link, _created = statement_link_get_or_create(shop=shop, customer=asha)
    category = category_save(shop=shop, name="Staples")
    product = product_create(shop=shop, sku="RICE", name="Rice", category=category, unit="kg",
                             sale_price=Decimal("50"), tax_rate=Decimal("5"), opening_stock=Decimal("10"))
    invoice = invoice_issue(shop=shop, customer=asha, issued_on=day, amount_paid=Decimal("10"), lines=[
        LineInput(quantity=Decimal("1"), unit_price=Decimal("50"), tax_rate=Decimal("5"), description="Rice",
                  product=product)])
    drawer_setup(shop=shop)
    close = drawer_close(shop=shop, counts={}, note="Counted short")
    return World(
        shop=shop, asha=asha, due=due, payment=payment, saver=saver, refund=refund,
        settled=CustomerFactory(shop=shop, name="Settled"),
        archived=CustomerFactory(shop=shop, name="Gone", is_archived=True),
        claim=claim_create(link=link, amount=Decimal("50"), reference="UTR1"),
        failed=MessageFactory(shop=shop, customer=asha, kind=Message.Kind.RECEIPT, status=Message.Status.FAILED),
        category=category, product=product, invoice=invoice, close=close,
        target=MembershipFactory(shop=shop, role=Membership.Role.CASHIER, user__username="target"),
        invite=invite_create(shop=shop, email="new@example.com", role=Membership.Role.CASHIER, created_by=owner.user),
    )


@dataclass(frozen=True)
class Case:
    """One restricted action: ``url`` (the URL name), ``args`` (world → URL arguments),
    ``data`` (world → POST data; ``None``: a GET), ``roles`` allowed (letters of
    :data:`ROLES`) and the permission it stands for (``action``)."""

    url: str
    roles: str
    action: str
    args: object = None
    data: object = None

    @property
    def writes(self) -> bool:
        return self.data is not None and self.url not in READ_POSTS


def invoice_post(w: World) -> dict:
    return {"customer": "", "issued_on": today(), "discount_type": "amount", "discount_value": "",
            "amount_paid": "52.50", "payment_method": "cash", "cash_tendered": "", "due_date": "", "notes": "",
            "line-product": [str(w.product.pk)], "line-description": ["Rice"], "line-quantity": ["1"],
            "line-unit_price": ["50.00"], "line-tax_rate": ["5"]}


def product_post(w: World) -> dict:
    return {"sku": "RICE", "name": "Rice, loose", "category": "", "unit": "kg", "sale_price": "55.00",
            "tax_rate_0": "5", "tax_rate_1": "", "hsn_code": "", "low_stock_level": "0", "track_stock": "on",
            "is_active": "on"}


def settings_post(w: World) -> dict:
    return {"name": "Renamed shop", "phone": "", "address": "", "currency": "INR", "locale": "en_IN", "upi_id": "",
            "gstin": "", "invoice_prefix": "INV", "financial_year_start_month": "4", "reminders_enabled": "on",
            "remind_days_before": "3", "remind_every_days_after": "5", "remind_max_after": "2"}


def counts_post(w: World) -> dict:
    return {f"count_{d.pk}": "0" for d in Denomination.objects.filter(shop=w.shop)}


def close_post(w: World) -> dict:
    return {"action": "close", "note": "Counted", **counts_post(w)}


def asha(w):
    return [w.asha.pk]


CASES = [
    # Ledger entries
    Case("ledger:due_create", "OMC", "entry.create", asha,
         lambda w: {"amount": "40", "description": "Tea", "incurred_on": today()}),
    Case("ledger:payment_create", "OMC", "entry.create", asha,
         lambda w: {"amount": "40", "received_on": today(), "method": "cash"}),
    Case("ledger:due_mark_paid", "OMC", "entry.create", lambda w: [w.due.pk],
         lambda w: {"received_on": today(), "method": "upi"}),
    Case("ledger:due_void", "OM", "entry.void", lambda w: [w.due.pk], lambda w: {"reason": "Duplicate"}),
    Case("ledger:payment_void", "OM", "entry.void", lambda w: [w.payment.pk], lambda w: {"reason": "Bounced"}),
    Case("ledger:refund_create", "OM", "refund.create", lambda w: [w.saver.pk],
         lambda w: {"amount": "50", "refunded_on": today(), "method": "cash", "reason": "Moving away"}),
    Case("ledger:refund_void", "OM", "entry.void", lambda w: [w.refund.pk], lambda w: {"reason": "Typo"}),
    Case("ledger:claim_confirm", "OMC", "entry.create", lambda w: [w.claim.pk], lambda w: {}),
    Case("ledger:claim_reject", "OMC", "entry.create", lambda w: [w.claim.pk], lambda w: {}),
    # Reminders, messages and statement links
    Case("ledger:customer_remind", "OMC", "reminder.send", asha, lambda w: {}),
    Case("ledger:customer_whatsapp", "OMC", "reminder.send", asha, lambda w: {}),
    Case("ledger:customer_sms", "OMC", "reminder.send", asha, lambda w: {}),
    Case("ledger:message_list", "OMC", "reminder.send", None, lambda w: {"retry": str(w.failed.pk)}),
    Case("ledger:statement_link_create", "OMC", "reminder.send", lambda w: [w.settled.pk], lambda w: {}),
    Case("ledger:statement_link_create", "OM", "link.revoke", asha, lambda w: {"regenerate": "1"}),
    Case("ledger:statement_link_revoke", "OM", "link.revoke", asha, lambda w: {}),
    Case("billing:invoice_email", "OMC", "reminder.send", lambda w: [w.invoice.pk], lambda w: {}),
    # Customers
    Case("customers:create", "OMC", "customer.edit", None, lambda w: {"name": "Ravi", "phone": "9123456780"}),
    Case("customers:edit", "OMC", "customer.edit", asha,
         lambda w: {"name": "Asha Rao", "phone": "9876543210", "email": "asha@example.com"}),
    Case("customers:archive", "OMC", "customer.edit", lambda w: [w.settled.pk], lambda w: {}),
    Case("customers:unarchive", "OMC", "customer.edit", lambda w: [w.archived.pk], lambda w: {}),
    # Sales
    Case("billing:invoice_create", "OMC", "sale.create", None, invoice_post),
    Case("billing:invoice_totals", "OMC", "sale.create", None, invoice_post),
    Case("billing:invoice_void", "OM", "invoice.void", lambda w: [w.invoice.pk], lambda w: {"reason": "Wrong items"}),
    Case("billing:credit_note_create", "OM", "credit_note.create", lambda w: [w.invoice.pk],
         lambda w: {f"quantity_{w.invoice.lines.get().pk}": "0.5", "reason": "Torn bag", "issued_on": today(),
                    "refund_method": "credit"}),
    # Catalogue and stock
    Case("billing:product_create", "OM", "product.edit", None, lambda w: {**product_post(w), "sku": "DAL"}),
    Case("billing:product_edit", "OM", "product.edit", lambda w: [w.product.pk], product_post),
    Case("billing:product_stock", "OM", "stock.receive", lambda w: [w.product.pk],
         lambda w: {"action": "receive", "quantity": "5", "reason": ""}),
    Case("billing:product_stock", "OM", "stock.adjust", lambda w: [w.product.pk],
         lambda w: {"action": "adjust", "quantity": "-1", "reason": "Damaged"}),
    Case("billing:category_list", "OM", "product.edit", None, lambda w: {"name": "Spices"}),
    Case("billing:category_edit", "OM", "product.edit", lambda w: [w.category.pk], lambda w: {"name": "Grains"}),
    # The cash drawer and the cash book
    Case("billing:drawer", "OM", "drawer.count", None,
         lambda w: {"action": "save", **counts_post(w), f"count_{w.denomination('10').pk}": "2"}),
    Case("billing:drawer", "OM", "drawer.count", None, lambda w: {"action": "add", "value": "7", "count": "1"}),
    Case("billing:drawer", "OM", "drawer.count", None, lambda w: {"remove": str(w.denomination("2000").pk)}),
    Case("billing:cash_book", "OM", "drawer.count"),
    Case("billing:cash_movement_create", "OM", "drawer.count", None,
         lambda w: {"kind": "float", "amount": "100", "note": "Change from the bank"}),
    Case("billing:drawer_close", "OM", "drawer.count", None, close_post),
    Case("billing:cash_close_list", "OM", "drawer.count"),
    Case("billing:cash_close_detail", "OM", "drawer.count", lambda w: [w.close.pk]),
    Case("billing:cash_movement_detail", "OM", "drawer.count", lambda w: [w.close.movement_id]),
    # Reports
    Case("reports:index", "OMV", "reports.view"),
    Case("reports:aging", "OMV", "reports.view"),
    Case("reports:charts_panel", "OMV", "reports.view"),
    Case("reports:statement", "OMV", "reports.view", asha),
    Case("reports:aging_remind", "OM", "reminder.send", None,
         lambda w: {"bucket": "current", "as_of": today()}),
    # Exports, imports and the activity history
    Case("reports:exports", "OMV", "data.export"),
    Case("reports:export_download", "OMV", "data.export", lambda w: ["customers", "csv"]),
    Case("reports:export_download", "OMV", "data.export", lambda w: ["invoices", "xlsx"]),
    Case("billing:import_start", "OM", "data.import"),
    Case("reports:activity", "OM", "activity.view"),
    Case("ledger:customer_history", "OM", "activity.view", asha),
    Case("billing:product_history", "OM", "activity.view", lambda w: [w.product.pk]),
    Case("billing:invoice_history", "OM", "activity.view", lambda w: [w.invoice.pk]),
    # The shop itself
    Case("billing:backup_download", "O", "backup.download", None, lambda w: {}),
    Case("accounts:shop_settings", "O", "settings.change"),
    Case("accounts:shop_settings", "O", "settings.change", None, settings_post),
    Case("accounts:staff", "O", "staff.manage"),
    Case("accounts:staff_invite", "O", "staff.manage", None, lambda w: {"email": "ravi@example.com", "role": "viewer"}),
    Case("accounts:staff_login_create", "O", "staff.manage", None,
         lambda w: {"username": "newbie", "password1": "Strong-pass-987", "password2": "Strong-pass-987",
                    "role": "cashier"}),
    Case("accounts:staff_member", "O", "staff.manage", lambda w: [w.target.pk], lambda w: {"role": "manager"}),
    Case("accounts:staff_member_active", "O", "staff.manage", lambda w: [w.target.pk], lambda w: {"active": "0"}),
    Case("accounts:invite_revoke", "O", "staff.manage", lambda w: [w.invite.pk], lambda w: {}),
    Case("accounts:ownership_transfer", "O", "ownership.transfer", None,
         lambda w: {"member": str(w.target.pk), "password": PASSWORD}),
]
#: POSTs that compute and show (or download), writing nothing.
READ_POSTS = {"billing:invoice_totals", "billing:backup_download"}

TENANT_MODELS = (Customer, Due, Payment, Allocation, Refund, StatementLink, PaymentClaim, Message, Category, Product,
                 StockMovement, Invoice, Denomination, CashMovement, CashClose, Invite, CreditNote)


def snapshot(shop) -> dict:
    """Every row of the shop's book (all fields), its memberships and its settings."""
    rows = {model.__name__: list(model.objects.filter(shop=shop).order_by("pk").values()) for model in TENANT_MODELS}
    rows["Membership"] = list(Membership.objects.filter(shop=shop).order_by("pk").values())
    rows["Shop"] = model_to_dict(Shop.objects.get(pk=shop.pk))
    return rows


def _member(role_letter: str, owner: Membership) -> Membership:
    if role_letter == "O":
        return owner
    return MembershipFactory(shop=owner.shop, role=ROLES[role_letter])


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("case", CASES, ids=[f"{c.url}:{c.action}:{i}" for i, c in enumerate(CASES)])
def test_role_matrix(client, owner, world, case, role):
    member = _member(role, owner)
    url = reverse(case.url, args=case.args(world) if case.args else None)
    data = case.data(world) if case.data is not None else None
    before = snapshot(world.shop)
    client.force_login(member.user)

    response = client.get(url) if data is None else client.post(url, data)

    if role in case.roles:
        assert response.status_code != 403, response.content.decode()[:500]
        if case.writes:
            assert response.status_code in (200, 302)
            assert snapshot(world.shop) != before, "an allowed action changed nothing"
        else:
            assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert snapshot(world.shop) == before


def test_the_matrix_names_the_roles_of_the_permission_table():
    """Each row's roles are its action's roles in ``accounts.permissions.PERMISSIONS``
    (aging's remind needs reports.view as well, which cashiers lack)."""
    for case in CASES:
        expected = {letter for letter, role in ROLES.items() if role in PERMISSIONS[case.action]}
        if case.url == "reports:aging_remind":
            expected &= {letter for letter, role in ROLES.items() if role in PERMISSIONS["reports.view"]}
        assert set(case.roles) == expected, case


def test_every_restricted_action_has_a_row():
    """Every action of the table that guards a page has at least one row (``shop.view`` is
    every role's; ``sales.view_all`` limits what pages show: tests/accounts/test_role_pages.py)."""
    covered = {case.action for case in CASES}
    others = {"shop.view", "sales.view_all"}
    assert set(PERMISSIONS) - others <= covered


def test_a_deactivated_member_is_refused_everywhere(client, owner, world):
    """An owner who was deactivated (another owner did it) reaches none of the shop's pages."""
    member = MembershipFactory(shop=owner.shop, role=Membership.Role.OWNER, is_active=False)
    client.force_login(member.user)
    before = snapshot(world.shop)
    for case in CASES:
        url = reverse(case.url, args=case.args(world) if case.args else None)
        data = case.data(world) if case.data is not None else None
        response = client.get(url) if data is None else client.post(url, data)
        assert response.status_code == 404, (case, response.status_code)
        assert b"You are not a member of any shop" in response.content
    assert snapshot(world.shop) == before


def test_today_only_for_cashiers_on_the_dashboard(client, owner, world):
    """The sales panel: a cashier sees today's total only; a manager also this month's."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    if yesterday.month == timezone.localdate().month:
        invoice_issue(shop=world.shop, customer=world.asha, issued_on=yesterday, amount_paid=Decimal("0"), lines=[
            LineInput(quantity=Decimal("2"), unit_price=Decimal("1000"), tax_rate=Decimal("0"), description="TV")])
    url = reverse("billing:sales_panel")
    for role, sees_month in (("C", False), ("V", True), ("M", True), ("O", True)):
        client.force_login(_member(role, owner).user)
        html = client.get(url).content.decode()
        assert 'data-testid="sales-today">₹52.50<' in html, role
        assert ('data-testid="sales-month"' in html) is sees_month, role
