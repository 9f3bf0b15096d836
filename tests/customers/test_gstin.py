"""GSTIN validation (core.gst) and the GST fields of customers and of the shop settings
(issue #15): the check digit, state codes, the PAN part, and the state that follows a GSTIN."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import GstRegistration
from core.gst import STATES, gstin_check_character, gstin_errors, gstin_state, state_label, validate_gstin
from customers.models import Customer
from customers.services import CustomerError, customer_create, customer_update

# Published GSTINs (a GST portal help sample and a company's invoice), and ones computed here.
PUBLISHED = ["27AAPFU0939F1ZV", "29AAGCB7383J1Z4"]
COMPUTED = ["09ABCDE1234F1ZY", "09AAGCB7383J1Z6", "27AAGCB7383J1Z8", "07AAACF1234K1C7"]
CHECK_MESSAGE = ("This GSTIN's last character (its check digit) does not match the rest: a character may be "
                 "mistyped. Copy it from the registration certificate.")


@pytest.mark.parametrize("gstin", PUBLISHED)
def test_the_algorithm_gives_the_published_check_characters(gstin):
    assert gstin_check_character(gstin[:14]) == gstin[14]
    assert gstin_errors(gstin) == []


@pytest.mark.parametrize("gstin", PUBLISHED + COMPUTED)
def test_valid_gstins_pass(gstin):
    validate_gstin(gstin)  # no error


def test_any_14th_character_is_accepted_the_check_digit_still_counts():
    # Not every registration has Z there (e.g. TCS collectors): the check digit catches typos.
    assert gstin_errors("07AAACF1234K1C7") == []
    assert gstin_errors("07AAACF1234K1Z7") == [CHECK_MESSAGE]


@pytest.mark.parametrize("gstin", PUBLISHED + COMPUTED)
def test_every_wrong_check_character_is_refused(gstin):
    for wrong in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".replace(gstin[14], ""):
        assert gstin_errors(gstin[:14] + wrong) == [CHECK_MESSAGE]


def test_a_swapped_pair_of_characters_is_caught():
    assert gstin_errors("27AAPFU9039F1ZV") == [CHECK_MESSAGE]  # 0 and 9 swapped


@pytest.mark.parametrize(("gstin", "message"), [
    ("27AAPFU0939F1Z", "A GSTIN has 15 letters and digits (e.g. 27AAPFU0939F1ZV); this has 14 characters."),
    ("27AAPFU0939F1ZVX", "A GSTIN has 15 letters and digits (e.g. 27AAPFU0939F1ZV); this has 16 characters."),
    ("27AAPFU0939F1Z-", "A GSTIN has 15 letters and digits (e.g. 27AAPFU0939F1ZV); this has 15 characters, "
                        "some of them not letters or digits."),
    ("00AAPFU0939F1ZV", "A GSTIN starts with a state code (01 to 38, or 97); 00 is not one."),
    ("39AAPFU0939F1ZV", "A GSTIN starts with a state code (01 to 38, or 97); 39 is not one."),
    ("27AAPF10939F1ZV", "Characters 3 to 12 of a GSTIN are the PAN (5 letters, 4 digits, 1 letter); AAPF10939F "
                        "is not a PAN."),
    ("27AAPFU093991ZV", "Characters 3 to 12 of a GSTIN are the PAN (5 letters, 4 digits, 1 letter); AAPFU09399 "
                        "is not a PAN."),
    ("27AAPFU0939F0ZV", "The 13th character of a GSTIN (the registration number) cannot be 0."),
])
def test_invalid_gstins_say_what_is_wrong(gstin, message):
    assert gstin_errors(gstin) == [message]
    with pytest.raises(ValidationError) as exc:
        validate_gstin(gstin)
    assert exc.value.messages == [message]


def test_states_list_codes_01_to_38_and_97_with_names():
    assert sorted(STATES) == [f"{n:02d}" for n in range(1, 39)] + ["97"]
    assert state_label("27") == "Maharashtra (27)" and state_label("29") == "Karnataka (29)"
    assert state_label("") == "" and state_label("99") == ""
    assert gstin_state("29AAGCB7383J1Z4") == "29" and gstin_state("") == ""


# -- customers ---------------------------------------------------------------------------------


def test_customer_with_a_gstin_takes_its_state(shop):
    customer = customer_create(shop=shop, name="Bharat Caterers", gstin=" 29aagcb7383j1z4 ")
    assert (customer.gstin, customer.state) == ("29AAGCB7383J1Z4", "29")
    customer_update(customer=customer, gstin="27AAPFU0939F1ZV")
    customer.refresh_from_db()
    assert (customer.gstin, customer.state) == ("27AAPFU0939F1ZV", "27")


def test_customer_state_other_than_the_gstins_is_refused(shop):
    with pytest.raises(CustomerError) as exc:
        customer_create(shop=shop, name="Bharat Caterers", gstin="29AAGCB7383J1Z4", state="27")
    assert exc.value.field == "state"
    assert str(exc.value) == "The GSTIN is registered in Karnataka (29); choose that state or leave it empty."
    assert not Customer.objects.filter(shop=shop).exists()


def test_customer_service_refuses_a_bad_check_digit(shop):
    with pytest.raises(ValidationError) as exc:
        customer_create(shop=shop, name="Bharat Caterers", gstin="29AAGCB7383J1Z5")
    assert exc.value.message_dict["gstin"] == [CHECK_MESSAGE]


def test_customer_form_shows_the_gstin_error(owner_client, shop):
    response = owner_client.post(reverse("customers:create"), {"name": "Bharat Caterers", "gstin": "29AAGCB7383J1Z5"})
    assert response.status_code == 200
    assert response.context["form"].errors["gstin"] == [CHECK_MESSAGE]
    assert "check digit" in response.content.decode()
    assert not Customer.objects.filter(shop=shop).exists()


def test_customer_form_saves_gstin_and_state(owner_client, shop):
    response = owner_client.post(reverse("customers:create"), {"name": "Bharat Caterers", "gstin": "29aagcb7383j1z4"})
    assert response.status_code == 302
    customer = Customer.objects.get(shop=shop)
    assert (customer.gstin, customer.state) == ("29AAGCB7383J1Z4", "29")


def test_customer_form_state_mismatch_is_a_form_error(owner_client, shop):
    response = owner_client.post(reverse("customers:create"), {"name": "Bharat Caterers",
                                                               "gstin": "29AAGCB7383J1Z4", "state": "27"})
    assert response.status_code == 200
    assert response.context["form"].errors["state"] == [
        "The GSTIN is registered in Karnataka (29); choose that state or leave it empty."]


# -- shop settings -------------------------------------------------------------------------------

SETTINGS = {"name": "Shop", "currency": "INR", "locale": "en_IN", "invoice_prefix": "INV",
            "financial_year_start_month": "4", "remind_days_before": "2", "remind_every_days_after": "7",
            "remind_max_after": "3"}


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"gst_registration": "regular"}, "gstin",
     "Enter the shop's GSTIN: a registered shop prints it on every invoice."),
    ({"gst_registration": "composition"}, "gstin",
     "Enter the shop's GSTIN: a registered shop prints it on every invoice."),
    ({"gst_registration": "unregistered", "gstin": "27AAPFU0939F1ZV"}, "gst_registration",
     "A shop with a GSTIN is registered: choose regular or composition, or clear the GSTIN."),
    ({"gst_registration": "regular", "gstin": "27AAPFU0939F1ZV", "state": "29"}, "state",
     "The GSTIN is registered in Maharashtra (27); choose that state or leave it empty."),
    ({"invoice_prefix": "BOS"}, "invoice_prefix", "BOS numbers bills of supply; choose another prefix."),
    ({"invoice_prefix": "cn"}, "invoice_prefix", "CN numbers credit notes; choose another prefix."),
])
def test_shop_gst_settings_errors(owner_client, shop, data, field, message):
    response = owner_client.post(reverse("accounts:shop_settings"), {**SETTINGS, **data})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]


def test_shop_gst_settings_saved(owner_client, shop):
    response = owner_client.post(reverse("accounts:shop_settings"), {
        **SETTINGS, "gst_registration": "composition", "gstin": "27AAPFU0939F1ZV"})
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.gst_registration, shop.gstin, shop.state, shop.gst_mode) == (
        "composition", "27AAPFU0939F1ZV", "27", GstRegistration.COMPOSITION)
    assert shop.prices_include_tax is False  # the box was not ticked in this post
    owner_client.post(reverse("accounts:shop_settings"), {**SETTINGS, "gst_registration": "unregistered",
                                                         "state": "09", "prices_include_tax": "on"})
    shop.refresh_from_db()
    assert (shop.gstin, shop.state, shop.gst_state, shop.gst_mode, shop.prices_include_tax) == (
        "", "09", "09", GstRegistration.UNREGISTERED, True)


def test_customer_page_shows_the_gstin_and_state(owner_client, shop):
    customer = customer_create(shop=shop, name="Bharat Caterers", gstin="29AAGCB7383J1Z4")
    html = owner_client.get(reverse("ledger:customer_account", args=[customer.pk])).content.decode()
    assert '<span class="font-monospace" data-testid="customer-gstin">29AAGCB7383J1Z4</span> · Karnataka (29)' in html
