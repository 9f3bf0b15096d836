"""``core.sheets``: CSV and XLSX read into rows by column, header aliases in any case and
order, refusals with a message, the value parsers and the templates."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from core.sheets import (
    Column,
    SheetError,
    normalise_header,
    parse_date,
    parse_decimal,
    read_sheet,
    read_upload,
    template_csv,
    template_xlsx,
)

COLUMNS = (
    Column("name", "Name", ("customer name",), required=True, example="Asha"),
    Column("phone", "Phone", ("mobile", "mobile no"), example="98765 43210"),
    Column("opening_balance", "Opening balance", ("balance",), example="1500.00"),
    Column("as_of", "As of", example="2026-04-01"),
)


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_csv_with_bom_headers_in_any_case_order_and_aliases():
    content = "\ufeffOpening Balance (₹),MOBILE NO.,  customer name ,Notes\n1200.50,98765 43210,Asha,x\n".encode()

    sheet = read_sheet(content, filename="c.csv", columns=COLUMNS)

    assert sheet.file_type == "csv"
    assert sheet.headers == {"opening_balance": "Opening Balance (₹)", "phone": "MOBILE NO.", "name": "customer name"}
    assert sheet.ignored == ["Notes"]
    assert sheet.rows == [{"opening_balance": "1200.50", "phone": "98765 43210", "name": "Asha", "_row": 2}]


def test_csv_without_bom_semicolons_blank_rows_skipped_and_row_numbers_kept():
    content = b"Name;Phone\nAsha;1\n;\n\nRavi;2\n"

    sheet = read_sheet(content, columns=COLUMNS)

    assert [(r["_row"], r["name"], r["phone"]) for r in sheet.rows] == [(2, "Asha", "1"), (5, "Ravi", "2")]
    assert sheet.row_count == 2


def test_xlsx_numbers_dates_and_missing_cells_become_text():
    content = xlsx([["Name", "Phone", "Opening balance", "As of"],
                    ["Asha", 9876543210, 1200.5, datetime.datetime(2026, 4, 1)],
                    ["Ravi", None, 300, None],
                    [None, None, None, None]])

    sheet = read_sheet(content, filename="c.xlsx", columns=COLUMNS)

    assert sheet.file_type == "xlsx"
    assert sheet.rows == [
        {"name": "Asha", "phone": "9876543210", "opening_balance": "1200.5", "as_of": "2026-04-01", "_row": 2},
        {"name": "Ravi", "phone": "", "opening_balance": "300", "as_of": "", "_row": 3},
    ]


def test_header_only_counts_rows_without_reading_them():
    csv_sheet = read_sheet(b"Name\nA\nB\nC\n", columns=COLUMNS, header_only=True)
    xlsx_sheet = read_sheet(xlsx([["Name"], ["A"], ["B"]]), columns=COLUMNS, header_only=True)

    assert (csv_sheet.rows, csv_sheet.row_count) == ([], 3)
    assert (xlsx_sheet.rows, xlsx_sheet.row_count) == ([], 2)


def test_an_unsized_xlsx_is_counted_only_up_to_the_limit():
    workbook = Workbook(write_only=True)  # states no size, like the report exports
    sheet = workbook.create_sheet("Customers")
    for row in [["Name"]] + [[f"C{i}"] for i in range(10)]:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)

    assert read_sheet(out.getvalue(), columns=COLUMNS, header_only=True, count_up_to=3).row_count == 4
    assert read_sheet(out.getvalue(), columns=COLUMNS, header_only=True).row_count == 10
    assert read_sheet(b"Name\nA\nB\nC\n", columns=COLUMNS, header_only=True, count_up_to=1).row_count == 3  # CSV: all


@pytest.mark.parametrize(("content", "message"), [
    (b"Phone,Balance\n1,2\n", "The file has no “Name” column"),
    (b"Foo,Bar\n1,2\n", "The first row must hold the column names"),
    (b"Name,Phone,Mobile\nA,1,2\n", "Two columns mean Phone: “Phone” and “Mobile”"),
    ("Name\nAsha Verm\xe4\n".encode("latin-1"), "The file is not UTF-8 text"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel (.xls) file"),
    (b"%PDF-1.4\x00\x01binary", "This is not a CSV or XLSX file"),
    (b"PK\x03\x04 not really a zip", "damaged"),
])
def test_files_that_cannot_be_read_are_refused_with_a_message(content, message):
    with pytest.raises(SheetError) as caught:
        read_sheet(content, filename="upload", columns=COLUMNS)
    assert message in str(caught.value)
    assert caught.value.field == "file"


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photo.txt", "hello")
    with pytest.raises(SheetError, match="zip file, not an Excel workbook"):
        read_sheet(out.getvalue(), filename="x.xlsx", columns=COLUMNS)


def test_too_many_rows_is_refused():
    with pytest.raises(SheetError, match="more than 2 rows"):
        read_sheet(b"Name\nA\nB\nC\n", columns=COLUMNS, max_rows=2)
    with pytest.raises(SheetError, match="more than 1 rows"):
        read_sheet(xlsx([["Name"], ["A"], ["B"]]), columns=COLUMNS, max_rows=1, header_only=True)


def test_upload_size_limit_and_empty_file():
    with pytest.raises(SheetError, match="too large"):
        read_upload(SimpleUploadedFile("big.csv", b"Name\n" + b"A\n" * 100), max_bytes=50)
    with pytest.raises(SheetError, match="The file is empty"):
        read_upload(SimpleUploadedFile("empty.csv", b"  \n"), max_bytes=50)
    assert read_upload(SimpleUploadedFile("ok.csv", b"Name\nA\n"), max_bytes=50) == b"Name\nA\n"


def test_normalise_header():
    assert normalise_header(" Opening Balance (₹) ") == "opening balance"
    assert normalise_header("E-mail") == "e mail"
    assert normalise_header("GST %") == "gst"


@pytest.mark.parametrize(("text", "expected"), [
    ("1,23,456.50", Decimal("123456.50")), ("₹ 500", Decimal("500")), ("Rs. 500/-", Decimal("500")),
    ("-20", Decimal("-20")), ("0", Decimal("0")), ("1.50", Decimal("1.50")),
])
def test_parse_decimal_reads_amounts_as_written(text, expected):
    assert parse_decimal(text, places=2) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("abc", "is not a number"), ("nan", "is not a number"), ("Infinity", "is not a number"),
    ("1.234", "more than 2 digits after the decimal point"), ("1e30", "too large"),
])
def test_parse_decimal_refuses_what_is_not_an_amount(text, message):
    with pytest.raises(ValueError, match=message):
        parse_decimal(text, places=2)


@pytest.mark.parametrize("text", ["2026-03-31", "31/03/2026", "31-03-26", "31.03.2026", "31 Mar 2026",
                                  "31-Mar-2026", "March 31, 2026", "2026-03-31 00:00:00"])
def test_parse_date_reads_dates_as_written_day_first(text):
    assert parse_date(text) == datetime.date(2026, 3, 31)


def test_parse_date_month_first_and_refusals():
    assert parse_date("03/31/2026", day_first=False) == datetime.date(2026, 3, 31)
    with pytest.raises(ValueError, match="is not a date. Enter it as 31/03/2026"):
        parse_date("31/13/2026")
    with pytest.raises(ValueError, match="is not a date"):
        parse_date("soon")


def test_templates_have_the_header_and_one_example_row_and_read_back():
    for content in (template_csv(COLUMNS), template_xlsx(COLUMNS)):
        sheet = read_sheet(content, columns=COLUMNS)
        assert list(sheet.headers) == ["name", "phone", "opening_balance", "as_of"]
        assert sheet.rows == [{"name": "Asha", "phone": "98765 43210", "opening_balance": "1500.00",
                               "as_of": "2026-04-01", "_row": 2}]
    assert template_csv(COLUMNS).startswith("\ufeffName,Phone,Opening balance,As of\r\n".encode())
