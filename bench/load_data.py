"""The load-data generator: a shop the size of a busy one, for the benchmark.

    python bench/generate_load_data.py --customers 100000 --entries 1000000 --invoices 50000 [--shops N]

(the script sets Django up and calls :func:`main`; tests call :func:`generate`). Part of
``bench/``: the apps never import it.

Builds ``--shops`` shops (default 1), each with ``--customers`` customers,
``--entries`` ledger entries (dues plus payments, the invoices' own dues and
counter payments included), the allocations between them, and ``--invoices``
invoices with their line items and stock movements over a catalogue of
``--products`` products. The first shop is named ``--name`` ("Load Test Shop"),
the others "<name> 2", "<name> 3"…; the login ``--username`` (``bench``, password
``--password``) owns them all.

Written with ``bulk_create`` in batches (``--batch-size``), in one transaction per
slice of customers, so 1M entries take minutes rather than hours. Nothing goes
through the services, so the generator computes what they would have stored: each
customer's entries are replayed in time order with the allocation rule the ledger
services use (``ledger.services.allocation.allocate``: a payment to the due the user
picked, else to open dues oldest due date first; credit left on a payment applied to
the next dues), and ``Customer.balance``, ``oldest_open_due_date``, each due's
``outstanding`` and ``last_activity_at`` are written from that replay, and the shop's
customer totals are rebuilt from the customers at the end (``customers.totals``) —
``manage.py check_ledger --shop ID`` passes on the result.
History rows (django-simple-history) are not written for the generated rows.

The data is realistic rather than uniform (fixed seed, same data every time):

* entries per customer are log-normal (a median of about 7, a long tail to a few
  hundred), 8 % of customers have none yet, and ``--statement-customers``
  customers (5) have exactly ``--statement-entries`` (200) — the customer pages a
  benchmark opens;
* dues are log-normal amounts (median ≈ ₹450), two thirds with a due date 7–45
  days later; payments settle the balance, pay part of it, pay one due ("mark as
  paid"), or pay in advance (customer credit); about 1 % of entries are voided;
* 60 % of invoices are sales to customers (their total is a due, with a counter
  payment when paid in full or in part), 40 % walk-in sales paid in full; numbers
  are consecutive per financial year in date order; stock movements follow the
  sales from an opening receipt, some products end low on stock;
* a quarter of the customers have an email, a fifth a credit limit, and customers
  settled long ago are partly archived.

The shop name must not exist yet: the generator refuses (:class:`LoadDataError`) unless
``--replace`` is given, which first deletes that shop and every row of it (raw deletes,
fast).
"""

import argparse
import datetime
import math
import random
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import Membership, Shop
from billing import demo as billing_demo
from billing.models import (
    CashDrawer,
    CashMovement,
    Category,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    Product,
    StockMovement,
)
from billing.services.numbering import financial_year, format_number
from billing.totals import LineInput, TotalsError, compute_totals
from core.money import CENT, QUANTITY_STEP, ZERO
from customers.models import Customer
from customers.phones import phone_tail, shop_e164
from customers.totals import totals_rebuild
from ledger import demo as ledger_demo
from ledger.models import Allocation, Due, Payment
from ledger.services.allocation import allocate, allocation_key

User = get_user_model()

DEFAULT_NAME = "Load Test Shop"
DEFAULT_USERNAME = "bench"
DEFAULT_PASSWORD = "bench-pass-123"  # noqa: S105 (a local benchmark login)
GSTIN = "09ABCDE1234F1Z5"
DAY_START, DAY_END = 9 * 3600, 21 * 3600  # entries are recorded between 09:00 and 21:00

FIRST_NAMES = [
    "Aarav", "Aditi", "Akash", "Amit", "Ananya", "Anil", "Anita", "Arjun", "Asha", "Ayesha", "Deepak", "Divya",
    "Farah", "Gaurav", "Geeta", "Gurpreet", "Harish", "Imran", "Isha", "Kavita", "Kiran", "Lakshmi", "Manoj",
    "Meena", "Mohammed", "Neha", "Nikhil", "Pooja", "Prakash", "Priya", "Rahul", "Rajesh", "Ramesh", "Rekha",
    "Rohit", "Sadia", "Sanjay", "Sarita", "Shabnam", "Shreya", "Sunil", "Sunita", "Suresh", "Tanvir", "Usha",
    "Vijay", "Vikram", "Vinod", "Yusuf", "Zoya",
]
LAST_NAMES = [
    "Agarwal", "Ahmed", "Bansal", "Chauhan", "Das", "Deshpande", "Devi", "Dubey", "Gupta", "Iyer", "Jain",
    "Joshi", "Kaur", "Khan", "Kumar", "Mishra", "Nair", "Pandey", "Patel", "Qureshi", "Rao", "Reddy", "Saxena",
    "Shaikh", "Sharma", "Singh", "Sinha", "Srivastava", "Tiwari", "Verma", "Yadav",
]
METHODS = [method for method, _ in ledger_demo.METHODS]
METHOD_WEIGHTS = [weight for _, weight in ledger_demo.METHODS]
DUE_TERMS = [None, None, 7, 15, 15, 30, 30, 45]
VOID_SHARE = 0.01
WALK_IN_SHARE = 0.4
ZERO_ENTRY_SHARE = 0.08


@contextmanager
def _stored_timestamps(*model_classes):
    """Let ``bulk_create`` write the ``created_at``/``updated_at`` values we set
    (``auto_now``/``auto_now_add`` would overwrite them with "now")."""
    saved = []
    for model in model_classes:
        for fld in model._meta.concrete_fields:
            if isinstance(fld, models.DateField) and (fld.auto_now or fld.auto_now_add):
                saved.append((fld, fld.auto_now, fld.auto_now_add))
                fld.auto_now = fld.auto_now_add = False
    try:
        yield
    finally:
        for fld, auto_now, auto_now_add in saved:
            fld.auto_now, fld.auto_now_add = auto_now, auto_now_add


@contextmanager
def _bulk_load_session():
    """On MySQL/MariaDB, skip per-row foreign key and unique checks while loading (the plan
    is consistent by construction; the constraints stay, and rows written later are checked)."""
    if connection.vendor != "mysql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION foreign_key_checks = 0, unique_checks = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION foreign_key_checks = 1, unique_checks = 1")


# --- The plan: everything decided in memory first, as integers (paise, days, seconds) ---------------


class Entry:
    """A due (``is_due``) or payment of one customer, in paise; ``day`` counts from the first day of the
    history, ``second`` from midnight. ``due`` is the due a payment was applied to (an Entry)."""

    __slots__ = ("is_due", "day", "second", "amount", "term", "void", "due", "invoice", "method", "text",
                 "outstanding", "pk", "void_after")

    def __init__(self, is_due, day, second, amount, *, term=None, void=False, due=None, invoice=None,
                 method="", text=""):
        self.is_due, self.day, self.second, self.amount = is_due, day, second, amount
        self.term, self.void, self.due, self.invoice = term, void, due, invoice
        self.method, self.text = method, text
        self.outstanding = amount  # due: still owed; payment: not yet allocated (credit)
        self.pk = None
        self.void_after = 0

    def sort_key(self, index):
        """The services' order of open dues (:func:`allocation_key`), in days; ``index`` stands for the pk."""
        return allocation_key(due_date=self.day + self.term if self.term is not None else None, incurred_on=self.day,
                              pk=index)


@dataclass
class CustomerPlan:
    """One customer of the plan: contact details, entries in time order, allocations (paise)."""

    index: int
    name: str
    phone: str
    email: str
    address: str
    notes: str
    credit_limit: Decimal | None
    created_day: int
    created_second: int
    entries: list = field(default_factory=list)
    allocations: dict = field(default_factory=dict)  # (payment Entry index, due Entry index) -> paise
    balance: int = 0
    oldest_open_due_day: int | None = None
    last_activity: tuple | None = None  # (day, second)
    archived: bool = False
    pk: int | None = None


@dataclass
class InvoicePlan:
    """One invoice of the plan: lines, totals, what was paid and how, its due and payment entries."""

    day: int
    second: int
    customer: CustomerPlan | None
    lines: list  # [(product index, Decimal quantity)]
    totals: object
    discount: tuple
    round_off: bool
    paid: Decimal
    method: str
    notes: str
    due: Entry | None = None
    payment: Entry | None = None
    number: str = ""
    year: str = ""
    sequence: int = 0
    pk: int | None = None


class ShopPlan:
    """Decides one shop's customers, entries, allocations, invoices and stock (no database)."""

    def __init__(self, *, rng, customers, entries, invoices, products, days, statement_customers,
                 statement_entries, today, fy_start_month):
        self.rng = rng
        self.days = days
        self.today = today
        self.fy_start_month = fy_start_month
        self.n_customers = customers
        self.n_entries = entries
        self.n_invoices = invoices
        self.products = self._catalogue(products)
        self.customer_invoice_target = round(invoices * (1 - WALK_IN_SHARE)) if customers else 0
        self.customer_invoices = 0
        self.entries_left = entries
        self.invoices: list[InvoicePlan] = []
        self.customers: list[CustomerPlan] = []
        counts = self._entry_counts(customers, entries, statement_customers, statement_entries)
        for index, count in enumerate(counts):
            self.customers.append(self._customer(index, count))
        self._walk_ins(invoices - len(self.invoices))
        self._number_invoices()
        self.opening_stock, self.final_stock = self._stock()

    # -- sizes ----------------------------------------------------------------------------------------

    def _entry_counts(self, customers, entries, statement_customers, statement_entries) -> list[int]:
        rng = self.rng
        if customers == 0:
            return []
        fixed = min(statement_customers, customers)
        statement_entries = min(statement_entries, entries // max(fixed, 1)) if fixed else 0
        counts = [statement_entries] * fixed
        rest = entries - statement_entries * fixed
        others = customers - fixed
        if others == 0:
            counts[0] += rest
            return counts
        weights = [0.0 if rng.random() < ZERO_ENTRY_SHARE else rng.lognormvariate(0, 1.0) for _ in range(others)]
        total = sum(weights) or 1.0
        extra = [int(w / total * rest) for w in weights]
        active = [i for i, w in enumerate(weights) if w > 0] or list(range(others))
        for _ in range(rest - sum(extra)):
            extra[rng.choice(active)] += 1
        return counts + extra

    # -- catalogue --------------------------------------------------------------------------------------

    def _catalogue(self, count) -> list[dict]:
        rng = self.rng
        base = [item for item in billing_demo.ITEMS if item.is_active and item.weight]
        products = []
        for index in range(count):
            item = base[index % len(base)]
            lot = index // len(base)
            factor = Decimal(1 + lot % 4)
            products.append({
                "sku": item.sku if lot == 0 else f"{item.sku}-{lot + 1}",
                "name": item.name if lot == 0 else f"{item.name} (lot {lot + 1})",
                "category": item.category, "unit": item.unit,
                "price": (Decimal(item.price) * factor).quantize(CENT), "tax_rate": Decimal(item.gst),
                "hsn": item.hsn, "low": Decimal(item.low) or Decimal(2), "track": item.track_stock,
                "weight": item.weight * rng.uniform(0.5, 1.5), "quantities": [Decimal(q) for q in item.quantities],
            })
        return products

    # -- customers and their ledger ---------------------------------------------------------------------

    def _customer(self, index: int, count: int) -> CustomerPlan:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name = f"{first} {last}" if rng.random() < 0.85 else f"{first} {rng.choice(FIRST_NAMES)} {last}"
        phone = f"{rng.choice('6789')}{rng.randrange(10 ** 9):09d}"
        email = f"{first.lower()}.{last.lower()}{index}@example.com" if rng.random() < 0.25 else ""
        address = (f"{rng.randint(1, 400)}, {rng.choice(ledger_demo.LOCALITIES)}, Jhansi"
                   if rng.random() < 0.6 else "")
        notes = rng.choice(ledger_demo.NOTES) if rng.random() < 0.05 else ""
        limit = Decimal(rng.choice([2000, 5000, 10000, 20000])) if rng.random() < 0.2 else None
        # A customer with many entries is a long-standing regular.
        first_day = rng.randint(0, self.days // 10) if count >= 50 else rng.randint(0, self.days - 1)
        plan = CustomerPlan(index=index, name=name, phone=phone, email=email, address=address, notes=notes,
                            credit_limit=limit, created_day=first_day,
                            created_second=rng.randint(DAY_START, DAY_END - 3600))
        if count:
            self._ledger(plan, count, first_day)
        self.entries_left -= count
        return plan

    def _ledger(self, plan: CustomerPlan, count: int, first_day: int) -> None:
        rng = self.rng
        last_day = self.days - 1
        if count < 50 and rng.random() < 0.2:  # dormant: stopped coming a while ago
            last_day = rng.randint(first_day, self.days - 1)
        slots = []
        for _ in range(count):
            day = rng.randint(first_day, last_day)
            low = plan.created_second + 60 if day == first_day else DAY_START
            slots.append((day, rng.randint(low, DAY_END)))
        slots.sort()
        entries = plan.entries
        open_dues: list[int] = []  # indexes of dues with outstanding > 0
        credit: list[int] = []  # indexes of payments with unallocated amount
        balance = 0  # paise: active dues − active payments
        i = 0
        while i < len(slots):
            day, second = slots[i]
            remaining = len(slots) - i
            want_due = balance <= 0 or rng.random() < 0.58
            if want_due:
                invoice = None
                if self._wants_invoice():
                    invoice = self._customer_invoice(plan, day, second, allow_payment=remaining >= 2)
                if invoice is not None:
                    due = Entry(True, day, second, int(invoice.totals.total * 100), term=self._term(),
                                invoice=invoice)
                    invoice.due = due
                    self._add_due(plan, due, open_dues, credit)
                    balance += due.amount
                    i += 1
                    if invoice.paid > 0:
                        # The counter payment, a minute later, applied to the invoice's due unless
                        # customer credit already paid some of it (then oldest dues first, as
                        # ``invoice_issue`` does).
                        paid = int(invoice.paid * 100)
                        pay = Entry(False, day, min(second + 60, 86399), paid,
                                    due=due if 0 < paid <= due.outstanding else None,
                                    method=invoice.method, text="Paid at the counter")
                        invoice.payment = pay
                        self._add_payment(plan, pay, open_dues, credit)
                        balance -= pay.amount
                        i += 1
                    continue
                amount = self._due_amount()
                items = rng.choice(ledger_demo.ITEMS)[0]
                text = items if rng.random() < 0.7 else rng.choice(["Monthly ration", "Groceries", "Milk bill",
                                                                    "Festival order", "Home delivery"])
                due = Entry(True, day, second, amount, term=self._term(), text=text[:1].upper() + text[1:],
                            void=rng.random() < VOID_SHARE)
                if due.void:
                    due.void_after = rng.randint(60, 7200)
                    plan.entries.append(due)
                else:
                    self._add_due(plan, due, open_dues, credit)
                    balance += amount
                i += 1
                continue
            # A payment.
            method = rng.choices(METHODS, weights=METHOD_WEIGHTS)[0]
            kind = rng.random()
            chosen = None
            note = rng.choice(ledger_demo.PAYMENT_NOTES)
            if kind < 0.45 or remaining == 1:
                amount = balance
            elif kind < 0.80:
                amount = max(5000, (balance * rng.randint(30, 80) // 100) // 5000 * 5000)
                amount = min(amount, balance)
            elif kind < 0.92 and open_dues:
                chosen = entries[min(open_dues, key=lambda k: entries[k].sort_key(k))]
                amount = chosen.outstanding
                note = f"Marked as paid: {chosen.text}"[:200]
                method = "cash"
            elif kind < 0.97 and open_dues:
                chosen = entries[rng.choice(open_dues)]
                amount = max(100, chosen.outstanding // 2 // 100 * 100)
                amount = min(amount, chosen.outstanding)
            else:
                amount = (balance // 50000 + 1) * 50000 + 50000  # pays ahead: leaves credit
            pay = Entry(False, day, second, amount, due=chosen, method=method, text=note,
                        void=chosen is None and rng.random() < VOID_SHARE)
            if pay.void:
                pay.void_after = rng.randint(60, 7200)
                entries.append(pay)
            else:
                self._add_payment(plan, pay, open_dues, credit)
                balance -= amount
            i += 1
        plan.balance = balance
        dated = [entries[k] for k in open_dues if entries[k].term is not None]
        plan.oldest_open_due_day = min((e.day + e.term for e in dated), default=None)
        last = max(entries, key=lambda e: (e.day, e.second + e.void_after))
        plan.last_activity = (last.day, last.second + last.void_after)
        if balance == 0 and not open_dues and last.day < self.days - 180 and rng.random() < 0.3:
            plan.archived = True

    def _add_due(self, plan, due, open_dues, credit):
        """``due_create``: the due, then the customer's credit applied to the open dues,
        oldest payment first (credit and open dues never coexist, so it goes to this due)."""
        plan.entries.append(due)
        open_dues.append(len(plan.entries) - 1)
        for p in list(credit):
            self._pay(plan, p, open_dues)
            if plan.entries[p].outstanding == 0:
                credit.remove(p)
            if not open_dues:
                break

    def _add_payment(self, plan, pay, open_dues, credit):
        """``payment_create``: to the chosen due first, then open dues oldest first; the rest is credit."""
        plan.entries.append(pay)
        index = len(plan.entries) - 1
        self._pay(plan, index, open_dues, first=pay.due)
        if pay.outstanding > 0:
            credit.append(index)

    @staticmethod
    def _pay(plan, p, open_dues, first=None):
        """Allocate what is left of payment ``p`` to ``open_dues`` by the ledger's rule
        (:func:`allocate`), in paise; paid dues leave ``open_dues``."""
        entries = plan.entries
        order = sorted(open_dues, key=lambda k: entries[k].sort_key(k))
        chosen = next(k for k in order if entries[k] is first) if first is not None else None
        for d, amount in allocate(entries[p].outstanding, [(k, entries[k].outstanding) for k in order], first=chosen):
            entries[p].outstanding -= amount
            entries[d].outstanding -= amount
            plan.allocations[(p, d)] = plan.allocations.get((p, d), 0) + amount
            if entries[d].outstanding == 0:
                open_dues.remove(d)

    def _term(self):
        return self.rng.choice(DUE_TERMS)

    def _due_amount(self) -> int:
        rupees = min(50000, max(20, int(self.rng.lognormvariate(6.1, 0.9))))
        paise = self.rng.choice([0, 0, 0, 0, 0, 50, self.rng.randint(1, 99)])
        return rupees * 100 + paise

    # -- invoices -----------------------------------------------------------------------------------------

    def _wants_invoice(self) -> bool:
        left = self.customer_invoice_target - self.customer_invoices
        if left <= 0:
            return False
        expected_dues = max(1.0, self.entries_left * 0.6)
        return self.rng.random() < left / expected_dues

    def _lines(self):
        rng = self.rng
        count = rng.choices([1, 2, 3, 4, 5, 6], weights=[15, 25, 25, 15, 12, 8])[0]
        chosen = set()
        weights = [p["weight"] for p in self.products]
        while len(chosen) < min(count, len(self.products)):
            chosen.add(rng.choices(range(len(self.products)), weights=weights)[0])
        return [(index, rng.choice(self.products[index]["quantities"])) for index in sorted(chosen)]

    def _invoice(self, day, second, customer, paid_mode):
        rng = self.rng
        lines = self._lines()
        inputs = [LineInput(quantity=qty, unit_price=self.products[p]["price"],
                            tax_rate=self.products[p]["tax_rate"]) for p, qty in lines]
        discount = ("amount", Decimal(0))
        if rng.random() < 0.15:
            discount = rng.choice([("amount", Decimal(5)), ("amount", Decimal(10)), ("percent", Decimal(2)),
                                   ("percent", Decimal(5))])
        round_off = rng.random() < 0.6
        try:
            totals = compute_totals(inputs, discount_type=discount[0], discount_value=discount[1],
                                    round_off=round_off, gst_split=True)
        except TotalsError:
            discount = ("amount", Decimal(0))
            totals = compute_totals(inputs, round_off=round_off, gst_split=True)
        if totals.total <= 0:
            return None
        total = totals.total
        if paid_mode == "full":
            paid = total
        elif paid_mode == "part":
            paid = ((total * rng.randint(30, 70) / 1000).to_integral_value(ROUND_DOWN) * 10).quantize(CENT)
            if paid <= 0 or paid >= total:
                paid = Decimal(0)
        else:
            paid = Decimal(0)
        method = rng.choices(["cash", "upi", "card"], weights=[55, 40, 5])[0]
        invoice = InvoicePlan(day=day, second=second, customer=customer, lines=lines, totals=totals,
                              discount=discount, round_off=round_off, paid=paid, method=method,
                              notes=rng.choice(billing_demo.NOTES))
        self.invoices.append(invoice)
        return invoice

    def _customer_invoice(self, plan, day, second, *, allow_payment):
        mode = self.rng.choices(["full", "part", "none"], weights=[20, 15, 65])[0] if allow_payment else "none"
        invoice = self._invoice(day, second, plan, mode)
        if invoice is not None:
            self.customer_invoices += 1
        return invoice

    def _walk_ins(self, count):
        rng = self.rng
        for _ in range(max(0, count)):
            # More recent days are busier (the shop grew).
            day = min(self.days - 1, int(self.days * math.sqrt(rng.random())))
            while self._invoice(day, rng.randint(DAY_START, DAY_END), None, "full") is None:
                pass

    def _number_invoices(self):
        self.invoices.sort(key=lambda inv: (inv.day, inv.second))
        last: dict[str, int] = {}
        for invoice in self.invoices:
            year = financial_year(self.date(invoice.day), self.fy_start_month)
            last[year] = last.get(year, 0) + 1
            invoice.year, invoice.sequence = year, last[year]
            invoice.number = format_number("INV", year, last[year])
            if invoice.due is not None:
                invoice.due.text = f"Invoice {invoice.number}"
                if invoice.payment is not None:
                    invoice.payment.text = "Paid at the counter"
        self.sequences = last

    def _stock(self):
        """Opening stock per product: what its sales take plus a margin; some end below their low level."""
        rng = self.rng
        sold = [Decimal(0)] * len(self.products)
        for invoice in self.invoices:
            for p, qty in invoice.lines:
                sold[p] += qty
        opening, final = [], []
        for index, product in enumerate(self.products):
            low = product["low"]
            margin = (low * Decimal(rng.uniform(0.2, 0.9)) if rng.random() < 0.1
                      else low * Decimal(rng.uniform(1.5, 5)))
            margin = margin.quantize(QUANTITY_STEP)
            opening.append(sold[index] + margin)
            final.append(margin)
        return opening, final

    # -- dates ----------------------------------------------------------------------------------------------

    def date(self, day: int) -> datetime.date:
        return self.today - datetime.timedelta(days=self.days - 1 - day)


class Writer:
    """Writes a :class:`ShopPlan` with ``bulk_create`` (one transaction per slice of customers)."""

    def __init__(self, *, plan: ShopPlan, shop: Shop, owner, batch_size: int, log):
        self.plan, self.shop, self.owner, self.batch_size, self.log = plan, shop, owner, batch_size, log
        self.tz = timezone.get_current_timezone()
        self.midnights: dict[int, datetime.datetime] = {}
        self.cash_balance = ZERO  # the cash book's sum of the customers' cash payments

    def at(self, day: int, second: int) -> datetime.datetime:
        midnight = self.midnights.get(day)
        if midnight is None:
            midnight = datetime.datetime.combine(self.plan.date(day), datetime.time(0), tzinfo=self.tz)
            self.midnights[day] = midnight
        return midnight + datetime.timedelta(seconds=min(second, 86399))

    def money(self, paise: int) -> Decimal:
        return Decimal(paise) * CENT

    def run(self, *, slice_entries: int = 50_000):
        self._catalogue()
        group, size = [], 0
        for customer in self.plan.customers:
            group.append(customer)
            size += len(customer.entries)
            if size >= slice_entries or len(group) >= 10_000:
                self._customers(group)
                group, size = [], 0
        if group:
            self._customers(group)
        self._walk_in_invoices()
        self._stock_movements()
        # The drawer's stored balance is the sum of its movements (as the cash services keep it).
        CashDrawer.objects.update_or_create(shop=self.shop, defaults={"balance": self.cash_balance})

    def _catalogue(self):
        plan, shop = self.plan, self.shop
        with transaction.atomic():
            categories = Category.objects.bulk_create(
                [Category(shop=shop, name=name) for name in billing_demo.CATEGORIES])
            set_up = self.at(0, DAY_START) - datetime.timedelta(days=1)
            rows = []
            for index, p in enumerate(plan.products):
                rows.append(Product(
                    shop=shop, sku=p["sku"], name=p["name"], category=categories[p["category"]], unit=p["unit"],
                    sale_price=p["price"], tax_rate=p["tax_rate"], hsn_code=p["hsn"],
                    stock_quantity=plan.final_stock[index] if p["track"] else 0, low_stock_level=p["low"],
                    track_stock=p["track"], created_at=set_up, updated_at=set_up))
            self.products = Product.objects.bulk_create(rows, batch_size=self.batch_size)
            InvoiceSequence.objects.bulk_create([
                InvoiceSequence(shop=shop, financial_year=year, last_number=last)
                for year, last in plan.sequences.items()])

    def _customers(self, group: list[CustomerPlan]):
        shop, owner = self.shop, self.owner
        with transaction.atomic():
            rows = []
            for c in group:
                created = self.at(c.created_day, c.created_second)
                last = self.at(*c.last_activity) if c.last_activity else None
                rows.append(Customer(
                    shop=shop, name=c.name, phone=c.phone, phone_e164=(e164 := shop_e164(c.phone, shop=shop) or ""),
                    phone_tail=phone_tail(c.phone, e164),
                    email=c.email, address=c.address, notes=c.notes,
                    credit_limit=c.credit_limit, is_archived=c.archived, balance=self.money(c.balance),
                    oldest_open_due_date=self.plan.date(c.oldest_open_due_day)
                    if c.oldest_open_due_day is not None else None,
                    last_activity_at=last, created_at=created, updated_at=last or created))
            for c, row in zip(group, Customer.objects.bulk_create(rows, batch_size=self.batch_size), strict=True):
                c.pk = row.pk

            dues, payments = [], []
            for c in group:
                for e in c.entries:
                    created = self.at(e.day, e.second)
                    voided = created + datetime.timedelta(seconds=e.void_after) if e.void else None
                    common = {"shop": shop, "customer_id": c.pk, "amount": self.money(e.amount),
                              "created_by": owner, "created_at": created, "voided_at": voided,
                              "voided_by": owner if e.void else None,
                              "void_reason": "Entered twice by mistake" if e.void else ""}
                    if e.is_due:
                        if e.invoice is not None:
                            common["source"] = f"Invoice {e.invoice.number}"
                        dues.append((e, Due(description=e.text[:200], incurred_on=self.plan.date(e.day),
                                            outstanding=self.money(0 if e.void else e.outstanding),
                                            due_date=self.plan.date(e.day + e.term) if e.term is not None
                                            else None, **common)))
            for (e, _), row in zip(dues, Due.objects.bulk_create([r for _, r in dues], batch_size=self.batch_size),
                                   strict=True):
                e.pk = row.pk
            for c in group:
                for e in c.entries:
                    if e.is_due:
                        continue
                    created = self.at(e.day, e.second)
                    voided = created + datetime.timedelta(seconds=e.void_after) if e.void else None
                    reference = ""
                    if e.invoice is not None:
                        reference = e.invoice.number
                    elif e.method == "upi":
                        reference = f"{abs(hash((c.index, e.day, e.second))) % 10 ** 12:012d}"
                    payments.append((e, Payment(
                        shop=shop, customer_id=c.pk, amount=self.money(e.amount), received_on=self.plan.date(e.day),
                        method=e.method, reference=reference, note=e.text[:200],
                        due_id=e.due.pk if e.due is not None else None, created_by=owner, created_at=created,
                        voided_at=voided, voided_by=owner if e.void else None,
                        void_reason="Entered twice by mistake" if e.void else "",
                        source=f"Invoice {e.invoice.number}" if e.invoice is not None else "")))
            for (e, _), row in zip(payments,
                                   Payment.objects.bulk_create([r for _, r in payments], batch_size=self.batch_size),
                                   strict=True):
                e.pk = row.pk
            # Cash paid on customers' pages goes through the drawer's cash book (a voided one out
            # again), as billing.receivers records it; counter payments belong to their invoice.
            cash = []
            for e, row in payments:
                if e.invoice is None and e.method == Payment.Method.CASH:
                    cash.append(CashMovement(shop=shop, kind=CashMovement.Kind.PAYMENT, amount=row.amount,
                                             payment_id=e.pk, created_by=owner, created_at=row.created_at))
                    if row.voided_at is not None:
                        cash.append(CashMovement(shop=shop, kind=CashMovement.Kind.PAYMENT_VOID, amount=-row.amount,
                                                 payment_id=e.pk, created_by=owner, created_at=row.voided_at))
            CashMovement.objects.bulk_create(cash, batch_size=self.batch_size)
            self.cash_balance += sum((m.amount for m in cash), ZERO)

            allocations = []
            for c in group:
                for (p, d), paise in c.allocations.items():
                    payment = c.entries[p]
                    allocations.append(Allocation(
                        shop=shop, payment_id=payment.pk, due_id=c.entries[d].pk, amount=self.money(paise),
                        created_at=self.at(payment.day, payment.second) if payment.day >= c.entries[d].day
                        else self.at(c.entries[d].day, c.entries[d].second)))
            Allocation.objects.bulk_create(allocations, batch_size=self.batch_size)

            invoices = [e.invoice for c in group for e in c.entries if e.is_due and e.invoice is not None]
            self._invoices(invoices)
        entries = sum(len(c.entries) for c in group)
        self.log(f"  customers {group[0].index + 1}–{group[-1].index + 1}: {entries} entries, "
                 f"{len(allocations)} allocations, {len(invoices)} invoices")

    def _invoices(self, plans: list[InvoicePlan]):
        shop, owner = self.shop, self.owner
        rows = []
        for inv in plans:
            t = inv.totals
            rows.append(Invoice(
                shop=shop, number=inv.number, financial_year=inv.year, sequence_number=inv.sequence,
                customer_id=inv.customer.pk if inv.customer else None, issued_on=self.plan.date(inv.day),
                gst_split=True, discount_type=inv.discount[0], discount_value=inv.discount[1],
                round_off=inv.round_off, subtotal=t.subtotal, discount_total=t.discount_total,
                taxable_total=t.taxable_total, tax_total=t.tax_total, round_off_amount=t.round_off_amount,
                total=t.total, paid_at_counter=inv.paid, payment_method=inv.method,
                notes=inv.notes, due_id=inv.due.pk if inv.due else None,
                payment_id=inv.payment.pk if inv.payment else None, created_by=owner,
                created_at=self.at(inv.day, inv.second)))
        for inv, row in zip(plans, Invoice.objects.bulk_create(rows, batch_size=self.batch_size), strict=True):
            inv.pk = row.pk
        lines = []
        for inv in plans:
            for position, (lt, (p, qty)) in enumerate(zip(inv.totals.lines, inv.lines, strict=True), start=1):
                product = self.plan.products[p]
                lines.append(InvoiceLine(
                    shop=shop, invoice_id=inv.pk, position=position, product_id=self.products[p].pk,
                    description=product["name"], hsn_code=product["hsn"], unit=product["unit"], quantity=qty,
                    unit_price=product["price"], tax_rate=product["tax_rate"], line_net=lt.line_net,
                    discount=lt.discount, taxable_value=lt.taxable_value))
        InvoiceLine.objects.bulk_create(lines, batch_size=self.batch_size)

    def _walk_in_invoices(self):
        walk_ins = [inv for inv in self.plan.invoices if inv.customer is None]
        for start in range(0, len(walk_ins), 10_000):
            with transaction.atomic():
                self._invoices(walk_ins[start:start + 10_000])
        self.log(f"  walk-in invoices: {len(walk_ins)}")

    def _stock_movements(self):
        plan, shop, owner = self.plan, self.shop, self.owner
        stock = list(plan.opening_stock)
        set_up = self.at(0, DAY_START) - datetime.timedelta(days=1)
        rows = [StockMovement(shop=shop, product_id=self.products[i].pk, kind=StockMovement.Kind.RECEIVE,
                              quantity=stock[i], balance_after=stock[i], reason="Opening stock", created_by=owner,
                              created_at=set_up)
                for i, p in enumerate(plan.products) if p["track"] and stock[i] > 0]
        for inv in plan.invoices:  # in date order
            for p, qty in inv.lines:
                if not plan.products[p]["track"]:
                    continue
                stock[p] -= qty
                rows.append(StockMovement(
                    shop=shop, product_id=self.products[p].pk, kind=StockMovement.Kind.SALE, quantity=-qty,
                    balance_after=stock[p], reason=f"Invoice {inv.number}", invoice_id=inv.pk, created_by=owner,
                    created_at=self.at(inv.day, inv.second)))
        for start in range(0, len(rows), 50_000):
            with transaction.atomic():
                StockMovement.objects.bulk_create(rows[start:start + 50_000], batch_size=self.batch_size)
        self.log(f"  stock movements: {len(rows)}")


def delete_shop_rows(shop: Shop) -> None:
    """Delete ``shop`` and every row that names it (history tables included), with raw
    deletes: no signals, no history, no cascade collection (fast for millions of rows)."""
    tenant_models = []
    for model in apps.get_models(include_auto_created=True):
        if model is Shop:
            continue
        for fld in model._meta.concrete_fields:
            if isinstance(fld, models.ForeignKey) and fld.related_model is Shop:
                tenant_models.append((model, fld.attname))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "mysql":
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
        try:
            for model, attname in tenant_models:
                model._base_manager.filter(**{attname: shop.pk})._raw_delete(connection.alias)
            Shop.objects.filter(pk=shop.pk)._raw_delete(connection.alias)
        finally:
            if connection.vendor == "mysql":
                cursor.execute("SET FOREIGN_KEY_CHECKS = 1")


class LoadDataError(Exception):
    """A request the generator refuses: a size too small, or a shop name that exists
    (without ``replace``). ``str(error)`` says what to change."""


def generate(*, customers: int = 100_000, entries: int = 1_000_000, invoices: int = 50_000, products: int = 300,
             shops: int = 1, days: int = 730, statement_customers: int = 5, statement_entries: int = 200,
             name: str = DEFAULT_NAME, username: str = DEFAULT_USERNAME, password: str = DEFAULT_PASSWORD,
             seed: int = 1, batch_size: int = 5000, replace: bool = False, out=None,
             verbose: bool = False) -> list[Shop]:
    """Build ``shops`` shops of this size (see the module doc) owned by ``username``;
    return them. ``out`` (a text stream, default stdout) gets the progress lines, one per
    shop (and per slice of customers with ``verbose``). Raises :class:`LoadDataError`.
    """
    out = out if out is not None else sys.stdout
    sizes = {"customers": customers, "entries": entries, "invoices": invoices, "shops": shops, "days": days,
             "batch_size": batch_size, "products": products}
    for key, value in sizes.items():
        if value < (1 if key in ("shops", "days", "batch_size", "products") else 0):
            raise LoadDataError(f"--{key.replace('_', '-')} is too small.")
    if entries and not customers:
        raise LoadDataError("Entries need customers.")

    def say(line: str) -> None:
        out.write(line + "\n")

    names = [name] + [f"{name} {n}" for n in range(2, shops + 1)]
    started = time.monotonic()
    built = []
    with scopes_disabled():
        existing = list(Shop.objects.filter(name__in=names))
        if existing and not replace:
            raise LoadDataError(f"A shop named {existing[0].name!r} exists already (id {existing[0].pk}); "
                                "use --replace to delete and rebuild it, or another --name.")
        for shop in existing:
            t = time.monotonic()
            delete_shop_rows(shop)
            say(f"Deleted shop {shop.pk} ({shop.name}) in {time.monotonic() - t:.1f} s.")
        user = _user(username, password)
        sizes = {"customers": customers, "entries": entries, "invoices": invoices, "products": products,
                 "days": days, "statement_customers": statement_customers, "statement_entries": statement_entries}
        for number, shop_name in enumerate(names):
            built.append(_shop(shop_name, user, sizes, seed=seed + number, batch_size=batch_size, say=say,
                               verbose=verbose))
    say(f"Done in {time.monotonic() - started:.1f} s. Log in as {username!r} / {password!r}.")
    return built


def _user(username, password):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, email=f"{username}@example.com")
    user.set_password(password)
    user.save()
    return user


def _shop(name, user, sizes, *, seed, batch_size, say, verbose):
    t0 = time.monotonic()
    today = timezone.localdate()
    shop = Shop.objects.create(name=name, phone="9839012345", address="Sadar Bazaar, Jhansi", gstin=GSTIN,
                               upi_id="loadtest@okaxis")
    Membership.objects.get_or_create(user=user, shop=shop, defaults={"role": Membership.Role.OWNER})
    plan = ShopPlan(rng=random.Random(seed), customers=sizes["customers"], entries=sizes["entries"],
                    invoices=sizes["invoices"], products=sizes["products"], days=sizes["days"],
                    statement_customers=sizes["statement_customers"],
                    statement_entries=sizes["statement_entries"], today=today,
                    fy_start_month=shop.financial_year_start_month)
    t1 = time.monotonic()
    entries = sum(len(c.entries) for c in plan.customers)
    say(f"Shop {shop.pk} ({name}): planned {len(plan.customers)} customers, {entries} entries, "
        f"{len(plan.invoices)} invoices in {t1 - t0:.1f} s; writing…")
    writer = Writer(plan=plan, shop=shop, owner=user, batch_size=batch_size,
                    log=say if verbose else (lambda line: None))
    models_with_stamps = (Customer, Due, Payment, Allocation, Invoice, Product, StockMovement, CashMovement)
    with _stored_timestamps(*models_with_stamps), _bulk_load_session():
        writer.run()
    # The dashboard's customer totals, from the customers just written (as the services keep them).
    totals_rebuild(shop=shop)
    if connection.vendor == "mysql" and not connection.in_atomic_block:
        # Fresh statistics for the planner after millions of inserts (as a DBA would). Not
        # inside a caller's transaction: ANALYZE TABLE commits implicitly.
        tables = [m._meta.db_table for m in models_with_stamps + (InvoiceLine,)]
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE TABLE " + ", ".join(connection.ops.quote_name(t) for t in tables))
            cursor.fetchall()
    t2 = time.monotonic()
    statement = [c.pk for c in plan.customers[:sizes["statement_customers"]] if c.entries]
    say(f"Shop {shop.pk} ({name}) written in {t2 - t1:.1f} s (total {t2 - t0:.1f} s): "
        f"{len(plan.customers)} customers, {entries} entries, "
        f"{sum(len(c.allocations) for c in plan.customers)} allocations, {len(plan.invoices)} invoices, "
        f"{len(plan.products)} products. Customers with {sizes['statement_entries']} entries: {statement}.")
    return shop


def parse_args(argv=None) -> argparse.Namespace:
    """The command line of ``bench/generate_load_data.py`` (the keyword arguments of :func:`generate`)."""
    parser = argparse.ArgumentParser(
        prog="generate_load_data",
        description="Build a large shop for benchmarks (bulk writes; consistent balances and allocations). "
                    "Refuses when the shop name exists, unless --replace.")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=1_000_000,
                        help="Dues plus payments per shop (invoice dues and counter payments included).")
    parser.add_argument("--invoices", type=int, default=50_000)
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--shops", type=int, default=1, help="How many shops of this size (default 1).")
    parser.add_argument("--days", type=int, default=730, help="Length of the history, ending today.")
    parser.add_argument("--statement-customers", type=int, default=5,
                        help="Customers with exactly --statement-entries entries (default 5).")
    parser.add_argument("--statement-entries", type=int, default=200)
    parser.add_argument("--name", default=DEFAULT_NAME, help=f"Shop name (default {DEFAULT_NAME!r}).")
    parser.add_argument("--username", default=DEFAULT_USERNAME)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--replace", action="store_true", help="Delete shops of these names first.")
    parser.add_argument("-v", "--verbose", action="store_true", help="A line per slice of customers written.")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Run :func:`generate` with the command line's options; 0, or 2 after a refusal
    (its message on stderr)."""
    try:
        generate(**vars(parse_args(argv)))
    except LoadDataError as exc:
        print(f"generate_load_data: {exc}", file=sys.stderr)
        return 2
    return 0
