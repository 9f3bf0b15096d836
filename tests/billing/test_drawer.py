"""Cash drawer: services (defaults, counts, giving change), the cash a counter sale puts
in and takes out (notes tendered, change), the change preview and the /drawer/ page
(owner edits, staff reads, tenancy). The rest of the cash book: test_cash_book.py."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from accounts.models import Shop
from billing.change import DEFAULT_DENOMINATIONS
from billing.models import CashMovement, Denomination, Invoice
from billing.selectors.cash import cash_drift, drawer_balance, drawer_summary
from billing.selectors.drawer import change_preview, drawer_denominations, drawer_total
from billing.services import BillingError
from billing.services import drawer as services
from billing.services.invoices import invoice_issue
from billing.totals import LineInput
from tests.accounts.factories import ShopFactory
from tests.billing.factories import DenominationFactory
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db

D = Decimal
URL = "/drawer/"


@pytest.fixture(autouse=True)
def _url():
    """Resolve the page's URL inside a test (the URLconf is imported in scope)."""
    global URL  # noqa: PLW0603
    URL = reverse("billing:drawer")
    assert URL == "/drawer/"


def counts_of(shop) -> dict[Decimal, int]:
    return dict(Denomination.objects.filter(shop=shop).order_by("-value").values_list("value", "count"))


def stock(shop, **counts):
    """``stock(shop, _50=1, _20=3)``: denomination rows with those counts."""
    for name, count in counts.items():
        DenominationFactory(shop=shop, value=D(name[1:].replace("_", ".")), count=count)


# --- Services -------------------------------------------------------------------------


@pytest.mark.parametrize("currency", Shop.Currency.values)
def test_setup_creates_the_currency_defaults_with_count_zero(currency, enter_scope):
    shop = enter_scope(ShopFactory(currency=currency))
    rows = services.drawer_setup(shop=shop)
    assert [row.value for row in rows] == list(DEFAULT_DENOMINATIONS[currency])
    assert all(row.count == 0 for row in rows)
    assert services.drawer_setup(shop=shop) == rows  # no duplicates on a second set-up
    assert Denomination.objects.filter(shop=shop).count() == len(DEFAULT_DENOMINATIONS[currency])


def test_inr_defaults_are_the_issue_list(shop):
    values = [row.value for row in services.drawer_setup(shop=shop)]
    assert values == [D(v) for v in ("2000", "500", "200", "100", "50", "20", "10", "5", "2", "1")]


def test_a_shop_with_rows_keeps_exactly_its_rows(shop):
    stock(shop, _50=2, _0_50=10)
    rows = services.drawer_setup(shop=shop)
    assert [(row.value, row.count) for row in rows] == [(D("50.00"), 2), (D("0.50"), 10)]


def test_set_counts_changes_only_what_was_given(shop):
    services.drawer_setup(shop=shop)
    services.drawer_set_counts(shop=shop, counts={D("500"): 4, D("20"): 15})
    counts = counts_of(shop)
    assert (counts[D("500")], counts[D("20")], counts[D("100")]) == (4, 15, 0)
    row = Denomination.objects.get(shop=shop, value=D("500"))
    assert row.history.count() == 2  # created, then counted


@pytest.mark.parametrize(("counts", "field"), [
    ({D("500"): 3, D("20"): -1}, "count"),
    ({D("500"): 3, D("20"): 100_001}, "count"),
    ({D("500"): 3, D("20"): "7"}, "count"),
    ({D("500"): 3, D("7"): 1}, "value"),
])
def test_set_counts_refuses_bad_input_and_saves_nothing(shop, counts, field):
    services.drawer_setup(shop=shop)
    with pytest.raises(BillingError) as error:
        services.drawer_set_counts(shop=shop, counts=counts)
    assert error.value.field == field
    assert set(counts_of(shop).values()) == {0}


def test_add_and_remove_a_denomination(shop):
    services.drawer_setup(shop=shop)
    added = services.drawer_add_denomination(shop=shop, value=D("0.50"), count=20)
    assert (added.value, added.count) == (D("0.50"), 20)
    assert list(counts_of(shop))[-1] == D("0.50")

    with pytest.raises(BillingError, match=r"The drawer already has ₹0\.50\.") as error:
        services.drawer_add_denomination(shop=shop, value=D("0.5"))
    assert error.value.field == "value"
    with pytest.raises(BillingError, match="more than zero"):
        services.drawer_add_denomination(shop=shop, value=D("0"))
    with pytest.raises(BillingError, match="at most 2 decimals"):
        services.drawer_add_denomination(shop=shop, value=D("0.005"))

    with pytest.raises(BillingError, match=r"still holds 20 × ₹0\.50"):
        services.drawer_remove_denomination(shop=shop, value=D("0.50"))
    services.drawer_remove_denomination(shop=shop, value=D("2000"))
    assert D("2000") not in counts_of(shop)
    with pytest.raises(BillingError, match="has no"):
        services.drawer_remove_denomination(shop=shop, value=D("2000"))


def test_adding_to_a_new_shop_keeps_the_defaults(shop):
    services.drawer_add_denomination(shop=shop, value=D("0.50"))
    assert len(counts_of(shop)) == 11


def test_give_change_takes_the_fewest_pieces_and_decrements_exactly(shop):
    stock(shop, _50=1, _20=3, _10=0)
    assert services.drawer_give_change(shop=shop, amount=D("60")) == {D("20.00"): 3}
    assert counts_of(shop) == {D("50.00"): 1, D("20.00"): 0, D("10.00"): 0}
    assert services.drawer_give_change(shop=shop, amount=D("50.00")) == {D("50.00"): 1}
    assert set(counts_of(shop).values()) == {0}


def test_give_change_of_zero_touches_nothing(shop):
    stock(shop, _10=1)
    assert services.drawer_give_change(shop=shop, amount=D("0")) == {}
    assert counts_of(shop) == {D("10.00"): 1}


def test_impossible_change_is_refused_without_changing_counts(shop):
    stock(shop, _50=1, _20=2, _2=5)
    with pytest.raises(BillingError) as error:
        services.drawer_give_change(shop=shop, amount=D("63"))
    assert error.value.field == "cash_tendered"
    assert str(error.value).startswith("Exact change of ₹63.00 is not possible from the drawer: no combination")
    with pytest.raises(BillingError, match=r"it holds ₹100\.00 in all"):
        services.drawer_give_change(shop=shop, amount=D("150"))
    assert counts_of(shop) == {D("50.00"): 1, D("20.00"): 2, D("2.00"): 5}


def test_give_change_uses_only_this_shops_drawer(shop, other_owner):
    stock(other_owner.shop, _20=10)
    stock(shop, _50=1)
    with pytest.raises(BillingError):
        services.drawer_give_change(shop=shop, amount=D("20"))
    with scope(shop=other_owner.shop):
        assert counts_of(other_owner.shop) == {D("20.00"): 10}


def test_issuing_a_cash_sale_takes_the_change_from_the_drawer(shop):
    stock(shop, _500=2, _50=1, _20=3)
    line = LineInput(quantity=D("1"), unit_price=D("440"), tax_rate=D("0"), description="Rice 10 kg")
    invoice = invoice_issue(shop=shop, lines=[line], amount_paid=D("440"), cash_tendered=D("500"))
    assert invoice.change_given == D("60.00")
    assert counts_of(shop) == {D("500.00"): 2, D("50.00"): 1, D("20.00"): 0}

    with pytest.raises(BillingError, match="Exact change of ₹60.00 is not possible") as error:
        invoice_issue(shop=shop, lines=[line], amount_paid=D("440"), cash_tendered=D("500"))
    assert error.value.field == "cash_tendered"
    assert Invoice.objects.filter(shop=shop).count() == 1  # the refused sale left nothing behind
    assert counts_of(shop) == {D("500.00"): 2, D("50.00"): 1, D("20.00"): 0}


# --- Cash at the counter (the reported bug) -------------------------------------------

#: ₹8,185 in the drawer, as in the report.
DRAWER_8185 = {D("2000"): 0, D("500"): 8, D("200"): 10, D("100"): 15, D("50"): 10, D("20"): 5, D("10"): 8,
               D("5"): 1}


def float_drawer(shop, counts, user=None) -> None:
    """Set up the drawer with ``counts`` through the services (an opening float movement)."""
    for value in counts:
        DenominationFactory(shop=shop, value=value, count=0)
    services.drawer_set_counts(shop=shop, counts=counts, created_by=user)


def sale(amount, **kwargs):
    return invoice_issue(lines=[LineInput(quantity=D("1"), unit_price=D(amount), tax_rate=D("0"),
                                          description="Amul Pure Ghee 1 L")], amount_paid=D(amount), **kwargs)


def movements(shop):
    return [(m.kind, m.amount, m.pieces) for m in CashMovement.objects.filter(shop=shop).order_by("pk")]


def test_cash_sale_of_1000_with_a_2000_note_raises_the_drawer_by_1000(shop):
    # Reported: ₹8,185 → ₹7,185 (the ₹1,000 change left, the ₹2,000 note never went in).
    float_drawer(shop, DRAWER_8185)
    assert drawer_balance(shop=shop) == drawer_total(shop=shop) == D("8185.00")

    invoice = sale("1000", shop=shop, notes_tendered={D("2000"): 1})

    assert (invoice.cash_tendered, invoice.change_given) == (D("2000.00"), D("1000.00"))
    assert drawer_balance(shop=shop) == D("9185.00")
    assert drawer_total(shop=shop) == D("9185.00")  # the counts agree: the note in, two ₹500 out
    counts = counts_of(shop)
    assert (counts[D("2000")], counts[D("500")]) == (1, 6)
    assert movements(shop)[1:] == [
        (CashMovement.Kind.SALE, D("2000.00"), {"2000.00": 1}),
        (CashMovement.Kind.CHANGE, D("-1000.00"), {"500.00": -2}),
    ]
    assert all(m.invoice_id == invoice.pk and m.reference == invoice.number
               for m in CashMovement.objects.filter(shop=shop, kind__in=["sale", "change"]))
    assert cash_drift(shop=shop) == 0


def test_cash_tendered_without_the_notes_goes_in_as_an_amount(shop):
    float_drawer(shop, DRAWER_8185)
    invoice = sale("1000", shop=shop, cash_tendered=D("2000"))
    assert invoice.change_given == D("1000.00")
    assert drawer_balance(shop=shop) == D("9185.00")
    # Which notes came in is not known: the counts show the change out only, and the
    # summary says how much is still to be sorted into notes by the next count.
    assert drawer_total(shop=shop) == D("7185.00")
    assert drawer_summary(shop=shop).unsorted == D("2000.00")
    assert movements(shop)[1:] == [
        (CashMovement.Kind.SALE, D("2000.00"), {}),
        (CashMovement.Kind.CHANGE, D("-1000.00"), {"500.00": -2}),
    ]


def test_a_cash_sale_without_tendered_cash_records_the_amount_paid(shop):
    float_drawer(shop, {D("100"): 1})
    sale("440", shop=shop)
    assert movements(shop)[1:] == [(CashMovement.Kind.SALE, D("440.00"), {})]
    assert drawer_balance(shop=shop) == D("540.00")


def test_a_upi_sale_moves_no_cash(shop):
    float_drawer(shop, {D("100"): 1})
    sale("440", shop=shop, payment_method="upi", cash_tendered=D("500"), notes_tendered={D("100"): 5})
    assert movements(shop) == [(CashMovement.Kind.OPENING, D("100.00"), {"100.00": 1})]


def test_change_may_use_the_notes_just_tendered(shop):
    # The drawer has no ₹50: the change for ₹150 paid with ₹100 + ₹50 + ₹50 is one of
    # the customer's own ₹50 notes.
    float_drawer(shop, {D("100"): 0, D("50"): 0, D("10"): 3})
    with pytest.raises(BillingError, match=r"Exact change of ₹50\.00 is not possible"):
        sale("150", shop=shop, cash_tendered=D("200"))

    invoice = sale("150", shop=shop, notes_tendered={D("100"): 1, D("50"): 2})

    assert invoice.change_given == D("50.00")
    assert counts_of(shop) == {D("100.00"): 1, D("50.00"): 1, D("10.00"): 3}
    assert drawer_balance(shop=shop) == drawer_total(shop=shop) == D("180.00")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"cash_tendered": D("500"), "notes_tendered": {D("200"): 2}},
     r"The notes tendered add up to ₹400\.00, not ₹500\.00"),
    ({"notes_tendered": {D("100"): 2}}, "The cash tendered is less than the amount paid."),
    ({"notes_tendered": {D("7"): 100}}, r"The drawer has no ₹7\.00 notes or coins"),
    ({"notes_tendered": {D("500"): -1}}, "whole number"),
])
def test_bad_notes_tendered_are_refused_on_cash_tendered(shop, kwargs, message):
    float_drawer(shop, {D("500"): 1, D("200"): 1, D("100"): 1})
    with pytest.raises(BillingError, match=message) as error:
        sale("300", shop=shop, **kwargs)
    assert error.value.field == "cash_tendered"
    assert not Invoice.objects.filter(shop=shop).exists()
    assert len(movements(shop)) == 1 and drawer_balance(shop=shop) == D("800.00")


# --- Counts are movements -------------------------------------------------------------


def test_a_drawers_first_count_is_its_opening_float_and_a_recount_its_difference(shop, owner):
    services.drawer_setup(shop=shop)
    services.drawer_set_counts(shop=shop, counts={D("500"): 2, D("10"): 5}, created_by=owner.user)
    assert movements(shop) == [(CashMovement.Kind.OPENING, D("1050.00"), {"500.00": 2, "10.00": 5})]
    assert CashMovement.objects.get(shop=shop).created_by == owner.user

    sale("100", shop=shop)  # ₹100 in as an amount
    services.drawer_set_counts(shop=shop, counts={D("100"): 1, D("10"): 4})  # a ₹10 coin is missing
    assert movements(shop)[-1] == (CashMovement.Kind.COUNT, D("-10.00"), {"100.00": 1, "10.00": -1})
    assert drawer_balance(shop=shop) == drawer_total(shop=shop) == D("1140.00")

    services.drawer_set_counts(shop=shop, counts={D("100"): 1})  # the same count again: nothing to record
    assert len(movements(shop)) == 3
    assert cash_drift(shop=shop) == 0


def test_adding_a_denomination_with_pieces_brings_them_in(shop):
    services.drawer_add_denomination(shop=shop, value=D("0.50"), count=20)
    assert movements(shop) == [(CashMovement.Kind.COUNT, D("10.00"), {"0.50": 20})]
    assert drawer_balance(shop=shop) == D("10.00")


# --- Selectors ------------------------------------------------------------------------


def test_change_preview_possible(shop):
    stock(shop, _50=1, _20=3, _5=4)
    preview = change_preview(shop=shop, amount=D("65"))
    assert preview.possible
    assert preview.pieces == [(D("50.00"), 1), (D("5.00"), 3)]
    assert preview.total_pieces == 4
    assert preview.drawer_total == D("130.00")
    assert counts_of(shop) == {D("50.00"): 1, D("20.00"): 3, D("5.00"): 4}  # nothing taken


def test_change_preview_impossible_and_nothing_due(shop):
    stock(shop, _2=5)
    preview = change_preview(shop=shop, amount=D("3"))
    assert (preview.possible, preview.pieces, preview.total_pieces, preview.drawer_short) == (False, [], 0, False)
    assert change_preview(shop=shop, amount=D("11")).drawer_short
    zero = change_preview(shop=shop, amount=D("0"))
    assert (zero.possible, zero.nothing_due, zero.pieces) == (True, True, [])


def test_change_preview_does_not_create_a_drawer(shop):
    preview = change_preview(shop=shop, amount=D("10"))
    assert not preview.possible
    assert not Denomination.objects.filter(shop=shop).exists()


def test_drawer_total(shop, other_owner):
    stock(shop, _500=3, _0_50=3)
    stock(other_owner.shop, _500=100)
    assert drawer_total(shop=shop) == D("1501.50")


# --- The page -------------------------------------------------------------------------


def count_field(shop, value) -> str:
    return f"count_{Denomination.objects.get(shop=shop, value=value).pk}"


def post_counts(client, shop, changes: dict) -> object:
    data = {"action": "save"}
    for row in Denomination.objects.filter(shop=shop):
        data[f"count_{row.pk}"] = str(row.count)
    for value, count in changes.items():
        data[count_field(shop, D(value))] = count
    return client.post(URL, data)


def test_a_new_drawer_is_set_up_by_post_not_on_get(owner_client, shop):
    response = owner_client.get(URL)
    assert "Add the usual INR notes and coins" in response.content.decode()
    assert not Denomination.objects.filter(shop=shop).exists()  # no writes on GET
    assert owner_client.post(URL, {"action": "setup"}).status_code == 302
    assert len(counts_of(shop)) == 10


def test_owner_sees_the_default_drawer(owner_client, shop):
    owner_client.post(URL, {"action": "setup"})
    response = owner_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "₹2,000.00" in html and "₹1.00" in html
    assert 'name="count_' in html
    assert "Add a note or coin" in html
    assert response.context["total"] == 0


def test_owner_edits_counts(owner_client, shop, owner):
    owner_client.post(URL, {"action": "setup"})
    response = post_counts(owner_client, shop, {"500": "4", "20": "15", "1": "0"})
    assert response.status_code == 302
    counts = counts_of(shop)
    assert (counts[D("500")], counts[D("20")]) == (4, 15)
    page = owner_client.get(URL)
    assert page.context["total"] == D("2300.00")
    assert "Saved the count: ₹2,300.00 in the drawer." in page.content.decode()
    assert "₹2,300.00" in page.content.decode()
    movement = CashMovement.objects.get(shop=shop)
    assert (movement.kind, movement.amount, movement.created_by) == ("opening", D("2300.00"), owner.user)
    assert page.context["summary"].balance == D("2300.00")


def test_the_page_shows_the_book_balance_and_what_is_not_yet_counted_by_note(owner_client, shop):
    float_drawer(shop, {D("500"): 2})
    sale("250", shop=shop)
    html = owner_client.get(URL).content.decode()
    assert 'data-testid="drawer-balance">₹1,250.00<' in html
    assert 'data-testid="drawer-total">₹1,000.00<' in html
    assert 'data-testid="drawer-unsorted">₹250.00<' in html
    for name in ("cash_book", "drawer_close", "cash_movement_create", "cash_close_list"):
        assert f'href="{reverse(f"billing:{name}")}"' in html


@pytest.mark.parametrize(("count", "message"), [
    ("-3", "The count cannot be negative."),
    ("abc", "Enter a whole number of pieces, such as 0 or 25."),
    ("2.5", "Enter a whole number of pieces, such as 0 or 25."),
    ("", "Enter a count (0 if there are none)."),
    ("100001", "At most 100,000 pieces."),
])
def test_bad_counts_are_form_errors(owner_client, shop, count, message):
    owner_client.post(URL, {"action": "setup"})
    response = post_counts(owner_client, shop, {"500": "4", "20": count})
    assert response.status_code == 200
    form = response.context["counts_form"]
    assert form.errors[count_field(shop, D("20"))] == [message]
    assert message in response.content.decode()
    assert set(counts_of(shop).values()) == {0}  # the valid 500 count was not saved either


def test_staff_may_look_but_not_change(client, staff, shop):
    stock(shop, _100=3)
    client.force_login(staff.user)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Only owners and managers can change the counts" in html
    assert 'name="count_' not in html and "Add a note or coin" not in html
    assert reverse("billing:drawer_close") not in html and reverse("billing:cash_book") not in html
    assert response.context["total"] == D("300.00")

    row = Denomination.objects.get(shop=shop)
    assert client.post(URL, {"action": "save", f"count_{row.pk}": "9"}).status_code == 403
    assert client.post(URL, {"action": "add", "value": "5", "count": "1"}).status_code == 403
    row.count = 0
    row.save()
    assert client.post(URL, {"remove": str(row.pk)}).status_code == 403
    assert counts_of(shop) == {D("100.00"): 0}


@pytest.mark.parametrize("data", [
    {"action": "setup"},
    {"action": "save"},
    {"action": "add", "value": "5", "count": "1"},
])
def test_a_staff_post_to_a_new_drawer_is_refused_before_anything_is_written(client, staff, shop, data):
    """The owner check comes first: a staff POST on a shop that never set up its drawer
    writes no notes or coins (and no movement) and gets 403."""
    client.force_login(staff.user)
    assert client.post(URL, data).status_code == 403
    assert not Denomination.objects.filter(shop=shop).exists()
    assert not CashMovement.objects.filter(shop=shop).exists()


def test_the_drawer_read_writes_nothing_and_setup_is_explicit(shop):
    assert drawer_denominations(shop=shop) == []
    assert not Denomination.objects.filter(shop=shop).exists()
    rows = services.drawer_setup(shop=shop)
    assert [row.value for row in rows] == list(DEFAULT_DENOMINATIONS["INR"])
    assert drawer_denominations(shop=shop) == rows


def test_owner_adds_and_removes_a_denomination(owner_client, shop):
    owner_client.get(URL)
    response = owner_client.post(URL, {"action": "add", "value": "0.50", "count": "12"})
    assert response.status_code == 302
    assert counts_of(shop)[D("0.50")] == 12

    response = owner_client.post(URL, {"action": "add", "value": "500", "count": "0"})
    assert response.status_code == 200
    assert response.context["add_form"].errors["value"] == ["The drawer already has ₹500.00."]
    response = owner_client.post(URL, {"action": "add", "value": "-5"})
    assert response.context["add_form"].errors["value"] == ["The amount must be more than zero."]

    remove = Denomination.objects.get(shop=shop, value=D("2000"))
    response = owner_client.post(URL, {"remove": str(remove.pk)}, follow=True)
    assert "Removed ₹2,000.00 from the drawer." in response.content.decode()
    assert D("2000") not in counts_of(shop)

    full = Denomination.objects.get(shop=shop, value=D("0.50"))
    response = owner_client.post(URL, {"remove": str(full.pk)}, follow=True)
    assert "still holds 12 × ₹0.50" in response.content.decode()
    assert counts_of(shop)[D("0.50")] == 12


def test_another_shops_denominations_are_never_shown_or_touched(owner_client, shop, other_owner):
    stock(other_owner.shop, _7=99, _3=0)
    with scope(shop=other_owner.shop):
        foreign, foreign_empty = (Denomination.objects.get(shop=other_owner.shop, value=v) for v in (D("7"), D("3")))
    owner_client.post(URL, {"action": "setup"})
    response = owner_client.get(URL)
    html = response.content.decode()
    assert "₹7.00" not in html and f'name="count_{foreign.pk}"' not in html
    assert all(d.shop_id == shop.pk for d, _, _ in response.context["counts_form"].rows)

    # A posted count for another shop's row is ignored; removing it is a 404.
    response = owner_client.post(URL, {"action": "save", f"count_{foreign.pk}": "0",
                                       **{f"count_{d.pk}": "1" for d in Denomination.objects.filter(shop=shop)}})
    assert response.status_code == 302
    assert owner_client.post(URL, {"remove": str(foreign_empty.pk)}).status_code == 404
    assert owner_client.post(URL, {"remove": "abc"}).status_code == 404
    with scope(shop=other_owner.shop):
        assert counts_of(other_owner.shop) == {D("7.00"): 99, D("3.00"): 0}
    assert set(counts_of(shop).values()) == {1}


def test_change_checker(owner_client, shop):
    stock(shop, _50=1, _20=3)
    response = owner_client.get(URL, {"change": "60"})
    html = response.content.decode()
    assert response.context["preview"].pieces == [(D("20.00"), 3)]
    assert 'data-testid="change-pieces"' in html and 'data-value="20.00" data-count="3"' in html
    assert "as 3 pieces" in html

    response = owner_client.get(URL, {"change": "35"})
    assert "Exact change of <strong class=\"amount\">₹35.00</strong> is not possible" in response.content.decode()
    response = owner_client.get(URL, {"change": "500"})
    assert "it holds only ₹110.00 in all" in response.content.decode()

    response = owner_client.get(URL, {"change": "abc"})
    assert response.context["preview"] is None
    assert response.context["check_form"].errors["change"] == ["Enter an amount in numbers, such as 250 or 99.50."]
    assert owner_client.get(URL).context["preview"] is None


def test_change_checker_for_staff_and_htmx(client, staff, shop):
    stock(shop, _10=2)
    client.force_login(staff.user)
    response = client.get(URL, {"change": "20"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="change-check"' in response.content.decode()
    assert response.context["preview"].pieces == [(D("10.00"), 2)]


# --- Concurrency (real row locks: MariaDB only) ---------------------------------------


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_concurrent_change_never_takes_the_same_notes_twice(enter_scope):
    shop = enter_scope(ShopFactory())
    stock(shop, _20=3, _10=1)
    results = run_together(*(lambda: services.drawer_give_change(shop=shop, amount=D("60")) for _ in range(2)))
    given = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, BillingError)]
    assert (len(given), len(refused)) == (1, 1), results
    assert given[0] == {D("20.00"): 3}
    assert counts_of(shop) == {D("20.00"): 0, D("10.00"): 1}


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_concurrent_set_ups_create_the_defaults_once(enter_scope):
    shop = enter_scope(ShopFactory())
    results = run_together(*(lambda: services.drawer_setup(shop=shop) for _ in range(3)))
    assert all(isinstance(r, list) and len(r) == 10 for r in results), results
    assert Denomination.objects.filter(shop=shop).count() == 10
