"""Ledger writes (DESIGN §5), one module per area, billing's shape:

- ``allocation``: the allocation rule as pure functions (open dues and an amount in,
  allocations out);
- ``entries``: dues, payments, refunds, "mark as paid" and voids, each in one
  transaction under the customer's row lock;
- ``opening``: opening balances posted many at once (the customer import);
- ``receipts``: the payment receipt email;
- ``reminders``: due reminders by email (scheduled and on demand) and click-to-chat;
- ``statements``: shareable statement links and the customer's "I have paid" claims.

Every public function takes keyword arguments and raises :class:`LedgerError` with a
message for the user. Reads are in ``ledger.selectors``.
"""

from core.errors import DomainError


class LedgerError(DomainError):
    """A ledger change the rules refuse (a :class:`core.errors.DomainError`):
    ``str(error)`` is a message for the user; ``field`` names the form field it belongs
    to, if any."""
