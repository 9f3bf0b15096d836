"""Reads of the customers app."""

import re
import unicodedata
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, Lookup, Q, QuerySet

from accounts.models import Shop
from customers.models import Customer
from customers.phones import country_code, digits, shop_region, to_e164

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
#: The customer list counts at most this many matches (:func:`customer_search`,
#: :func:`customer_count`); more are shown as "1,000+".
COUNT_CAP = 1000
#: However far the pages go, the list counts no more than this (:func:`customer_page`).
MAX_COUNTED = 10 * COUNT_CAP
#: On SQLite a search with this many matches or more reads the page by walking the sort's
#: index in order (:func:`customer_search`): SQLite tests each index entry against the
#: matches before reading its row, so the walk is cheap and soon meets a page. MariaDB reads
#: the row of each entry it walks, so there every match up to the cap is read by id.
SQLITE_WALK_FROM = 100
#: The full-text index of customers' names on SQLite: an FTS5 table over ``customers_customer``
#: (rowid = the customer's id) kept by triggers (``customers/migrations/*_customer_search.py``).
FTS_TABLE = "customers_customer_fts"
#: The customers whose name matches an FTS5 query (the one parameter): a constant, written out.
FTS_SUBQUERY = "(SELECT rowid FROM customers_customer_fts WHERE customers_customer_fts MATCH %s)"
#: What the full-text indexes count as a word: runs of letters, digits and combining marks
#: (the vowel signs of Devanagari and Bengali belong to their word).
WORD_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No", "Mn", "Mc", "Me", "Co"})
#: Where a word of a name starts, for the ``LIKE`` test of a name search on MariaDB: after one
#: of these or at the start.
WORD_SEPARATORS = (" ", "-", ".", "'", "(", "/", "&", ",")
#: InnoDB indexes no word shorter than ``innodb_ft_min_token_size`` (3 by default), and the
#: full-text matches of a one- or two-letter prefix are most of a shop's names: on MariaDB a
#: query word this short is not looked up in the full-text index (see :func:`customer_search`).
MIN_FULLTEXT_WORD = 3


class _FullTextMatch(Lookup):
    """``MATCH (<column>) AGAINST (<rhs> IN BOOLEAN MODE)`` (MariaDB/MySQL): true for rows of
    the column's FULLTEXT index that the boolean query matches. A lookup, so Django puts the
    condition in the WHERE clause as it is (an expression would be compared with ``= 1``, and
    MariaDB would then use no full-text index)."""

    lookup_name = "fulltext_match"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"MATCH ({lhs}) AGAINST (%s IN BOOLEAN MODE)", [*lhs_params, self.rhs]


class _Fts5Match(Lookup):
    """``<pk column> IN (SELECT rowid FROM customers_customer_fts WHERE … MATCH <rhs>)``
    (SQLite): the customers whose name the FTS5 query ``rhs`` matches."""

    lookup_name = "fts5_match"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # The table name is a constant (FTS_SUBQUERY) and the query a parameter.
        return f"{lhs} IN {FTS_SUBQUERY}", [*lhs_params, self.rhs]


def _starts_with(field: str, prefix: str, max_length: int) -> Q:
    """``field`` starts with ``prefix`` (digits, or ``+`` and digits; the column holds only
    such), as a range an index serves on every database: ``field >= prefix AND field <=
    prefix + "99…"`` up to ``max_length``. Django's ``startswith`` is a ``LIKE``, which
    SQLite's index on a BINARY column cannot serve."""
    return Q(**{f"{field}__gte": prefix, f"{field}__lte": prefix + "9" * (max_length - len(prefix))})


def _phone_branches(query: str, *, shop: Shop) -> list[Q] | None:
    """The conditions (ORed) of a phone number search, each served by one index, or ``None``
    when ``query`` is not a number (see :func:`phone_condition`)."""
    if not PHONE_QUERY.match(query):
        return None
    number = digits(query)
    if len(number) < MIN_PHONE_DIGITS:
        return None
    region = shop_region(shop)
    full = to_e164(query, region)
    if full:
        return [Q(phone_e164=full)]
    e164_length = Customer._meta.get_field("phone_e164").max_length
    tail_length = Customer._meta.get_field("phone_tail").max_length
    if query.startswith("+"):
        branches = [_starts_with("phone_e164", f"+{number}", e164_length)]
    else:
        branches = [_starts_with("phone_tail", number[::-1], tail_length)]  # the last digits
        national = number.lstrip("0")
        code = country_code(region)
        if code and national:
            branches.insert(0, _starts_with("phone_e164", f"+{code}{national}", e164_length))
    # A number that is not valid has no E.164 and is found by the start of its digits as
    # typed: the end of its phone_tail, read in the (shop, phone_e164, phone_tail) index among
    # the shop's invalid numbers only (its last digits, as any number's, by the branch above).
    branches.append(Q(phone_e164="", phone_tail__gt="", phone_tail__endswith=number[::-1]))
    return branches


def phone_condition(query: str, *, shop: Shop) -> Q | None:
    """The filter for a search that is a phone number, or ``None`` when ``query`` is not
    one (letters, or fewer than ``MIN_PHONE_DIGITS`` digits).

    However the number is written (``+91 96510 34997``, ``096510-34997``,
    ``96510 34997``), a number that is valid in the shop's country (or with a ``+``)
    matches ``phone_e164`` exactly, through the ``(shop, phone_e164, …)`` index. Part of a
    number matches the start of the stored number (what the live search sees while the
    user types, the trunk ``0`` dropped; a range on ``phone_e164``) or its end (the last
    four or more digits: a range on ``phone_tail``, the digits reversed). Numbers that are
    not valid have no ``phone_e164`` and match by the start or the end of their digits as
    typed. No part of the condition reads every customer of the shop.
    """
    branches = _phone_branches(query, shop=shop)
    if branches is None:
        return None
    condition = Q()
    for branch in branches:
        condition |= branch
    return condition


def name_words(query: str) -> list[str]:
    """The words of ``query`` as the full-text indexes see them: runs of letters, digits
    and combining marks (``"Ravi K. Sharma"`` → ``["Ravi", "K", "Sharma"]``; ``"रवि"`` stays
    one word with its vowel sign)."""
    words, word = [], []
    for char in query:
        if unicodedata.category(char) in WORD_CATEGORIES:
            word.append(char)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return words


def _name_branches(query: str) -> list[Q]:
    """The conditions (ORed) that find the customers a name search matches on this
    database, each served by one index (see :func:`customer_list`)."""
    words = name_words(query)
    vendor = connection.vendor
    if vendor == "sqlite":
        if not words:  # punctuation only: no word to look up, a plain prefix (no index)
            return [Q(name__istartswith=query)]
        return [Q(_Fts5Match(F("pk"), " ".join(f'"{word}"*' for word in words)))]
    if vendor == "mysql":
        branches = [Q(name__istartswith=query)]  # LIKE 'q%': the (shop, is_archived, name) index, _ci
        long_words = [word for word in words if len(word) >= MIN_FULLTEXT_WORD]
        if long_words:
            # Each long word starts a word of the name; the short ones are tested on those rows.
            branch = Q(_FullTextMatch(F("name"), " ".join(f"+{word}*" for word in long_words)))
            for word in words:
                if len(word) < MIN_FULLTEXT_WORD:
                    branch &= _starts_a_word(word)
            branches.append(branch)
        return branches
    return [Q(name__icontains=query)]  # no full-text index elsewhere (the migration adds none)


def _starts_a_word(word: str) -> Q:
    """``word`` starts the name or a word of it (after a space or one of ``WORD_SEPARATORS``),
    in any case: ``LIKE`` tests of the row's name."""
    condition = Q(name__istartswith=word)
    for separator in WORD_SEPARATORS:
        condition |= Q(name__icontains=separator + word)
    return condition


def _name_row_test(query: str) -> Q:
    """The name search as a test of each row's name (MariaDB; a walk in a sort's index order
    tests each row it reads): the start of the name, or each word of ``query`` at the start
    of a word of the name (after a space or one of ``WORD_SEPARATORS``). A ``MATCH`` there
    would first compute every full-text match of every shop (~10 ms for a common surname)."""
    condition = Q(name__istartswith=query)
    words = name_words(query)
    if words:
        every_word = Q()
        for word in words:
            every_word &= _starts_a_word(word)
        condition |= every_word
    return condition


@dataclass(frozen=True)
class _Search:
    """A normalised, non-empty query: its conditions (``branches``, ORed), each served by one
    index, and whether it is a phone number search."""

    branches: list[Q]
    phone: bool
    query: str

    @classmethod
    def of(cls, query: str, *, shop: Shop) -> "_Search":
        phone = _phone_branches(query, shop=shop)
        if phone is not None:
            return cls(phone, True, query)
        return cls(_name_branches(query), False, query)

    @staticmethod
    def _base(shop: Shop, archived: bool) -> QuerySet:
        # ``is_archived=archived`` (SQLite: ``NOT is_archived``, which no index serves) leaves
        # SQLite to the search's own indexes instead of walking a (shop, is_archived, …) one.
        return Customer.objects.filter(shop=shop, is_archived=archived).order_by()

    def ids(self, *, shop: Shop, archived: bool, limit: int) -> list[int]:
        """The ids of at most ``limit`` matches (in no particular order): one query, the
        union of the conditions, each read through its index and stopping at ``limit``."""
        parts = [self._base(shop, archived).filter(branch).values_list("pk", flat=True) for branch in self.branches]
        if len(parts) == 1:
            if isinstance(self.branches[0].children[0], _Fts5Match):
                # In id order, SQLite looks each match of the FTS5 table up in the (shop) index
                # by rowid; unordered, it reads every customer of the shop and probes the matches.
                parts[0] = parts[0].order_by("pk")
            return list(parts[0][:limit])
        if connection.features.supports_slicing_ordering_in_compound:
            parts = [part[:limit] for part in parts]
        return list(parts[0].union(*parts[1:])[:limit])

    def row_test(self, *, shop: Shop, archived: bool) -> Q:
        """The search as one filter for a query that reads the customers in a sort's index
        order and tests each row (see :func:`customer_list`)."""
        if not self.phone and connection.vendor == "mysql":
            return _name_row_test(self.query)
        if len(self.branches) == 1:
            return self.branches[0]
        if connection.vendor == "sqlite":
            # The union's ids are read once (each part through its index), then looked up by
            # rowid: ORed, SQLite (without statistics) would read the whole shop and sort it.
            parts = [self._base(shop, archived).filter(branch).values("pk") for branch in self.branches]
            return Q(pk__in=parts[0].union(*parts[1:]))
        condition = Q()
        for branch in self.branches:
            condition |= branch  # MariaDB merges the ranges of the phone indexes (index_merge)
        return condition


def _normalised(query: str) -> str:
    return " ".join(query.split())


def customer_list(*, shop: Shop, query: str = "", sort: str = DEFAULT_SORT, archived: bool = False) -> QuerySet:
    """Customers of ``shop`` matching ``query``, sorted: a query set to slice (the counter's
    pick list, the statement's, the API's pages).

    ``query`` is a phone number, whole or part (see :func:`phone_condition`), or the start
    of the name or of words in it, in any case: each word of the query must start a word of
    the name (``"sharma"`` and ``"ravi sh"`` find "Ravi Sharma"; ``"रवि"`` finds "रवि शर्मा";
    ``"ra"`` finds "Ravi" and "Asha Rao"). A fragment inside a word no longer matches
    (``"harm"`` does not find "Sharma"; it did while the search was a substring match):
    shopkeepers type the start of a name or surname.

    ``sort`` is a key of ``SORTS`` (unknown keys fall back to name). With ``archived`` the
    archived customers are listed instead of the active ones.

    One query. The plain list and a name search read the sort's index in order (no sort
    step) and stop at the slice's last row, testing each row on the way: on SQLite whether
    its id is among the FTS5 table's matches, on MariaDB its name (``LIKE`` the start of a
    word, see :func:`_name_row_test`). Quick when matches are many; when they are rare the
    walk reads most of the shop, so the list page uses :func:`customer_search`, which reads
    few matches by id. A phone search reads its matches through the phone indexes (ranges
    on ``phone_e164`` and ``phone_tail``) and sorts them.
    """
    query = _normalised(query)
    if not query:
        # ``is_archived__in`` renders ``is_archived IN (0)``, an equality SQLite uses in the
        # (shop, is_archived, <sort>) indexes: the page is read in index order. Written
        # ``is_archived=False`` it renders ``NOT is_archived``, which no index serves, and
        # every customer is sorted for each page (issue #17).
        qs = Customer.objects.filter(shop=shop, is_archived__in=[archived])
    else:
        search = _Search.of(query, shop=shop)
        condition = search.row_test(shop=shop, archived=archived)
        if search.phone:
            # A phone search reads the phone indexes; an equality on is_archived would make
            # SQLite walk the (shop, is_archived, name) index instead.
            qs = Customer.objects.filter(condition, shop=shop, is_archived=archived)
        else:
            qs = Customer.objects.filter(condition, shop=shop, is_archived__in=[archived])
    return qs.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


@dataclass(frozen=True)
class CustomerSearch:
    """What :func:`customer_search` found: ``customers``, a query set in the list's order to
    slice for a page; ``count``, how many match (an int ≥ 0), a lower bound when
    ``capped``."""

    customers: QuerySet
    count: int
    capped: bool


def customer_search(*, shop: Shop, query: str, sort: str = DEFAULT_SORT, archived: bool = False,
                    limit: int = COUNT_CAP + 1) -> CustomerSearch:
    """The customer list's search, counted: ``query`` (not empty), ``sort`` and ``archived``
    as for :func:`customer_list`. Two queries at most, neither of which reads every
    customer of the shop when the matches are fewer than ``limit``.

    First the ids of at most ``limit`` matches, through the search's own indexes:

    - SQLite: the FTS5 table ``customers_customer_fts`` (each word's prefix; the start of the
      name is its first word's); phone numbers: ranges on ``phone_e164`` and ``phone_tail``.
    - MariaDB: the start of the whole name (``LIKE 'q%'``, case-insensitive in the ``_ci``
      collation, on the ``(shop, is_archived, name)`` index) OR the FULLTEXT index on the
      name (``MATCH … AGAINST ('+word1* +word2*' IN BOOLEAN MODE)``). The name prefix finds
      what the full-text index leaves out: words shorter than ``innodb_ft_min_token_size``
      (3) and stop words are not indexed, and **InnoDB's full-text index sees only committed
      rows**, not those of the current transaction: a customer added in the same transaction
      (a test's, which runs in one) is found by the start of its name only, not by a later
      word. Tests that search by a later word use committed data
      (``django_db(transaction=True)``). A query word of one or two letters
      (``MIN_FULLTEXT_WORD``) is not looked up in the full-text index: alone it finds the
      names that start with it (``"ra"`` finds "Ravi", not "Asha Rao"; on SQLite both);
      beside longer words it must start a word of the names they find. Phone numbers: as
      on SQLite.

    Fewer than ``limit`` ids are every match: ``count`` is exact. ``limit`` or more:
    ``count == limit`` with ``capped`` true ("1,000+"; pass the cap plus one, the default,
    to tell exactly ``COUNT_CAP`` from more). Few matches (on MariaDB up to ``COUNT_CAP``,
    on SQLite fewer than ``SQLITE_WALK_FROM``): ``customers`` reads them by id and sorts
    them (no query when there are none). More: ``customers`` is :func:`customer_list`'s,
    which walks the sort's index in order (no sort step) and soon meets a page of them.
    """
    query = _normalised(query)
    search = _Search.of(query, shop=shop)
    ids = search.ids(shop=shop, archived=archived, limit=limit)
    count = min(len(ids), limit)
    walk_from = SQLITE_WALK_FROM if connection.vendor == "sqlite" else COUNT_CAP + 1
    if count >= limit or count > COUNT_CAP or count >= walk_from:
        return CustomerSearch(customer_list(shop=shop, query=query, sort=sort, archived=archived), count,
                              count >= limit)
    # Read by id and sorted, never by walking an index: ``is_archived=archived`` again for
    # SQLite, and the tie-break ``id + 0``, which no index provides, for MariaDB (whose
    # ORDER BY … LIMIT optimisation would otherwise walk the sort's index for a few ids).
    *keys, tie_break = SORTS.get(sort, SORTS[DEFAULT_SORT])
    unindexed = (F("pk") + 0).desc() if tie_break == "-pk" else (F("pk") + 0).asc()
    customers = Customer.objects.filter(shop=shop, is_archived=archived, pk__in=ids).order_by(*keys, unindexed)
    return CustomerSearch(customers, count, False)


class CountedPaginator(Paginator):
    """A :class:`~django.core.paginator.Paginator` that is told its ``count`` (an int ≥ 0)
    instead of running ``COUNT(*)`` over the whole list; ``capped``: the count is a lower
    bound (more match than were counted), and the pages run one past it."""

    def __init__(self, object_list, per_page, *, count: int, capped: bool = False):
        super().__init__(object_list, per_page)
        self._count = count
        self.capped = capped

    @property
    def count(self) -> int:
        return self._count

    @property
    def shown_count(self) -> int:
        """The figure to show: the count, or when ``capped`` the number counted for sure
        (``count - 1``: the count stops one past it), to be followed by "+"."""
        return self._count - 1 if self.capped else self._count


def customer_page(*, shop: Shop, query: str = "", sort: str = DEFAULT_SORT, archived: bool = False,
                  number=1, per_page: int = 25, total: int | None = None) -> Page:
    """Page ``number`` (1-based; anything else, e.g. ``"x"``, is the first page, one past the
    last is the last) of the customer list: ``customer_list``'s customers, counted without
    reading the whole shop. Two queries at most: the count (or the search's ids) and the page.

    ``total``: the shop's number of active customers when the caller knows it without
    counting (a per-shop totals row); used for the plain list of active customers only, whose
    count is then exact. Otherwise the list counts at most ``COUNT_CAP`` customers, or as far
    as page ``number`` reaches (:func:`customer_count`, :func:`customer_search`): with more,
    ``page.paginator.capped`` is true and ``page.paginator.count`` is one more than
    ``page.paginator.shown_count``, the figure to show with a "+" ("1,000+ customers"), and
    the page links go one page further than counted, so every page stays reachable.
    """
    try:
        wanted = max(1, int(number))
    except (TypeError, ValueError):
        wanted = 1
    limit = min(max(COUNT_CAP, wanted * per_page), MAX_COUNTED) + 1
    query = _normalised(query)
    if query:
        found = customer_search(shop=shop, query=query, sort=sort, archived=archived, limit=limit)
        customers, count, capped = found.customers, found.count, found.capped
    else:
        customers = customer_list(shop=shop, sort=sort, archived=archived)
        if total is not None and not archived:
            count, capped = total, False
        else:
            count = customer_count(shop=shop, archived=archived, limit=limit)
            capped = count >= limit
    return CountedPaginator(customers, per_page, count=count, capped=capped).get_page(wanted)


def customer_count(*, shop: Shop, archived: bool = False, limit: int = COUNT_CAP + 1) -> int:
    """How many customers the plain list (:func:`customer_list` without a query) has,
    counting no further than ``limit``: ``min(customers, limit)``, an int ≥ 0 (``limit``
    means "that many or more"). One query, ``SELECT COUNT(*) FROM (… LIMIT limit)``, that
    reads at most ``limit`` entries of a ``(shop, is_archived, …)`` index."""
    return Customer.objects.filter(shop=shop, is_archived__in=[archived]).order_by().values("pk")[:limit].count()


def customers_with_phone(*, shop: Shop, phone_e164: str, exclude_pk: int | None = None) -> list[Customer]:
    """The active customers of ``shop`` whose number is ``phone_e164`` (``+919651034997``),
    by name, without ``exclude_pk`` (the customer being edited). Empty for ``""``."""
    if not phone_e164:
        return []
    qs = Customer.objects.filter(shop=shop, is_archived=False, phone_e164=phone_e164)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.order_by("name", "pk")[:5])
