"""The one error type services raise (DESIGN §2)."""


class DomainError(Exception):
    """A change the business rules refuse.

    ``str(error)`` is a message for the user; ``field`` names the form field it
    belongs to, or is ``None`` for the form as a whole. Each app raises its own
    subclass (``LedgerError``, ``BillingError``, ``CustomerError``, ``MessagingError``),
    so a caller may catch one app's refusals or, as views do, any ``DomainError``.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
