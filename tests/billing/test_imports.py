"""Spreadsheet imports of customers and products (issue #13): upload → check with errors per
row → confirm; all or nothing; a double confirm imports once; large files in the background
with progress; roles and tenancy."""

import dataclasses
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from openpyxl import Workbook, load_workbook

from accounts.models import Membership
from accounts.permissions import PermissionError  # noqa: A004 (the domain's own)
from billing import imports as product_imports
from billing.models import ImportJob, Product, StockMovement
from billing.services import imports as services
from billing.services.imports import ImportJobError
from core.sheets import SheetError
from customers.models import Customer
from ledger import imports as customer_imports
from ledger.models import Due
from ledger.selectors.drift import ledger_drift
from tests.accounts.factories import MembershipFactory
from tests.billing.factories import CategoryFactory, ProductFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CUSTOMERS, PRODUCTS = ImportJob.Kind.CUSTOMERS, ImportJob.Kind.PRODUCTS
def today():
    """The real local date, read when called: a run that crosses midnight keeps its tests right."""
    return timezone.localdate()
AS_OF = today() - datetime.timedelta(days=30)
CUSTOMER_HEADER = ["Name", "Phone", "Email", "Address", "Opening balance", "As of"]
PRODUCT_HEADER = ["Name", "SKU", "Category", "Price", "Tax rate", "HSN", "Unit", "Opening stock", "Cost price"]


def phone(n: int) -> str:
    """A valid Indian mobile number no factory customer has (they are 98…)."""
    return f"97{n:08d}"


def csv_bytes(rows) -> bytes:
    return "\n".join(",".join(f'"{cell}"' if "," in str(cell) else str(cell) for cell in row)
                     for row in rows).encode()


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(owner, kind, rows, *, name=None, xlsx=False, key=None):
    """Upload ``rows`` (header first) as CSV or XLSX through the service; the job."""
    name = name or f"{kind}.{'xlsx' if xlsx else 'csv'}"
    content = xlsx_bytes(rows) if xlsx else csv_bytes(rows)
    return services.import_job_create(shop=owner.shop, kind=kind, upload=SimpleUploadedFile(name, content),
                                      created_by=owner.user, membership=owner, idempotency_key=key)


def customer_rows(count, *, start=0, balance="100"):
    return [CUSTOMER_HEADER] + [[f"Customer {start + i}", phone(start + i), "", "", balance, AS_OF.isoformat()]
                                for i in range(count)]


def errors_by_row(job):
    return {error["row"]: error["messages"] for error in job.errors}


def drift(shop):
    with scopes_disabled():
        return ledger_drift(shops=[shop])


# --- Customers: the check ----------------------------------------------------------------------


def test_customer_rows_get_an_error_each_and_the_preview_writes_nothing(owner, shop):
    CustomerFactory(shop=shop, name="Old Friend", phone=phone(99))
    tomorrow = today() + datetime.timedelta(days=1)

    job = upload(owner, CUSTOMERS, [
        CUSTOMER_HEADER,
        ["Asha", phone(1), "asha@example.com", "12 MG Road", "1,500.50", AS_OF.isoformat()],  # 2: fine
        ["", phone(2), "", "", "", ""],                                    # 3: no name
        ["Bad Phone", "12345", "", "", "", ""],                            # 4
        ["Twin", phone(1), "", "", "", ""],                                # 5: same phone as row 2
        ["Known", phone(99), "", "", "", ""],                              # 6: already a customer's
        ["Bad Amount", phone(6), "", "", "lots", ""],                      # 7
        ["Negative", phone(7), "", "", "-5", ""],                          # 8
        ["Bad Email", phone(8), "not-an-email", "", "", ""],               # 9
        ["Bad Date", phone(9), "", "", "10", "31/13/2026"],                # 10
        ["Future", phone(10), "", "", "10", tomorrow.isoformat()],         # 11
        ["No Phone", "", "", "", "", ""],                                  # 12
    ])

    assert job.status == ImportJob.Status.PREVIEW
    assert (job.total_rows, job.error_rows, job.good_rows) == (11, 10, 1)
    errors = errors_by_row(job)
    assert errors[3] == ["Enter a name."]
    assert errors[4] == ["“12345” is not a valid phone number."]
    assert errors[5] == ["Same phone number as row 2."]
    assert errors[6] == ["Old Friend already has this phone number (+91 97000 00099)."]
    assert errors[7] == ["Opening balance: “lots” is not a number. Enter the opening balance such as 250 or 99.50."]
    assert errors[8] == ["The opening balance cannot be negative."]
    assert errors[9] == ["“not-an-email” is not a valid email address."]
    assert errors[10] == ["As of: “31/13/2026” is not a date. Enter it as 31/03/2026 or 2026-03-31."]
    assert errors[11] == ["The as-of date cannot be in the future."]
    assert errors[12] == ["Enter a phone number."]
    assert 2 not in errors
    assert [e["label"] for e in job.errors][:2] == ["9700000002", "Bad Phone · 12345"]
    assert job.preview["sample"] == [["Asha", "+91 97000 00001", "asha@example.com", "12 MG Road", "₹1,500.50",
                                      AS_OF.isoformat()]]
    assert Customer.objects.filter(shop=shop).count() == 1  # only the one that was there
    assert not Due.objects.exists()


def test_errors_block_the_confirm_unless_skipped(owner, shop):
    job = upload(owner, CUSTOMERS, [CUSTOMER_HEADER, ["Asha", phone(1), "", "", "", ""],
                                    ["", phone(2), "", "", "", ""]])

    with pytest.raises(ImportJobError) as caught:
        services.import_job_confirm(job=job, skip_bad_rows=False, membership=owner)

    assert str(caught.value) == ("1 row has an error. Fix the file and upload it again, or choose to skip the rows "
                                 "with errors.")
    assert caught.value.field == "skip_bad_rows"
    assert not Customer.objects.exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW


def test_skip_imports_the_good_rows_only(owner, shop):
    job = upload(owner, CUSTOMERS, [CUSTOMER_HEADER, ["Asha", phone(1), "", "", "250", AS_OF.isoformat()],
                                    ["", phone(2), "", "", "", ""], ["Ravi", phone(3), "", "", "", ""]])

    job = services.import_job_confirm(job=job, skip_bad_rows=True, membership=owner)

    assert (job.status, job.imported_rows, job.error_rows) == (ImportJob.Status.DONE, 2, 1)
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["Asha", "Ravi"]
    assert job.finished_at is not None
    assert bytes(ImportJob.objects.get(pk=job.pk).content) == b""  # the file is not kept once imported


def test_a_file_where_every_row_is_bad_cannot_be_confirmed(owner):
    job = upload(owner, CUSTOMERS, [CUSTOMER_HEADER, ["", phone(1), "", "", "", ""]])

    with pytest.raises(ImportJobError, match="every row has an error"):
        services.import_job_confirm(job=job, skip_bad_rows=True, membership=owner)
    assert not Customer.objects.exists()


# --- Customers: the import ---------------------------------------------------------------------


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
def test_customers_and_opening_balances_are_imported_from_csv_and_xlsx(owner, shop, xlsx):
    rows = [["Mobile No.", "Customer Name", "E-mail", "Opening Balance (₹)", "As of date", "Notes"],
            [phone(1), "Asha Verma", "asha@example.com", "1500.50", AS_OF.isoformat(), "ignored"],
            [phone(2), "Ravi", "", "", "", ""],
            [phone(3), "Meena", "", "0", "", ""]]
    if xlsx:
        rows[1][0] = int(phone(1))  # a phone typed as a number
        rows[1][3] = 1500.5         # a number cell
        rows[1][4] = datetime.datetime.combine(AS_OF, datetime.time())

    job = upload(owner, CUSTOMERS, rows, xlsx=xlsx)
    assert (job.status, job.error_rows, job.preview["ignored"]) == (ImportJob.Status.PREVIEW, 0, ["Notes"])
    job = services.import_job_confirm(job=job, membership=owner)

    assert (job.status, job.imported_rows) == (ImportJob.Status.DONE, 3)
    asha = Customer.objects.get(shop=shop, name="Asha Verma")
    assert (asha.phone_e164, asha.email, asha.balance) == ("+919700000001", "asha@example.com", Decimal("1500.50"))
    due = Due.objects.get(customer=asha)
    assert (due.amount, due.outstanding, due.description, due.incurred_on, due.due_date, due.created_by) == (
        Decimal("1500.50"), Decimal("1500.50"), "Opening balance", AS_OF, None, owner.user)
    ravi = Customer.objects.get(shop=shop, name="Ravi")
    assert ravi.balance == 0
    assert not Due.objects.filter(customer__in=[ravi, Customer.objects.get(name="Meena")]).exists()
    assert asha.history.get().history_user == owner.user
    assert drift(shop) == []


def test_an_empty_as_of_date_means_today(owner, shop):
    job = upload(owner, CUSTOMERS, [CUSTOMER_HEADER, ["Asha", phone(1), "", "", "75", ""]])
    services.import_job_confirm(job=job, membership=owner)
    assert Due.objects.get().incurred_on == today()


def test_a_failure_half_way_writes_nothing_and_the_job_can_be_retried(owner, shop, monkeypatch):
    rows = customer_rows(5)
    job = upload(owner, CUSTOMERS, rows)
    real = customer_imports._new_customer
    monkeypatch.setattr(customer_imports, "BATCH_SIZE", 2)  # rows 2-3 are written before row 6 fails

    def failing(shop, row):
        if row.row == 6:
            raise RuntimeError("disk full")
        return real(shop, row)

    monkeypatch.setattr(customer_imports, "_new_customer", failing)
    job = services.import_job_confirm(job=job, membership=owner)

    assert job.status == ImportJob.Status.FAILED
    assert "The import stopped because of an error (RuntimeError). Nothing was imported." in job.message
    assert not Customer.objects.exists()
    assert not Due.objects.exists()

    monkeypatch.setattr(customer_imports, "_new_customer", real)
    job = services.import_job_retry(job=job, membership=owner)

    assert (job.status, job.imported_rows, job.message) == (ImportJob.Status.DONE, 5, "")
    assert Customer.objects.count() == 5
    assert drift(shop) == []


def test_a_failure_posting_the_balances_leaves_no_customer(owner, shop, monkeypatch):
    job = upload(owner, CUSTOMERS, customer_rows(3))

    def broken(**kwargs):
        assert Customer.objects.count() == 3  # the customers were inserted already
        raise RuntimeError("boom")

    monkeypatch.setattr(customer_imports, "opening_balances_post", broken)
    job = services.import_job_confirm(job=job, membership=owner)

    assert job.status == ImportJob.Status.FAILED
    assert not Customer.objects.exists()


def test_a_double_confirm_imports_once(owner, shop):
    job = upload(owner, CUSTOMERS, customer_rows(3))

    first = services.import_job_confirm(job=job, membership=owner)
    second = services.import_job_confirm(job=job, membership=owner)

    assert first.status == second.status == ImportJob.Status.DONE
    assert Customer.objects.count() == 3
    assert Due.objects.count() == 3


def test_a_double_confirm_through_the_page_imports_once(owner_client, owner, shop):
    job = upload(owner, CUSTOMERS, customer_rows(2))
    url = reverse("billing:import_confirm", args=[job.pk])

    assert owner_client.post(url).status_code == 302
    assert owner_client.post(url).status_code == 302

    assert Customer.objects.count() == 2


def test_rows_that_became_bad_since_the_preview_stop_the_import(owner, shop):
    job = upload(owner, CUSTOMERS, customer_rows(2))
    CustomerFactory(shop=shop, name="Added Meanwhile", phone=phone(1))

    job = services.import_job_confirm(job=job, membership=owner)

    assert job.status == ImportJob.Status.PREVIEW
    assert "Nothing was imported" in job.message
    assert errors_by_row(job) == {3: ["Added Meanwhile already has this phone number (+91 97000 00001)."]}
    assert Customer.objects.count() == 1
    assert job.confirmed_at is None


def test_a_run_that_lost_its_claim_does_not_commit(owner, shop, monkeypatch):
    job = upload(owner, CUSTOMERS, customer_rows(2))
    real = services.kind_of(job).write

    def taken_over(**kwargs):
        written = real(**kwargs)
        ImportJob.objects.filter(pk=job.pk).update(attempts=99)  # another run claimed the job meanwhile
        return written

    monkeypatch.setitem(services.KINDS, CUSTOMERS, dataclasses.replace(services.KINDS[CUSTOMERS], write=taken_over))
    services.import_job_confirm(job=job, membership=owner)

    assert not Customer.objects.exists()
    assert not Due.objects.exists()
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.WRITING  # the other run's to finish


def test_the_same_upload_key_makes_one_job(owner):
    key = "3f0c8f8a-5a44-4a61-9bb0-4c1b8a1f0e11"
    first = upload(owner, CUSTOMERS, customer_rows(1), key=key)
    second = upload(owner, CUSTOMERS, customer_rows(1), key=key)
    assert first.pk == second.pk
    assert ImportJob.objects.count() == 1


# --- Products ------------------------------------------------------------------------------------


def test_product_rows_get_an_error_each(owner, shop):
    CategoryFactory(shop=shop, name="Grains")
    ProductFactory(shop=shop, sku="OLD-1")

    job = upload(owner, PRODUCTS, [
        PRODUCT_HEADER,
        ["Rice", "RICE-5", "grains", "450", "5%", "1006", "kg", "12.5", "400"],   # 2: fine
        ["", "A1", "", "10", "", "", "", "", ""],                                 # 3: no name
        ["No Sku", "", "", "10", "", "", "", "", ""],                             # 4
        ["Spaced", "A B", "", "10", "", "", "", "", ""],                          # 5
        ["Twin", "rice-5", "", "10", "", "", "", "", ""],                         # 6: same SKU as row 2
        ["Known", "old-1", "", "10", "", "", "", "", ""],                         # 7: the shop has it
        ["Odd Group", "A7", "Toys", "10", "", "", "", "", ""],                    # 8
        ["Bad Price", "A8", "", "ten", "", "", "", "", ""],                       # 9
        ["Free Tax", "A9", "", "10", "150", "", "", "", ""],                      # 10
        ["Bad Unit", "A10", "", "10", "", "", "bucket", "", ""],                  # 11
        ["Bad Hsn", "A11", "", "10", "", "12", "", "", ""],                       # 12
        ["Neg Stock", "A12", "", "10", "", "", "", "-1", ""],                     # 13
        ["No Price", "A13", "", "", "", "", "", "", ""],                          # 14
        ["Neg Price", "A14", "", "-1", "", "", "", "", ""],                       # 15
    ])

    errors = errors_by_row(job)
    assert errors == {
        3: ["Enter the product's name."],
        4: ["Enter the SKU."],
        5: ["The SKU “A B” contains spaces (use - instead)."],
        6: ["Same SKU as row 2."],
        7: ["Another product already has the SKU old-1."],
        8: ["No category called “Toys”. Add it on the Categories page first, or leave the cell empty."],
        9: ["Price: “ten” is not a number. Enter the price such as 250 or 99.50."],
        10: ["The tax rate must be from 0 to 100 (not 150)."],
        11: ["“bucket” is not a unit. Use one of: pcs, kg, g, litre, ml, metre, box, pack."],
        12: ["“12” is not an HSN/SAC code (4 to 8 digits)."],
        13: ["The opening stock cannot be negative."],
        14: ["Enter the price."],
        15: ["The price cannot be negative."],
    }
    assert Product.objects.filter(shop=shop).count() == 1


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
def test_products_with_opening_stock_through_movements(owner, shop, xlsx):
    grains = CategoryFactory(shop=shop, name="Grains")
    job = upload(owner, PRODUCTS, [
        ["Item Name", "Item Code", "Group", "Selling Price", "GST %", "HSN Code", "UOM", "Qty", "Purchase price"],
        ["Basmati rice", "RICE-5", "Grains", "450.00", "5", "1006", "Kgs", "12.5", "400"],
        ["Soap", "SOAP", "", "35", "18", "", "", "", ""],
    ], xlsx=xlsx)
    job = services.import_job_confirm(job=job, membership=owner)

    assert (job.status, job.imported_rows) == (ImportJob.Status.DONE, 2)
    rice = Product.objects.get(shop=shop, sku="RICE-5")
    assert (rice.name, rice.category, rice.unit, rice.sale_price, rice.cost_price, rice.tax_rate, rice.hsn_code) == (
        "Basmati rice", grains, "kg", Decimal("450.00"), Decimal("400.00"), Decimal("5.00"), "1006")
    assert rice.stock_quantity == Decimal("12.500")
    movement = StockMovement.objects.get(product=rice)
    assert (movement.kind, movement.quantity, movement.balance_after, movement.reason, movement.created_by) == (
        StockMovement.Kind.RECEIVE, Decimal("12.500"), Decimal("12.500"), "Opening stock", owner.user)
    soap = Product.objects.get(shop=shop, sku="SOAP")
    assert (soap.unit, soap.stock_quantity, soap.cost_price, soap.category) == ("pcs", 0, None, None)
    assert not StockMovement.objects.filter(product=soap).exists()


@pytest.mark.parametrize("mrp", [True, False])
def test_imported_prices_follow_the_shops_price_kind(owner, shop, mrp):
    shop.prices_include_tax = mrp
    shop.save(update_fields=["prices_include_tax"])
    job = upload(owner, PRODUCTS, [PRODUCT_HEADER, ["Tea", "TEA", "", "105", "5", "", "", "", ""]])
    services.import_job_confirm(job=job, membership=owner)
    assert Product.objects.get(shop=shop, sku="TEA").price_includes_tax is mrp


def test_a_product_failure_half_way_writes_nothing(owner, shop, monkeypatch):
    job = upload(owner, PRODUCTS, [PRODUCT_HEADER] + [[f"P{i}", f"P-{i}", "", "10", "", "", "", "3", ""]
                                                      for i in range(4)])
    real = product_imports._new_product
    monkeypatch.setattr(product_imports, "BATCH_SIZE", 2)  # rows 2-3 (and a movement) are written first

    def failing(shop, row):
        if row.row == 5:
            raise RuntimeError("x")
        return real(shop, row)

    monkeypatch.setattr(product_imports, "_new_product", failing)

    job = services.import_job_confirm(job=job, membership=owner)

    assert job.status == ImportJob.Status.FAILED
    assert not Product.objects.exists()
    assert not StockMovement.objects.exists()


# --- The upload form -----------------------------------------------------------------------------


def test_upload_page_checks_a_small_file_and_shows_the_errors(owner_client, shop):
    content = csv_bytes([CUSTOMER_HEADER, ["Asha", phone(1), "", "", "", ""], ["Bad Phone", "12", "", "", "", ""]])

    response = owner_client.post(reverse("billing:import_start"), {
        "kind": CUSTOMERS, "file": SimpleUploadedFile("list.csv", content)}, follow=True)

    job = ImportJob.objects.get(shop=shop)
    assert response.redirect_chain == [(reverse("billing:import_detail", args=[job.pk]), 302)]
    page = response.content.decode()
    assert "“12” is not a valid phone number." in page
    assert "Skip the 1 row with errors and import the other 1" in page
    assert not Customer.objects.exists()


def test_confirm_without_skip_shows_the_error_on_the_form(owner_client, owner):
    job = upload(owner, CUSTOMERS, [CUSTOMER_HEADER, ["Asha", phone(1), "", "", "", ""], ["", "1", "", "", "", ""]])

    response = owner_client.post(reverse("billing:import_confirm", args=[job.pk]))

    assert response.status_code == 200
    assert "1 row has an error." in response.content.decode()
    assert not Customer.objects.exists()


def test_confirm_with_skip_through_the_page_ends_on_the_done_page(owner_client, owner):
    job = upload(owner, CUSTOMERS, [CUSTOMER_HEADER, ["Asha", phone(1), "", "", "", ""], ["", "1", "", "", "", ""]])

    response = owner_client.post(reverse("billing:import_confirm", args=[job.pk]), {"skip_bad_rows": "on"},
                                 follow=True)

    page = response.content.decode()
    assert "Imported 1 customer." in page
    assert "1 row with errors was skipped" in page
    assert Customer.objects.get().name == "Asha"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV or XLSX file."),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "This is an old Excel (.xls) file."),
    ("list.csv", b"Phone\n9876543210\n", "The file has no “Name” column."),
    ("list.csv", b"Name,Phone\n", "The file has no rows under its header row."),
    ("list.csv", b"", "The file is empty."),
])
def test_a_file_that_cannot_be_imported_is_a_form_error(owner_client, name, content, message):
    response = owner_client.post(reverse("billing:import_start"), {
        "kind": CUSTOMERS, "file": SimpleUploadedFile(name, content)})

    assert response.status_code == 200
    assert message in str(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_a_form_error(owner_client, monkeypatch):
    monkeypatch.setattr(services, "MAX_FILE_BYTES", 100)

    response = owner_client.post(reverse("billing:import_start"), {
        "kind": CUSTOMERS, "file": SimpleUploadedFile("big.csv", csv_bytes(customer_rows(20)))})

    assert response.status_code == 200
    assert "The file is too large" in str(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists()


def test_the_service_refuses_a_bad_file_with_sheet_error(owner):
    with pytest.raises(SheetError, match="not UTF-8"):
        services.import_job_create(shop=owner.shop, kind=CUSTOMERS, membership=owner,
                                   upload=SimpleUploadedFile("x.csv", "Name\nRam\xe9\n".encode("latin-1")))


@pytest.mark.parametrize(("kind", "first"), [(CUSTOMERS, "Name"), (PRODUCTS, "Name")])
def test_templates_download_with_the_header_and_an_example_row(owner_client, kind, first):
    csv_response = owner_client.get(reverse("billing:import_template", args=[kind, "csv"]))
    xlsx_response = owner_client.get(reverse("billing:import_template", args=[kind, "xlsx"]))

    lines = csv_response.content.decode("utf-8-sig").splitlines()
    assert csv_response["Content-Disposition"] == f'attachment; filename="khata-{kind}-template.csv"'
    assert len(lines) == 2 and lines[0].startswith(first)
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert [c.value for c in sheet[1]] == [c.label for c in services.kind_of(kind).columns]
    assert sheet.max_row == 2


def test_an_unknown_template_is_404(owner_client):
    assert owner_client.get(reverse("billing:import_template", args=["invoices", "csv"])).status_code == 404
    assert owner_client.get(reverse("billing:import_template", args=["customers", "pdf"])).status_code == 404


def test_the_customer_template_imports_as_it_is(owner_client, owner, shop):
    content = owner_client.get(reverse("billing:import_template", args=[CUSTOMERS, "xlsx"])).content
    job = services.import_job_create(shop=shop, kind=CUSTOMERS, upload=SimpleUploadedFile("t.xlsx", content),
                                     membership=owner)
    assert (job.status, job.total_rows, job.error_rows) == (ImportJob.Status.PREVIEW, 1, 0)


# --- Large files in the background ---------------------------------------------------------------


def test_a_large_file_is_checked_and_imported_in_the_background_with_progress(
        owner_client, owner, shop, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 5)
    progress = []
    real_update = services._update

    def recording(job, mine, **fields):
        if "rows_done" in fields:
            progress.append((fields.get("status", ImportJob.objects.get(pk=job.pk).status), fields["rows_done"]))
        return real_update(job, mine, **fields)

    monkeypatch.setattr(services, "_update", recording)
    monkeypatch.setattr(customer_imports, "chunks",  # progress every 4 rows
                        lambda rows, size=4: (rows[i:i + size] for i in range(0, len(rows), size)))

    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_client.post(reverse("billing:import_start"), {
            "kind": CUSTOMERS, "file": SimpleUploadedFile("big.csv", csv_bytes(customer_rows(10)))})
    job = ImportJob.objects.get(shop=shop)
    assert response.status_code == 302
    assert (job.status, job.total_rows, job.rows_done) == (ImportJob.Status.CHECKING, 10, 0)  # not in the request
    page = owner_client.get(reverse("billing:import_detail", args=[job.pk])).content.decode()
    assert "Reading the file…" in page
    for callback in callbacks:  # the task, as the worker would run it
        callback()
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.rows_done, job.attempts) == (ImportJob.Status.PREVIEW, 10, 10, 1)
    assert ("checking", 4) in progress and ("checking", 8) in progress

    progress.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        owner_client.post(reverse("billing:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED
    assert "Waiting for the background worker" in owner_client.get(
        reverse("billing:import_progress", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert (job.status, job.imported_rows, job.attempts) == (ImportJob.Status.DONE, 10, 2)
    assert [p for p in progress if p[0] == "importing"][:2] == [("importing", 0), ("importing", 4)]
    assert (ImportJob.Status.WRITING, 10) in progress
    assert Customer.objects.count() == 10
    assert drift(shop) == []


def test_an_xlsx_that_states_no_size_is_counted_briefly_and_large_ones_go_to_the_background(
        owner, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 3)

    def unsized(rows):
        workbook = Workbook(write_only=True)  # as the report exports write them
        sheet = workbook.create_sheet("Customers")
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        return SimpleUploadedFile("export.xlsx", out.getvalue())

    small = services.import_job_create(shop=owner.shop, kind=CUSTOMERS, upload=unsized(customer_rows(3)),
                                       membership=owner)
    with django_capture_on_commit_callbacks() as callbacks:
        large = services.import_job_create(shop=owner.shop, kind=CUSTOMERS,
                                           upload=unsized(customer_rows(8, start=10)), membership=owner)

    assert (small.status, small.total_rows) == (ImportJob.Status.PREVIEW, 3)
    assert (large.status, large.total_rows) == (ImportJob.Status.CHECKING, 4)  # "more than 3", counted no further
    for callback in callbacks:
        callback()
    large.refresh_from_db()
    assert (large.status, large.total_rows, large.error_rows, large.file_type) == (
        ImportJob.Status.PREVIEW, 8, 0, "rows")  # the rows read are kept, not the workbook
    assert services.import_job_confirm(job=large, membership=owner).status == ImportJob.Status.QUEUED


def test_the_progress_panel_shows_the_rows_done_and_reloads_once_finished(owner_client, owner, shop):
    job = upload(owner, CUSTOMERS, customer_rows(2))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING, total_rows=600, rows_done=150,
                                               updated_at=timezone.now())
    url = reverse("billing:import_progress", args=[job.pk])

    running = owner_client.get(url, headers={"HX-Request": "true"})
    page = owner_client.get(reverse("billing:import_detail", args=[job.pk])).content.decode()

    assert running.status_code == 200
    assert 'style="width: 25%"' in running.content.decode()
    assert "150 of 600 rows checked" in running.content.decode()
    assert f'hx-get="{url}"' in page
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE)
    finished = owner_client.get(url, headers={"HX-Request": "true"})
    assert (finished.status_code, finished["HX-Refresh"]) == (204, "true")


def test_a_job_whose_worker_died_ends_failed_and_can_be_retried(owner_client, owner, shop):
    job = upload(owner, CUSTOMERS, customer_rows(2, start=50))
    # Confirmed, claimed by a worker that was then killed: no sign of life since.
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING, attempts=2,
                                               confirmed_at=timezone.now(),
                                               updated_at=timezone.now() - services.STALE_AFTER * 2)

    page = owner_client.get(reverse("billing:import_detail", args=[job.pk])).content.decode()

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "The import stopped: the background worker was interrupted" in page
    assert not Customer.objects.filter(name="Customer 50").exists()

    owner_client.post(reverse("billing:import_retry", args=[job.pk]))

    job.refresh_from_db()
    assert (job.status, job.imported_rows) == (ImportJob.Status.DONE, 2)
    assert Customer.objects.filter(name__in=["Customer 50", "Customer 51"]).count() == 2


# --- Roles and tenancy ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Membership.Role.CASHIER, Membership.Role.VIEWER])
def test_cashier_and_viewer_get_403_and_nothing_changes(client, owner, shop, role):
    job = upload(owner, CUSTOMERS, customer_rows(2))
    member = MembershipFactory(shop=shop, role=role)
    client.force_login(member.user)

    assert client.get(reverse("billing:import_start")).status_code == 403
    file = SimpleUploadedFile("c.csv", csv_bytes(customer_rows(1, start=9)))
    assert client.post(reverse("billing:import_start"), {"kind": CUSTOMERS, "file": file}).status_code == 403
    assert client.get(reverse("billing:import_template", args=[CUSTOMERS, "csv"])).status_code == 403
    assert client.get(reverse("billing:import_detail", args=[job.pk])).status_code == 403
    assert client.get(reverse("billing:import_progress", args=[job.pk])).status_code == 403
    assert client.post(reverse("billing:import_confirm", args=[job.pk])).status_code == 403
    assert client.post(reverse("billing:import_retry", args=[job.pk])).status_code == 403
    assert ImportJob.objects.count() == 1
    assert ImportJob.objects.get().status == ImportJob.Status.PREVIEW
    assert not Customer.objects.exists()


def test_the_service_refuses_a_role_that_may_not_import(owner, shop):
    cashier = MembershipFactory(shop=shop, role=Membership.Role.CASHIER)
    job = upload(owner, CUSTOMERS, customer_rows(1))

    with pytest.raises(PermissionError, match="Your role cannot do this"):
        services.import_job_confirm(job=job, membership=cashier)
    assert not Customer.objects.exists()


def test_manager_may_import(client, shop):
    manager = MembershipFactory(shop=shop, role=Membership.Role.MANAGER)
    client.force_login(manager.user)
    response = client.post(reverse("billing:import_start"), {
        "kind": CUSTOMERS, "file": SimpleUploadedFile("c.csv", csv_bytes(customer_rows(1)))})
    assert response.status_code == 302
    assert ImportJob.objects.get().created_by == manager.user


def test_the_list_pages_link_to_the_import_for_those_who_may(owner_client, client, shop):
    assert reverse("billing:import_start") + "?kind=customers" in owner_client.get(
        reverse("customers:list")).content.decode()
    assert reverse("billing:import_start") + "?kind=products" in owner_client.get(
        reverse("billing:product_list")).content.decode()
    assert reverse("billing:import_start") in owner_client.get(reverse("accounts:shop_settings")).content.decode()
    cashier = MembershipFactory(shop=shop, role=Membership.Role.CASHIER)
    client.force_login(cashier.user)
    assert reverse("billing:import_start") not in client.get(reverse("customers:list")).content.decode()
    assert reverse("billing:import_start") not in client.get(reverse("billing:product_list")).content.decode()


def test_another_shops_job_is_404(client, owner, other_owner):
    job = upload(owner, CUSTOMERS, customer_rows(2))
    client.force_login(other_owner.user)

    for name in ("billing:import_detail", "billing:import_progress"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    for name in ("billing:import_confirm", "billing:import_retry"):
        assert client.post(reverse(name, args=[job.pk])).status_code == 404
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.PREVIEW
    with scopes_disabled():
        assert not Customer.objects.exists()
