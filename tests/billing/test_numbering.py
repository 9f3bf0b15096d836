"""Invoice numbers (DESIGN §6, GST rule 46(b)): per shop and financial year,
consecutive, gapless, at most 16 characters."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from billing.models import Invoice, InvoiceSequence, StockMovement
from billing.services import BillingError
from billing.services.catalogue import product_create
from billing.services.invoices import invoice_issue
from billing.services.numbering import financial_year, format_number, invoice_number_next
from billing.totals import LineInput
from tests.accounts.factories import ShopFactory

D = Decimal


# --- financial_year ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (datetime.date(2027, 3, 31), "26-27"),
        (datetime.date(2027, 4, 1), "27-28"),
        (datetime.date(2026, 4, 1), "26-27"),
        (datetime.date(2026, 12, 31), "26-27"),
        (datetime.date(2027, 1, 1), "26-27"),
        (datetime.date(2000, 3, 31), "99-00"),   # across the century
        (datetime.date(2099, 4, 1), "99-00"),
        (datetime.date(2009, 5, 1), "09-10"),    # leading zeros
    ],
)
def test_financial_year_starting_in_april(day, year):
    assert financial_year(day) == year
    assert financial_year(day, 4) == year


@pytest.mark.parametrize(
    ("day", "start_month", "year"),
    [
        (datetime.date(2026, 1, 1), 1, "26"),      # calendar year: one year, shown once
        (datetime.date(2026, 12, 31), 1, "26"),
        (datetime.date(2026, 6, 30), 7, "25-26"),
        (datetime.date(2026, 7, 1), 7, "26-27"),
        (datetime.date(2026, 11, 30), 12, "25-26"),
        (datetime.date(2026, 12, 1), 12, "26-27"),
        (datetime.date(2027, 1, 31), 2, "26-27"),
        (datetime.date(2027, 2, 1), 2, "27-28"),
    ],
)
def test_financial_year_with_other_start_months(day, start_month, year):
    assert financial_year(day, start_month) == year


# --- format_number ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "year", "sequence", "number"),
    [
        ("INV", "26-27", 1, "INV/26-27/0001"),
        ("INV", "26-27", 42, "INV/26-27/0042"),
        ("INV", "26-27", 9999, "INV/26-27/9999"),
        ("INV", "26-27", 10000, "INV/26-27/10000"),    # 15 characters: more digits when needed
        ("A", "26-27", 1, "A/26-27/0001"),
        ("ABCDE", "26-27", 9999, "ABCDE/26-27/9999"),  # exactly 16
        ("ABCDE", "26", 99999, "ABCDE/26/99999"),
        ("S2", "26", 7, "S2/26/0007"),
    ],
)
def test_format_number(prefix, year, sequence, number):
    assert format_number(prefix, year, sequence) == number
    assert len(number) <= 16


@pytest.mark.parametrize(
    ("prefix", "year", "sequence"),
    [("ABCDE", "26-27", 10000), ("INVO", "26-27", 100000), ("INV", "26-27", 1000000)],
)
def test_format_number_refuses_more_than_16_characters(prefix, year, sequence):
    with pytest.raises(BillingError, match="longer than 16 characters"):
        format_number(prefix, year, sequence)


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["A", "AB", "INV", "SHOP", "ABCDE", "X9Y8Z"])
def test_prefixes_of_one_to_five_characters(prefix, enter_scope):
    shop = enter_scope(ShopFactory(invoice_prefix=prefix))
    shop.full_clean()
    number, year, sequence = invoice_number_next(shop=shop, day=datetime.date(2026, 5, 1))
    assert number == f"{prefix}/26-27/0001"
    assert (year, sequence) == ("26-27", 1)


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "ABCDEF", "IN-V", "IN/V", "IN V"])
def test_shop_refuses_a_bad_prefix(prefix):
    shop = ShopFactory.build(invoice_prefix=prefix)
    with pytest.raises(ValidationError) as exc:
        shop.full_clean()
    assert "invoice_prefix" in exc.value.message_dict


# --- invoice_number_next ----------------------------------------------------------------------


@pytest.mark.django_db
def test_numbers_are_consecutive_per_shop_and_independent_between_shops():
    shop_a, shop_b = ShopFactory(), ShopFactory(invoice_prefix="B")
    day = datetime.date(2026, 6, 15)

    def number(shop):
        with scope(shop=shop):
            return invoice_number_next(shop=shop, day=day)

    assert number(shop_a) == ("INV/26-27/0001", "26-27", 1)
    assert number(shop_a) == ("INV/26-27/0002", "26-27", 2)
    assert number(shop_b) == ("B/26-27/0001", "26-27", 1)
    assert number(shop_a) == ("INV/26-27/0003", "26-27", 3)
    assert number(shop_b) == ("B/26-27/0002", "26-27", 2)
    with scope(shop=shop_a):
        assert InvoiceSequence.objects.get(shop=shop_a, financial_year="26-27").last_number == 3
    with scope(shop=shop_b):
        assert InvoiceSequence.objects.get(shop=shop_b, financial_year="26-27").last_number == 2


@pytest.mark.django_db
def test_rollover_restarts_at_0001_in_a_new_financial_year(enter_scope):
    shop = enter_scope(ShopFactory())
    assert invoice_number_next(shop=shop, day=datetime.date(2027, 3, 30))[0] == "INV/26-27/0001"
    assert invoice_number_next(shop=shop, day=datetime.date(2027, 3, 31))[0] == "INV/26-27/0002"
    assert invoice_number_next(shop=shop, day=datetime.date(2027, 4, 1))[0] == "INV/27-28/0001"
    assert invoice_number_next(shop=shop, day=datetime.date(2027, 4, 2))[0] == "INV/27-28/0002"
    # A late entry back-dated into the old year continues that year's numbers.
    assert invoice_number_next(shop=shop, day=datetime.date(2027, 3, 31))[0] == "INV/26-27/0003"
    assert sorted(InvoiceSequence.objects.filter(shop=shop).values_list("financial_year", "last_number")) == [
        ("26-27", 3), ("27-28", 2)]


@pytest.mark.django_db
def test_rollover_with_a_calendar_financial_year(enter_scope):
    shop = enter_scope(ShopFactory(financial_year_start_month=1))
    assert invoice_number_next(shop=shop, day=datetime.date(2026, 12, 31))[0] == "INV/26/0001"
    assert invoice_number_next(shop=shop, day=datetime.date(2027, 1, 1))[0] == "INV/27/0001"
    assert invoice_number_next(shop=shop, day=datetime.date(2027, 3, 31))[0] == "INV/27/0002"


@pytest.mark.django_db
def test_the_number_past_16_characters_is_refused(enter_scope):
    shop = enter_scope(ShopFactory(invoice_prefix="ABCDE"))
    InvoiceSequence.objects.create(shop=shop, financial_year="26-27", last_number=9998)
    assert invoice_number_next(shop=shop, day=datetime.date(2026, 5, 1))[0] == "ABCDE/26-27/9999"
    with pytest.raises(BillingError, match="shorter invoice prefix"):
        invoice_number_next(shop=shop, day=datetime.date(2026, 5, 1))


# --- gapless through invoice_issue ----------------------------------------------------------------


def sale(product, quantity):
    return LineInput(quantity=D(quantity), unit_price=product.sale_price, tax_rate=product.tax_rate,
                     description=product.name, product=product)


@pytest.mark.django_db
def test_a_refused_invoice_gives_its_number_back(enter_scope):
    shop = enter_scope(ShopFactory())
    day = datetime.date(2026, 8, 1)
    soap = product_create(shop=shop, sku="SOAP", name="Soap", sale_price=D("40.00"), opening_stock=D("3"))
    first = invoice_issue(shop=shop, lines=[sale(soap, "1")], amount_paid=D("40.00"), issued_on=day)
    assert first.number == "INV/26-27/0001"

    with pytest.raises(BillingError, match="Not enough stock of Soap"):
        invoice_issue(shop=shop, lines=[sale(soap, "5")], amount_paid=D("200.00"), issued_on=day)
    assert InvoiceSequence.objects.get(shop=shop, financial_year="26-27").last_number == 1
    assert Invoice.objects.filter(shop=shop).count() == 1

    second = invoice_issue(shop=shop, lines=[sale(soap, "2")], amount_paid=D("80.00"), issued_on=day)
    assert second.number == "INV/26-27/0002"
    assert second.sequence_number == 2


@pytest.mark.django_db
def test_a_refused_first_invoice_of_the_year_leaves_no_sequence(enter_scope):
    shop = enter_scope(ShopFactory())
    day = datetime.date(2026, 8, 1)
    soap = product_create(shop=shop, sku="SOAP", name="Soap", sale_price=D("40.00"))
    with pytest.raises(BillingError):
        invoice_issue(shop=shop, lines=[sale(soap, "1")], amount_paid=D("40.00"), issued_on=day)
    assert not InvoiceSequence.objects.filter(shop=shop).exists()
    assert not StockMovement.objects.filter(shop=shop).exists()

    free = product_create(shop=shop, sku="BAG", name="Bag", sale_price=D("0.00"), track_stock=False)
    assert invoice_issue(shop=shop, lines=[sale(free, "1")], issued_on=day).number == "INV/26-27/0001"


@pytest.mark.django_db
def test_an_invoice_that_would_need_17_characters_is_refused_and_writes_nothing(enter_scope):
    shop = enter_scope(ShopFactory(invoice_prefix="ABCDE"))
    InvoiceSequence.objects.create(shop=shop, financial_year="26-27", last_number=9999)
    pen = product_create(shop=shop, sku="PEN", name="Pen", sale_price=D("10.00"), opening_stock=D("5"))
    with pytest.raises(BillingError, match="longer than 16 characters"):
        invoice_issue(shop=shop, lines=[sale(pen, "1")], amount_paid=D("10.00"),
                      issued_on=datetime.date(2026, 5, 1))
    assert InvoiceSequence.objects.get(shop=shop).last_number == 9999
    assert not Invoice.objects.filter(shop=shop).exists()
    pen.refresh_from_db()
    assert pen.stock_quantity == D("5.000")
