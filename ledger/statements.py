"""Shareable statement links and the customer's "I have paid" claims.

Writes (services: keyword-only args, one transaction each, ``LedgerError`` with a
message for the user):

- ``statement_link_get_or_create`` / ``statement_link_regenerate`` /
  ``statement_link_revoke``: a customer has at most one active link. Each holds the
  customer's row lock, so two clicks never leave two active links. Regenerating
  revokes the old token in the same transaction: it answers 404 at once.
- ``claim_create``: a pending ``PaymentClaim`` from the public page. Nothing reaches
  the ledger. Rate-limited per link (see :data:`CLAIMS_PER_HOUR`).
- ``claim_confirm``: records a real UPI ``Payment`` through
  :func:`ledger.services.payment_create` (allocated oldest dues first) and links it.
- ``claim_reject``: marks the claim rejected; writes no payment.

Reads (``public_statement_data``, ``customer_share_context``, ``claim_list_data``,
``pending_claims_count``) run inside the caller's shop scope.
"""

import datetime
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Shop
from accounts.money import ZERO, quantize_money
from customers.models import Customer
from ledger import selectors
from ledger.models import Payment, PaymentClaim, StatementLink
from ledger.services import LedgerError, payment_create
from ledger.upi import upi_payment_uri, upi_qr_svg

TOKEN_BYTES = 24  # secrets.token_urlsafe(24): 32 URL-safe characters, 192 random bits

# A per-link business limit on "I have paid" reports, not a security control: the link
# is already secret. It keeps a customer (or whoever holds their link) from flooding
# the shop's pending list. Counted under the link's row lock, so parallel posts cannot
# slip past it.
CLAIMS_PER_HOUR = 3
MAX_PENDING_CLAIMS = 10

PUBLIC_STATEMENT_LINES = 50
CONFIRMED_CLAIM_NOTE = "Confirmed from the customer's report"


# Links ---------------------------------------------------------------------------------

def _lock_customer(shop: Shop, customer: Customer) -> Customer:
    try:
        return Customer.objects.select_for_update().get(shop=shop, pk=customer.pk)
    except Customer.DoesNotExist:
        raise LedgerError("That customer does not belong to this shop.") from None


def _active_links(shop: Shop, customer: Customer):
    return StatementLink.objects.filter(shop=shop, customer=customer, revoked_at__isnull=True)


def _new_link(shop: Shop, customer: Customer, created_by) -> StatementLink:
    link = StatementLink(shop=shop, customer=customer, token=secrets.token_urlsafe(TOKEN_BYTES),
                         created_by=created_by)
    link.save()
    return link


@transaction.atomic
def statement_link_get_or_create(*, shop: Shop, customer: Customer, created_by=None) -> tuple[StatementLink, bool]:
    """Return ``(the customer's active link, created)``; make one if there is none."""
    customer = _lock_customer(shop, customer)
    link = _active_links(shop, customer).order_by("-created_at", "-pk").first()
    if link is not None:
        return link, False
    return _new_link(shop, customer, created_by), True


@transaction.atomic
def statement_link_regenerate(*, shop: Shop, customer: Customer, created_by=None) -> StatementLink:
    """Revoke the customer's active link (if any) and return a new one with a new token."""
    customer = _lock_customer(shop, customer)
    _active_links(shop, customer).update(revoked_at=timezone.now())
    return _new_link(shop, customer, created_by)


@transaction.atomic
def statement_link_revoke(*, shop: Shop, customer: Customer) -> int:
    """Revoke the customer's active link; return how many links were revoked (1).

    Raises ``LedgerError`` when the customer has no active link.
    """
    customer = _lock_customer(shop, customer)
    revoked = _active_links(shop, customer).update(revoked_at=timezone.now())
    if not revoked:
        raise LedgerError("This customer has no active share link.")
    return revoked


# Claims --------------------------------------------------------------------------------

@transaction.atomic
def claim_create(*, link: StatementLink, amount, reference: str = "", note: str = "",
                 now: datetime.datetime | None = None) -> PaymentClaim:
    """Record the customer's report that they paid ``amount`` (Decimal > 0, at most 12
    whole digits) as a pending claim on ``link``'s customer. Nothing is posted to the
    ledger.

    Per-link business limit, checked under the link's row lock: at most
    :data:`CLAIMS_PER_HOUR` claims in the last hour and :data:`MAX_PENDING_CLAIMS`
    pending at once. Raises ``LedgerError`` (with ``field="amount"`` for a bad amount)
    when refused or when the link has been revoked.
    """
    now = now or timezone.now()
    link = StatementLink.objects.select_for_update().filter(shop_id=link.shop_id, pk=link.pk).first()
    if link is None or link.revoked_at is not None:
        raise LedgerError("This statement link is no longer active.")
    try:
        amount = quantize_money(amount)
    except (TypeError, ValueError):
        raise LedgerError("Enter an amount such as 250 or 99.50.", field="amount") from None
    if amount <= 0:
        raise LedgerError("The amount must be more than zero.", field="amount")
    if amount >= Decimal(10) ** 12:
        raise LedgerError("That amount is too large (at most 12 digits before the decimal point).", field="amount")
    claims = PaymentClaim.objects.filter(shop_id=link.shop_id, link=link)
    if claims.filter(created_at__gt=now - datetime.timedelta(hours=1)).count() >= CLAIMS_PER_HOUR:
        raise LedgerError(f"You have already sent {CLAIMS_PER_HOUR} payment reports in the last hour. "
                          "Please wait a while before sending another.")
    if claims.filter(status=PaymentClaim.Status.PENDING).count() >= MAX_PENDING_CLAIMS:
        raise LedgerError(f"{MAX_PENDING_CLAIMS} payment reports are already waiting for the shop to check them. "
                          "Please wait until the shop has checked them.")
    claim = PaymentClaim(shop_id=link.shop_id, customer_id=link.customer_id, link=link, amount=amount,
                         reference=(reference or "").strip()[:100], note=(note or "").strip()[:200])
    claim.full_clean()
    claim.save()
    return claim


def _lock_pending_claim(shop: Shop, claim: PaymentClaim) -> PaymentClaim:
    try:
        claim = PaymentClaim.objects.select_for_update().get(shop=shop, pk=claim.pk)
    except PaymentClaim.DoesNotExist:
        raise LedgerError("That payment report does not belong to this shop.") from None
    if claim.status != PaymentClaim.Status.PENDING:
        raise LedgerError(f"This payment report was already {claim.get_status_display().lower()}.")
    return claim


@transaction.atomic
def claim_confirm(*, shop: Shop, claim: PaymentClaim, decided_by=None,
                  received_on: datetime.date | None = None) -> PaymentClaim:
    """Confirm a pending claim: record a UPI payment of its amount (reference = the
    claim's reference, allocated oldest dues first), link it, mark the claim confirmed.

    ``received_on`` defaults to the day the customer reported it (shop time zone).
    Returns the claim with ``payment`` set. Raises ``LedgerError`` when the claim was
    already decided or belongs to another shop.
    """
    claim = _lock_pending_claim(shop, claim)
    payment = payment_create(
        shop=shop, customer=claim.customer, amount=claim.amount,
        received_on=received_on or timezone.localdate(claim.created_at),
        method=Payment.Method.UPI, reference=claim.reference, note=CONFIRMED_CLAIM_NOTE, created_by=decided_by,
    )
    claim.payment = payment
    claim.status = PaymentClaim.Status.CONFIRMED
    claim.decided_at = timezone.now()
    claim.decided_by = decided_by
    claim.save(update_fields=["payment", "status", "decided_at", "decided_by"])
    return claim


@transaction.atomic
def claim_reject(*, shop: Shop, claim: PaymentClaim, decided_by=None) -> PaymentClaim:
    """Reject a pending claim (the money did not arrive). Writes no payment.

    Raises ``LedgerError`` when the claim was already decided or belongs to another shop.
    """
    claim = _lock_pending_claim(shop, claim)
    claim.status = PaymentClaim.Status.REJECTED
    claim.decided_at = timezone.now()
    claim.decided_by = decided_by
    claim.save(update_fields=["status", "decided_at", "decided_by"])
    return claim


# Reads ---------------------------------------------------------------------------------

def active_link_by_token(token: str) -> StatementLink | None:
    """The active link whose token is exactly ``token``, with shop and customer, or None.

    The only cross-shop lookup of the app: the caller runs it under
    ``scopes_disabled()`` and everything after it inside ``scope(shop=link.shop)``.
    The database match is confirmed with a constant-time exact comparison, as
    MariaDB's default collation compares case-insensitively.
    """
    if not token or len(token) > 64:
        return None
    link = (StatementLink.objects.select_related("shop", "customer")
            .filter(token=token, revoked_at__isnull=True).first())
    if link is None or not secrets.compare_digest(link.token.encode(), token.encode()):
        return None
    return link


@dataclass
class UpiPayment:
    """What the page needs to ask for a UPI payment: the amount, the ``upi://`` URI and
    its QR code as inline SVG markup."""

    amount: Decimal
    uri: str
    qr_svg: str


def upi_payment_for(*, shop: Shop, customer: Customer, amount: Decimal) -> UpiPayment | None:
    """A UPI request for ``amount`` to ``shop``, or None when the shop has no UPI ID,
    does not keep its book in rupees (UPI pays INR only) or nothing is owed."""
    if not shop.upi_id.strip() or shop.currency != Shop.Currency.INR or amount is None or amount <= 0:
        return None
    uri = upi_payment_uri(payee_vpa=shop.upi_id, payee_name=shop.name, amount=amount,
                          note=f"Khata {customer.name}", currency=shop.currency)
    return UpiPayment(amount=quantize_money(amount), uri=uri, qr_svg=upi_qr_svg(uri))


@dataclass
class PublicStatement:
    """Everything the public statement page shows about one customer.

    ``lines`` are the last :data:`PUBLIC_STATEMENT_LINES` non-void entries (dues and
    payments, oldest first, with running ``balance``); ``brought_forward`` is the
    balance before the first of them; ``total_lines`` counts all non-void entries.
    Void entries and internal notes are left out.
    """

    shop: Shop
    customer: Customer
    balance: Decimal
    open_dues: list
    lines: list
    total_lines: int
    brought_forward: Decimal
    overdue_amount: Decimal
    upi: UpiPayment | None
    pending_claims: list = field(default_factory=list)


def public_statement_data(*, link: StatementLink, today: datetime.date | None = None) -> PublicStatement:
    """Read ``link``'s customer's statement. Call inside ``scope(shop=link.shop)``;
    every query is filtered by that shop and customer."""
    shop = link.shop
    customer = Customer.objects.get(shop=shop, pk=link.customer_id)
    statement = selectors.customer_statement(customer=customer)
    open_dues = selectors.customer_open_dues(customer=customer, today=today)
    lines = [line for line in statement.lines if not line.voided]
    shown = lines[-PUBLIC_STATEMENT_LINES:]
    # The running balance before the first line shown.
    brought_forward = shown[0].balance - (shown[0].debit or ZERO) + (shown[0].credit or ZERO) if shown else ZERO
    pending = list(PaymentClaim.objects.filter(shop=shop, customer=customer, status=PaymentClaim.Status.PENDING)
                   .order_by("created_at", "pk"))
    return PublicStatement(
        shop=shop, customer=customer, balance=customer.balance, open_dues=open_dues, lines=shown,
        total_lines=len(lines), brought_forward=brought_forward,
        overdue_amount=sum((due.outstanding for due in open_dues if due.is_overdue), ZERO),
        upi=upi_payment_for(shop=shop, customer=customer, amount=customer.balance),
        pending_claims=pending,
    )


def customer_share_context(*, customer: Customer) -> dict:
    """Template context for the customer page's share panel: ``share_link`` (the active
    link or None) and ``pending_claims`` (oldest first). Two queries."""
    link = (StatementLink.objects.filter(shop_id=customer.shop_id, customer=customer, revoked_at__isnull=True)
            .order_by("-created_at", "-pk").first())
    pending = list(PaymentClaim.objects.filter(shop_id=customer.shop_id, customer=customer,
                                               status=PaymentClaim.Status.PENDING).order_by("created_at", "pk"))
    return {"share_link": link, "pending_claims": pending}


def claim_list_data(*, shop: Shop, recent: int = 30) -> dict:
    """``pending``: every pending claim of the shop, oldest first; ``decided``: the
    ``recent`` most recently decided ones, newest first (customers and payments joined)."""
    claims = PaymentClaim.objects.filter(shop=shop).select_related("customer", "decided_by", "payment")
    return {
        "pending": list(claims.filter(status=PaymentClaim.Status.PENDING).order_by("created_at", "pk")),
        "decided": list(claims.exclude(status=PaymentClaim.Status.PENDING).order_by("-decided_at", "-pk")[:recent]),
    }


def pending_claims_count(*, shop: Shop) -> int:
    """How many payment reports of ``shop`` wait for a decision (for a nav badge)."""
    return PaymentClaim.objects.filter(shop=shop, status=PaymentClaim.Status.PENDING).count()
