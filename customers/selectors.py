"""Reads of the customers app."""

from django.db.models import F, Q, QuerySet

from accounts.models import Shop
from customers.models import Customer

SORTS = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "balance": ("balance", "pk"),
    "-balance": ("-balance", "pk"),
    "activity": (F("last_activity_at").asc(nulls_first=True), "pk"),
    "-activity": (F("last_activity_at").desc(nulls_last=True), "pk"),
}
DEFAULT_SORT = "name"


def customer_list(*, shop: Shop, query: str = "", sort: str = DEFAULT_SORT, archived: bool = False) -> QuerySet:
    """Customers of ``shop`` matching ``query`` (a name or phone fragment), sorted.

    ``sort`` is a key of ``SORTS`` (unknown keys fall back to name). With
    ``archived`` the archived customers are listed instead of the active ones.
    One query per page however many customers there are.
    """
    qs = Customer.objects.filter(shop=shop, is_archived=archived)
    query = " ".join(query.split())
    if query:
        digits = "".join(c for c in query if c.isdigit())
        condition = Q(name__icontains=query)
        if len(digits) >= 3:
            condition |= Q(phone__contains=digits)
        else:
            condition |= Q(phone__contains=query)
        qs = qs.filter(condition)
    return qs.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))
