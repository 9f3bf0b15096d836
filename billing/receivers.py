"""Receivers of the ledger's cash signals (``ledger.signals``): they keep the cash book
in step with cash payments and refunds recorded on customers' pages.

The ledger must not import billing (DESIGN §2), so it announces its cash entries and
``BillingConfig.ready()`` connects these. They run inside the ledger service's
transaction; an error here rolls the ledger entry back with it. Each only calls a
``billing.services.cash`` service, which does nothing for methods other than cash.
"""

from billing.services import cash


def on_payment_recorded(sender, *, shop, payment, at_counter=False, **kwargs):
    """A cash payment comes into the drawer, unless an invoice posted it at the counter
    (``at_counter``: the invoice records its own cash, notes and change)."""
    if at_counter:
        return
    cash.cash_payment_recorded(shop=shop, payment=payment)


def on_payment_voided(sender, *, shop, payment, **kwargs):
    """A voided cash payment leaves the drawer again (not for an invoice's payment: the
    invoice's void records the sale's cash)."""
    cash.cash_payment_voided(shop=shop, payment=payment)


def on_refund_recorded(sender, *, shop, refund, **kwargs):
    """A cash refund leaves the drawer."""
    cash.cash_refund_recorded(shop=shop, refund=refund)


def on_refund_voided(sender, *, shop, refund, **kwargs):
    """A voided cash refund comes back into the drawer."""
    cash.cash_refund_voided(shop=shop, refund=refund)
