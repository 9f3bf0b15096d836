"""Shareable statements, read: the active link of a token, the public statement page's
data (with how to pay: a UPI request in India, the M-Pesa till or bKash/Nagad number
elsewhere, ``ledger.markets``), the customer page's share panel and the claims list. They run
inside the caller's shop scope, except :func:`active_link_by_token` (see there). Writes
are in ``ledger.services.statements``.
"""

import datetime
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from accounts.models import Shop
from core.money import ZERO, quantize_money
from customers.models import Customer
from ledger import markets
from ledger.markets import PayBy
from ledger.models import PaymentClaim, StatementLink
from ledger.selectors.entries import customer_open_dues, customer_statement
from ledger.upi import upi_payment_uri, upi_qr_svg

PUBLIC_STATEMENT_LINES = 50


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
    """A UPI request for ``amount`` to ``shop``, or None when the shop has no UPI ID, is
    not an Indian shop (``ledger.markets.pay_by``), does not keep its book in rupees (UPI
    pays INR only) or nothing is owed."""
    pay = markets.pay_by(shop)
    if pay is None or not pay.is_upi or shop.currency != Shop.Currency.INR or amount is None or amount <= 0:
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
    Void entries and internal notes are left out. ``pay_by`` is how the customer can pay
    by phone (``ledger.markets.pay_by``; ``upi`` adds India's QR code and link when there
    is something to pay); ``shop_tax_line`` / ``customer_tax_line`` their tax numbers
    ("BIN: …", "KRA PIN: …") outside India, else ``""``.
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
    pay_by: PayBy | None = None
    shop_tax_line: str = ""
    customer_tax_line: str = ""

    @property
    def mobile_money(self) -> PayBy | None:
        """How to pay by M-Pesa or bKash/Nagad (not UPI, which has ``upi``), when something is owed."""
        if self.pay_by is None or self.pay_by.is_upi or self.balance <= 0:
            return None
        return self.pay_by


def public_statement_data(*, link: StatementLink, today: datetime.date | None = None) -> PublicStatement:
    """Read ``link``'s customer's statement. Call inside ``scope(shop=link.shop)``;
    every query is filtered by that shop and customer."""
    shop = link.shop
    customer = Customer.objects.get(shop=shop, pk=link.customer_id)
    statement = customer_statement(customer=customer)
    open_dues = customer_open_dues(customer=customer, today=today)
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
        pay_by=markets.pay_by(shop),
        shop_tax_line=markets.tax_number_line(shop, shop=shop),
        customer_tax_line=markets.tax_number_line(customer, shop=shop),
    )


def customer_share_context(*, customer: Customer, shop: Shop | None = None) -> dict:
    """Template context for the customer page's share panel: ``share_link`` (the active
    link or None), ``pending_claims`` (oldest first) and ``pay_by`` (how the customer can
    pay the shop by phone, ``ledger.markets.pay_by``; ``shop`` defaults to the customer's).
    Two queries."""
    link = (StatementLink.objects.filter(shop_id=customer.shop_id, customer=customer, revoked_at__isnull=True)
            .order_by("-created_at", "-pk").first())
    pending = list(PaymentClaim.objects.filter(shop_id=customer.shop_id, customer=customer,
                                               status=PaymentClaim.Status.PENDING).order_by("created_at", "pk"))
    return {"share_link": link, "pending_claims": pending, "pay_by": markets.pay_by(shop or customer.shop)}


def claim_list_data(*, shop: Shop, recent: int = 30) -> dict:
    """``pending``: every pending claim of the shop, oldest first; ``decided``: the
    ``recent`` most recently decided ones, newest first (customers and payments joined);
    ``reference_label``: what the references are called in the shop's market."""
    claims = PaymentClaim.objects.filter(shop=shop).select_related("customer", "decided_by", "payment")
    return {
        "reference_label": markets.claim_reference_label(shop),  # "UPI reference", "M-Pesa code" …
        "pending": list(claims.filter(status=PaymentClaim.Status.PENDING).order_by("created_at", "pk")),
        "decided": list(claims.exclude(status=PaymentClaim.Status.PENDING).order_by("-decided_at", "-pk")[:recent]),
    }


def pending_claims_count(*, shop: Shop) -> int:
    """How many payment reports of ``shop`` wait for a decision (for a nav badge)."""
    return PaymentClaim.objects.filter(shop=shop, status=PaymentClaim.Status.PENDING).count()
