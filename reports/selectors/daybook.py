"""The day book: every entry of one day — dues given, payments received, refunds,
invoices issued and cash drawer movements — with a total per kind. Ten queries (a list
and an aggregate per kind) whatever the size of the shop; voided entries are left out.
Amounts are ``Decimal`` in the shop's currency; cash movements are signed (+ in, − out)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, F, Value, When
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from billing.models import CashMovement, Invoice
from billing.selectors.cash import day_bounds
from core.db import replica_reads
from core.money import ZERO, money_output_field, quantize_money, rounded_sum
from ledger.models import Due, Payment, Refund


@dataclass
class DayBook:
    """``dues``, ``payments``, ``refunds``, ``invoices`` (model rows, customer joined) and
    ``cash`` (cash movements, recorder joined) of ``day``, and ``totals``
    (``{kind: Decimal}``; for ``cash_in``/``cash_out`` both ≥ 0)."""

    day: datetime.date
    dues: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    refunds: list = field(default_factory=list)
    invoices: list = field(default_factory=list)
    cash: list = field(default_factory=list)
    totals: dict = field(default_factory=dict)

    @property
    def cash_net(self) -> Decimal:
        return self.totals["cash_in"] - self.totals["cash_out"]


@replica_reads
def day_book(*, shop, day: datetime.date) -> DayBook:
    """The :class:`DayBook` of ``shop`` for ``day`` (the shop's local day for the cash
    drawer's timestamps)."""
    start, end = day_bounds(day)
    book = DayBook(day=day)
    book.dues = list(Due.objects.filter(shop=shop, incurred_on=day, voided_at__isnull=True)
                     .select_related("customer").order_by("created_at", "pk"))
    book.payments = list(Payment.objects.filter(shop=shop, received_on=day, voided_at__isnull=True)
                         .select_related("customer", "created_by").order_by("created_at", "pk"))
    book.refunds = list(Refund.objects.filter(shop=shop, refunded_on=day, voided_at__isnull=True)
                        .select_related("customer").order_by("created_at", "pk"))
    book.invoices = list(Invoice.objects.filter(shop=shop, issued_on=day, voided_at__isnull=True)
                         .select_related("customer").order_by("sequence_number", "pk"))
    book.cash = list(CashMovement.objects.filter(shop=shop, created_at__gte=start, created_at__lt=end)
                     .select_related("created_by").order_by("created_at", "pk"))
    # The totals in the database (one aggregate per kind), not summed over the rows here.
    active = {"shop": shop, "voided_at__isnull": True}
    figures = {
        **Due.objects.filter(incurred_on=day, **active).aggregate(dues=rounded_sum("amount")),
        **Payment.objects.filter(received_on=day, **active).aggregate(payments=rounded_sum("amount")),
        **Refund.objects.filter(refunded_on=day, **active).aggregate(refunds=rounded_sum("amount")),
        **Invoice.objects.filter(issued_on=day, **active).aggregate(invoices=rounded_sum("total"),
                                                                     invoices_paid=rounded_sum("paid_at_counter")),
        **CashMovement.objects.filter(shop=shop, created_at__gte=start, created_at__lt=end).aggregate(
            cash_in=rounded_sum(Case(When(amount__gt=0, then=F("amount")), default=Value(ZERO),
                                     output_field=money_output_field())),
            cash_out=rounded_sum(Case(When(amount__lt=0, then=-F("amount")), default=Value(ZERO),
                                      output_field=money_output_field()))),
    }
    book.totals = {key: quantize_money(value) for key, value in figures.items()}
    return book


EXPORT_HEADER = [_("Kind"), _("Reference"), _("Customer"), _("Description"), _("Amount")]


def day_book_export_rows(book: DayBook):
    """Rows for the download: each entry, then one total row per kind."""
    due, payment, refund = pgettext("a debt entry", "Due"), gettext("Payment"), gettext("Refund")
    for d in book.dues:
        yield [due, f"D{d.pk}", d.customer.name, d.description, d.amount]
    for p in book.payments:
        yield [payment, p.reference or f"P{p.pk}", p.customer.name, p.get_method_display(), p.amount]
    for r in book.refunds:
        yield [refund, r.reference or f"R{r.pk}", r.customer.name, r.reason, r.amount]
    invoice, walk_in = gettext("Invoice"), gettext("Walk-in")
    for i in book.invoices:
        yield [invoice, i.number, i.customer.name if i.customer else walk_in,
               gettext("Paid %(amount)s") % {"amount": i.paid_at_counter}, i.total]
    cash = gettext("Cash")
    for m in book.cash:
        yield [cash, m.reference or f"C{m.pk}", "", m.get_kind_display() + (f" · {m.note}" if m.note else ""),
               m.amount]
    for label, key in [(gettext("Total dues"), "dues"), (gettext("Total payments"), "payments"),
                       (gettext("Total refunds"), "refunds"), (gettext("Total invoices"), "invoices"),
                       (gettext("Total cash in"), "cash_in"), (gettext("Total cash out"), "cash_out")]:
        yield [label, "", "", "", book.totals[key]]
