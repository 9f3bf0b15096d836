"""The demo shop's credit history (``manage.py seed_demo`` builds it; the command
lives in ``billing``, which adds its catalogue and invoices through :class:`Extension`).

:class:`Seeder` creates, always the same way (a fixed random seed):

* the shop "Sharma General Store" (Jhansi, Uttar Pradesh; INR, ``en_IN``; UPI ID
  ``sharmastore@okaxis``) with the owner login ``demo`` / ``demo-pass-123`` and, with
  the same password, a cashier ``demo-staff``, a manager ``demo-manager`` and a viewer
  ``demo-viewer`` (the accountant);
* 60 customers with Indian names from all over the country, 10-digit mobile numbers
  (digits only), some with an email, an address, notes or a credit limit;
* six months of dues (kirana purchases such as "Atta 10 kg, toor dal 2 kg",
  ₹50–₹5,000, some with a due date 7–30 days later) and payments (cash, UPI, card,
  bank transfer; full, partial and "mark as paid"), recorded in date order through
  the ledger services, plus one due voided as a duplicate. At the end some customers
  are overdue, some have partly paid dues, some are settled at zero, a few hold
  credit (paid in advance) and two have no entries yet.

Entries are written only through the services (``shop_register``, ``shop_update``,
``customer_create``, ``due_create``, ``payment_create``, ``due_mark_paid``,
``due_void``), so balances and allocations are exactly what the app itself would
produce. Afterwards the timestamps that the services set to "now" (``created_at``
of entries and allocations, ``voided_at``, ``Customer.last_activity_at``,
``Customer.created_at``) are moved back to the days the entries belong to, with
queryset updates; no figure changes.

An :class:`Extension` (the billing app's invoices) runs inside the same story: it is
called before each day's ledger entries, reports the rows it wrote with
:meth:`Seeder.record` (so they get that day's timestamps and the customers' plans
see the balance they add) and backdates its own rows from :attr:`Seeder.stamps`.
Without one, the story is exactly the ledger's own. Nothing here imports billing.

The caller runs :meth:`Seeder.run` in a transaction; :func:`delete_demo` removes the
ledger part of a demo shop (a billing caller deletes its own rows first).
"""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_scopes import scope

from accounts.models import Membership, Shop
from accounts.services import shop_register, shop_update
from core.money import ZERO, format_money
from customers.models import Customer
from customers.services import customer_create
from ledger.models import Allocation, Due, Payment
from ledger.selectors.dashboard import dashboard_summary
from ledger.selectors.entries import customer_open_dues, due_outstanding
from ledger.services.entries import due_create, due_mark_paid, due_void, payment_create

User = get_user_model()

DEMO_USERNAME = "demo"
DEMO_STAFF_USERNAME = "demo-staff"
DEMO_MANAGER_USERNAME = "demo-manager"
DEMO_VIEWER_USERNAME = "demo-viewer"
#: Every demo login: the owner, then the cashier, the manager and the viewer.
DEMO_USERNAMES = (DEMO_USERNAME, DEMO_STAFF_USERNAME, DEMO_MANAGER_USERNAME, DEMO_VIEWER_USERNAME)
DEMO_PASSWORD = "demo-pass-123"  # noqa: S105 (public demo login, printed by the Makefile)
DEMO_SHOP_NAME = "Sharma General Store"
SEED = 20250401
HISTORY_DAYS = 182  # about six months, ending today

SHOP = {
    "shop_name": DEMO_SHOP_NAME,
    "phone": "9415012345",
    "address": "Shop No. 14, Sadar Bazaar, near Elite Chauraha\nJhansi, Uttar Pradesh 284001",
    "currency": Shop.Currency.INR,
    "locale": Shop.Locale.EN_IN,
}
UPI_ID = "sharmastore@okaxis"

# (name, profile). Profiles decide how a customer buys and pays (see Seeder._day).
CUSTOMERS = [
    ("Ramesh Kumar Sharma", "monthly"), ("Sunita Devi", "partial"), ("Priya Iyer", "weekly"),
    ("Venkatesh Reddy", "monthly"), ("Anjali Deshpande", "settled"), ("Mohammed Irfan", "overdue"),
    ("Farah Khan", "monthly"), ("Gurpreet Singh", "credit"), ("Harpreet Kaur", "weekly"),
    ("Sourav Banerjee", "partial"), ("Rituparna Das", "occasional"), ("Lakshmi Narayanan", "monthly"),
    ("Arun Nair", "settled"), ("Deepa Menon", "weekly"), ("Joseph D'Souza", "overdue"),
    ("Maria Fernandes", "monthly"), ("Bhavesh Patel", "partial"), ("Kavita Shah", "settled"),
    ("Rajesh Yadav", "overdue"), ("Pooja Gupta", "monthly"), ("Sanjay Mishra", "partial"),
    ("Neha Verma", "occasional"), ("Abdul Rahman", "monthly"), ("Ayesha Siddiqui", "weekly"),
    ("Tenzin Dorjee", "none"), ("Biju Thomas", "monthly"), ("Manpreet Gill", "partial"),
    ("Suresh Babu", "overdue"), ("Meenakshi Sundaram", "monthly"), ("Kiran Kulkarni", "settled"),
    ("Vikram Singh Rathore", "partial"), ("Anita Joshi", "monthly"), ("Prakash Jha", "overdue"),
    ("Swati Pillai", "weekly"), ("Dinesh Chauhan", "partial"), ("Geeta Rawat", "monthly"),
    ("Amit Agarwal", "credit"), ("Shalini Saxena", "occasional"), ("Imran Qureshi", "partial"),
    ("Zoya Ansari", "monthly"), ("Nitin Gadgil", "settled"), ("Sneha Patil", "weekly"),
    ("Hemant Bora", "overdue"), ("Pallavi Baruah", "monthly"), ("Karthik Subramanian", "partial"),
    ("Divya Rao", "occasional"), ("Manoj Tiwari", "overdue"), ("Sarita Pandey", "monthly"),
    ("Nasreen Begum", "partial"), ("Balwinder Singh Sandhu", "settled"), ("Jaspreet Kaur", "weekly"),
    ("Gopal Krishnan", "monthly"), ("Rupa Ghosh", "partial"), ("Tapan Mondal", "overdue"),
    ("Sunil Kamble", "settled"), ("Usha Rani", "occasional"), ("Lalremruati", "none"),
    ("Sri Balaji Tiffin Centre", "monthly"), ("Annapurna Mess (Rakesh Soni)", "partial"),
    ("Raju Prajapati (auto stand)", "monthly"),
]

LOCALITIES = [
    "Sipri Bazaar", "Civil Lines", "Nandanpura", "Prem Nagar", "Sadar Bazaar", "Gwalior Road",
    "Shivaji Nagar", "Nai Basti", "Khati Baba", "Sainik Colony", "Rajgarh", "Dadiyapura",
]
NOTES = [
    "Pays after salary on the 1st.",
    "Son usually collects the goods; call before 8 pm.",
    "Buys in bulk for the tiffin service; allow up to ₹5,000.",
    "Prefers UPI. Send the statement link on WhatsApp.",
    "Old customer of the shop since 2012.",
    "Ask before giving more than ₹2,000 on credit.",
    "Lives upstairs; home delivery on Sundays.",
    "Works night shifts at the railway workshop; comes after 10 am.",
]

# (item, lowest price, highest price) in whole rupees: typical kirana purchases.
ITEMS = [
    ("atta 10 kg", 380, 480), ("toor dal 2 kg", 260, 340), ("basmati rice 5 kg", 450, 750),
    ("sona masoori rice 10 kg", 520, 700), ("sugar 5 kg", 210, 250), ("mustard oil 1 L", 150, 190),
    ("sunflower oil 5 L", 650, 850), ("tea 500 g", 140, 280), ("milk 2 L", 108, 136),
    ("eggs 1 tray", 180, 210), ("bread, butter", 90, 120), ("washing powder 1 kg", 110, 240),
    ("bathing soap 4 pc", 120, 200), ("Maggi, biscuits", 60, 150), ("onion 5 kg", 150, 250),
    ("potato 5 kg", 100, 160), ("desi ghee 1 L", 550, 680), ("moong dal 1 kg", 110, 140),
    ("chana dal 1 kg", 80, 110), ("besan 1 kg", 90, 120), ("poha 1 kg", 50, 70),
    ("masala (haldi, mirchi, dhaniya)", 120, 250), ("salt 1 kg", 25, 30), ("matchbox, agarbatti", 20, 60),
    ("cold drinks", 40, 200), ("toothpaste, shampoo", 100, 300), ("rava 1 kg", 50, 70),
    ("jaggery 1 kg", 60, 80), ("coconut oil 500 ml", 120, 170), ("paneer 500 g", 180, 220),
    ("curd 1 kg", 60, 80), ("rajma 1 kg", 140, 180), ("urad dal 1 kg", 120, 150),
]
PRICES = {name: (low, high) for name, low, high in ITEMS}
MONTHLY_RATION = [
    "atta 10 kg", "sona masoori rice 10 kg", "toor dal 2 kg", "sugar 5 kg", "sunflower oil 5 L",
    "tea 500 g", "washing powder 1 kg", "masala (haldi, mirchi, dhaniya)",
]
METHODS = [
    (Payment.Method.CASH, 45), (Payment.Method.UPI, 40), (Payment.Method.BANK, 7),
    (Payment.Method.CARD, 5), (Payment.Method.OTHER, 3),
]
PAYMENT_NOTES = ["", "", "", "", "Paid by son", "Paid at the counter", "Salary day", "Sent by wife on PhonePe"]


@dataclass
class Plan:
    """How one demo customer behaves over the six months."""

    customer: Customer
    profile: str
    first_day: int  # day index of the first purchase
    last_day: int  # day index of the last purchase
    interval: float  # mean days between purchases
    pay_day: int  # day of month (monthly) or weekday (weekly)
    pay_every: float  # mean days between partial payments
    stop_paying: int  # day index after which an "overdue" customer pays nothing
    terms: list = field(default_factory=list)  # days to the due date; None = no due date
    void_from: int | None = None  # day from which the next bill is entered twice and the copy voided
    balance: Decimal = ZERO  # what the services have made of it: dues minus payments


def demo_exists() -> bool:
    """Whether a demo login exists (then the demo shop is taken as built). Call it under
    ``scopes_disabled()``."""
    return User.objects.filter(username__in=DEMO_USERNAMES).exists()


def demo_shop_ids() -> list[int]:
    """Ids of the demo shop(s): named ``DEMO_SHOP_NAME`` and owned by the ``demo`` login."""
    return list(Shop.objects.filter(name=DEMO_SHOP_NAME, memberships__user__username=DEMO_USERNAME,
                                    memberships__role=Membership.Role.OWNER).values_list("pk", flat=True))


def delete_demo() -> int:
    """Delete the demo shop(s) with all their ledger rows and history, and the demo users.

    Returns how many shops were deleted. Call it under ``scopes_disabled()``; rows of
    later apps that protect dues or payments (invoices) must be deleted first.
    """
    shop_ids = demo_shop_ids()
    for shop_id in shop_ids:
        # Dues are PROTECTed by their payments and customers by their dues: delete in that order.
        Payment.objects.filter(shop_id=shop_id).delete()
        Due.objects.filter(shop_id=shop_id).delete()
        Shop.objects.filter(pk=shop_id).delete()
        for model in (Allocation, Payment, Due, Customer, Membership):
            model.history.filter(shop_id=shop_id).delete()
        Shop.history.filter(id=shop_id).delete()  # the shop's settings history (and its deletion)
    User.objects.filter(username__in=DEMO_USERNAMES).delete()
    return len(shop_ids)


def summary_lines(shop: Shop) -> list[str]:
    """What the ledger of ``shop`` holds, as lines for the command to print: a heading
    ("Created the demo shop …"), then customers, dues, payments and the totals."""
    with scope(shop=shop):
        summary = dashboard_summary(shop=shop)
        dues = Due.objects.filter(shop=shop)
        payments = Payment.objects.filter(shop=shop)
        customers = Customer.objects.filter(shop=shop)
        return [
            f"Created the demo shop '{shop.name}' (id {shop.pk}).",
            f"  customers:          {customers.count()} "
            f"({customers.filter(balance__gt=0).count()} owing, {summary.overdue_customers} overdue, "
            f"{customers.filter(balance__lt=0).count()} in credit, "
            f"{customers.filter(last_activity_at__isnull=True).count()} without entries)",
            f"  dues:               {dues.filter(voided_at__isnull=True).count()} "
            f"(+{dues.filter(voided_at__isnull=False).count()} voided)",
            f"  payments:           {payments.count()}",
            f"  total outstanding:  {format_money(summary.total_outstanding, shop.currency, shop.locale)}",
            f"  overdue:            {format_money(summary.overdue_amount, shop.currency, shop.locale)}",
            f"  customer credit:    {format_money(summary.total_credit, shop.currency, shop.locale)}",
        ]


LOGIN_LINE = (f"Log in as '{DEMO_USERNAME}' / '{DEMO_PASSWORD}' (owner); with the same password, "
              f"'{DEMO_STAFF_USERNAME}' (cashier), '{DEMO_MANAGER_USERNAME}' (manager) or "
              f"'{DEMO_VIEWER_USERNAME}' (viewer).")


class Extension:
    """Hooks for another app to add to the demo shop while :class:`Seeder` runs.

    Every method gets the seeder (``shop``, ``owner``, ``staff``, ``plans``, ``start``,
    ``today``); the default ones do nothing.
    """

    def setup(self, seeder: "Seeder") -> None:
        """After the shop and its customers exist, before the first day."""

    def day(self, seeder: "Seeder", day: int, date: datetime.date) -> None:
        """At the start of day ``day`` (0 … ``HISTORY_DAYS``; ``date``), before the
        ledger's own entries of that day. Report what was written with :meth:`Seeder.record`."""

    def backdate(self, seeder: "Seeder") -> None:
        """After the ledger's timestamps are set: move this extension's "now"
        timestamps back, using ``seeder.stamps`` and ``seeder.void_stamps``."""


class Seeder:
    """Builds the demo shop; deterministic for a given ``today``.

    ``customers`` replaces the cast (``CUSTOMERS``: (name, profile) pairs), e.g. a
    smaller one for quick tests; ``extension`` adds another app's rows (:class:`Extension`).
    """

    def __init__(self, *, customers=None, extension: Extension | None = None):
        self.rng = random.Random(SEED)
        self.cast = customers if customers is not None else CUSTOMERS
        self.extension = extension or Extension()
        self.today = timezone.localdate()
        self.start = self.today - datetime.timedelta(days=HISTORY_DAYS)
        self.plans = []
        # (date, ((model, pk), ...)) in the order recorded; the rows of one item share a timestamp.
        self.log = []
        self.voids = []  # ((model, pk), ...) voided together, minutes after they were recorded
        self.scheduled = {}  # date -> [(plan, due)] to mark as paid that day
        self.stamps = defaultdict(dict)  # model -> {pk: created_at}, set by _backdate
        self.void_stamps = defaultdict(dict)  # model -> {pk: voided_at}, set by _backdate

    def record(self, date: datetime.date, *rows, customer: Customer | None = None,
               balance_change: Decimal = ZERO) -> None:
        """Log ``rows`` (model instances) that an extension wrote on ``date``; they get
        one timestamp of that day. ``balance_change`` (Decimal) is what they added to
        ``customer``'s balance (dues minus payments), so that customer's plan pays it too."""
        self.log.append((date, tuple((type(row), row.pk) for row in rows)))
        if customer is not None:
            self._plan_of(customer).balance += balance_change

    def record_void(self, *rows, customer: Customer | None = None, balance_change: Decimal = ZERO) -> None:
        """Log ``rows`` (recorded before) that were voided together a few minutes later."""
        self.voids.append(tuple((type(row), row.pk) for row in rows))
        if customer is not None:
            self._plan_of(customer).balance += balance_change

    def _plan_of(self, customer) -> Plan:
        return next(plan for plan in self.plans if plan.customer.pk == customer.pk)

    # -- set-up ---------------------------------------------------------------------------------

    def run(self) -> Shop:
        self.owner, shop = shop_register(username=DEMO_USERNAME, email="mahesh.sharma@example.in",
                                         password=DEMO_PASSWORD, **SHOP)
        self.owner.first_name, self.owner.last_name = "Mahesh", "Sharma"
        self.owner.save(update_fields=["first_name", "last_name"])
        self.shop = shop_update(shop=shop, upi_id=UPI_ID)
        # The history is backdated: no receipt emails for it (the saved setting stays on).
        self.shop.send_payment_receipts = False
        # The staff: what accounts.services.staff_login_create makes, but with the owner's
        # salted hash (the same password) rather than three more hashing rounds.
        self.staff = User.objects.create(username=DEMO_STAFF_USERNAME, email="staff@example.in",
                                         password=self.owner.password, first_name="Pappu", last_name="Kushwaha")
        Membership.objects.create(user=self.staff, shop=shop, role=Membership.Role.CASHIER)
        self.manager = User.objects.create(username=DEMO_MANAGER_USERNAME, email="manager@example.in",
                                           password=self.owner.password, first_name="Sunita", last_name="Sharma")
        Membership.objects.create(user=self.manager, shop=shop, role=Membership.Role.MANAGER)
        self.viewer = User.objects.create(username=DEMO_VIEWER_USERNAME, email="accounts@example.in",
                                          password=self.owner.password, first_name="Rakesh", last_name="Gupta")
        Membership.objects.create(user=self.viewer, shop=shop, role=Membership.Role.VIEWER)
        with scope(shop=shop):
            plans = self.plans = self._customers()
            self.extension.setup(self)
            for day in range(HISTORY_DAYS + 1):
                self.extension.day(self, day, self.start + datetime.timedelta(days=day))
                self._day(plans, day)
            self._finish(plans)
            self._backdate(plans)
            self.extension.backdate(self)
        return shop

    def _phone(self, used):
        while True:
            number = self.rng.choice("6789") + "".join(self.rng.choice("0123456789") for _ in range(9))
            if number not in used:
                used.add(number)
                return number

    def _customers(self) -> list[Plan]:
        rng = self.rng
        used_phones = set()
        plans = []
        for index, (name, profile) in enumerate(self.cast):
            phone = "" if index in (21, 46) else self._phone(used_phones)
            email = ""
            if rng.random() < 0.3 and "(" not in name:
                parts = name.lower().replace("'", "").split()
                email = f"{parts[0]}.{parts[-1]}{rng.choice(['', '', '91', '12', '007'])}@" + rng.choice(
                    ["gmail.com", "gmail.com", "yahoo.co.in", "rediffmail.com", "outlook.com"])
            address = ""
            if rng.random() < 0.5:
                address = f"{rng.choice(['House', 'H. No.', 'Flat'])} {rng.randint(1, 240)}, " \
                          f"{rng.choice(LOCALITIES)}, Jhansi"
            notes = rng.choice(NOTES) if rng.random() < 0.2 else ""
            credit_limit = Decimal(rng.choice([3000, 5000, 10000])) if rng.random() < 0.15 else None
            customer = customer_create(shop=self.shop, name=name, phone=phone, email=email, address=address,
                                       notes=notes, credit_limit=credit_limit)
            plans.append(self._plan(customer, profile))
        return plans

    def _plan(self, customer, profile) -> Plan:
        rng = self.rng
        last = HISTORY_DAYS
        first = rng.choice([0, 0, rng.randint(0, 60), rng.randint(30, 120)])
        plan = Plan(customer=customer, profile=profile, first_day=first, last_day=last,
                    interval=rng.uniform(30, 45), pay_day=rng.randint(1, 7), pay_every=rng.uniform(28, 40),
                    stop_paying=last, terms=[None, 30])
        if profile == "weekly":
            plan.interval, plan.pay_day, plan.terms = rng.uniform(14, 21), rng.randint(0, 6), [None, 7]
        elif profile == "partial":
            plan.terms = [None, 15, 30]
        elif profile == "overdue":
            plan.first_day = rng.randint(0, 20)
            plan.stop_paying = rng.randint(70, 110)
            plan.last_day = min(plan.stop_paying + rng.randint(15, 35), HISTORY_DAYS - 40)
            plan.terms = [7, 10, 15]
        elif profile in ("settled", "credit"):
            plan.last_day = HISTORY_DAYS - rng.randint(6, 25)
        elif profile == "occasional":
            plan.interval, plan.terms = rng.uniform(40, 60), [None]
        elif profile == "none":
            plan.first_day = plan.last_day = HISTORY_DAYS + 1
        if customer.name == "Lakshmi Narayanan":
            plan.void_from = 120
        return plan

    # -- the six months ---------------------------------------------------------------------------

    def _by(self):
        return self.owner if self.rng.random() < 0.7 else self.staff

    def _purchase(self):
        rng = self.rng
        if rng.random() < 0.06:
            names = rng.sample(MONTHLY_RATION, rng.randint(5, 8))
            description = "Monthly ration: " + ", ".join(names)
        else:
            names = [item[0] for item in rng.sample(ITEMS, rng.choice([1, 2, 2, 3, 3, 4]))]
            description = ", ".join(names)
        total = sum(rng.randint(*PRICES[name]) for name in names)
        if rng.random() < 0.1:
            total = total + Decimal("0.50")
        total = min(max(Decimal(total), Decimal(50)), Decimal(5000))
        return description[0].upper() + description[1:], total

    def _method(self):
        method = self.rng.choices([m for m, _ in METHODS], weights=[w for _, w in METHODS])[0]
        reference = ""
        if method == Payment.Method.UPI:
            reference = "".join(self.rng.choice("0123456789") for _ in range(12))
        elif method == Payment.Method.BANK:
            reference = "NEFT" + "".join(self.rng.choice("0123456789") for _ in range(10))
        elif method == Payment.Method.CARD:
            reference = f"card xx{self.rng.randint(1000, 9999)}"
        return method, reference

    def _due(self, plan, date, description=None, amount=None):
        generated = self._purchase()
        description = description or generated[0]
        amount = amount or generated[1]
        term = self.rng.choice(plan.terms)
        due_date = date + datetime.timedelta(days=term) if term else None
        due = due_create(shop=self.shop, customer=plan.customer, amount=amount, description=description,
                         incurred_on=date, due_date=due_date, created_by=self._by())
        plan.balance += due.amount
        self.log.append((date, ((Due, due.pk),)))
        return due

    def _pay(self, plan, date, amount, note="", due=None):
        method, reference = self._method()
        payment = payment_create(shop=self.shop, customer=plan.customer, amount=amount, received_on=date,
                                 method=method, reference=reference,
                                 note=note or self.rng.choice(PAYMENT_NOTES), due=due, created_by=self._by())
        plan.balance -= payment.amount
        self.log.append((date, ((Payment, payment.pk),)))
        return payment

    def _round_part(self, balance):
        """A round partial payment below ``balance`` (or None when it is too small)."""
        options = [a for a in (100, 200, 300, 500, 1000, 1500, 2000, 3000, 5000) if a < balance]
        return Decimal(self.rng.choice(options[-3:])) if options else None

    def _day(self, plans, day):
        rng = self.rng
        date = self.start + datetime.timedelta(days=day)
        for plan, due in self.scheduled.pop(date, []):
            if due_outstanding(due) > 0:
                payment = due_mark_paid(shop=self.shop, due=due, received_on=date, method=self._method()[0],
                                        created_by=self._by())
                plan.balance -= payment.amount
                self.log.append((date, ((Payment, payment.pk),)))
        for plan in plans:
            # Everyone buys on their first day; those who stop buying do so with a last bill.
            forced = day == plan.first_day or (day == plan.last_day < HISTORY_DAYS)
            if plan.first_day <= day <= plan.last_day and (forced or rng.random() < 1 / plan.interval):
                due = self._due(plan, date)
                if plan.profile == "occasional":
                    paid_on = date + datetime.timedelta(days=rng.randint(0, 12))
                    if paid_on < self.today:
                        self.scheduled.setdefault(paid_on, []).append((plan, due))
                if plan.void_from is not None and day >= plan.void_from:
                    # The same bill entered twice; the owner voids the copy.
                    plan.void_from = None
                    copy = self._due(plan, date, description=due.description, amount=due.amount)
                    due_void(shop=self.shop, due=copy, reason="Entered twice by mistake", voided_by=self.owner)
                    plan.balance -= copy.amount
                    self.voids.append(((Due, copy.pk),))
            if plan.profile in ("settled", "credit") and day == plan.last_day + 3:
                if plan.profile == "credit":
                    advance = Decimal(rng.choice([500, 1000, 2000]))
                    self._pay(plan, date, max(plan.balance, ZERO) + advance, note="Includes advance for next month")
                elif plan.balance > 0:
                    self._pay(plan, date, plan.balance, note="Account settled")
                continue
            if plan.balance <= 0 or day < plan.first_day:
                continue
            if plan.profile in ("monthly", "settled", "credit") and date.day == plan.pay_day:
                if rng.random() < 0.8:
                    self._pay(plan, date, plan.balance)
                elif part := self._round_part(plan.balance):
                    self._pay(plan, date, part)
            elif plan.profile == "weekly" and date.weekday() == plan.pay_day:
                part = self._round_part(plan.balance) if rng.random() < 0.2 else None
                self._pay(plan, date, part or plan.balance)
            elif plan.profile in ("partial", "overdue") and day <= plan.stop_paying \
                    and rng.random() < 1 / plan.pay_every and (part := self._round_part(plan.balance)):
                self._pay(plan, date, part)

    def _finish(self, plans):
        """Make sure the story has every case the demo is meant to show."""
        date = self.today - datetime.timedelta(days=2)
        partial = next(p for p in plans if p.profile == "partial")
        dues = sorted(customer_open_dues(customer=partial.customer), key=lambda d: (d.incurred_on, d.pk))
        due = dues[-1] if dues and dues[-1].outstanding >= 100 else self._due(partial, date)
        # Half of the latest open bill, applied to that bill: it becomes "partially paid".
        self._pay(partial, max(date, due.incurred_on), (due_outstanding(due) / 2).quantize(Decimal(1)),
                  note="Half now, rest next week", due=due)

    # -- timestamps -------------------------------------------------------------------------------

    def _backdate(self, plans):
        """Move the services' "now" timestamps back to the entries' own days."""
        rng = self.rng
        tz = timezone.get_current_timezone()
        now = timezone.now()
        per_day = {}
        for date, rows in self.log:
            per_day.setdefault(date, []).append(rows)
        stamps = self.stamps
        for date, entries in per_day.items():
            opening = datetime.datetime.combine(date, datetime.time(8, 30), tzinfo=tz)
            closing = datetime.datetime.combine(date, datetime.time(21, 30), tzinfo=tz)
            if date == self.today:  # never in the future, never before midnight
                midnight = datetime.datetime.combine(date, datetime.time(0), tzinfo=tz)
                closing = min(closing, now)
                opening = min(opening, midnight + (closing - midnight) / 2)
            step = (closing - opening) / (len(entries) + 1)
            for index, rows in enumerate(entries, start=1):
                jitter = datetime.timedelta(seconds=rng.randint(0, max(int(step.total_seconds() / 3), 0)))
                for model, pk in rows:
                    stamps[model][pk] = opening + step * index + jitter
        for rows in self.voids:
            model, pk = rows[0]
            voided_at = min(stamps[model][pk] + datetime.timedelta(minutes=rng.randint(3, 40)), now)
            for model, pk in rows:
                self.void_stamps[model][pk] = voided_at
        dues = list(Due.objects.filter(shop=self.shop))
        for due in dues:
            due.created_at = stamps[Due][due.pk]
            due.voided_at = self.void_stamps[Due].get(due.pk, due.voided_at)
        Due.objects.bulk_update(dues, ["created_at", "voided_at"], batch_size=500)
        payments = list(Payment.objects.filter(shop=self.shop))
        for payment in payments:
            payment.created_at = stamps[Payment][payment.pk]
            payment.voided_at = self.void_stamps[Payment].get(payment.pk, payment.voided_at)
        Payment.objects.bulk_update(payments, ["created_at", "voided_at"], batch_size=500)

        due_times = {d.pk: d.created_at for d in dues}
        payment_times = {p.pk: p.created_at for p in payments}
        allocations = list(Allocation.objects.filter(shop=self.shop))
        for allocation in allocations:
            allocation.created_at = max(due_times[allocation.due_id], payment_times[allocation.payment_id])
        Allocation.objects.bulk_update(allocations, ["created_at"], batch_size=500)

        activity = {}
        first = {}
        for entry in [*dues, *payments]:
            times = [entry.created_at] + ([entry.voided_at] if entry.voided_at else [])
            activity[entry.customer_id] = max([activity.get(entry.customer_id, entry.created_at), *times])
            first[entry.customer_id] = min(first.get(entry.customer_id, entry.created_at), entry.created_at)
        customers = []
        for plan in plans:
            customer = plan.customer
            customer.last_activity_at = activity.get(customer.pk)
            joined = first.get(customer.pk)
            if joined is None:  # no entries yet: added to the book in the last days
                joined = datetime.datetime.combine(self.today - datetime.timedelta(days=rng.randint(1, 10)),
                                                   datetime.time(11, rng.randint(0, 59)), tzinfo=tz)
            customer.created_at = joined - datetime.timedelta(minutes=rng.randint(5, 60))
            customers.append(customer)
        Customer.objects.bulk_update(customers, ["last_activity_at", "created_at"])
        opened = min(c.created_at for c in customers) - datetime.timedelta(days=2)
        Shop.objects.filter(pk=self.shop.pk).update(created_at=opened)
        Membership.objects.filter(shop=self.shop, user=self.owner).update(created_at=opened)
        Membership.objects.filter(shop=self.shop, user__in=[self.staff, self.manager, self.viewer]).update(
            created_at=opened + datetime.timedelta(days=1))
        User.objects.filter(pk__in=[self.owner.pk, self.staff.pk, self.manager.pk, self.viewer.pk]).update(
            date_joined=opened)
