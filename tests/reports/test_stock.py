"""Stock report (issue #12): low stock, valuation at cost and at sale price (and the
product's cost price on its form), the movement register over a date range, exports,
query counts, owners only, another shop's product a 404."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from billing.models import Product, StockMovement
from billing.services.catalogue import stock_adjust, stock_receive
from reports.selectors.stock import stock_low, stock_low_totals, stock_movement_register, stock_valuation_totals
from tests.billing.factories import CategoryFactory, ProductFactory
from tests.scoping import no_scope

D = Decimal
URL = "reports:stock"



def at(day: datetime.date, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def dated(movement: StockMovement, day: datetime.date) -> None:
    StockMovement.objects.filter(shop=movement.shop, pk=movement.pk).update(created_at=at(day))


@pytest.fixture
def stock_book(shop):
    """Rice: cost 40, sale 50, 20 kg in stock (low level 5) — 800 at cost, 1000 at sale.
    Soap: no cost, sale 85, 5 in stock (low level 5: low) — 425 at sale.
    Pen: stock 0 (level 0: low, not valued). Bag: untracked. Old: inactive, stock 0 level 3.
    Rice's movements: +30 on 1 May, −4 on 10 May, −6 on 20 May, (no more after 31 May)."""
    grains = CategoryFactory(shop=shop, name="Grains")
    rice = ProductFactory(shop=shop, category=grains, name="Rice", unit=Product.Unit.KG, sale_price=D("50.00"),
                          cost_price=D("40.00"), low_stock_level=D("5"))
    soap = ProductFactory(shop=shop, name="Soap", sale_price=D("85.00"), low_stock_level=D("5"))
    pen = ProductFactory(shop=shop, name="Pen", sale_price=D("10.00"), cost_price=D("6.00"))
    ProductFactory(shop=shop, name="Bag", sale_price=D("5.00"), track_stock=False)
    ProductFactory(shop=shop, name="Old", is_active=False, low_stock_level=D("3"))
    dated(stock_receive(shop=shop, product=rice, quantity=D("30")), datetime.date(2026, 5, 1))
    dated(stock_adjust(shop=shop, product=rice, quantity=D("-4"), reason="Torn bags"), datetime.date(2026, 5, 10))
    dated(stock_adjust(shop=shop, product=rice, quantity=D("-6"), reason="Recount"), datetime.date(2026, 5, 20))
    stock_receive(shop=shop, product=soap, quantity=D("5"))
    return {"rice": rice, "soap": soap, "pen": pen}


def test_low_stock(shop, stock_book):
    assert [p.name for p in stock_low(shop=shop)] == ["Pen", "Soap"]


def test_valuation_at_cost_and_sale_price(shop, stock_book):
    assert stock_valuation_totals(shop=shop) == {"products": 2, "without_cost": 1, "cost_value": D("800.00"),
                                                 "sale_value": D("1425.00")}


def test_register_opening_movements_closing(shop, stock_book):
    register = stock_movement_register(shop=shop, product=stock_book["rice"], start=datetime.date(2026, 5, 2),
                                       end=datetime.date(2026, 5, 31))
    assert (register["opening"], register["received"], register["issued"], register["closing"],
            register["count"]) == (D("30"), D("0"), D("10"), D("20"), 2)
    assert [m.quantity for m in register["movements"]] == [D("-4"), D("-6")]
    first_day = stock_movement_register(shop=shop, product=stock_book["rice"], start=datetime.date(2026, 5, 1),
                                        end=datetime.date(2026, 5, 10))
    assert (first_day["opening"], first_day["received"], first_day["issued"], first_day["closing"]) == (
        D("0"), D("30"), D("4"), D("26"))


def test_page(owner_client, shop, stock_book):
    response = owner_client.get(reverse(URL), {"product": stock_book["rice"].pk, "period": "custom",
                                               "start": "2026-05-02", "end": "2026-05-31"})
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("₹800.00", "₹1,425.00", "1 product without a cost price", "Torn bags", "Recount"):
        assert text in body, text
    assert "Bag" not in body.split('id="register"')[0]


def test_foreign_product_is_404(owner_client, shop, other_owner):
    with scope(shop=other_owner.shop):
        foreign = ProductFactory(shop=other_owner.shop)
    assert owner_client.get(reverse(URL), {"product": foreign.pk}).status_code == 404
    assert owner_client.get(reverse(URL), {"product": foreign.pk, "export": "csv",
                                           "section": "movements"}).status_code == 404


def test_bad_product_is_a_form_error(owner_client, shop):
    response = owner_client.get(reverse(URL), {"product": "abc"})
    assert response.status_code == 200 and "Pick a product from the list." in response.content.decode()


def test_valuation_csv_reads_back(owner_client, shop, stock_book):
    response = owner_client.get(reverse(URL), {"section": "valuation", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Product"
    assert [(r[0], r[4], r[6], r[8]) for r in rows[1:]] == [
        ("Rice", "20.000", "800.00", "1000.00"), ("Soap", "5.000", "", "425.00"), ("Total", "", "800.00", "1425.00")]


def test_register_xlsx_reads_back(owner_client, shop, stock_book):
    response = owner_client.get(reverse(URL), {"product": stock_book["rice"].pk, "period": "custom",
                                               "start": "2026-05-02", "end": "2026-05-31", "section": "movements",
                                               "export": "xlsx"})
    values = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert [(v[1], v[2], v[3]) for v in values[1:]] == [("Opening balance", None, 30), ("Adjustment", -4, 26),
                                                        ("Adjustment", -6, 20), ("Closing balance", None, 20)]


def test_staff_gets_403(client, staff):
    client.force_login(staff.user)
    assert client.get(reverse(URL)).status_code == 403


def _queries(client, product):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(URL), {"product": product.pk}).status_code == 200
    return len(queries)


def test_query_count_does_not_grow(owner_client, shop, stock_book):
    small = _queries(owner_client, stock_book["rice"])
    for n in range(5):
        product = ProductFactory(shop=shop, cost_price=D("1.00"), low_stock_level=D("10"),
                                 category=CategoryFactory(shop=shop))
        stock_receive(shop=shop, product=product, quantity=D("3"))
        stock_adjust(shop=shop, product=stock_book["rice"], quantity=D("-1"), reason=f"Count {n}")
    assert _queries(owner_client, stock_book["rice"]) == small


def test_product_form_saves_cost_price(owner_client, shop):
    product = ProductFactory(shop=shop, name="Tea", sku="TEA-1", sale_price=D("100.00"))
    data = {"sku": "TEA-1", "name": "Tea", "category": "", "unit": "pcs", "sale_price": "100.00",
            "cost_price": "72.50", "tax_rate_0": "5", "tax_rate_1": "", "hsn_code": "", "low_stock_level": "0",
            "track_stock": "on", "is_active": "on"}
    response = owner_client.post(reverse("billing:product_edit", args=[product.pk]), data)
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.cost_price == D("72.50")
    assert "₹72.50" in owner_client.get(reverse("billing:product_detail", args=[product.pk])).content.decode()
    bad = owner_client.post(reverse("billing:product_edit", args=[product.pk]), {**data, "cost_price": "-1"})
    assert bad.status_code == 200 and "The price cannot be negative." in bad.content.decode()


@pytest.mark.parametrize("section", ["valuation", "low", "movements"])
def test_downloads_stream_after_the_request_scope_ends(owner_client, shop, stock_book, section):
    """The server reads a streaming body after the tenancy middleware has left the shop's
    scope: every query of the download must be built during the request."""
    response = owner_client.get(reverse(URL), {"section": section, "export": "csv", "product": stock_book["rice"].pk,
                                               "period": "custom", "start": "2026-05-01", "end": "2026-05-31"})
    with no_scope():
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) > 2


def test_low_stock_totals_row(owner_client, shop, stock_book):
    """Pen (stock 0) and Soap (5 at level 5) are low; Pen has none left."""
    assert stock_low_totals(shop=shop) == {"products": 2, "out_of_stock": 1}
    body = owner_client.get(reverse(URL)).content.decode()
    assert "Total: 2 products low, 1 out of stock" in body.split('data-testid="stock-low-total"')[1][:80]
    response = owner_client.get(reverse(URL), {"section": "low", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["Pen", "Soap", "Total: 2 products low, 1 out of stock"]
