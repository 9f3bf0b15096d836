"""Reads of the customers app."""

import re

from django.db.models import F, Q, QuerySet

from accounts.models import Shop
from customers.models import Customer
from customers.phones import country_code, shop_region, to_e164

SORTS = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "balance": ("balance", "pk"),
    "-balance": ("-balance", "pk"),
    "activity": (F("last_activity_at").asc(nulls_first=True), "pk"),
    "-activity": (F("last_activity_at").desc(nulls_last=True), "pk"),
}
DEFAULT_SORT = "name"
#: A search of only these characters (and at least this many digits) is a phone number search.
PHONE_QUERY = re.compile(r"^\+?[\d\s().-]+$")
MIN_PHONE_DIGITS = 4


def phone_condition(query: str, *, shop: Shop) -> Q | None:
    """The filter for a search that is a phone number, or ``None`` when ``query`` is not
    one (letters, or fewer than ``MIN_PHONE_DIGITS`` digits).

    However the number is written (``+91 96510 34997``, ``096510-34997``,
    ``96510 34997``), a number that is valid in the shop's country (or with a ``+``)
    matches ``phone_e164`` exactly, through the ``(shop, phone_e164)`` index. Part of a
    number matches the start of the stored number (what the live search sees while the
    user types, the trunk ``0`` dropped) or its end (the last four or more digits).
    Numbers that are not valid have no ``phone_e164`` and match by the digits as typed.
    """
    if not PHONE_QUERY.match(query):
        return None
    digits = "".join(c for c in query if c.isdigit())
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    region = shop_region(shop)
    full = to_e164(query, region)
    if full:
        return Q(phone_e164=full)
    if query.startswith("+"):
        condition = Q(phone_e164__startswith=f"+{digits}")
    else:
        national = digits.lstrip("0")
        code = country_code(region)
        condition = Q(phone_e164__endswith=digits)
        if code and national:
            condition |= Q(phone_e164__startswith=f"+{code}{national}")
    return condition | Q(phone_e164="", phone__contains=digits)


def customer_list(*, shop: Shop, query: str = "", sort: str = DEFAULT_SORT, archived: bool = False) -> QuerySet:
    """Customers of ``shop`` matching ``query``, sorted.

    ``query`` is a name fragment (case-insensitive) or a phone number, whole or part
    (see :func:`phone_condition`). ``sort`` is a key of ``SORTS`` (unknown keys fall
    back to name). With ``archived`` the archived customers are listed instead of the
    active ones. One query per page however many customers there are.
    """
    query = " ".join(query.split())
    condition = phone_condition(query, shop=shop) if query else None
    if condition is not None:
        # A phone search reads the (shop, phone_e164) index; an equality on is_archived
        # would make SQLite walk the (shop, is_archived, name) index instead.
        qs = Customer.objects.filter(condition, shop=shop, is_archived=archived)
    else:
        # ``is_archived__in`` renders ``is_archived IN (0)``, an equality SQLite uses in the
        # (shop, is_archived, <sort>) indexes: the page is read in index order. Written
        # ``is_archived=False`` it renders ``NOT is_archived``, which no index serves, and
        # every customer is sorted for each page (issue #17).
        qs = Customer.objects.filter(shop=shop, is_archived__in=[archived])
        if query:
            qs = qs.filter(name__icontains=query)
    return qs.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


def customers_with_phone(*, shop: Shop, phone_e164: str, exclude_pk: int | None = None) -> list[Customer]:
    """The active customers of ``shop`` whose number is ``phone_e164`` (``+919651034997``),
    by name, without ``exclude_pk`` (the customer being edited). Empty for ``""``."""
    if not phone_e164:
        return []
    qs = Customer.objects.filter(shop=shop, is_archived=False, phone_e164=phone_e164)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.order_by("name", "pk")[:5])
