"""Whole-shop backup and restore (issue #13): one shop's book as ONE zip archive.

:func:`shop_archive_write` writes the archive of a shop; :func:`shop_archive_restore` reads
one back as a new shop with new ids. ``manage.py export_shop`` / ``import_shop`` and the
owner's download in Shop settings (``billing.views.backup``) only call these. Billing holds
this code because it may import every app's models (DESIGN §2).

The archive (``manifest.json``'s ``format`` :data:`ARCHIVE_FORMAT`, ``version`` :data:`ARCHIVE_VERSION`)
-----------------------------------------------------------------------------------------------------
``data/<app>.<model>.json``, one file per model of :func:`archive_models`: Django's
serialization (the ``dumpdata``/``loaddata`` JSON) of the shop's rows of that model, in id
order, datetimes to the microsecond. The models: the users (members, and any other user the
shop's rows name as author or in their history: username, names, email, active, date
joined, and the password hash only when asked), the shop, its memberships, every model of
:data:`TENANT_MODELS`, and the django-simple-history table of each of those (the shop's
rows of it). Models with a shop left out on purpose are :data:`EXCLUDED_MODELS`.

``manifest.json``: ``format``, ``version``, ``created_at`` (ISO 8601), ``shop``
(``{"id", "name"}`` it was taken from), ``includes_password_hashes``, ``files``
(``{path: {"model": label, "rows": n, "sha256": hex}}``), ``counts`` (``{label: rows}``),
``figures`` (:func:`shop_figures`) and ``checksum``: the SHA-256 of the manifest's own
content without that key, as canonical JSON (sorted keys, no spaces, UTF-8). Changing a
byte of any file or of the manifest is detected; it is a checksum, not a signature (a
forger who recomputes every hash makes a valid archive: only the operator restores).

Restoring
---------
Everything is validated before anything is written: the zip, the manifest (format,
version, checksum), the exact set of files, each file's SHA-256 and row count, every row's
model and shop, and every reference between the rows. Then one transaction writes a new
shop with new ids for every row and every reference remapped (including history rows'
object ids and ``history_user``, ``CashMovement.refund_pk`` and an invoice email's
attachment arguments), builds the new shop's customer totals from its customers
(``customers.totals.totals_rebuild``: derived, not archived), and checks that the new shop's
:func:`shop_figures` and row counts equal the manifest's; any difference rolls it all back.

- Users are matched by username when they exist; others are created (with the archived
  password hash, else an unusable password: they set one through "Forgot password").
  A user the archive holds only as an author (no membership) is created inactive.
- Rows deleted before the backup still have history rows; their object id has no new row
  to map to, so each such object gets a new negative id (below any in its history table),
  which no live row ever takes, keeping its history together.
- As a new shop (``as_new_shop``): statement links get new tokens (tokens are unique
  across shops, and a copy must not answer the original's links), and emails that were
  still to be sent are marked failed with no retries left, so the copy never mails the
  customers again. Into an empty database (no shop at all) both are kept as they were.
- One-time (idempotency) keys are kept: they are unique per shop.
"""

import contextlib
import datetime
import hashlib
import json
import secrets
import zipfile
import zlib
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import Min, Model, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_history_model_for_model

from accounts.models import Membership, Shop
from billing.models import (
    BillOfSupplySequence,
    CashClose,
    CashDrawer,
    CashMovement,
    Category,
    CreditNote,
    CreditNoteLine,
    CreditNoteSequence,
    Denomination,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    Product,
    Series,
    StockMovement,
)
from billing.services import BillingError
from core.db import keyset_chunks
from core.money import ZERO, quantize_money
from customers.models import Customer
from customers.phones import phone_tail
from customers.totals import totals_rebuild
from ledger.models import Allocation, Due, Payment, PaymentClaim, Refund, StatementLink
from messaging.models import Message
from messaging.tasks import MAX_ATTEMPTS

ARCHIVE_FORMAT = "khata-shop-archive"
ARCHIVE_VERSION = 1
MANIFEST = "manifest.json"

#: The shop's own models (each has a ``shop`` foreign key), in an order where every row's
#: references come before it, which is the order a restore writes them in.
TENANT_MODELS = (
    Customer, Due, Payment, Refund, Allocation, StatementLink, PaymentClaim,
    Category, Product, InvoiceSequence, BillOfSupplySequence, Invoice, InvoiceLine,
    CreditNoteSequence, CreditNote, CreditNoteLine,  # returns: after the invoices, payments and lines they name
    StockMovement,
    Denomination, CashDrawer, CashMovement, CashClose,
    Message,  # after invoices: an invoice email's attachment arguments name its invoice
)

#: Models with a shop that archives leave out, by ``label_lower``, with the reason.
EXCLUDED_MODELS = {
    "accounts.invite": "staff invitations live 7 days and their secret is only in the email: invite again",
    "billing.importjob": "the progress record of a sheet import, not part of the book",
    "api.apitoken": "API credentials: a backup carries no working secret; make new tokens after a restore",
    "api.idempotentrequest": "the API's replay cache of recent requests (responses with the old ids)",
    "customers.customertotals": "derived from the customers' rows: a restore rebuilds it (customers.totals)",
}

#: The user fields an archive holds (the password hash only when asked).
USER_FIELDS = ("username", "first_name", "last_name", "email", "is_active", "date_joined")

#: Rows written per INSERT when restoring.
INSERT_BATCH = 500

COPY_NOT_SENT = gettext_lazy("Not sent: this shop was restored from a backup as a copy of another shop.")


class ArchiveError(BillingError):
    """A backup archive that cannot be written or restored; ``str(error)`` says why."""


def _history_model(model):
    try:
        return get_history_model_for_model(model)
    except NotHistoricalModelError:
        return None


def archive_models() -> list[type[Model]]:
    """Every model an archive holds, in restore order: the user model, ``Shop``,
    ``Membership``, :data:`TENANT_MODELS`, then the history models of all of those."""
    live = [get_user_model(), Shop, Membership, *TENANT_MODELS]
    return live + [h for m in live if (h := _history_model(m)) is not None]


def _base_models() -> dict:
    """``{history model: the model it records}``."""
    live = [get_user_model(), Shop, Membership, *TENANT_MODELS]
    return {h: m for m in live if (h := _history_model(m)) is not None}


def archive_path(model) -> str:
    """The archive's file of ``model``: ``data/<app_label>.<model_name>.json``."""
    return f"data/{model._meta.label_lower}.json"


def _selection(model, shop: Shop, user_ids):
    """The queryset of ``model``'s rows that belong to ``shop``."""
    if model is get_user_model():
        return model._default_manager.filter(pk__in=user_ids)
    if model is Shop:
        return Shop.objects.filter(pk=shop.pk)
    if model is _history_model(Shop):
        return model._default_manager.filter(id=shop.pk)
    return model._default_manager.filter(shop=shop)


# Figures -----------------------------------------------------------------------------------

def _money(value) -> str:
    return f"{quantize_money(value or ZERO):f}"


def _series_figures(shop: Shop, sequence_model, documents) -> tuple[dict, dict]:
    """``({financial year: last number used}, {financial year: the last document's number})``
    of one numbered series: its ``sequence_model`` rows and its ``documents`` (a queryset of
    the model with ``financial_year``, ``sequence_number`` and ``number``)."""
    sequences = dict(sequence_model.objects.filter(shop=shop).order_by("financial_year")
                     .values_list("financial_year", "last_number"))
    numbers = {year: documents.filter(shop=shop, financial_year=year).order_by("-sequence_number")
               .values_list("number", flat=True).first() for year in sequences}
    return sequences, numbers


def shop_figures(*, shop: Shop) -> dict:
    """The figures a restore must reproduce, JSON-ready (money as ``"12.50"``, quantities
    as ``"1.250"``, in the shop's currency and the products' units):

    ``balances`` (``[name, phone, balance]`` per customer, in id order: a restore keeps the
    order), ``outstanding_total`` (the sum of positive balances), ``credit_total`` (of the
    negative ones), ``invoice_sequences`` (``{financial year: last number used}``),
    ``invoice_numbers`` (``{financial year: the last invoice's number}``), the same two for
    bills of supply (``bill_of_supply_sequences``, ``bill_of_supply_numbers``: their own
    ``BOS/…`` series) and for credit notes (``credit_note_sequences``,
    ``credit_note_numbers``), ``stock`` (``{sku: stock quantity}``) and ``cash_balance``
    (the drawer's, ``"0.00"`` without one).

    Archives written before the bill-of-supply and credit-note figures existed lack those
    keys; a restore compares the keys its archive has (:func:`_check_restored`).

    Customers and products are read in keyset chunks; the rest is a few small queries.
    Call it in the shop's scope or with scopes disabled.
    """
    balances = [[row["name"], row["phone"], _money(row["balance"])]
                for row in keyset_chunks(Customer.objects.filter(shop=shop).values("pk", "name", "phone", "balance"),
                                         ("pk",))]
    customers = Customer.objects.filter(shop=shop)
    sequences, numbers = _series_figures(shop, InvoiceSequence, Invoice.objects.filter(series=Series.INVOICE))
    bos_sequences, bos_numbers = _series_figures(shop, BillOfSupplySequence,
                                                 Invoice.objects.filter(series=Series.BILL_OF_SUPPLY))
    note_sequences, note_numbers = _series_figures(shop, CreditNoteSequence, CreditNote.objects.all())
    stock = {row["sku"]: f"{row['stock_quantity']:.3f}"
             for row in keyset_chunks(Product.objects.filter(shop=shop).values("pk", "sku", "stock_quantity"),
                                      ("pk",))}
    cash = CashDrawer.objects.filter(shop=shop).values_list("balance", flat=True).first()
    return {
        "balances": balances,
        "outstanding_total": _money(customers.filter(balance__gt=0).aggregate(s=Sum("balance"))["s"]),
        "credit_total": _money(customers.filter(balance__lt=0).aggregate(s=Sum("balance"))["s"]),
        "invoice_sequences": sequences,
        "invoice_numbers": numbers,
        "bill_of_supply_sequences": bos_sequences,
        "bill_of_supply_numbers": bos_numbers,
        "credit_note_sequences": note_sequences,
        "credit_note_numbers": note_numbers,
        "stock": stock,
        "cash_balance": _money(cash),
    }


# Writing --------------------------------------------------------------------------------------

class _ArchiveEncoder(DjangoJSONEncoder):
    """Django's JSON encoder, but datetimes and times keep their microseconds (Django's
    cuts them to milliseconds), so a restored row's times are the original's exactly."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


class _HashingWriter:
    """A text stream over a binary one that counts the SHA-256 of the UTF-8 it writes,
    buffered in blocks of about 64 KiB."""

    BLOCK = 64 * 1024

    def __init__(self, binary):
        self.binary = binary
        self.sha256 = hashlib.sha256()
        self.buffer: list[bytes] = []
        self.buffered = 0

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self.sha256.update(data)
        self.buffer.append(data)
        self.buffered += len(data)
        if self.buffered >= self.BLOCK:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self.buffer:
            self.binary.write(b"".join(self.buffer))
            self.buffer, self.buffered = [], 0


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _manifest_checksum(manifest: dict) -> str:
    """The SHA-256 (hex) of the manifest's content without its ``checksum`` key."""
    return hashlib.sha256(_canonical({k: v for k, v in manifest.items() if k != "checksum"})).hexdigest()


@contextlib.contextmanager
def _snapshot(using=DEFAULT_DB_ALIAS):
    """Reads inside the block see one state of the database, so an archive taken while the
    shop keeps working is consistent (no allocation without its payment). MariaDB: one
    REPEATABLE READ transaction (the project's sessions use READ COMMITTED); SQLite: a
    deferred read transaction, which in WAL mode does not hold up writers. Inside a
    caller's transaction (tests) the caller's reads are used as they are."""
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "mysql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:  # the transaction's first statement, so it applies to it
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
        return
    with transaction.atomic(using=using):
        yield


def _write_model(archive: zipfile.ZipFile, model, rows, *, fields=None) -> dict:
    """Serialize ``rows`` (instances of ``model``) to the model's file; its manifest entry."""
    count = 0

    def counted():
        nonlocal count
        for row in rows:
            count += 1
            yield row

    with archive.open(archive_path(model), "w", force_zip64=True) as entry:
        writer = _HashingWriter(entry)
        serializers.serialize("json", counted(), stream=writer, cls=_ArchiveEncoder, fields=fields)
        writer.flush()
    return {"model": model._meta.label_lower, "rows": count, "sha256": writer.sha256.hexdigest()}


def shop_archive_write(*, shop: Shop, handle, include_password_hashes: bool) -> dict:
    """Write the backup archive of ``shop`` (see the module docstring) to ``handle``, a
    binary file open for writing, and return its manifest (a dict).

    ``include_password_hashes``: put the users' password hashes in (the operator's
    ``export_shop``); without them (the owner's download) restored users who do not exist
    yet get an unusable password and set one through "Forgot password".

    Reads in keyset chunks and streams each file into the zip, so memory stays flat
    whatever the shop's size; the reads see one consistent state of the database. Opens the
    shop's scope itself. Raises ``OSError`` when ``handle`` cannot be written.
    """
    user_model = get_user_model()
    files, counts = {}, {}
    with scope(shop=shop), _snapshot(), zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        user_ids = set(Membership.objects.filter(shop=shop).values_list("user_id", flat=True))
        models = archive_models()
        for model in models:
            if model is user_model:
                continue  # last: the other files name the users it must hold
            author_fields = [f.attname for f in model._meta.concrete_fields
                             if f.is_relation and f.related_model is user_model]

            def watched(rows, author_fields=author_fields):
                for row in rows:
                    user_ids.update(v for name in author_fields if (v := getattr(row, name)) is not None)
                    yield row

            entry = _write_model(archive, model, watched(keyset_chunks(_selection(model, shop, user_ids), ("pk",))))
            files[archive_path(model)] = entry
        user_fields = [*USER_FIELDS, "password"] if include_password_hashes else list(USER_FIELDS)
        files[archive_path(user_model)] = _write_model(
            archive, user_model, keyset_chunks(_selection(user_model, shop, sorted(user_ids)), ("pk",)),
            fields=user_fields)
        files = {archive_path(m): files[archive_path(m)] for m in models}
        counts = {entry["model"]: entry["rows"] for entry in files.values()}
        manifest = {
            "format": ARCHIVE_FORMAT,
            "version": ARCHIVE_VERSION,
            "created_at": timezone.now().isoformat(),
            "shop": {"id": shop.pk, "name": shop.name},
            "includes_password_hashes": include_password_hashes,
            "files": files,
            "counts": counts,
            "figures": shop_figures(shop=shop),
        }
        manifest["checksum"] = _manifest_checksum(manifest)
        archive.writestr(MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


# Reading and validating ---------------------------------------------------------------------

_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError)


class _Archive:
    """An archive opened for reading and checked: its manifest (format, version, checksum,
    files) is validated on opening; :meth:`objects` reads one model's file and checks its
    SHA-256, row count and rows."""

    def __init__(self, handle):
        try:
            self.zip = zipfile.ZipFile(handle)
            names = self.zip.namelist()
        except _ZIP_ERRORS as error:
            raise ArchiveError(_("This file is not a Khata backup: it is not a readable zip archive.")) from error
        if len(names) != len(set(names)):
            raise ArchiveError(_("The archive holds the same file twice: it was altered."))
        self.manifest = self._manifest()
        self.models = archive_models()
        expected = {archive_path(m) for m in self.models}
        present = set(names) - {MANIFEST}
        if missing := sorted(expected - present):
            raise ArchiveError(_("The archive lacks %(files)s: it is incomplete or was altered.")
                               % {"files": ", ".join(missing)})
        if extra := sorted(present - expected):
            raise ArchiveError(_("The archive holds unexpected files (%(files)s): it was altered.")
                               % {"files": ", ".join(extra)})
        if set(self.manifest["files"]) != expected:
            raise ArchiveError(_("The manifest does not list the archive's files: it was altered."))
        try:
            self.shop_id = int(self.manifest["shop"]["id"])
            for path in expected:
                entry = self.manifest["files"][path]
                if not (isinstance(entry["rows"], int) and isinstance(entry["sha256"], str)):
                    raise TypeError(path)
            if not isinstance(self.manifest["figures"], dict) or not isinstance(self.manifest["counts"], dict):
                raise TypeError("figures")
        except (KeyError, TypeError, ValueError) as error:
            raise ArchiveError(_("The manifest is incomplete: it lacks the shop, a file's rows or checksum, "
                                 "or the figures.")) from error

    def read(self, path: str) -> bytes:
        try:
            return self.zip.read(path)
        except KeyError as error:
            raise ArchiveError(_("The archive lacks %(files)s: it is incomplete or was altered.")
                               % {"files": path}) from error
        except _ZIP_ERRORS as error:
            raise ArchiveError(_("%(path)s in the archive is damaged (%(error)s).")
                               % {"path": path, "error": error}) from error

    def _manifest(self) -> dict:
        raw = self.read(MANIFEST)
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise ArchiveError(
                _("The archive's manifest.json is not valid JSON: it was altered or damaged.")) from error
        if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT:
            raise ArchiveError(_("This zip file is not a Khata shop backup (its manifest does not say so)."))
        if manifest.get("version") != ARCHIVE_VERSION:
            raise ArchiveError(_("This backup has format version %(found)s; this version of Khata restores version "
                                 "%(version)s only.") % {"found": repr(manifest.get("version")),
                                                         "version": ARCHIVE_VERSION})
        if manifest.get("checksum") != _manifest_checksum(manifest):
            raise ArchiveError(_("The manifest's checksum does not match its content: the archive was altered or "
                                 "damaged."))
        if not isinstance(manifest.get("files"), dict) or not isinstance(manifest.get("shop"), dict):
            raise ArchiveError(_("The manifest is incomplete: it lacks the list of files or the shop."))
        return manifest

    def objects(self, model) -> list:
        """The rows of ``model``'s file as unsaved instances (their archived ids), after
        checking the file's SHA-256 and row count against the manifest and that every row
        is of ``model``."""
        path = archive_path(model)
        data = self.read(path)
        entry = self.manifest["files"][path]
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise ArchiveError(_("%(path)s does not match its checksum in the manifest: the archive was altered or "
                                 "damaged.") % {"path": path})
        try:
            rows = [d.object for d in serializers.deserialize("json", data, ignorenonexistent=False)]
        except (DeserializationError, UnicodeDecodeError, ValueError, TypeError, LookupError) as error:
            raise ArchiveError(_("%(path)s cannot be read: %(error)s") % {"path": path, "error": error}) from error
        if len(rows) != entry["rows"]:
            raise ArchiveError(_("%(path)s has %(rows)s rows; the manifest says %(expected)s.")
                               % {"path": path, "rows": len(rows), "expected": entry["rows"]})
        if any(type(row) is not model for row in rows):
            raise ArchiveError(_("%(path)s holds rows of another model: it was altered.") % {"path": path})
        if len({row.pk for row in rows}) != len(rows) or any(row.pk is None for row in rows):
            raise ArchiveError(_("%(path)s repeats a row id or has a row without one: it was altered.")
                               % {"path": path})
        return rows


def _relations(model):
    return [f for f in model._meta.concrete_fields if f.is_relation]


def _validate(archive: _Archive) -> dict:
    """Check every row's references (pass 1, nothing written). Returns ``{"members": set of
    member user ids}``. Raises :class:`ArchiveError` naming the first bad row."""
    user_model = get_user_model()
    bases = _base_models()
    ids: dict = {}
    members = set()
    for model in archive.models:
        path = archive_path(model)
        rows = archive.objects(model)
        history = model in bases
        for row in rows:
            if model is Shop and row.pk != archive.shop_id:
                raise ArchiveError(_("%(path)s holds shop %(shop)s, not the manifest's shop %(expected)s.")
                                   % {"path": path, "shop": row.pk, "expected": archive.shop_id})
            if history and bases[model] is Shop and row.id != archive.shop_id:
                raise ArchiveError(_("%(path)s holds another shop's history: it was altered.") % {"path": path})
            for f in _relations(model):
                value = getattr(row, f.attname)
                if value is None:
                    continue
                target = f.related_model
                if target is Shop and value != archive.shop_id:
                    raise ArchiveError(_("%(path)s: row %(row)s belongs to shop %(shop)s, not to the archive's shop "
                                         "%(expected)s.")
                                       % {"path": path, "row": row.pk, "shop": value, "expected": archive.shop_id})
                if history and target is not Shop:
                    continue  # a history row may name rows deleted since (restored under new ids)
                if value not in ids.get(target, ()):
                    raise ArchiveError(_("%(path)s: row %(row)s refers to %(model)s %(id)s, which is not in the "
                                         "archive.") % {"path": path, "row": row.pk,
                                                        "model": target._meta.label_lower, "id": value})
            if model is Membership:
                members.add(row.user_id)
            if model is CashMovement and row.refund_pk is not None and row.refund_pk not in ids[Refund]:
                raise ArchiveError(_("%(path)s: row %(row)s refers to refund %(id)s, which is not in the archive.")
                                   % {"path": path, "row": row.pk, "id": row.refund_pk})
            if model is Message and _attachment_invoice(row) not in (None, *ids[Invoice]):
                raise ArchiveError(_("%(path)s: row %(row)s attaches an invoice that is not in the archive.")
                                   % {"path": path, "row": row.pk})
        if model is Shop and len(rows) != 1:
            raise ArchiveError(_("%(path)s must hold exactly one shop.") % {"path": path})
        ids[model] = {row.pk for row in rows}
    if members - ids[user_model]:
        raise ArchiveError(_("A membership names a user the archive does not hold."))
    return {"members": members}


def _attachment_invoice(message):
    args = message.attachment_args
    return args.get("invoice_id") if isinstance(args, dict) else None


# Restoring ----------------------------------------------------------------------------------

@dataclass
class RestoreResult:
    """What :func:`shop_archive_restore` did: the new ``shop``, ``counts`` (rows written per
    model label), and the usernames of the users it ``created`` and ``matched`` (existing)."""

    shop: Shop
    counts: dict = field(default_factory=dict)
    created: list = field(default_factory=list)
    matched: list = field(default_factory=list)


class _Restorer:
    """Pass 2: writes the archive's rows with new ids (inside the caller's transaction)."""

    def __init__(self, archive: _Archive, *, as_new_shop: str | None, members: set, using=DEFAULT_DB_ALIAS):
        self.archive = archive
        self.as_new_shop = as_new_shop
        self.members = members
        self.using = using
        self.ids: dict = {}  # model -> {archived id: new id}
        self.ghosts: dict = {}  # model -> {archived id of a row deleted before the backup: new negative id}
        self.ghost_floor: dict = {}
        self.bases = _base_models()
        self.shop: Shop | None = None
        self.result: RestoreResult | None = None

    def run(self) -> RestoreResult:
        user_model = get_user_model()
        counts = {}
        created, matched = [], []
        for model in self.archive.models:
            rows = self.archive.objects(model)
            if model is user_model:
                self._users(rows, created, matched)
            else:
                for row in rows:
                    row._archived_pk = row.pk
                    self._remap(model, row)
                self._insert(model, rows)
                if model is Shop:
                    self.shop = rows[0]
            counts[model._meta.label_lower] = len(rows)
        return RestoreResult(shop=self.shop, counts=counts, created=created, matched=matched)

    def _users(self, rows, created, matched) -> None:
        user_model = get_user_model()
        mapping = self.ids.setdefault(user_model, {})
        for user in rows:
            old = user.pk
            existing = user_model._default_manager.filter(username=user.username).first()
            if existing is not None:
                mapping[old] = existing.pk
                matched.append(existing.get_username())
                continue
            user.pk = None
            if not (self.archive.manifest.get("includes_password_hashes") and user.password):
                user.set_unusable_password()
            if old not in self.members:
                user.is_active = False  # named only as an author: keeps the name, cannot log in
            user.save(force_insert=True, using=self.using)
            mapping[old] = user.pk
            created.append(user.get_username())

    def _ghost(self, model, old: int) -> int:
        mapping = self.ghosts.setdefault(model, {})
        if old not in mapping:
            if model not in self.ghost_floor:
                history = _history_model(model)
                low = history._default_manager.aggregate(low=Min("id"))["low"] if history else None
                self.ghost_floor[model] = min(low or 0, 0)
            self.ghost_floor[model] -= 1
            mapping[old] = self.ghost_floor[model]
        return mapping[old]

    def _new_id(self, target, old: int, *, history: bool):
        if target is Shop:
            return self.shop.pk
        new = self.ids.get(target, {}).get(old)
        if new is not None:
            return new
        if not history:  # pass 1 proved every live reference; this is a safety net
            raise ArchiveError(_("A row refers to %(model)s %(id)s, which is not in the archive.")
                               % {"model": target._meta.label_lower, "id": old})
        if target is get_user_model():
            return None
        return self._ghost(target, old)

    def _remap(self, model, row) -> None:
        history = model in self.bases
        if history:
            base = self.bases[model]
            row.id = self.shop.pk if base is Shop else (self.ids[base].get(row.id) or self._ghost(base, row.id))
        row.pk = None
        for f in _relations(model):
            value = getattr(row, f.attname)
            if value is not None:
                setattr(row, f.attname, self._new_id(f.related_model, value, history=history))
        if model is Shop and self.as_new_shop:
            row.name = self.as_new_shop
        elif model is Customer:
            # Derived from the number (an archive written before the column has none).
            row.phone_tail = phone_tail(row.phone, row.phone_e164)
        elif model is CashMovement and row.refund_pk is not None:
            row.refund_pk = self.ids[Refund][row.refund_pk]
        elif model is Message:
            invoice = _attachment_invoice(row)
            if invoice is not None:
                row.attachment_args = {**row.attachment_args, "invoice_id": self.ids[Invoice][invoice]}
            if self.as_new_shop and (row.status in (Message.Status.QUEUED, Message.Status.SENDING)
                                     or (row.status == Message.Status.FAILED and row.attempts < MAX_ATTEMPTS)):
                row.status, row.attempts, row.error = Message.Status.FAILED, MAX_ATTEMPTS, str(COPY_NOT_SENT)
        elif model is StatementLink and self.as_new_shop:
            row.token = secrets.token_urlsafe(24)

    def _insert(self, model, rows) -> None:
        """INSERT ``rows`` in batches, as raw rows (Django's ``loaddata`` path: no
        ``auto_now`` stamps, no signals, no new history), and record their new ids."""
        old_ids = [row._archived_pk for row in rows]
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        connection = connections[self.using]
        size = max(1, min(INSERT_BATCH, connection.ops.bulk_batch_size(fields, rows)))
        if not connection.features.can_return_rows_from_bulk_insert:
            size = 1
        mapping = self.ids.setdefault(model, {})
        for start in range(0, len(rows), size):
            batch = rows[start:start + size]
            returned = model._base_manager.using(self.using)._insert(
                batch, fields=fields, returning_fields=model._meta.db_returning_fields, raw=True, using=self.using)
            for row, values, old in zip(batch, returned, old_ids[start:start + size], strict=True):
                row.pk = values[0]
                row._state.adding, row._state.db = False, self.using
                mapping[old] = row.pk


def shop_archive_restore(*, handle, as_new_shop: str | None = None) -> RestoreResult:
    """Restore the archive in ``handle`` (a seekable binary file) and return a
    :class:`RestoreResult` with the new shop.

    ``as_new_shop=None``: into a database with no shop (disaster recovery): the shop keeps
    its name, statement links their tokens. ``as_new_shop="Name"``: as a new shop of that
    name beside the others. Either way every row gets a new id (see the module docstring).

    Raises :class:`ArchiveError` (nothing written) for a file that is not a readable zip, a
    manifest of another format or version or with a wrong checksum, a missing, extra or
    altered file, rows of another shop, a reference to a row not in the archive, a bad
    name, a database that has shops when no ``as_new_shop`` is given, or when the restored
    shop's figures differ from the manifest's. Runs with scopes disabled (it writes a whole
    shop, users included); everything is written in one transaction.
    """
    if as_new_shop is not None:
        as_new_shop = as_new_shop.strip()
        if not as_new_shop or len(as_new_shop) > Shop._meta.get_field("name").max_length:
            raise ArchiveError(_("Give the new shop a name of 1 to %(max)s characters.")
                               % {"max": Shop._meta.get_field("name").max_length})
    with scopes_disabled():
        archive = _Archive(handle)
        if as_new_shop is None and Shop.objects.exists():
            raise ArchiveError(_("The database already has shops: restore the archive beside them with "
                                 "--as-new-shop NAME."))
        facts = _validate(archive)
        try:
            with transaction.atomic():
                restorer = _Restorer(archive, as_new_shop=as_new_shop, members=facts["members"])
                result = restorer.run()
                # The dashboard's customer totals, from the restored customers (not archived).
                totals_rebuild(shop=result.shop)
                _check_restored(archive, result)
        except DatabaseError as error:
            raise ArchiveError(_("The archive could not be written to the database (%(error)s); nothing was "
                                 "restored.") % {"error": error}) from error
    return result


def _check_restored(archive: _Archive, result: RestoreResult) -> None:
    """Raise :class:`ArchiveError` (rolling the restore back) unless the new shop's row
    counts and figures are the manifest's (the figures it states: see :func:`shop_figures`)."""
    user_model = get_user_model()
    for model in archive.models:
        if model is user_model:
            continue
        label = model._meta.label_lower
        found = _selection(model, result.shop, ()).count()
        if found != archive.manifest["counts"].get(label):
            raise ArchiveError(_("The restored shop has %(found)s rows of %(model)s; the archive says %(expected)s. "
                                 "Nothing was restored.")
                               % {"found": found, "model": label, "expected": archive.manifest["counts"].get(label)})
    expected = archive.manifest["figures"]
    restored = shop_figures(shop=result.shop)
    # Only the figures the archive states: an archive of an earlier Khata (same version)
    # lacks the bill-of-supply and credit-note series.
    if _canonical({key: restored.get(key) for key in expected}) != _canonical(expected):
        raise ArchiveError(_("The restored shop's balances, invoice numbers or stock differ from the archive's "
                             "manifest. Nothing was restored."))
