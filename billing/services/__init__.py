"""Billing writes, one module per area (pretix style): ``catalogue`` (products,
categories, stock), ``invoices`` (numbering, issuing, voiding), ``drawer`` (cash
drawer: notes and coins, counts, day closes, change), ``cash`` (the cash book's other
movements: counter cash, pay-outs, deposits, the ledger's cash payments and refunds).
Each public function runs in one transaction and raises ``BillingError`` with a
message for the user. Reads are in ``billing.selectors``."""

from core.errors import DomainError


class BillingError(DomainError):
    """A billing change the rules refuse (a :class:`core.errors.DomainError`):
    ``str(error)`` is for the user; ``field`` names the form field it belongs to, if any."""
