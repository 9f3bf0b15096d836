"""Shareable statement links and the customer's "I have paid" claims: the writes
(keyword-only args, one transaction each, ``LedgerError`` with a message for the user).
The reads (the public statement, the share panel, the claims list) are in
``ledger.selectors.statements``.

- ``statement_link_get_or_create`` / ``statement_link_regenerate`` /
  ``statement_link_revoke``: a customer has at most one active link. Each holds the
  customer's row lock, so two clicks never leave two active links. Regenerating
  revokes the old token in the same transaction: it answers 404 at once.
- ``claim_create``: a pending ``PaymentClaim`` from the public page. Nothing reaches
  the ledger. Rate-limited per link (see :data:`CLAIMS_PER_HOUR`).
- ``claim_confirm``: records a real ``Payment`` (UPI in India, M-Pesa in Kenya …:
  :func:`ledger.markets.claim_method`) through
  :func:`ledger.services.entries.payment_create` (allocated oldest dues first) and links it.
- ``claim_reject``: marks the claim rejected; writes no payment.

The shopkeeper's writes take ``membership=None`` (the acting user's; a view passes
``request.membership``) and check its role with :func:`accounts.permissions.check_actor`
(else the role of ``created_by``/``decided_by`` in the shop; nothing is checked for a
command or task): making a link is ``reminder.send``, regenerating or revoking it
``link.revoke``, deciding a claim ``entry.create``. A refused role gets
``accounts.permissions.PermissionError`` and nothing is written.
"""

import datetime
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Shop
from accounts.permissions import check_actor
from core.money import AMOUNT_LIMIT, WHOLE_DIGITS
from customers.models import Customer
from ledger import markets
from ledger.models import PaymentClaim, StatementLink
from ledger.services import LedgerError
from ledger.services.entries import clean_amount, customer_lock, payment_create

TOKEN_BYTES = 24  # secrets.token_urlsafe(24): 32 URL-safe characters, 192 random bits

# A per-link business limit on "I have paid" reports, not a security control: the link
# is already secret. It keeps a customer (or whoever holds their link) from flooding
# the shop's pending list. Counted under the link's row lock, so parallel posts cannot
# slip past it.
CLAIMS_PER_HOUR = 3
MAX_PENDING_CLAIMS = 10

#: The note of the payment a confirmed claim records (stored in the language active then).
CONFIRMED_CLAIM_NOTE = gettext_lazy("Confirmed from the customer's report")


# Links ---------------------------------------------------------------------------------

def _active_links(shop: Shop, customer: Customer):
    return StatementLink.objects.filter(shop=shop, customer=customer, revoked_at__isnull=True)


def _new_link(shop: Shop, customer: Customer, created_by) -> StatementLink:
    link = StatementLink(shop=shop, customer=customer, token=secrets.token_urlsafe(TOKEN_BYTES),
                         created_by=created_by)
    link.save()
    return link


@transaction.atomic
def statement_link_get_or_create(*, shop: Shop, customer: Customer, created_by=None,
                                  membership=None) -> tuple[StatementLink, bool]:
    """Return ``(the customer's active link, created)``; make one if there is none.
    Raises ``PermissionError`` unless the actor may ``reminder.send``."""
    check_actor(shop=shop, action="reminder.send", membership=membership, user=created_by)
    customer = customer_lock(shop=shop, customer=customer)
    link = _active_links(shop, customer).order_by("-created_at", "-pk").first()
    if link is not None:
        return link, False
    return _new_link(shop, customer, created_by), True


@transaction.atomic
def statement_link_regenerate(*, shop: Shop, customer: Customer, created_by=None,
                              membership=None) -> StatementLink:
    """Revoke the customer's active link (if any) and return a new one with a new token.
    Raises ``PermissionError`` unless the actor may ``link.revoke``."""
    check_actor(shop=shop, action="link.revoke", membership=membership, user=created_by)
    customer = customer_lock(shop=shop, customer=customer)
    _active_links(shop, customer).update(revoked_at=timezone.now())
    return _new_link(shop, customer, created_by)


@transaction.atomic
def statement_link_revoke(*, shop: Shop, customer: Customer, membership=None) -> int:
    """Revoke the customer's active link; return how many links were revoked (1).

    Raises ``LedgerError`` when the customer has no active link, ``PermissionError``
    unless ``membership`` may ``link.revoke``.
    """
    check_actor(shop=shop, action="link.revoke", membership=membership)
    customer = customer_lock(shop=shop, customer=customer)
    revoked = _active_links(shop, customer).update(revoked_at=timezone.now())
    if not revoked:
        raise LedgerError(_("This customer has no active share link."))
    return revoked


# Claims --------------------------------------------------------------------------------

@transaction.atomic
def claim_create(*, link: StatementLink, amount, reference: str = "", note: str = "",
                 now: datetime.datetime | None = None) -> PaymentClaim:
    """Record the customer's report that they paid ``amount`` (Decimal > 0, at most
    ``WHOLE_DIGITS`` whole digits) as a pending claim on ``link``'s customer. Nothing is posted to the
    ledger.

    Per-link business limit, checked under the link's row lock: at most
    :data:`CLAIMS_PER_HOUR` claims in the last hour and :data:`MAX_PENDING_CLAIMS`
    pending at once. Raises ``LedgerError`` (with ``field="amount"`` for a bad amount)
    when refused or when the link has been revoked.
    """
    now = now or timezone.now()
    link = StatementLink.objects.select_for_update().filter(shop_id=link.shop_id, pk=link.pk).first()
    if link is None or link.revoked_at is not None:
        raise LedgerError(_("This statement link is no longer active."))
    amount = clean_amount(amount)
    if amount >= AMOUNT_LIMIT:
        raise LedgerError(_("That amount is too large (at most %(digits)s digits before the decimal point).")
                          % {"digits": WHOLE_DIGITS}, field="amount")
    claims = PaymentClaim.objects.filter(shop_id=link.shop_id, link=link)
    if claims.filter(created_at__gt=now - datetime.timedelta(hours=1)).count() >= CLAIMS_PER_HOUR:
        raise LedgerError(ngettext("You have already sent %(count)d payment report in the last hour. "
                                   "Please wait a while before sending another.",
                                   "You have already sent %(count)d payment reports in the last hour. "
                                   "Please wait a while before sending another.", CLAIMS_PER_HOUR)
                          % {"count": CLAIMS_PER_HOUR})
    if claims.filter(status=PaymentClaim.Status.PENDING).count() >= MAX_PENDING_CLAIMS:
        raise LedgerError(ngettext("%(count)d payment report is already waiting for the shop to check it. "
                                   "Please wait until the shop has checked it.",
                                   "%(count)d payment reports are already waiting for the shop to check them. "
                                   "Please wait until the shop has checked them.", MAX_PENDING_CLAIMS)
                          % {"count": MAX_PENDING_CLAIMS})
    claim = PaymentClaim(shop_id=link.shop_id, customer_id=link.customer_id, link=link, amount=amount,
                         reference=(reference or "").strip()[:100], note=(note or "").strip()[:200])
    claim.full_clean()
    claim.save()
    return claim


def _lock_pending_claim(shop: Shop, claim: PaymentClaim) -> PaymentClaim:
    try:
        claim = PaymentClaim.objects.select_for_update().get(shop=shop, pk=claim.pk)
    except PaymentClaim.DoesNotExist:
        raise LedgerError(_("That payment report does not belong to this shop.")) from None
    if claim.status == PaymentClaim.Status.CONFIRMED:
        raise LedgerError(_("This payment report was already confirmed."))
    if claim.status != PaymentClaim.Status.PENDING:
        raise LedgerError(_("This payment report was already rejected."))
    return claim


@transaction.atomic
def claim_confirm(*, shop: Shop, claim: PaymentClaim, decided_by=None,
                  received_on: datetime.date | None = None, membership=None) -> PaymentClaim:
    """Confirm a pending claim: record a payment of its amount by the market's method
    (:func:`ledger.markets.claim_method`: UPI in India, M-Pesa in Kenya …; reference = the
    claim's reference, allocated oldest dues first), link it, mark the claim confirmed.

    ``received_on`` defaults to the day the customer reported it (shop time zone).
    Returns the claim with ``payment`` set. Raises ``LedgerError`` when the claim was
    already decided or belongs to another shop, ``PermissionError`` unless the actor
    (``membership``, else ``decided_by``'s role) may ``entry.create``; the membership
    checked is passed on to ``payment_create`` (no second read of the role).
    """
    membership = check_actor(shop=shop, action="entry.create", membership=membership, user=decided_by)
    claim = _lock_pending_claim(shop, claim)
    payment = payment_create(
        shop=shop, customer=claim.customer, amount=claim.amount,
        received_on=received_on or timezone.localdate(claim.created_at),
        method=markets.claim_method(shop), reference=claim.reference, note=str(CONFIRMED_CLAIM_NOTE),
        created_by=decided_by, membership=membership,
    )
    claim.payment = payment
    claim.status = PaymentClaim.Status.CONFIRMED
    claim.decided_at = timezone.now()
    claim.decided_by = decided_by
    claim.save(update_fields=["payment", "status", "decided_at", "decided_by"])
    return claim


@transaction.atomic
def claim_reject(*, shop: Shop, claim: PaymentClaim, decided_by=None, membership=None) -> PaymentClaim:
    """Reject a pending claim (the money did not arrive). Writes no payment.

    Raises ``LedgerError`` when the claim was already decided or belongs to another shop,
    ``PermissionError`` unless the actor (``membership``, else ``decided_by``'s role) may
    ``entry.create``.
    """
    check_actor(shop=shop, action="entry.create", membership=membership, user=decided_by)
    claim = _lock_pending_claim(shop, claim)
    claim.status = PaymentClaim.Status.REJECTED
    claim.decided_at = timezone.now()
    claim.decided_by = decided_by
    claim.save(update_fields=["status", "decided_at", "decided_by"])
    return claim
