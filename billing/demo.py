"""The demo shop's catalogue, stock and invoices (``manage.py seed_demo``).

:class:`BillingDemo` is a :class:`ledger.demo.Extension`: it runs inside the ledger's
six-month story (``ledger.demo.Seeder``) and adds, always the same way (its own fixed
random seed):

* the shop's GSTIN ``09ABCDE1234F1ZY`` (Uttar Pradesh, a regular registration), so
  invoices are tax invoices with CGST + SGST; one customer, a local caterer, is a
  registered business with a GSTIN of the same state (B2B invoices);
* branded packs priced at their MRP (the price includes tax: the invoice works the
  taxable value back from it), loose goods at a price before tax;
* 5 categories and 43 kirana products (SKU, unit, price before tax, GST rate and HSN
  code as they stand since the GST rate rationalisation of 22 September 2025 — the
  12 % and 28 % slabs are gone for groceries, so 0 %, 5 % or 18 %), with opening
  stock, restocks from the distributor and a low-stock level; at the end a few are
  low or out of stock, one is inactive and loose milk is not stock-tracked;
* the cash drawer's opening float by note and coin (``billing.services.drawer``) and its
  cash book: cash sales with the notes the customer handed over (or the amount, for a bill
  with paise) and the change given, customers' cash payments (through the ledger's
  signals), a few pay-outs, bank deposits when the drawer fills up, and a day close each
  evening that had cash (one a few rupees short) up to three days ago; its own random
  stream (``CASH_SEED``), so the catalogue and invoices stay as they were;
* 60 invoices over the last three months, issued in date order through
  ``billing.services.invoices.invoice_issue`` between the ledger's own entries of each
  day: walk-in sales paid in full, and sales to customers paid in full, in part or
  not at all (the rest goes on the customer's account and is paid with their usual
  payments), 1–6 lines with loose quantities such as 1.500 kg, some with a discount
  and some rounded off; plus one invoice voided the same day with ``invoice_void``.

Everything goes through the services, so stock, movements, dues, payments and
allocations are what the app itself would produce. The "now" timestamps are then
moved back with queryset updates: invoices and their dues and payments share the
time the ledger seeder gives them that day, sale movements follow their invoice,
and the catalogue is set up the day before the first sale.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from django.db.models import F, Sum
from django.utils import timezone
from django_scopes import scope

from accounts.models import GstRegistration, Shop
from accounts.services import shop_update
from billing.change import make_change
from billing.models import (
    CashClose,
    CashDrawer,
    CashMovement,
    Category,
    Denomination,
    Invoice,
    InvoiceSequence,
    Product,
    StockMovement,
)
from billing.selectors.cash import drawer_balance
from billing.selectors.drawer import change_preview
from billing.selectors.invoices import status_filter
from billing.services import drawer
from billing.services.cash import cash_movement_create
from billing.services.catalogue import category_save, product_create, stock_receive
from billing.services.invoices import invoice_issue, invoice_void
from billing.totals import LineInput, compute_totals
from core.money import CENT, ZERO, format_money, round_to_whole
from customers.services import customer_update
from ledger import demo as ledger_demo
from ledger.models import Payment

SEED = 20250922
GSTIN = "09ABCDE1234F1ZY"
#: The B2B customer's GSTIN (Uttar Pradesh, as the shop: CGST + SGST).
CUSTOMER_GSTIN = "09AAGCB7383J1Z6"
BILLING_DAYS = 90  # invoices over the last three months, ending today
INVOICE_COUNT = 60  # issued and kept; one more is issued and voided
WALK_IN_SHARE = 0.4
VOID_REASON = "Customer returned the goods the same day"

CATEGORIES = ["Staples & Grains", "Pulses", "Oils & Ghee", "Dairy & Bakery", "Household & Personal care"]

# Units and the quantities a customer typically buys of them.
KG, G, LITRE, ML, PCS, PACK = (Product.Unit.KG, Product.Unit.G, Product.Unit.LITRE, Product.Unit.ML,
                               Product.Unit.PCS, Product.Unit.PACK)
LOOSE_KG = ["0.500", "1", "1", "1", "1.500", "2", "2", "2.500", "5"]
DAL_KG = ["0.250", "0.500", "0.500", "1", "1", "1", "1.500", "2"]
FEW = ["1", "1", "1", "1", "2", "2", "3"]


@dataclass(frozen=True)
class Item:
    """One catalogue product: price before tax (Decimal as str), GST %, HSN, stock figures
    in its unit (str), ``weight`` (how often it sells), ``quantities`` bought at once."""

    category: int
    sku: str
    name: str
    unit: str
    price: str
    gst: int
    hsn: str
    opening: str
    low: str
    lot: str  # what one restock brings
    weight: int
    quantities: tuple
    ends_low: str | None = None  # sold down to this and not restocked (a low-stock example)
    track_stock: bool = True
    allow_negative_stock: bool = False
    is_active: bool = True


def _is_mrp(item) -> bool:
    """Branded packs (not loose goods) with GST are sold at their MRP, tax included."""
    return item.gst > 0 and "(loose)" not in item.name


def _mrp(item) -> Decimal:
    """The pack's MRP, in whole rupees, from its price before tax: ₹276.19 at 5 % → ₹290.00."""
    return round_to_whole(Decimal(item.price) * (100 + item.gst) / 100)


def _i(category, sku, name, unit, price, gst, hsn, opening, low, lot, weight, quantities=FEW, **flags):
    return Item(category, sku, name, unit, price, gst, hsn, opening, low, lot, weight, tuple(quantities), **flags)


# Prices of branded packs are their MRP less GST (MRP ₹290 at 5 % → ₹276.19 before tax).
ITEMS = [
    # Staples & Grains. Loose (unbranded, not pre-packaged) cereals are exempt; labelled packs 5 %.
    _i(0, "ATTA-AASH-5", "Aashirvaad Shudh Chakki Atta 5 kg", PACK, "276.19", 5, "1101", "20", "5", "20", 6),
    _i(0, "ATTA-LOOSE", "Wheat atta, chakki (loose)", KG, "36.00", 0, "1101", "100", "20", "50", 8,
       ["2", "5", "5", "10", "10"]),
    _i(0, "RICE-BAS-5", "India Gate Basmati Rice Rozzana 5 kg", PACK, "452.38", 5, "1006", "10", "3", "10", 3),
    _i(0, "RICE-PARMAL", "Parmal rice (loose)", KG, "42.00", 0, "1006", "75", "15", "50", 7, LOOSE_KG),
    _i(0, "SUGAR", "Sugar (loose)", KG, "42.86", 5, "1701", "50", "10", "50", 8, LOOSE_KG),
    _i(0, "SALT-TATA-1", "Tata Salt 1 kg", PACK, "28.00", 0, "2501", "40", "10", "25", 4),
    _i(0, "POHA", "Poha, thick (loose)", KG, "48.00", 0, "1904", "20", "5", "20", 3, DAL_KG),
    _i(0, "BESAN", "Besan (loose)", KG, "90.00", 0, "1106", "25", "5", "25", 4, DAL_KG),
    _i(0, "TEA-TATA-250", "Tata Tea Premium 250 g", PACK, "138.10", 5, "0902", "24", "6", "24", 5),
    _i(0, "ELAICHI", "Elaichi, green cardamom (loose)", G, "3.20", 5, "0908", "250", "100", "250", 2,
       ["10", "20", "25", "50"], ends_low="60"),
    _i(0, "MAGGI-70", "Maggi 2-Minute Masala Noodles 70 g", PCS, "13.33", 5, "1902", "96", "24", "96", 5,
       ["2", "4", "4", "6", "12"]),
    # Pulses: loose dal is exempt, a labelled pack 5 %.
    _i(1, "DAL-TOOR", "Toor dal / arhar (loose)", KG, "150.00", 0, "0713", "50", "10", "50", 7, DAL_KG),
    _i(1, "DAL-MOONG", "Moong dal, yellow (loose)", KG, "115.00", 0, "0713", "30", "8", "30", 4, DAL_KG),
    _i(1, "DAL-CHANA", "Chana dal (loose)", KG, "88.00", 0, "0713", "40", "10", "30", 5, DAL_KG),
    _i(1, "DAL-URAD", "Urad dal, dhuli (loose)", KG, "125.00", 0, "0713", "25", "5", "25", 3, DAL_KG),
    _i(1, "DAL-MASOOR", "Masoor dal, malka (loose)", KG, "92.00", 0, "0713", "25", "5", "25", 3, DAL_KG),
    _i(1, "RAJMA", "Rajma, chitra (loose)", KG, "145.00", 0, "0713", "20", "5", "20", 3, DAL_KG),
    _i(1, "TOOR-TATA-1", "Tata Sampann Unpolished Toor Dal 1 kg", PACK, "180.95", 5, "0713", "10", "4", "10", 2,
       ends_low="1"),
    # Oils & Ghee: edible oils 5 %; ghee and vanaspati 5 % (ghee was 12 % before 22-09-2025).
    _i(2, "OIL-MUST-1L", "Fortune Kachi Ghani Mustard Oil 1 L", PCS, "161.90", 5, "1514", "36", "10", "24", 6),
    _i(2, "OIL-SOY-1L", "Fortune Soya Health Refined Soyabean Oil 1 L pouch", PCS, "133.33", 5, "1507", "24", "6",
       "24", 4),
    _i(2, "OIL-SOY-5L", "Fortune Soya Health Refined Soyabean Oil 5 L jar", PCS, "638.10", 5, "1507", "6", "2", "6",
       2, ["1"]),
    _i(2, "OIL-SUN-1L", "Fortune Sunlite Refined Sunflower Oil 1 L", PCS, "152.38", 5, "1512", "3", "0", "0", 0,
       is_active=False),
    _i(2, "GHEE-AMUL-1L", "Amul Pure Ghee 1 L", PCS, "580.95", 5, "0405", "12", "3", "12", 2, ["1"], ends_low="2"),
    _i(2, "VANASPATI-1L", "Dalda Vanaspati 1 L pouch", PCS, "142.86", 5, "1516", "12", "3", "12", 2),
    _i(2, "OIL-COCO-250", "Parachute Pure Coconut Oil 250 ml", PCS, "104.76", 5, "1513", "12", "4", "12", 2),
    # Dairy & Bakery: milk, paneer, bread and eggs exempt; curd, butter, biscuits 5 %.
    _i(3, "MILK-LOOSE", "Toned milk (loose)", LITRE, "54.00", 0, "0401", "0", "0", "0", 6,
       ["0.500", "1", "1", "1.500", "2"], track_stock=False),
    _i(3, "MILK-PARAG-500", "Parag Toned Milk 500 ml pouch", PCS, "28.00", 0, "0401", "40", "10", "40", 7,
       ["1", "2", "2", "4"], allow_negative_stock=True),
    _i(3, "CURD-AMUL-400", "Amul Masti Dahi 400 g", PCS, "33.33", 5, "0403", "20", "5", "20", 4),
    _i(3, "PANEER-AMUL-200", "Amul Malai Paneer 200 g", PCS, "90.00", 0, "0406", "10", "3", "10", 3),
    _i(3, "BUTTER-AMUL-100", "Amul Butter 100 g", PCS, "55.24", 5, "0405", "20", "5", "20", 3, ends_low="0"),
    _i(3, "BREAD-HG-400", "Harvest Gold White Bread 400 g", PCS, "45.00", 0, "1905", "15", "4", "15", 5),
    _i(3, "BISC-PARLEG-250", "Parle-G Biscuits 250 g", PCS, "23.81", 5, "1905", "48", "12", "48", 5,
       ["1", "2", "2", "4"]),
    _i(3, "EGGS-30", "Eggs, tray of 30", PACK, "195.00", 0, "0407", "10", "3", "10", 3, ["1"]),
    # Household & Personal care: soap, toothpaste, shampoo 5 % (18 % before 22-09-2025);
    # detergents, dishwash and insecticides stay at 18 %; sanitary pads exempt.
    _i(4, "SOAP-LIFEBUOY-4", "Lifebuoy Total 10 Soap 4 × 100 g", PACK, "114.29", 5, "3401", "12", "4", "12", 3),
    _i(4, "RIN-BAR-250", "Rin Detergent Bar 250 g", PCS, "23.73", 18, "3401", "40", "10", "40", 4),
    _i(4, "SURF-EW-1", "Surf Excel Easy Wash 1 kg", PACK, "110.17", 18, "3402", "20", "5", "20", 4),
    _i(4, "VIM-BAR-300", "Vim Dishwash Bar 300 g", PCS, "25.42", 18, "3402", "30", "8", "30", 4),
    _i(4, "COLGATE-200", "Colgate Strong Teeth 200 g", PCS, "104.76", 5, "3306", "15", "4", "15", 3),
    _i(4, "CLINICPLUS-16", "Clinic Plus Shampoo sachets, strip of 16", PACK, "15.24", 5, "3305", "30", "8", "30", 3),
    _i(4, "AGARBATTI-CYCLE", "Cycle 3-in-1 Agarbatti", PACK, "47.62", 5, "3307", "20", "5", "20", 3),
    _i(4, "PHENYL-LOOSE", "White phenyl (loose)", ML, "0.06", 18, "3808", "10000", "2000", "10000", 2,
       ["500", "500", "1000"]),
    _i(4, "GOODKNIGHT-45", "Good knight Gold Flash refill 45 ml", PCS, "72.03", 18, "3808", "12", "4", "12", 2,
       ends_low="2"),
    _i(4, "WHISPER-XL-6", "Whisper Choice Ultra XL, 6 pads", PACK, "45.00", 0, "9619", "15", "4", "15", 2),
]

# The drawer's opening float, ₹5,360 (₹2,000 notes are withdrawn from circulation: none).
DRAWER_FLOAT = {"2000": 0, "500": 4, "200": 5, "100": 10, "50": 10, "20": 20, "10": 30, "5": 20, "2": 20, "1": 20}
CASH_SEED = SEED + 1  # the cash book's own random stream
CUSTOMER_NOTES = tuple(Decimal(v) for v in ("500", "200", "100", "50", "20", "10"))  # what customers hand over
ALL_PIECES = (*CUSTOMER_NOTES, Decimal(5), Decimal(2), Decimal(1))
DEPOSIT_ABOVE = Decimal(12000)  # the owner takes notes to the bank when the drawer holds more
KEEP_FOR_CHANGE = {Decimal(500): 2, Decimal(200): 5, Decimal(100): 10}
DEPOSIT_NOTE = "Deposited at SBI, Sipri Bazaar"
PAYOUTS = [("Tea and samosa for the shop", 40, 120), ("Auto fare, home delivery", 30, 80),
           ("Parag dairy route, milk crates", 600, 1500), ("Plastic carry bags", 150, 300),
           ("Sweeper", 100, 200)]
SHORT_NOTE = "₹10 short: change given twice in the evening rush"
PAISE_NOTE = "Paise of the day's bills are not kept in the drawer"
SUPPLIERS = ["Agarwal Traders, Sipri Bazaar (bill {n})", "HUL distributor van (bill {n})",
             "Jhansi Galla Mandi (parchi {n})", "Parag dairy route (challan {n})", "Gupta Agencies (bill {n})"]
NOTES = ["", "", "", "", "", "", "Home delivery", "Delivered by Pappu", "Order taken on the phone", "Festival order"]


@dataclass
class Sale:
    """One planned invoice: ``plan`` is the ledger customer's plan (``None``: walk-in);
    ``mode`` is what is paid at the counter: ``full``, ``part`` or ``none``."""

    day: int
    plan: object
    lines: list  # [(Item, Decimal quantity)]
    mode: str
    discount: tuple | None = None  # (Invoice.DiscountType, Decimal)
    round_off: bool = False
    void: bool = False
    restocks: list = field(default_factory=list)  # [(Item, Decimal)] received that day before the sale


class BillingDemo(ledger_demo.Extension):
    """Adds the catalogue, drawer and invoices to the ledger's demo story."""

    def __init__(self, *, invoice_count: int | None = None):
        self.rng = random.Random(SEED)
        self.invoice_count = INVOICE_COUNT if invoice_count is None else invoice_count
        self.products: dict[str, Product] = {}
        self.sales: dict[int, list[Sale]] = {}
        self.first_day = ledger_demo.HISTORY_DAYS - BILLING_DAYS
        self.cash_rng = random.Random(CASH_SEED)
        self.closed_through = -1  # the last day closed

    # -- set-up -----------------------------------------------------------------------------------

    def setup(self, seeder):
        shop = seeder.shop
        shop_update(shop=shop, gstin=GSTIN, state=GSTIN[:2], gst_registration=GstRegistration.REGULAR)
        business = next((p.customer for p in seeder.plans if p.profile == "monthly"), seeder.plans[0].customer)
        customer_update(customer=business, gstin=CUSTOMER_GSTIN)
        plan = self._plan(seeder)
        categories = [category_save(shop=shop, name=name) for name in CATEGORIES]
        for item in ITEMS:
            opening = Decimal(plan["opening"][item.sku]) if item.track_stock else None
            self.products[item.sku] = product_create(
                shop=shop, sku=item.sku, name=item.name, category=categories[item.category], unit=item.unit,
                sale_price=_mrp(item) if _is_mrp(item) else Decimal(item.price), price_includes_tax=_is_mrp(item),
                tax_rate=Decimal(item.gst), hsn_code=item.hsn,
                low_stock_level=Decimal(item.low), track_stock=item.track_stock,
                allow_negative_stock=item.allow_negative_stock, is_active=item.is_active,
                opening_stock=opening or None, created_by=seeder.owner)
        drawer.drawer_setup(shop=shop)
        drawer.drawer_set_counts(shop=shop, counts={Decimal(v): c for v, c in DRAWER_FLOAT.items()},
                                 note="Opening float", created_by=seeder.owner)
        seeder.record(seeder.start, CashMovement.objects.get(shop=shop))

    def _plan(self, seeder) -> dict:
        """Decide every sale (day, customer, lines, payment) and the stock that covers them."""
        rng = self.rng
        days = sorted(rng.randint(self.first_day, ledger_demo.HISTORY_DAYS) for _ in range(self.invoice_count + 1))
        sellable = [item for item in ITEMS if item.is_active and item.weight]
        sales = []
        for day in days:
            buyers = [p for p in seeder.plans if p.profile != "none" and p.first_day <= day <= p.last_day]
            plan = None if rng.random() < WALK_IN_SHARE or not buyers else rng.choice(buyers)
            count = rng.choices([1, 2, 3, 4, 5, 6], weights=[15, 25, 25, 15, 12, 8])[0]
            chosen = []
            while len(chosen) < count:
                item = rng.choices(sellable, weights=[i.weight for i in sellable])[0]
                if item not in chosen:
                    chosen.append(item)
            lines = [(item, Decimal(rng.choice(item.quantities))) for item in chosen]
            sale = Sale(day=day, plan=plan, lines=lines, mode=self._mode(plan, day), round_off=rng.random() < 0.6)
            if rng.random() < 0.2:
                sale.discount = rng.choice([
                    (Invoice.DiscountType.AMOUNT, Decimal(5)), (Invoice.DiscountType.AMOUNT, Decimal(10)),
                    (Invoice.DiscountType.AMOUNT, Decimal(20)), (Invoice.DiscountType.PERCENT, Decimal(2)),
                    (Invoice.DiscountType.PERCENT, Decimal(5)),
                ])
            sales.append(sale)
        # One sale to a customer, about half-way, is voided: partly paid, and without the
        # items that are meant to end low (its stock comes back).
        voidable = [s for s in sales[len(sales) // 2:]
                    if s.plan is not None and s.plan.profile in ("monthly", "weekly", "partial")
                    and not any(item.ends_low is not None for item, _ in s.lines)]
        void = voidable[0] if voidable else next(s for s in sales if s.plan is not None)
        void.void, void.mode = True, "part"
        void.lines = [(item, qty) for item, qty in void.lines if item.ends_low is None] or [(ITEMS[0], Decimal(1))]

        # Stock: restock an item the day its next sale would take it below its low level;
        # the ones meant to end low open with just enough and are never restocked.
        opening = {item.sku: Decimal(item.opening) for item in ITEMS}
        stock = dict(opening)
        sold = {item.sku: ZERO for item in ITEMS}
        for sale in sales:
            for item, qty in sale.lines:
                if item.ends_low is not None or not item.track_stock:
                    sold[item.sku] += ZERO if sale.void else qty
                    continue
                received = ZERO
                while stock[item.sku] + received - qty <= Decimal(item.low):
                    received += Decimal(item.lot)
                if received:
                    sale.restocks.append((item, received))
                stock[item.sku] += received - (ZERO if sale.void else qty)
        for item in ITEMS:
            if item.ends_low is not None:
                opening[item.sku] = sold[item.sku] + Decimal(item.ends_low)
        for sale in sales:
            self.sales.setdefault(sale.day, []).append(sale)
        return {"opening": opening}

    def _mode(self, plan, day) -> str:
        """What a buyer pays at the counter. Account customers mostly put it on their
        khata (paid with their usual payments); "partial" payers pay some of it."""
        rng = self.rng
        if plan is None or plan.profile == "occasional":
            return "full"
        if plan.profile == "overdue" and day > plan.stop_paying:
            return "none"
        weights = {"partial": [20, 50, 30], "overdue": [10, 30, 60]}.get(plan.profile, [25, 10, 65])
        return rng.choices(["full", "part", "none"], weights=weights)[0]

    # -- the days ---------------------------------------------------------------------------------

    def day(self, seeder, day, date):
        # Yesterday evening's close (not for the last few days: the ledger adds a payment
        # two days ago after the story's days are over), this morning's bank deposit.
        yesterday = date - datetime.timedelta(days=1)
        if day > 0 and yesterday < seeder.today - datetime.timedelta(days=2):
            self._close(seeder, yesterday)
        self._deposit(seeder, date)
        for sale in self.sales.pop(day, []):
            self._sell(seeder, sale, date)
        self._payout(seeder, date)

    def _by(self, seeder):
        return seeder.owner if self.rng.random() < 0.6 else seeder.staff

    def _sell(self, seeder, sale: Sale, date: datetime.date):
        rng, shop = self.rng, seeder.shop
        for item, quantity in sale.restocks:
            movement = stock_receive(shop=shop, product=self.products[item.sku], quantity=quantity,
                                     reason="Received from " + rng.choice(SUPPLIERS).format(n=rng.randint(100, 9999)),
                                     created_by=seeder.owner)
            seeder.record(date, movement)
        lines = [LineInput(quantity=qty, unit_price=self.products[item.sku].sale_price,
                           tax_rate=self.products[item.sku].tax_rate, description=item.name,
                           price_includes_tax=self.products[item.sku].price_includes_tax,
                           product=self.products[item.sku]) for item, qty in sale.lines]
        discount_type, discount_value = sale.discount or (Invoice.DiscountType.AMOUNT, ZERO)
        total = compute_totals(lines, discount_type=discount_type, discount_value=discount_value,
                               round_off=sale.round_off, gst_split=bool(shop.gstin)).total
        mode = sale.mode
        paid = total if mode == "full" else ZERO
        if mode == "part":
            # 30–70 % of it, in whole tens of rupees.
            paid = ((total * rng.randint(30, 70) / 1000).to_integral_value(ROUND_DOWN) * 10).quantize(CENT)
            if paid <= 0:
                paid = total
        if sale.plan is None:
            method = rng.choices([Payment.Method.CASH, Payment.Method.UPI, Payment.Method.CARD], weights=[55, 40, 5])[0]
        else:
            method = rng.choice([Payment.Method.CASH, Payment.Method.UPI])
        due_date = None
        if sale.plan is not None and paid < total and (term := rng.choice(sale.plan.terms)):
            due_date = date + datetime.timedelta(days=term)
        customer = sale.plan.customer if sale.plan is not None else None
        invoice = invoice_issue(
            shop=shop, lines=lines, customer=customer, issued_on=date, discount_type=discount_type,
            discount_value=discount_value, round_off=sale.round_off, amount_paid=paid, payment_method=method,
            cash_tendered=None, notes_tendered=self._tender(shop, paid) if method == Payment.Method.CASH else None,
            due_date=due_date, notes=rng.choice(NOTES), created_by=self._by(seeder))
        rows = [row for row in (invoice, invoice.due, invoice.payment) if row is not None]
        seeder.record(date, *rows, customer=customer, balance_change=invoice.total - invoice.paid_at_counter)
        if sale.void:
            invoice_void(shop=shop, invoice=invoice, reason=VOID_REASON, voided_by=seeder.owner)
            seeder.record_void(*rows, customer=customer, balance_change=invoice.paid_at_counter - invoice.total)

    # -- the cash book ---------------------------------------------------------------------------

    def _tender(self, shop, paid: Decimal) -> dict | None:
        """The notes a cash customer hands over for ``paid``: the exact amount, or a round
        sum the drawer can change; ``None`` (cash as an amount) for a bill with paise."""
        if paid <= 0 or paid != paid.to_integral_value():
            return None
        rng = self.cash_rng
        exact = _pieces(paid, ALL_PIECES)
        if rng.random() < 0.3:
            return exact
        step = Decimal(rng.choice([10, 50, 100, 500]))
        target = (paid / step).to_integral_value(ROUND_CEILING) * step
        notes = _pieces(target, CUSTOMER_NOTES)
        if target > paid and not change_preview(shop=shop, amount=target - paid, tendered=notes).possible:
            return exact
        return notes

    def _close(self, seeder, date: datetime.date):
        """The evening's count: the notes as the book has them, the cash that came in as
        amounts sorted into notes, the paise of the day's bills not kept; now and then a
        ₹10 coin short."""
        shop = seeder.shop
        if not CashMovement.objects.filter(shop=shop, pk__gt=self.closed_through).exists():
            return
        counts = dict(Denomination.objects.filter(shop=shop).values_list("value", "count"))
        balance = drawer_balance(shop=shop)
        unsorted = balance - sum((value * count for value, count in counts.items()), ZERO)
        notes = []
        if unsorted > 0:
            for value, count in _pieces(unsorted.to_integral_value(ROUND_DOWN), ALL_PIECES).items():
                counts[value] += count
        elif unsorted < 0:
            taken = make_change((-unsorted).to_integral_value(ROUND_CEILING), counts)
            if taken is None:
                notes.append("The returned sale's cash was paid from the owner's pocket")
            for value, count in (taken or {}).items():
                counts[value] -= count
        if unsorted != unsorted.to_integral_value():
            notes.append(PAISE_NOTE)
        if self.cash_rng.random() < 0.05 and counts.get(Decimal(10)):
            counts[Decimal(10)] -= 1
            notes.append(SHORT_NOTE)
        counted = sum((value * count for value, count in counts.items()), ZERO)
        close = drawer.drawer_close(shop=shop, counts=counts, closed_on=date, created_by=seeder.owner,
                                    note="; ".join(notes) if counted != balance else "")
        seeder.record(date, close, *([close.movement] if close.movement else []))
        self.closed_through = CashMovement.objects.filter(shop=shop).order_by("-pk").values_list(
            "pk", flat=True).first()

    def _deposit(self, seeder, date: datetime.date):
        """In the morning, notes beyond what change needs go to the bank when the drawer is full."""
        shop = seeder.shop
        if drawer_balance(shop=shop) <= DEPOSIT_ABOVE:
            return
        counts = dict(Denomination.objects.filter(shop=shop).values_list("value", "count"))
        pieces = {value: counts.get(value, 0) - keep for value, keep in KEEP_FOR_CHANGE.items()
                  if counts.get(value, 0) > keep}
        if pieces:
            seeder.record(date, cash_movement_create(shop=shop, kind=CashMovement.Kind.DEPOSIT, pieces=pieces,
                                                     note=DEPOSIT_NOTE, created_by=seeder.owner))

    def _payout(self, seeder, date: datetime.date):
        """Now and then, cash paid out of the drawer for the shop."""
        rng, shop = self.cash_rng, seeder.shop
        if rng.random() >= 0.12:
            return
        reason, low, high = rng.choice(PAYOUTS)
        amount = Decimal(rng.randint(low // 10, high // 10) * 10)
        if amount > drawer_balance(shop=shop):
            return
        counts = dict(Denomination.objects.filter(shop=shop).values_list("value", "count"))
        pieces = make_change(amount, counts)
        seeder.record(date, cash_movement_create(shop=shop, kind=CashMovement.Kind.PAYOUT, amount=amount,
                                                 pieces=pieces, note=reason, created_by=seeder.owner))

    # -- timestamps -------------------------------------------------------------------------------

    def backdate(self, seeder):
        """Move invoices, stock movements and products back to their days."""
        shop, rng = seeder.shop, self.rng
        tz = timezone.get_current_timezone()
        invoices = list(Invoice.objects.filter(shop=shop))
        for invoice in invoices:
            invoice.created_at = seeder.stamps[Invoice][invoice.pk]
            invoice.voided_at = seeder.void_stamps[Invoice].get(invoice.pk, invoice.voided_at)
        Invoice.objects.bulk_update(invoices, ["created_at", "voided_at"])
        issued = {i.pk: i.created_at for i in invoices}
        voided = {i.pk: i.voided_at for i in invoices}

        # The catalogue was entered the evening before the first sale, a product every few minutes.
        first_sale = min(i.issued_on for i in invoices)
        entered = datetime.datetime.combine(first_sale - datetime.timedelta(days=1), datetime.time(18, 0), tzinfo=tz)
        products = list(Product.objects.filter(shop=shop).order_by("pk"))
        for index, product in enumerate(products):
            product.created_at = entered + datetime.timedelta(minutes=2 * index, seconds=rng.randint(0, 100))
        created = {p.pk: p.created_at for p in products}
        movements = list(StockMovement.objects.filter(shop=shop))
        for movement in movements:
            if movement.kind == StockMovement.Kind.SALE:
                movement.created_at = issued[movement.invoice_id]
            elif movement.kind == StockMovement.Kind.SALE_VOID:
                movement.created_at = voided[movement.invoice_id]
            elif movement.pk in seeder.stamps[StockMovement]:
                movement.created_at = seeder.stamps[StockMovement][movement.pk]
            else:  # opening stock, entered with the product
                movement.created_at = created[movement.product_id] + datetime.timedelta(seconds=30)
        StockMovement.objects.bulk_update(movements, ["created_at"], batch_size=500)
        latest = {}
        for movement in movements:
            latest[movement.product_id] = max(latest.get(movement.product_id, movement.created_at),
                                              movement.created_at)
        for product in products:
            product.updated_at = latest.get(product.pk, product.created_at)
        Product.objects.bulk_update(products, ["created_at", "updated_at"])

        # The cash book: sale cash with its invoice, payments' cash with the payment, the rest
        # (float, closes, deposits, pay-outs) when it was recorded.
        payment_stamps, payment_voids = seeder.stamps[Payment], seeder.void_stamps[Payment]
        cash = list(CashMovement.objects.filter(shop=shop))
        for movement in cash:
            if movement.invoice_id is not None:
                stamps = voided if movement.kind == CashMovement.Kind.SALE_VOID else issued
                movement.created_at = stamps[movement.invoice_id]
            elif movement.payment_id is not None:
                movement.created_at = (payment_voids if movement.kind == CashMovement.Kind.PAYMENT_VOID
                                       else payment_stamps)[movement.payment_id]
            else:
                movement.created_at = seeder.stamps[CashMovement][movement.pk]
        CashMovement.objects.bulk_update(cash, ["created_at"], batch_size=500)
        closes = list(CashClose.objects.filter(shop=shop))
        for close in closes:
            close.created_at = seeder.stamps[CashClose][close.pk]
        CashClose.objects.bulk_update(closes, ["created_at"], batch_size=500)
        if cash:
            CashDrawer.objects.filter(shop=shop).update(updated_at=max(m.created_at for m in cash))


def delete_demo() -> int:
    """Delete the demo shop(s) — billing rows first (they protect the ledger's), then
    the ledger part and the demo users (``ledger.demo.delete_demo``). Returns how many
    shops were deleted. Call it under ``scopes_disabled()``."""
    for shop_id in ledger_demo.demo_shop_ids():
        CashClose.objects.filter(shop_id=shop_id).delete()
        CashMovement.objects.filter(shop_id=shop_id).delete()
        CashDrawer.objects.filter(shop_id=shop_id).delete()
        StockMovement.objects.filter(shop_id=shop_id).delete()
        Invoice.objects.filter(shop_id=shop_id).delete()  # and their lines
        Product.objects.filter(shop_id=shop_id).delete()
        Category.objects.filter(shop_id=shop_id).delete()
        Denomination.objects.filter(shop_id=shop_id).delete()
        InvoiceSequence.objects.filter(shop_id=shop_id).delete()
        for model in (Product, Invoice, Denomination):
            model.history.filter(shop_id=shop_id).delete()
    return ledger_demo.delete_demo()


def summary_lines(shop: Shop) -> list[str]:
    """What billing holds for ``shop``, as lines for the command to print."""
    def money(amount):
        return format_money(amount or ZERO, shop.currency, shop.locale)

    with scope(shop=shop):
        products = Product.objects.filter(shop=shop)
        low = products.filter(is_active=True, track_stock=True, stock_quantity__lte=F("low_stock_level"))
        invoices = Invoice.objects.filter(shop=shop)
        kept = invoices.filter(voided_at__isnull=True)
        to_customers = kept.filter(customer__isnull=False)
        status = {s: to_customers.filter(status_filter(s)).count() for s in Invoice.PaymentStatus.values}
        sums = kept.aggregate(total=Sum("total"), tax=Sum("tax_total"), paid=Sum("paid_at_counter"))
        first = kept.order_by("issued_on").values_list("issued_on", flat=True).first()
        drawer_total = sum((d.value * d.count for d in Denomination.objects.filter(shop=shop)), ZERO)
        cash_book = (f"{money(drawer_balance(shop=shop))} by the cash book ({money(drawer_total)} in notes and "
                     f"coins), {CashMovement.objects.filter(shop=shop).count()} movements, "
                     f"{CashClose.objects.filter(shop=shop).count()} day closes")
        return [
            f"  products:           {products.count()} in {Category.objects.filter(shop=shop).count()} categories "
            f"({low.count()} low on stock, {products.filter(is_active=False).count()} inactive)",
            f"  invoices:           {kept.count()} (+{invoices.count() - kept.count()} voided) since {first}: "
            f"{kept.filter(customer__isnull=True).count()} walk-in, {to_customers.count()} to customers "
            f"({status.get(Invoice.PaymentStatus.PAID, 0)} paid, {status.get(Invoice.PaymentStatus.PARTIAL, 0)} "
            f"partly paid, {status.get(Invoice.PaymentStatus.UNPAID, 0)} unpaid)",
            f"  sales:              {money(sums['total'])} incl. GST {money(sums['tax'])}; "
            f"paid at the counter {money(sums['paid'])}",
            f"  stock movements:    {StockMovement.objects.filter(shop=shop).count()}",
            f"  cash drawer:        {cash_book}",
            f"  GSTIN:              {shop.gstin} (tax invoices with CGST + SGST; MRP prices)",
        ]


def _pieces(amount: Decimal, values: tuple[Decimal, ...]) -> dict[Decimal, int]:
    """``amount`` (whole, a multiple of the smallest of ``values``) as the fewest pieces of
    ``values`` (largest first; a greedy split is exact for these series)."""
    pieces = {}
    for value in values:
        count = int(amount // value)
        if count:
            pieces[value] = count
            amount -= value * count
    return pieces
