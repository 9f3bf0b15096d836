"""Whole-shop backup and restore (billing.backup, issue #13): the archive of a shop, its
restore as a new shop or into an empty database with every id remapped, the refusal of a
damaged or altered archive with nothing written, and the owner's download."""

import datetime
import hashlib
import io
import json
import uuid
import zipfile
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from accounts.models import GstRegistration, Membership, Shop
from billing.backup import (
    ARCHIVE_VERSION,
    COPY_NOT_SENT,
    EXCLUDED_MODELS,
    MANIFEST,
    TENANT_MODELS,
    ArchiveError,
    _history_model,
    _manifest_checksum,
    _selection,
    archive_models,
    archive_path,
    shop_archive_restore,
    shop_archive_write,
)
from billing.models import CashClose, CashMovement, CreditNote, Invoice, InvoiceLine, Product, Series, StockMovement
from billing.selectors.cash import cash_drift
from billing.services.catalogue import category_save, product_create, product_update, stock_adjust, stock_receive
from billing.services.credit_notes import credit_note_create
from billing.services.drawer import drawer_close, drawer_setup
from billing.services.invoices import invoice_issue, invoice_void
from billing.totals import LineInput
from customers.models import Customer
from customers.services import customer_update
from ledger.models import Allocation, Due, Payment, PaymentClaim, Refund, StatementLink
from ledger.selectors.drift import ledger_drift
from ledger.services import entries as ledger
from ledger.services.statements import claim_confirm, claim_create, statement_link_get_or_create
from messaging.models import Message
from messaging.services import message_log
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
def today():
    """The real local date, read when called: a run that crosses midnight keeps its tests right."""
    return timezone.localdate()


def ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


@pytest.fixture
def book(shop, owner):
    """A shop with one of everything: customers (one edited), dues, payments with their
    allocations, a refund, voided entries (so allocations were deleted: history of rows that
    no longer exist), a statement link with a confirmed claim, products and stock
    movements, invoices with lines (one voided, one for a walk-in), a credit note, a bill of
    supply, the cash drawer with a day close, messages (one still queued), and a cashier who
    recorded some of it."""
    cashier = MembershipFactory(shop=shop, role=Membership.Role.CASHIER, user=UserFactory(username="ravi"))
    asha = CustomerFactory(shop=shop, name="Asha", email="asha@example.com")
    bala = CustomerFactory(shop=shop, name="Bala")
    chitra = CustomerFactory(shop=shop, name="Chitra")
    customer_update(customer=asha, name="Asha Devi", phone=asha.phone, email=asha.email)

    rice = ledger.due_create(shop=shop, customer=asha, amount=Decimal("500"), description="Rice", incurred_on=ago(40),
                             due_date=ago(10), created_by=cashier.user, idempotency_key=uuid.uuid4())
    ledger.due_create(shop=shop, customer=asha, amount=Decimal("80.50"), description="Tea", incurred_on=ago(5))
    ledger.payment_create(shop=shop, customer=asha, amount=Decimal("200"), received_on=ago(3), method="upi",
                          reference="UTR-1", created_by=cashier.user)
    wrong = ledger.payment_create(shop=shop, customer=asha, amount=Decimal("100"), received_on=ago(2))
    ledger.payment_void(shop=shop, payment=wrong, reason="Entered twice", voided_by=owner.user)
    typo = ledger.due_create(shop=shop, customer=bala, amount=Decimal("999"), description="Typo", incurred_on=ago(1))
    ledger.due_void(shop=shop, due=typo, reason="Typo")
    ledger.due_create(shop=shop, customer=bala, amount=Decimal("300"), description="Oil", incurred_on=ago(20))
    ledger.payment_create(shop=shop, customer=chitra, amount=Decimal("150"), received_on=ago(4))
    ledger.refund_create(shop=shop, customer=chitra, amount=Decimal("50"), refunded_on=ago(1), method="cash",
                         reason="Overpaid")
    link, _created = statement_link_get_or_create(shop=shop, customer=bala)
    claim = claim_create(link=link, amount=Decimal("100"), reference="UTR-9")
    claim_confirm(shop=shop, claim=claim, decided_by=owner.user)

    staples = category_save(shop=shop, name="Staples")
    dal = product_create(shop=shop, sku="DAL-1", name="Toor dal", category=staples, unit="kg",
                         sale_price=Decimal("120"), tax_rate=Decimal("5"), opening_stock=Decimal("25.500"))
    soap = product_create(shop=shop, sku="SOAP", name="Soap", unit="pcs", sale_price=Decimal("35"),
                          tax_rate=Decimal("18"), cost_price=Decimal("28"))
    stock_receive(shop=shop, product=soap, quantity=Decimal("40"), reason="Supplier", created_by=owner.user)
    stock_adjust(shop=shop, product=soap, quantity=Decimal("-2"), reason="Damaged")
    product_update(shop=shop, product=dal, name="Toor dal (loose)", sku="DAL-1", category=staples, unit="kg",
                   sale_price=Decimal("125"), tax_rate=Decimal("5"))

    drawer_setup(shop=shop)
    sold = invoice_issue(shop=shop, customer=asha, issued_on=today(), amount_paid=Decimal("100"), lines=[
        LineInput(quantity=Decimal("2.250"), unit_price=Decimal("125"), tax_rate=Decimal("5"), description="Toor dal",
                  product=dal),
        LineInput(quantity=Decimal("3"), unit_price=Decimal("35"), tax_rate=Decimal("18"), description="Soap",
                  product=soap)], created_by=cashier.user)
    walk_in = invoice_issue(shop=shop, issued_on=today(), amount_paid=Decimal("41.30"), lines=[
        LineInput(quantity=Decimal("1"), unit_price=Decimal("35"), tax_rate=Decimal("18"), description="Soap",
                  product=soap)])
    voided = invoice_issue(shop=shop, customer=bala, issued_on=today(), lines=[
        LineInput(quantity=Decimal("1"), unit_price=Decimal("120"), tax_rate=Decimal("5"), description="Dal",
                  product=dal)])
    invoice_void(shop=shop, invoice=voided, reason="Wrong customer", voided_by=owner.user)
    # A return: a credit note (its own CN/… series) for one soap of the sale, refunded as credit.
    note = credit_note_create(shop=shop, invoice=sold, reason="Torn pack", refund_method="credit",
                              quantities={sold.lines.get(description="Soap").pk: Decimal("1")}, created_by=owner.user)
    # A bill of supply (its own BOS/… series), issued after the shop left GST registration.
    shop.gst_registration = GstRegistration.UNREGISTERED
    shop.save(update_fields=["gst_registration"])
    supply = invoice_issue(shop=shop, customer=chitra, issued_on=today(), amount_paid=Decimal("35"), lines=[
        LineInput(quantity=Decimal("1"), unit_price=Decimal("35"), tax_rate=Decimal("18"), description="Soap",
                  product=soap)])
    drawer_close(shop=shop, counts={Decimal("100"): 1}, note="Evening count")

    message_log(shop=shop, channel="whatsapp", kind="reminder", to=bala.phone, body="Please pay", customer=bala)
    Message.objects.create(shop=shop, customer=asha, kind="invoice", to=asha.email, subject="Invoice",
                           attachment_builder="billing.tasks.invoice_attachments",
                           attachment_args={"invoice_id": sold.pk}, status=Message.Status.QUEUED,
                           idempotency_key=uuid.uuid4())
    # Requests record who made each change (simple_history's middleware); here, by hand.
    Due.history.filter(id=rice.pk).update(history_user=cashier.user)
    Customer.history.filter(id=asha.pk).update(history_user=owner.user)
    return {"asha": asha, "bala": bala, "chitra": chitra, "rice": rice, "sold": sold, "walk_in": walk_in,
            "voided": voided, "link": link, "cashier": cashier, "dal": dal, "soap": soap, "note": note,
            "supply": supply}


def write(shop, *, hashes=True) -> io.BytesIO:
    handle = io.BytesIO()
    shop_archive_write(shop=shop, handle=handle, include_password_hashes=hashes)
    handle.seek(0)
    return handle


def manifest_of(handle) -> dict:
    handle.seek(0)
    with zipfile.ZipFile(handle) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    handle.seek(0)
    return manifest


def rewrite(handle, *, change=None, drop=None, manifest=None) -> io.BytesIO:
    """A copy of the archive with ``change`` ({path: function(bytes) -> bytes}) applied,
    the file ``drop`` left out, or the manifest replaced by ``manifest(dict) -> dict``."""
    handle.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(handle) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == drop:
                continue
            if change and name in change:
                data = change[name](data)
            if name == MANIFEST and manifest:
                data = json.dumps(manifest(json.loads(data))).encode()
            target.writestr(name, data)
    out.seek(0)
    return out


def row_counts() -> dict:
    """Rows of every table an archive touches, across all shops."""
    with scopes_disabled():
        return {m._meta.label_lower: m._default_manager.count() for m in archive_models()}


def fresh_manifest(shop) -> dict:
    with scopes_disabled():
        return manifest_of(write(shop))


def history_rows(model, shop) -> list:
    """The shop's history rows of ``model`` without ids: what changed, when, by whom."""
    history = _history_model(model)
    skip = {"history_id", "id"} | {f.attname for f in history._meta.concrete_fields if f.is_relation}
    names = [f.attname for f in history._meta.concrete_fields if f.attname not in skip]
    with scopes_disabled():
        rows = _selection(history, shop, ()).order_by("history_id").select_related("history_user")
        return [([getattr(r, n) for n in names], r.history_user.username if r.history_user else None) for r in rows]


def snapshot(shop) -> dict:
    """Everything of ``shop`` with ids, to prove it unchanged."""
    with scopes_disabled():
        return {m._meta.label_lower: list(_selection(m, shop, ()).order_by("pk").values())
                for m in archive_models() if m is not User}


# The archive -----------------------------------------------------------------------------------------------------


def test_every_model_with_a_shop_is_archived_or_excluded_on_purpose():
    histories = {_history_model(m) for m in [Shop, Membership, *TENANT_MODELS]}
    archived = {m._meta.label_lower for m in TENANT_MODELS}
    for model in apps.get_models():
        if model in histories or model is Membership:
            continue
        if any(f.is_relation and f.related_model is Shop for f in model._meta.concrete_fields):
            label = model._meta.label_lower
            assert label in archived or label in EXCLUDED_MODELS, f"{label}: archive it or exclude it with a reason"


def test_archive_holds_one_file_per_model_and_a_manifest_with_checksums(book, shop, other_owner):
    CustomerFactory(shop=other_owner.shop, name="Someone else's")
    handle = write(shop)
    manifest = manifest_of(handle)

    with zipfile.ZipFile(handle) as archive:
        names = set(archive.namelist())
        assert names == {MANIFEST} | {archive_path(m) for m in archive_models()}
        for path, entry in manifest["files"].items():
            data = archive.read(path)
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert len(json.loads(data)) == entry["rows"] == manifest["counts"][entry["model"]]
        customers = json.loads(archive.read("data/customers.customer.json"))
        users = json.loads(archive.read("data/accounts.user.json"))
        due_history = json.loads(archive.read("data/ledger.historicaldue.json"))
    assert manifest["version"] == ARCHIVE_VERSION
    assert manifest["checksum"] == _manifest_checksum(manifest)
    assert sorted(c["fields"]["name"] for c in customers) == ["Asha Devi", "Bala", "Chitra"]
    assert all(c["fields"]["shop"] == shop.pk for c in customers)
    assert {u["fields"]["username"] for u in users} == {shop.memberships.get(role="owner").user.username, "ravi"}
    hashes = dict(User.objects.values_list("username", "password"))
    assert all(u["fields"]["password"] == hashes[u["fields"]["username"]] != "" for u in users)
    assert {"is_superuser", "is_staff", "last_login"}.isdisjoint(users[0]["fields"])
    assert len(due_history) >= 5  # created, allocated, voided …
    assert manifest["counts"]["accounts.shop"] == 1
    assert manifest["counts"]["billing.invoiceline"] == 5
    assert manifest["counts"]["billing.creditnote"] == manifest["counts"]["billing.creditnoteline"] == 1
    assert manifest["counts"]["messaging.message"] >= 2


def test_manifest_figures(book, shop):
    figures = manifest_of(write(shop))["figures"]
    with scopes_disabled():
        customers = list(Customer.objects.filter(shop=shop).order_by("pk"))
        balances = {c.name: c.balance for c in customers}
        sold = Invoice.objects.get(pk=book["sold"].pk)
    assert figures["balances"] == [[c.name, c.phone, f"{c.balance:.2f}"] for c in customers]
    assert figures["outstanding_total"] == f"{sum(b for b in balances.values() if b > 0):.2f}"
    assert figures["credit_total"] == f"{sum(b for b in balances.values() if b < 0):.2f}"
    year = sold.financial_year
    assert figures["invoice_sequences"] == {year: 3}
    assert figures["invoice_numbers"] == {year: Invoice.objects.get(pk=book["voided"].pk).number}
    assert figures["bill_of_supply_sequences"] == {year: 1}
    assert figures["bill_of_supply_numbers"] == {year: book["supply"].number}
    assert book["supply"].series == Series.BILL_OF_SUPPLY and book["supply"].number.startswith("BOS/")
    assert figures["credit_note_sequences"] == {year: 1}
    assert figures["credit_note_numbers"] == {year: book["note"].number}
    # Dal: 25.5 opening - 2.25 sold (+1 sold and returned by the void); soap: 40 - 2 - 3 - 1 + 1 returned - 1.
    assert figures["stock"] == {"DAL-1": "23.250", "SOAP": "34.000"}
    assert Decimal(figures["cash_balance"]) > 0


def test_owner_download_leaves_password_hashes_out(book, shop):
    handle = write(shop, hashes=False)
    with zipfile.ZipFile(handle) as archive:
        users = json.loads(archive.read("data/accounts.user.json"))
    assert users and all("password" not in u["fields"] for u in users)
    assert manifest_of(handle)["includes_password_hashes"] is False


# Restoring ---------------------------------------------------------------------------------------------------------


def test_restore_as_new_shop_reproduces_the_book_beside_the_original(book, shop):
    handle = write(shop)
    original_manifest = manifest_of(handle)
    before = snapshot(shop)
    users_before = User.objects.count()

    result = shop_archive_restore(handle=handle, as_new_shop="Copy of the shop")
    copy = result.shop

    assert copy.pk != shop.pk and copy.name == "Copy of the shop"
    assert snapshot(shop) == before  # the original is untouched
    assert User.objects.count() == users_before  # its users exist: matched by username
    assert sorted(result.matched) == sorted(Membership.objects.filter(shop=shop).values_list("user__username",
                                                                                             flat=True))
    again = fresh_manifest(copy)
    assert again["figures"] == original_manifest["figures"]
    assert again["counts"] == original_manifest["counts"]
    with scopes_disabled():
        assert ledger_drift(shops=[copy]) == []
        assert cash_drift(shop=copy) == 0
        # Every reference stays inside the copy.
        for allocation in Allocation.objects.filter(shop=copy).select_related("payment", "due"):
            assert allocation.payment.shop_id == copy.pk and allocation.due.shop_id == copy.pk
        for invoice in Invoice.objects.filter(shop=copy).select_related("due", "payment", "customer"):
            assert invoice.due is None or invoice.due.shop_id == copy.pk
            assert invoice.payment is None or invoice.payment.shop_id == copy.pk
        for line in InvoiceLine.objects.filter(shop=copy).select_related("invoice", "product"):
            assert line.invoice.shop_id == copy.pk and (line.product is None or line.product.shop_id == copy.pk)
        for movement in StockMovement.objects.filter(shop=copy, invoice__isnull=False).select_related("invoice"):
            assert movement.invoice.shop_id == copy.pk and movement.product.shop_id == copy.pk
        for movement in CashMovement.objects.filter(shop=copy):
            assert movement.invoice is None or movement.invoice.shop_id == copy.pk
            assert movement.payment is None or movement.payment.shop_id == copy.pk
            if movement.refund_pk:
                assert Refund.objects.get(pk=movement.refund_pk).shop_id == copy.pk
        close = CashClose.objects.get(shop=copy)
        assert close.movement.shop_id == copy.pk
        # The credit note and the bill of supply, each in its own series, against the copy's rows.
        note = CreditNote.objects.select_related("invoice").get(shop=copy)
        assert note.number == book["note"].number and note.invoice.shop_id == copy.pk
        assert note.invoice.number == book["sold"].number
        assert Invoice.objects.get(shop=copy, series=Series.BILL_OF_SUPPLY).number == book["supply"].number
        claim = PaymentClaim.objects.get(shop=copy)
        assert claim.link.shop_id == copy.pk and claim.payment.shop_id == copy.pk
        # The same rows, new ids: dues in the same order with the same amounts and keys.
        mine = list(Due.objects.filter(shop=shop).order_by("pk").values_list("pk", "amount", "idempotency_key",
                                                                            "created_by__username", "voided_at"))
        theirs = list(Due.objects.filter(shop=copy).order_by("pk").values_list("pk", "amount", "idempotency_key",
                                                                              "created_by__username", "voided_at"))
        assert [r[1:] for r in mine] == [r[1:] for r in theirs]
        assert not {r[0] for r in mine} & {r[0] for r in theirs}
        # Statement links answer with new tokens; the original's keep working.
        assert StatementLink.objects.get(shop=copy).token != book["link"].token
        assert StatementLink.objects.get(shop=shop).token == book["link"].token
        # An invoice email still to be sent names the copy's invoice, and is never sent from the copy.
        queued = Message.objects.get(shop=copy, kind="invoice")
        assert queued.attachment_args == {"invoice_id": Invoice.objects.get(shop=copy, number=book["sold"].number).pk}
        assert (queued.status, queued.error) == (Message.Status.FAILED, COPY_NOT_SENT)
        assert Message.objects.get(shop=shop, kind="invoice").status == Message.Status.QUEUED
        # Memberships and their roles.
        assert sorted(Membership.objects.filter(shop=copy).values_list("user__username", "role")) == sorted(
            Membership.objects.filter(shop=shop).values_list("user__username", "role"))


def test_the_copy_numbers_on_from_the_originals_last_numbers(book, shop):
    """The series restore with their last numbers: the copy's next bill of supply and credit
    note take the numbers after the original's."""
    copy = shop_archive_restore(handle=write(shop), as_new_shop="Copy").shop
    with scope(shop=copy):
        chitra = Customer.objects.get(shop=copy, name="Chitra")
        soap = Product.objects.get(shop=copy, sku="SOAP")
        supply = invoice_issue(shop=copy, customer=chitra, issued_on=today(), amount_paid=Decimal("35"), lines=[
            LineInput(quantity=Decimal("1"), unit_price=Decimal("35"), tax_rate=Decimal("18"), description="Soap",
                      product=soap)])
        sold = Invoice.objects.get(shop=copy, number=book["sold"].number)
        note = credit_note_create(shop=copy, invoice=sold, reason="Torn pack", refund_method="credit",
                                  quantities={sold.lines.get(description="Soap").pk: Decimal("1")})
    assert supply.series == Series.BILL_OF_SUPPLY and supply.sequence_number == book["supply"].sequence_number + 1
    assert note.sequence_number == book["note"].sequence_number + 1


def test_an_archive_without_the_newer_figures_still_restores(book, shop):
    """Archives written before the bill-of-supply and credit-note figures (same version) lack
    those keys; the restore checks the figures they have."""
    newer = ("bill_of_supply_sequences", "bill_of_supply_numbers", "credit_note_sequences", "credit_note_numbers")

    def older(manifest):
        for key in newer:
            del manifest["figures"][key]

    handle = rewrite(write(shop), manifest=_recomputed(older))
    copy = shop_archive_restore(handle=handle, as_new_shop="From an older archive").shop
    assert fresh_manifest(copy)["figures"] == fresh_manifest(shop)["figures"]
    changed = rewrite(write(shop), manifest=_recomputed(lambda m: (older(m), m["figures"].update(stock={}))))
    with pytest.raises(ArchiveError, match="stock differ from the archive's manifest"):
        shop_archive_restore(handle=changed, as_new_shop="Forged")


def test_restore_keeps_the_history_with_remapped_ids(book, shop):
    result = shop_archive_restore(handle=write(shop), as_new_shop="Copy")
    copy = result.shop
    for model in [Customer, Due, Payment, Refund, Allocation, PaymentClaim, Product, Invoice, Membership]:
        assert history_rows(model, copy) == history_rows(model, shop), model
    assert history_rows(Shop, copy) == history_rows(Shop, shop)
    with scopes_disabled():
        history = _history_model(Due)
        live = set(Due.objects.filter(shop=copy).values_list("pk", flat=True))
        assert set(history.objects.filter(shop=copy).values_list("id", flat=True)) == live
        assert history.objects.filter(shop=copy, history_user__username="ravi").exists()
        # Allocations removed by the voids live on in history only, under new negative ids.
        allocations = _history_model(Allocation).objects.filter(shop=copy)
        gone = set(allocations.values_list("id", flat=True)) - set(
            Allocation.objects.filter(shop=copy).values_list("pk", flat=True))
        assert gone and all(pk < 0 for pk in gone)
        new_dues = set(Due.objects.filter(shop=copy).values_list("pk", flat=True))
        assert set(allocations.values_list("due_id", flat=True)) <= new_dues
        assert set(_history_model(Shop).objects.filter(id=copy.pk).values_list("id", flat=True)) == {copy.pk}


def test_restoring_twice_gives_two_independent_shops(book, shop):
    handle = write(shop)
    first = shop_archive_restore(handle=handle, as_new_shop="First copy").shop
    handle.seek(0)
    second = shop_archive_restore(handle=handle, as_new_shop="Second copy").shop
    before = snapshot(second)
    original = snapshot(shop)

    with scope(shop=first):
        asha = Customer.objects.get(shop=first, name="Asha Devi")
        ledger.payment_create(shop=first, customer=asha, amount=Decimal("10"), received_on=today())
        asha.refresh_from_db()

    assert snapshot(second) == before and snapshot(shop) == original
    with scopes_disabled():
        assert Customer.objects.get(shop=second, name="Asha Devi").balance == asha.balance + Decimal("10")
        tokens = StatementLink.objects.filter(shop__in=[shop, first, second]).values_list("token", flat=True)
        assert len(set(tokens)) == 3


def delete_shop(shop, user_ids):
    """Remove the shop, every row and history row of it, and its users: an empty database."""
    with scopes_disabled():
        for model in reversed(TENANT_MODELS):
            _selection(model, shop, ()).delete()
        Membership.objects.filter(shop=shop).delete()
        pk = shop.pk
        Shop.objects.filter(pk=pk).delete()
        for base in [Shop, Membership, *TENANT_MODELS]:
            history = _history_model(base)
            if history is not None:  # with the rows the deletes above just added
                history._default_manager.filter(**{"id" if base is Shop else "shop_id": pk}).delete()
        User.objects.filter(pk__in=user_ids).delete()
        assert not Shop.objects.exists()
        assert all(count == 0 for count in row_counts().values())


def test_restore_into_an_empty_database(book, shop, owner):
    handle = write(shop)
    manifest = manifest_of(handle)
    owner_name, token = owner.user.username, book["link"].token
    with scopes_disabled():
        user_ids = list(Membership.objects.filter(shop=shop).values_list("user_id", flat=True))
        counts_before = row_counts()
    delete_shop(shop, user_ids)

    result = shop_archive_restore(handle=handle)

    restored = result.shop
    assert restored.name == shop.name
    assert sorted(result.created) == sorted([owner_name, "ravi"]) and result.matched == []
    assert row_counts() == counts_before
    again = fresh_manifest(restored)
    assert again["figures"] == manifest["figures"] and again["counts"] == manifest["counts"]
    with scopes_disabled():
        assert StatementLink.objects.get(shop=restored).token == token  # customers' links keep working
        assert Message.objects.get(shop=restored, kind="invoice").status == Message.Status.QUEUED  # still to send
        assert ledger_drift(shops=[restored]) == []
    # The operator's archive kept the password hashes: the owner logs in as before.
    assert User.objects.get(username=owner_name).check_password("pass-word-123")


def test_restore_without_password_hashes_creates_users_who_must_reset(book, shop):
    handle = write(shop, hashes=False)
    with scopes_disabled():
        user_ids = list(Membership.objects.filter(shop=shop).values_list("user_id", flat=True))
    delete_shop(shop, user_ids)

    shop_archive_restore(handle=handle)

    ravi = User.objects.get(username="ravi")
    assert not ravi.has_usable_password() and ravi.is_active


def test_a_user_named_only_in_the_history_is_created_inactive(shop, owner):
    operator = UserFactory(username="operator")
    customer = CustomerFactory(shop=shop, name="Asha")
    ledger.due_create(shop=shop, customer=customer, amount=Decimal("5"), description="x", incurred_on=today(),
                      created_by=operator)
    handle = write(shop)
    delete_shop(shop, [owner.user.pk, operator.pk])

    shop_archive_restore(handle=handle)

    restored = User.objects.get(username="operator")
    assert not restored.is_active
    with scopes_disabled():
        assert Due.objects.get().created_by == restored


def test_restore_without_a_name_is_refused_when_shops_exist(book, shop):
    before = row_counts()
    with pytest.raises(ArchiveError, match="already has shops.*--as-new-shop"):
        shop_archive_restore(handle=write(shop))
    assert row_counts() == before


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_restore_needs_a_sensible_new_name(shop, name):
    with pytest.raises(ArchiveError, match="name of 1 to 120 characters"):
        shop_archive_restore(handle=write(shop), as_new_shop=name)


# Damaged and altered archives ---------------------------------------------------------------------------------------


def _one_byte_changed(data: bytes) -> bytes:
    index = data.index(b"Asha")
    return data[:index] + b"B" + data[index + 1:]


def _recomputed(manifest_change):
    def change(manifest):
        manifest_change(manifest)
        manifest["checksum"] = _manifest_checksum(manifest)
        return manifest

    return change


def _reference_to_nowhere(handle):
    """An allocation that names a due missing from the archive, with every checksum recomputed
    (a forged or buggy archive that passes the checksums)."""
    path = "data/ledger.allocation.json"
    handle.seek(0)
    with zipfile.ZipFile(handle) as archive:
        rows = json.loads(archive.read(path))
    rows[0]["fields"]["due"] = 999_999_999
    data = json.dumps(rows).encode()

    def manifest(m):
        m["files"][path]["sha256"] = hashlib.sha256(data).hexdigest()
        m["checksum"] = _manifest_checksum(m)
        return m

    return rewrite(handle, change={path: lambda _old: data}, manifest=manifest)


TAMPERINGS = {
    "one byte of a JSON file": (lambda h: rewrite(h, change={"data/customers.customer.json": _one_byte_changed}),
                                "data/customers.customer.json does not match its checksum"),
    "a file removed": (lambda h: rewrite(h, drop="data/ledger.payment.json"),
                       "lacks data/ledger.payment.json"),
    "an extra file": (lambda h: _with_extra(h), "unexpected files"),
    "a figure changed without the checksum": (
        lambda h: rewrite(h, manifest=lambda m: {**m, "figures": {**m["figures"], "cash_balance": "1.00"}}),
        "manifest's checksum does not match"),
    "a wrong checksum": (lambda h: rewrite(h, manifest=lambda m: {**m, "checksum": "0" * 64}),
                         "manifest's checksum does not match"),
    "another version": (lambda h: rewrite(h, manifest=_recomputed(lambda m: m.update(version=ARCHIVE_VERSION + 1))),
                        "format version 2; this version of Khata restores version 1 only"),
    "a manifest figure that the rows do not give": (
        lambda h: rewrite(h, manifest=_recomputed(lambda m: m["figures"].update(outstanding_total="1.00"))),
        "stock differ from the archive's manifest"),
    "a row count that is wrong": (
        lambda h: rewrite(h, manifest=_recomputed(lambda m: m["files"]["data/ledger.due.json"].update(rows=1))),
        "data/ledger.due.json has \\d+ rows; the manifest says 1"),
    "a reference to a row not in the archive": (_reference_to_nowhere, "refers to ledger.due 999999999"),
    "not a zip file": (lambda h: io.BytesIO(b"PK\x03\x04 this is not a zip"), "not a readable zip archive"),
    "a damaged zip": (lambda h: _flipped(h), "damaged|not a readable zip|checksum"),
}


def _with_extra(handle):
    out = rewrite(handle)
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("data/notes.txt", "hello")
    out.seek(0)
    return out


def _flipped(handle):
    """The archive's bytes with one byte in the middle of a stored file changed."""
    data = bytearray(handle.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("data/ledger.due.json")
    header = info.header_offset  # local header: 30 bytes, then the name and the extra field, then the data
    start = header + 30 + int.from_bytes(data[header + 26:header + 28], "little") + int.from_bytes(
        data[header + 28:header + 30], "little")
    middle = start + info.compress_size // 2
    data[middle] ^= 0xFF
    return io.BytesIO(bytes(data))


@pytest.mark.parametrize("case", sorted(TAMPERINGS))
def test_an_altered_or_damaged_archive_is_refused_and_nothing_is_written(book, shop, case):
    make, message = TAMPERINGS[case]
    altered = make(write(shop))
    before = row_counts()

    with pytest.raises(ArchiveError, match=message):
        shop_archive_restore(handle=altered, as_new_shop="Forged")

    assert row_counts() == before
    with scopes_disabled():
        assert not Shop.objects.filter(name="Forged").exists()


def test_rows_of_another_shop_in_the_archive_are_refused(book, shop, other_owner):
    path = "data/customers.customer.json"
    handle = write(shop)
    with zipfile.ZipFile(handle) as archive:
        rows = json.loads(archive.read(path))
    rows[0]["fields"]["shop"] = other_owner.shop.pk
    data = json.dumps(rows).encode()

    def manifest(m):
        m["files"][path]["sha256"] = hashlib.sha256(data).hexdigest()
        return _recomputed(lambda _m: None)(m)

    with pytest.raises(ArchiveError, match=f"belongs to shop {other_owner.shop.pk}"):
        shop_archive_restore(handle=rewrite(handle, change={path: lambda _old: data}, manifest=manifest),
                             as_new_shop="Forged")


# The owner's download ------------------------------------------------------------------------------------------------


def test_owner_downloads_the_archive_from_shop_settings(book, shop, owner_client):
    page = owner_client.get(reverse("accounts:shop_settings"))
    assert reverse("billing:backup_download") in page.content.decode()

    response = owner_client.post(reverse("billing:backup_download"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment; filename=\"khata-backup-")
    handle = io.BytesIO(b"".join(response.streaming_content))
    manifest = manifest_of(handle)
    assert manifest["shop"]["id"] == shop.pk and manifest["includes_password_hashes"] is False
    result = shop_archive_restore(handle=handle, as_new_shop="From the download")
    assert fresh_manifest(result.shop)["figures"] == manifest["figures"]


@pytest.mark.parametrize("role", [Membership.Role.MANAGER, Membership.Role.CASHIER, Membership.Role.VIEWER])
def test_only_the_owner_may_download_a_backup(client, shop, role):
    member = MembershipFactory(shop=shop, role=role)
    client.force_login(member.user)
    response = client.post(reverse("billing:backup_download"))
    assert response.status_code == 403
    assert "zip" not in response.get("Content-Type", "")


def test_backup_download_is_a_post(owner_client):
    assert owner_client.get(reverse("billing:backup_download")).status_code == 405


def test_backup_download_needs_a_login(client):
    response = client.post(reverse("billing:backup_download"))
    assert response.status_code in (302, 404)
    assert "zip" not in response.get("Content-Type", "")
