import csv
import datetime
import io
from decimal import Decimal

from openpyxl import load_workbook

from reports.exports import csv_response, xlsx_response

HEADER = ["Date", "Customer", "Amount"]
ROWS = [
    [datetime.date(2026, 4, 1), "Asha", Decimal("1234.50")],
    [datetime.date(2026, 4, 2), "=HYPERLINK(\"x\")", Decimal("0.10")],
    [None, "Total", Decimal("1234.60")],
]


def _body(response):
    return b"".join(response.streaming_content)


def test_csv_streams_numbers_not_formatted_money():
    response = csv_response("aging 2026/04", HEADER, iter(ROWS))
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="aging-2026-04.csv"'
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
    assert rows == [
        HEADER,
        ["2026-04-01", "Asha", "1234.50"],
        ["2026-04-02", "'=HYPERLINK(\"x\")", "0.10"],  # a formula is neutralised
        ["", "Total", "1234.60"],
    ]


def test_csv_consumes_rows_lazily():
    consumed = []

    def rows():
        for row in ROWS:
            consumed.append(row)
            yield row

    response = csv_response("r", HEADER, rows())
    assert consumed == []
    next(iter(response.streaming_content))  # the header
    assert consumed == []


def test_xlsx_reads_back_with_numeric_money():
    response = xlsx_response("aging", HEADER, iter(ROWS), title="Aging")
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="aging.xlsx"'
    sheet = load_workbook(io.BytesIO(_body(response)), read_only=True)["Aging"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADER
    assert values[1][0] == datetime.datetime(2026, 4, 1)
    assert values[1][1:] == ["Asha", 1234.5]
    assert isinstance(values[1][2], (int, float))
    assert values[3] == [None, "Total", 1234.6]


def test_report_csv_streams_after_the_request_scope_has_ended(owner_client, shop):
    """The server reads a streaming body after the view (and the tenancy middleware's
    scope) returned: the rows must still be read in the shop's scope."""
    from django.urls import reverse

    from tests.reports.helpers import aging_book
    from tests.scoping import no_scope

    aging_book(shop)
    for name in ("reports:aging", "reports:collections", "reports:cash_book", "reports:day_book"):
        response = owner_client.get(reverse(name), {"export": "csv"})
        with no_scope():
            body = b"".join(response.streaming_content).decode("utf-8-sig")
        assert body.splitlines()[-1].startswith("Total"), name
