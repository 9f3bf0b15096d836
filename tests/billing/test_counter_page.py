"""The counter page's markup that keyboards and screen readers rely on: the pick lists
(listbox options, out-of-stock products), the Enter guard, and the one-time key."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice
from billing.services.catalogue import product_create
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _product(shop, sku, name, *, stock, **fields):
    return product_create(shop=shop, sku=sku, name=name, unit="pcs", sale_price=D("40.00"), tax_rate=D("5"),
                          opening_stock=D(stock), **fields)


def _options(html):
    return re.findall(r'<li [^>]*role="option"[^>]*>.*?</li>', html, flags=re.S)


def test_product_results_are_a_listbox_of_options_with_ids(owner_client, shop):
    sugar = _product(shop, "SUG-1", "Sugar 1 kg", stock="12")
    _product(shop, "SUG-5", "Sugar 5 kg", stock="4")

    html = owner_client.get(reverse("billing:invoice_product_search"), {"q": "  sugar  "}).content.decode()

    assert 'role="listbox" id="product-listbox"' in html
    assert 'data-query="sugar"' in html  # as khata.js normalises the search box
    options = _options(html)
    assert len(options) == 2
    assert f'id="product-option-{sugar.pk}"' in options[0]
    assert f'data-line-url="{reverse("billing:invoice_line")}?product={sugar.pk}"' in options[0]
    assert "12 in stock" in options[0] and 'aria-disabled' not in options[0]
    assert "2 products found." in html


def test_a_product_with_no_stock_says_so_and_cannot_be_picked(owner_client, shop):
    _product(shop, "DAL-1", "Toor dal 1 kg", stock="0")
    _product(shop, "DAL-2", "Moong dal 1 kg", stock="0", allow_negative_stock=True)
    _product(shop, "DAL-3", "Chana dal 1 kg", stock="0", track_stock=False)

    html = owner_client.get(reverse("billing:invoice_product_search"), {"q": "dal"}).content.decode()

    chana, moong, toor = _options(html)  # by name
    assert "Out of stock, cannot be sold" in toor and 'aria-disabled="true"' in toor
    assert "Out of stock" in moong and "cannot be sold" not in moong and "aria-disabled" not in moong
    assert "Out of stock" not in chana and "in stock" not in chana
    assert "3 products found, 2 out of stock." in html


def test_customer_results_are_a_listbox_of_options(owner_client, shop):
    asha = CustomerFactory(shop=shop, name="Asha Verma", phone="9811100011")

    html = owner_client.get(reverse("billing:invoice_customer_search"), {"q": "asha"}).content.decode()

    assert 'role="listbox" id="customer-listbox"' in html and 'data-query="asha"' in html
    (option,) = _options(html)
    assert f'id="customer-option-{asha.pk}"' in option and f'data-id="{asha.pk}"' in option
    assert 'data-label="Asha Verma · 9811100011"' in option
    assert "1 customer found." in html


def test_no_match_is_said_without_an_empty_listbox(owner_client, shop):
    html = owner_client.get(reverse("billing:invoice_product_search"), {"q": "zzz"}).content.decode()
    assert "listbox" not in html and "No active product matches “zzz”." in html
    assert owner_client.get(reverse("billing:invoice_customer_search"), {"q": ""}).content.decode().strip() == ""


def test_the_search_boxes_are_comboboxes_that_control_their_lists(owner_client):
    html = owner_client.get(reverse("billing:invoice_create")).content.decode()
    for name in ("customer", "product"):
        box = re.search(rf'<input id="{name}-search"[^>]*>', html, flags=re.S).group(0)
        assert 'role="combobox"' in box and f'aria-controls="{name}-listbox"' in box
        assert 'aria-expanded="false"' in box and f'data-status="{name}-search-status"' in box
        assert f'id="{name}-search-status" role="status"' in html
    assert 'id="totals-status" role="status"' in html


def test_enter_cannot_submit_the_counter_without_javascript(owner_client):
    """The form's default button (its first submit button) is disabled, so the browser's
    implicit submission on Enter does nothing; the real button comes later."""
    html = owner_client.get(reverse("billing:invoice_create")).content.decode()
    form = html[html.index('<form method="post" id="invoice-form"'):]
    buttons = re.findall(r'<button type="submit"[^>]*>', form)
    assert "disabled" in buttons[0] and "hidden" in buttons[0]
    assert "disabled" not in buttons[1] and "Issue invoice" in form[form.index(buttons[1]):][:200]


def test_the_counter_form_posted_twice_issues_one_invoice(owner_client, shop):
    page = owner_client.get(reverse("billing:invoice_create")).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page).group(1)
    data = {
        "idempotency_key": key, "customer": "", "issued_on": timezone.localdate().isoformat(),
        "discount_type": "amount", "discount_value": "", "amount_paid": "105.00", "payment_method": "upi",
        "cash_tendered": "", "due_date": "", "notes": "", "line-product": [""], "line-description": ["Tea"],
        "line-quantity": ["1"], "line-unit_price": ["100"], "line-tax_rate": ["5"],
    }

    first = owner_client.post(reverse("billing:invoice_create"), data)
    second = owner_client.post(reverse("billing:invoice_create"), data)

    invoice = Invoice.objects.get(shop=shop)
    assert invoice.total == D("105.00")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == invoice.get_absolute_url()


def test_line_errors_point_at_their_messages(owner_client, shop):
    data = {
        "customer": "", "issued_on": timezone.localdate().isoformat(), "discount_type": "amount",
        "discount_value": "", "amount_paid": "", "payment_method": "cash", "cash_tendered": "", "due_date": "",
        "notes": "", "line-product": [""], "line-description": ["Tea"], "line-quantity": ["0"],
        "line-unit_price": ["100"], "line-tax_rate": ["5"],
    }
    html = owner_client.post(reverse("billing:invoice_create"), data).content.decode()
    quantity = re.search(r'<input [^>]*name="line-quantity"[^>]*>', html, flags=re.S).group(0)
    assert 'aria-invalid="true"' in quantity and 'aria-describedby="line-1-quantity-error"' in quantity
    assert 'id="line-1-quantity-error">The quantity must be more than zero.' in html
    assert not Invoice.objects.filter(shop=shop).exists()
