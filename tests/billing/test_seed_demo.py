"""``manage.py seed_demo``: the demo shop's credit history (``ledger.demo``) with its
catalogue, stock, drawer and invoices (``billing.demo``).

Seeding takes several seconds, so the demo shop is built once per module (committed
to the test database, deleted again at the end); each test still runs in its own
transaction.
"""

import datetime
import re
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db.models import Max, Min
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import Membership, Shop, User
from billing import demo as billing_demo
from billing.models import (
    TAX_RATE_PRESETS,
    CashClose,
    CashDrawer,
    CashMovement,
    Category,
    Denomination,
    Invoice,
    InvoiceLine,
    Product,
    StockMovement,
)
from billing.selectors.cash import cash_drift, drawer_balance
from billing.totals import LineInput, compute_totals
from customers.models import Customer
from ledger import demo as ledger_demo
from ledger.models import Allocation, Due, Payment
from ledger.selectors.entries import customer_open_dues
from tests.customers.factories import CustomerFactory

PHONE = re.compile(r"[6-9]\d{9}")
NUMBER = re.compile(r"INV/(\d\d-\d\d)/(\d{4})")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), scopes_disabled():
        out = StringIO()
        call_command("seed_demo", stdout=out)
        shop = Shop.objects.get(name=ledger_demo.DEMO_SHOP_NAME)
    yield SimpleNamespace(shop_id=shop.pk, output=out.getvalue())
    with django_db_blocker.unblock(), scopes_disabled():
        billing_demo.delete_demo()


@pytest.fixture
def shop(demo, db):
    return Shop.objects.get(pk=demo.shop_id)


def counts(shop):
    return {
        "shops": Shop.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.filter(shop=shop).count(),
        "customers": Customer.objects.filter(shop=shop).count(),
        "dues": Due.objects.filter(shop=shop).count(),
        "payments": Payment.objects.filter(shop=shop).count(),
        "allocations": Allocation.objects.filter(shop=shop).count(),
        "balances": list(Customer.objects.filter(shop=shop).order_by("pk").values_list("balance", flat=True)),
        "products": Product.objects.filter(shop=shop).count(),
        "stock": list(Product.objects.filter(shop=shop).order_by("pk").values_list("stock_quantity", flat=True)),
        "movements": StockMovement.objects.filter(shop=shop).count(),
        "invoices": Invoice.objects.filter(shop=shop).count(),
        "drawer": list(Denomination.objects.filter(shop=shop).values_list("value", "count")),
    }


def check_ledger(*args):
    out = StringIO()
    call_command("check_ledger", *args, stdout=out)
    return out.getvalue()


def invoice_dues(shop):
    return Due.objects.filter(shop=shop, invoice__isnull=False)


# -- the shop and the ledger story -------------------------------------------------------------


def test_seed_demo_creates_the_shop_and_its_logins(demo, shop):
    assert shop.currency == "INR"
    assert shop.locale == "en_IN"
    assert shop.upi_id == "sharmastore@okaxis"
    assert shop.gstin == "09ABCDE1234F1ZY" and shop.gst_mode == "regular" and shop.gst_state == "09"
    assert shop.phone and shop.address
    roles = {m.user.username: m.role for m in Membership.objects.filter(shop=shop).select_related("user")}
    assert roles == {"demo": Membership.Role.OWNER, "demo-staff": Membership.Role.CASHIER,
                     "demo-manager": Membership.Role.MANAGER, "demo-viewer": Membership.Role.VIEWER}
    for membership in Membership.objects.filter(shop=shop).select_related("user"):
        assert membership.user.check_password("demo-pass-123"), membership.user.username
    assert "'demo' / 'demo-pass-123' (owner)" in demo.output
    assert "'demo-staff' (cashier), 'demo-manager' (manager) or 'demo-viewer' (viewer)" in demo.output
    assert "total outstanding" in demo.output
    assert "products:           43 in 5 categories" in demo.output
    assert "invoices:           60 (+1 voided)" in demo.output


def test_seed_demo_creates_realistic_customers(shop):
    customers = list(Customer.objects.filter(shop=shop))
    assert 55 <= len(customers) <= 65
    assert len({c.name for c in customers}) == len(customers)
    phones = [c.phone for c in customers if c.phone]
    assert len(phones) >= len(customers) - 5
    assert all(PHONE.fullmatch(p) for p in phones), phones
    assert len(set(phones)) == len(phones)
    assert any(c.email for c in customers)
    assert any(c.address for c in customers)
    assert any(c.notes for c in customers)


def test_seed_demo_tells_every_story(shop):
    today = timezone.localdate()
    customers = list(Customer.objects.filter(shop=shop))
    assert any(c.is_overdue for c in customers)
    assert any(c.balance < 0 for c in customers)
    with_entries = set(Due.objects.filter(shop=shop).values_list("customer", flat=True))
    assert any(c.balance == 0 and c.pk in with_entries for c in customers), "someone settled at zero"
    assert sum(1 for c in customers if c.pk not in with_entries) >= 2
    assert all(c.last_activity_at is None for c in customers if c.pk not in with_entries)
    statuses = {due.status for c in customers for due in customer_open_dues(customer=c, today=today)}
    assert Due.Status.PARTIAL in statuses
    # The duplicate the owner voided, and the due of the voided invoice.
    voided = Due.objects.filter(shop=shop, voided_at__isnull=False)
    assert voided.count() == 2
    assert voided.filter(invoice__isnull=True).get().void_reason == "Entered twice by mistake"
    assert voided.get(invoice__isnull=False).void_reason.startswith("Invoice INV/")
    methods = set(Payment.objects.filter(shop=shop).values_list("method", flat=True))
    assert {Payment.Method.CASH, Payment.Method.UPI} <= methods
    assert Payment.objects.filter(shop=shop, note__startswith="Marked as paid").exists()


def test_seed_demo_spans_six_months_ending_today(shop):
    today = timezone.localdate()
    dues = Due.objects.filter(shop=shop)
    span = dues.aggregate(first=Min("incurred_on"), last=Max("incurred_on"))
    assert today - datetime.timedelta(days=190) <= span["first"] <= today - datetime.timedelta(days=170)
    last_payment = Payment.objects.filter(shop=shop).aggregate(last=Max("received_on"))["last"]
    assert today - datetime.timedelta(days=7) <= max(span["last"], last_payment) <= today
    # Dues entered by hand are kirana bills of ₹50–₹5,000; invoice dues are their invoice's total.
    amounts = list(dues.filter(invoice__isnull=True).values_list("amount", flat=True))
    assert all(isinstance(a, Decimal) and Decimal(50) <= a <= Decimal(5000) for a in amounts)
    for due in invoice_dues(shop).select_related("invoice"):
        assert due.amount == due.invoice.total
        assert due.incurred_on == due.invoice.issued_on
        assert due.description == f"Invoice {due.invoice.number}"
    assert all(
        d.due_date is None or 7 <= (d.due_date - d.incurred_on).days <= 30 for d in dues
    )
    assert dues.filter(due_date__isnull=False).exists() and dues.filter(due_date__isnull=True).exists()


def test_seed_demo_backdates_timestamps(shop):
    now = timezone.now()
    dues = list(Due.objects.filter(shop=shop))
    payments = list(Payment.objects.filter(shop=shop))
    for due in dues:
        assert timezone.localtime(due.created_at).date() == due.incurred_on
    for payment in payments:
        assert timezone.localtime(payment.created_at).date() == payment.received_on
    latest = {}
    for entry in [*dues, *payments]:
        assert entry.created_at <= now
        assert entry.voided_at is None or entry.created_at < entry.voided_at <= now
        stamp = max(entry.created_at, entry.voided_at or entry.created_at)
        latest[entry.customer_id] = max(latest.get(entry.customer_id, stamp), stamp)
    for customer in Customer.objects.filter(shop=shop, pk__in=latest):
        assert customer.last_activity_at == latest[customer.pk]
        assert customer.created_at <= min(e.created_at for e in [*dues, *payments] if e.customer_id == customer.pk)


def test_seed_demo_twice_changes_nothing(shop):
    before = counts(shop)
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "already exists" in out.getvalue()
    assert counts(shop) == before


def fingerprint(shop):
    return {
        "invoices": list(Invoice.objects.filter(shop=shop).order_by("pk").values_list(
            "number", "issued_on", "customer__name", "total", "paid_at_counter", "voided_at__date")),
        "dues": list(Due.objects.filter(shop=shop).order_by("pk").values_list(
            "customer__name", "amount", "incurred_on", "description")),
        "payments": list(Payment.objects.filter(shop=shop).order_by("pk").values_list(
            "customer__name", "amount", "received_on", "method", "reference")),
        "stock": list(Product.objects.filter(shop=shop).order_by("sku").values_list("sku", "stock_quantity")),
    }


def test_seed_demo_reset_recreates_the_shop_the_same_way(shop, monkeypatch, cross_shop):
    # A smaller cast and fewer invoices keep the rebuilds quick; --reset must still remove every old row.
    monkeypatch.setattr(ledger_demo, "CUSTOMERS", ledger_demo.CUSTOMERS[:10])
    monkeypatch.setattr(billing_demo, "INVOICE_COUNT", 8)
    other = CustomerFactory(name="Not a demo customer")
    old_users = set(User.objects.filter(username__in=ledger_demo.DEMO_USERNAMES).values_list("pk", flat=True))
    assert len(old_users) == 4
    out = StringIO()
    call_command("seed_demo", "--reset", stdout=out)
    assert "Deleted the demo shop" in out.getvalue()
    assert not Shop.objects.filter(pk=shop.pk).exists()
    for model in (Customer, Due, Payment, Allocation, Category, Product, StockMovement, Invoice, InvoiceLine,
                  Denomination, CashMovement, CashClose, CashDrawer):
        assert not model.objects.filter(shop_id=shop.pk).exists(), model
    for model in (Customer, Due, Payment, Allocation, Product, Invoice, Denomination):
        assert not model.history.filter(shop_id=shop.pk).exists(), model
    new_shop = Shop.objects.get(name=ledger_demo.DEMO_SHOP_NAME)
    assert Customer.objects.filter(shop=new_shop).count() == 10
    assert Invoice.objects.filter(shop=new_shop, voided_at__isnull=True).count() == 8
    new_users = User.objects.filter(username__in=ledger_demo.DEMO_USERNAMES).values_list("pk", flat=True)
    assert not old_users & set(new_users)
    assert Customer.objects.filter(pk=other.pk).exists()
    assert "Ledger OK" in check_ledger()

    first = fingerprint(new_shop)
    call_command("seed_demo", "--reset", stdout=StringIO())
    again = Shop.objects.get(name=ledger_demo.DEMO_SHOP_NAME)
    assert again.pk != new_shop.pk
    assert fingerprint(again) == first


def test_check_ledger_passes_after_seeding(shop):
    assert "Ledger OK: 60 customers in 1 shops checked." in check_ledger("--shop", str(shop.pk))


# -- catalogue and stock -----------------------------------------------------------------------


def test_seed_demo_creates_a_kirana_catalogue(shop):
    categories = list(Category.objects.filter(shop=shop).values_list("name", flat=True))
    assert sorted(categories) == sorted(billing_demo.CATEGORIES)
    products = list(Product.objects.filter(shop=shop).select_related("category"))
    assert 38 <= len(products) <= 45
    assert len({p.sku for p in products}) == len(products)
    assert all(p.category is not None for p in products)
    assert all(len([p for p in products if p.category.name == name]) >= 5 for name in categories)
    assert {"pcs", "kg", "g", "litre", "ml", "pack"} <= {p.unit for p in products}
    assert {p.tax_rate for p in products} <= set(TAX_RATE_PRESETS)
    assert {Decimal(0), Decimal(5), Decimal(18)} <= {p.tax_rate for p in products}
    assert all(re.fullmatch(r"\d{4}", p.hsn_code) for p in products), [p.hsn_code for p in products]
    assert all(p.sale_price > 0 for p in products)
    by_sku = {p.sku: p for p in products}
    assert by_sku["DAL-TOOR"].tax_rate == 0 and by_sku["DAL-TOOR"].unit == "kg"  # loose dal: exempt
    assert by_sku["SURF-EW-1"].tax_rate == 18  # detergent
    assert not by_sku["OIL-SUN-1L"].is_active
    assert not by_sku["MILK-LOOSE"].track_stock
    assert by_sku["MILK-PARAG-500"].allow_negative_stock


def test_seed_demo_stock_matches_the_movements_in_time_order(shop):
    movements = defaultdict(list)
    for movement in StockMovement.objects.filter(shop=shop).order_by("created_at", "pk"):
        movements[movement.product_id].append(movement)
    for product in Product.objects.filter(shop=shop):
        running = Decimal(0)
        for movement in movements[product.pk]:
            running += movement.quantity
            assert movement.balance_after == running, (product.sku, movement)
            assert movement.created_at >= product.created_at
        assert product.stock_quantity == running, product.sku
        assert product.stock_quantity >= 0
    kinds = set(StockMovement.objects.filter(shop=shop).values_list("kind", flat=True))
    assert kinds == {StockMovement.Kind.RECEIVE, StockMovement.Kind.SALE, StockMovement.Kind.SALE_VOID}
    restocks = StockMovement.objects.filter(shop=shop, kind=StockMovement.Kind.RECEIVE).exclude(reason="Opening stock")
    assert restocks.exists() and all(m.reason.startswith("Received from") for m in restocks)


def test_seed_demo_leaves_a_few_products_low_on_stock(shop):
    low = [p for p in Product.objects.filter(shop=shop, is_active=True) if p.is_low_stock]
    assert 3 <= len(low) <= 8, [p.sku for p in low]
    assert any(p.stock_quantity == 0 for p in low)
    assert {p.sku for p in low} == {i.sku for i in billing_demo.ITEMS if i.ends_low is not None}


def test_seed_demo_keeps_a_consistent_cash_book(shop):
    movements = list(CashMovement.objects.filter(shop=shop).order_by("created_at", "pk"))
    opening = movements[0]
    assert opening.kind == CashMovement.Kind.OPENING
    assert opening.pieces == {f"{Decimal(v):.2f}": c for v, c in billing_demo.DRAWER_FLOAT.items() if c}
    assert {m.kind for m in movements} >= {"opening", "sale", "change", "payment", "payout", "deposit", "count"}
    assert cash_drift(shop=shop) == 0
    assert drawer_balance(shop=shop) == sum((m.amount for m in movements), Decimal(0))
    assert all(count >= 0 for count in Denomination.objects.filter(shop=shop).values_list("count", flat=True))
    # Every close expected what the book held just before it, in time order, and brought the
    # drawer to its count.
    closes = {c.pk: c for c in CashClose.objects.filter(shop=shop)}
    assert len(closes) >= 60
    running = Decimal(0)
    events = sorted([(m.created_at, 0, m.pk, m) for m in movements] + [(c.created_at, 1, c.pk, c) for c in
                                                                       closes.values()], key=lambda e: e[:3])
    for _, is_close, _, row in events:
        if is_close:
            assert row.expected == running - (row.movement.amount if row.movement else 0), row.closed_on
            assert row.counted == running and timezone.localtime(row.created_at).date() == row.closed_on
        else:
            running += row.amount
    assert max(c.closed_on for c in closes.values()) <= timezone.localdate() - datetime.timedelta(days=3)
    assert any(c.difference < 0 and c.note for c in closes.values())
    # Sale cash sits with its invoice, payments' cash with the payment.
    for movement in movements:
        if movement.kind in ("sale", "change"):
            assert movement.created_at == movement.invoice.created_at
        elif movement.kind == "payment":
            assert movement.created_at == movement.payment.created_at
            assert movement.payment.method == Payment.Method.CASH


# -- invoices ------------------------------------------------------------------------------------


def test_seed_demo_issues_three_months_of_numbered_invoices(shop):
    today = timezone.localdate()
    invoices = list(Invoice.objects.filter(shop=shop).order_by("financial_year", "sequence_number"))
    assert len(invoices) == 61
    assert [i.issued_on for i in invoices] == sorted(i.issued_on for i in invoices)
    assert today - datetime.timedelta(days=92) <= invoices[0].issued_on
    assert invoices[-1].issued_on <= today
    by_year = defaultdict(list)
    for invoice in invoices:
        year, sequence = NUMBER.fullmatch(invoice.number).groups()
        assert year == invoice.financial_year and int(sequence) == invoice.sequence_number
        by_year[year].append(invoice.sequence_number)
    assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in by_year.values())
    assert all(i.gst_split and not i.is_inter_state for i in invoices)
    # Issued by either login, with an owner void.
    assert {i.created_by.username for i in invoices} == {"demo", "demo-staff"}


def test_seed_demo_invoices_mix_walk_ins_and_customer_accounts(shop):
    invoices = Invoice.objects.filter(shop=shop, voided_at__isnull=True).select_related("due", "payment")
    walk_ins = [i for i in invoices if i.customer_id is None]
    accounts = [i for i in invoices if i.customer_id is not None]
    assert len(walk_ins) >= 10 and len(accounts) >= 20
    for invoice in walk_ins:
        assert invoice.payment_status == Invoice.PaymentStatus.PAID and invoice.paid_at_counter == invoice.total
        assert invoice.due is None and invoice.payment is None
    for invoice in accounts:
        assert invoice.due.amount == invoice.total and invoice.due.customer_id == invoice.customer_id
        if invoice.paid_at_counter:
            assert invoice.payment.amount == invoice.paid_at_counter
            assert invoice.payment.received_on == invoice.issued_on
        else:
            assert invoice.payment is None
    # Live statuses: later payments settled some on-account invoices; none is void here.
    assert {i.payment_status for i in accounts} == set(Invoice.PaymentStatus.values) - {Invoice.PaymentStatus.VOID}
    assert {i.payment_method for i in invoices if i.paid_at_counter} >= {Payment.Method.CASH, Payment.Method.UPI}
    for invoice in invoices:
        if invoice.cash_tendered is None:
            assert invoice.change_given == 0
        else:
            assert invoice.payment_method == Payment.Method.CASH
            assert invoice.change_given == invoice.cash_tendered - invoice.paid_at_counter >= 0
    assert any(i.change_given > 0 for i in invoices)
    assert not Customer.objects.filter(shop=shop, invoices__isnull=False, last_activity_at__isnull=True).exists()


def test_seed_demo_invoice_lines_and_totals(shop):
    invoices = list(Invoice.objects.filter(shop=shop).prefetch_related("lines"))
    for invoice in invoices:
        lines = list(invoice.lines.all())
        assert 1 <= len(lines) <= 6
        assert len({line.product_id for line in lines}) == len(lines)
        recomputed = compute_totals(
            [LineInput(quantity=line.quantity, unit_price=line.unit_price, tax_rate=line.tax_rate,
                       price_includes_tax=line.price_includes_tax) for line in lines],
            discount_type=invoice.discount_type, discount_value=invoice.discount_value, round_off=invoice.round_off,
            gst_split=True)
        assert (invoice.subtotal, invoice.discount_total, invoice.tax_total, invoice.round_off_amount,
                invoice.total) == (recomputed.subtotal, recomputed.discount_total, recomputed.tax_total,
                                   recomputed.round_off_amount, recomputed.total)
        for line in lines:
            assert (line.unit_price, line.price_includes_tax, line.tax_rate, line.hsn_code, line.unit) == (
                line.product.sale_price, line.product.price_includes_tax, line.product.tax_rate,
                line.product.hsn_code, line.product.unit)
    lines = InvoiceLine.objects.filter(shop=shop)
    assert lines.filter(quantity__in=[Decimal("0.250"), Decimal("0.500"), Decimal("1.500")]).exists()  # loose kg
    assert any(i.discount_type == Invoice.DiscountType.AMOUNT and i.discount_total > 0 for i in invoices)
    assert any(i.discount_type == Invoice.DiscountType.PERCENT and i.discount_total > 0 for i in invoices)
    assert any(i.round_off_amount != 0 for i in invoices)
    assert any(not i.round_off and i.total != i.total.to_integral_value() for i in invoices)
    assert {line.tax_rate for line in lines} >= {Decimal(0), Decimal(5), Decimal(18)}
    # Branded packs at their MRP (tax included), loose goods before tax; one B2B customer.
    assert lines.filter(price_includes_tax=True).exists() and lines.filter(price_includes_tax=False).exists()
    assert any(i.recipient_gstin == "09AAGCB7383J1Z6" and i.place_of_supply == "09" for i in invoices)


def test_seed_demo_voids_one_invoice_and_restores_its_stock(shop):
    invoice = Invoice.objects.select_related("due", "payment").get(shop=shop, voided_at__isnull=False)
    assert invoice.customer_id is not None
    assert invoice.payment_status == Invoice.PaymentStatus.VOID
    assert 0 < invoice.paid_at_counter < invoice.total  # it was part paid at the counter
    assert invoice.void_reason == billing_demo.VOID_REASON
    assert invoice.voided_by.username == "demo"
    assert invoice.due.voided_at == invoice.voided_at and invoice.payment.voided_at == invoice.voided_at
    assert invoice.created_at < invoice.voided_at <= invoice.created_at + datetime.timedelta(hours=1)
    sold = {m.product_id: m.quantity for m in StockMovement.objects.filter(invoice=invoice, kind="sale")}
    returned = {m.product_id: m.quantity for m in StockMovement.objects.filter(invoice=invoice, kind="sale_void")}
    assert sold and returned == {pk: -qty for pk, qty in sold.items()}
    assert all(m.created_at == invoice.voided_at
               for m in StockMovement.objects.filter(invoice=invoice, kind="sale_void"))


def test_seed_demo_backdates_invoices_and_their_movements(shop):
    invoices = list(Invoice.objects.filter(shop=shop).select_related("due", "payment"))
    first_product = Product.objects.filter(shop=shop).aggregate(last=Max("created_at"))["last"]
    for invoice in invoices:
        assert timezone.localtime(invoice.created_at).date() == invoice.issued_on
        assert invoice.created_at > first_product
        if invoice.due is not None:
            assert invoice.due.created_at == invoice.created_at
        if invoice.payment is not None:
            assert invoice.payment.created_at == invoice.created_at
        for movement in StockMovement.objects.filter(invoice=invoice, kind="sale"):
            assert movement.created_at == invoice.created_at
    # Numbers follow the clock, and invoices sit among the ledger's own entries.
    ordered = sorted(invoices, key=lambda i: i.created_at)
    assert [i.sequence_number for i in ordered] == sorted(i.sequence_number for i in invoices)
    other_entries = Due.objects.filter(shop=shop, invoice__isnull=True)
    assert other_entries.filter(created_at__lt=ordered[0].created_at).exists()
    assert other_entries.filter(created_at__gt=ordered[0].created_at, created_at__lt=ordered[-1].created_at).exists()
