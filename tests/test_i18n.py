"""Languages (issue 16): the translation guard, choosing a language, and local formats."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.i18n import customer_language
from accounts.models import Shop, User
from core.i18n_audit import catalogue_problems, unmarked, unmarked_in_python, unmarked_in_template
from core.locales import ascii_digits, locale_for
from core.money import format_money
from tests.factories import CustomerFactory

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("hi", "bn", "sw")


# The guard ------------------------------------------------------------------------------------------------------


def test_every_user_facing_string_is_marked():
    """Templates and the apps' Python carry no user-facing text outside gettext (run
    `python scripts/check_translations.py --unmarked` to see each one)."""
    assert unmarked(ROOT) == []


@pytest.mark.skipif(not __import__("shutil").which("msgfmt"), reason="gettext is not installed (make install adds it)")
def test_every_catalogue_is_complete_and_compiled():
    """Each language's catalogue has every marked string, translated, not fuzzy, accepted
    by `msgfmt --check`, and compiled (run `make messages`, translate, `make compilemessages`)."""
    assert catalogue_problems(ROOT) == []


@pytest.mark.parametrize("source, found", [
    ("<p>Hello there</p>", ["t:1: Hello there"]),
    ('{% load i18n %}<p>{% translate "Hello there" %}</p>', []),
    ("{% load i18n %}<p>{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}</p>", []),
    ("<script>var words = 'not for readers';</script><style>.a{}</style>", []),
    ('<a title="Open the book">{{ x }}</a>', ['t:1: <a title="Open the book">']),
    ('<input type="submit" value="Save it"><input type="text" value="typed">', ['t:1: <input value="Save it">']),
    ("{# a comment #}{% comment %}Left out{% endcomment %}<b>{{ x }} · 42 ₹</b>", []),
    ("<td>GSTIN</td><td>UPI</td>", []),
    ("<p>\n\n  Line three</p>", ["t:3: Line three"]),
])
def test_template_scanner(source, found):
    assert unmarked_in_template(source, "t") == found


@pytest.mark.parametrize("source, count", [
    ('messages.success(request, "Saved.")', 1),
    ('messages.success(request, _("Saved."))', 0),
    ('raise ValidationError(f"Too big: {x}")', 1),
    ('raise LedgerError("No such due.", field="due")', 1),
    ('raise LedgerError(_("No such due."), field="due")', 0),
    ('raise ValueError("a programmer error")', 0),
    ('x = forms.CharField(label="Shop name", help_text=_("Shown on invoices."))', 1),
    ('class Kind(models.TextChoices):\n    CASH = "cash", "Cash"\n    UPI = "upi", _("UPI payment")', 1),
    ('logger.info("Sent the reminder")', 0),
])
def test_python_scanner(source, count):
    assert len(unmarked_in_python(source, "m", {"ValidationError", "LedgerError"})) == count


# Choosing a language --------------------------------------------------------------------------------------------


def _translated(language, text):
    with translation.override(language):
        result = gettext(text)
    assert result != text, f"{text!r} has no {language} translation"
    return result


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_switcher_remembers_the_users_language(owner_client, owner, language):
    response = owner_client.post(reverse("set_language"), {"language": language, "next": reverse("customers:list")})
    assert response.status_code == 302 and response["Location"] == reverse("customers:list")
    assert User.objects.get(pk=owner.user.pk).language == language
    page = owner_client.get(reverse("customers:list")).content.decode()
    assert f'<html lang="{language}"' in page
    assert _translated(language, "Customers") in page


def test_the_users_language_wins_over_the_shops(owner_client, owner):
    Shop.objects.filter(pk=owner.shop.pk).update(language="sw")
    page = owner_client.get(reverse("customers:list")).content.decode()
    assert _translated("sw", "Customers") in page
    User.objects.filter(pk=owner.user.pk).update(language="hi")
    page = owner_client.get(reverse("customers:list")).content.decode()
    assert _translated("hi", "Customers") in page


def test_an_unknown_language_or_a_foreign_next_changes_nothing(owner_client, owner):
    response = owner_client.post(reverse("set_language"), {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert User.objects.get(pk=owner.user.pk).language == ""


def test_the_login_page_follows_the_browser_and_the_switcher(client, db):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="bn").content.decode()
    assert '<html lang="bn"' in page
    client.post(reverse("set_language"), {"language": "hi", "next": reverse("accounts:login")})
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="bn").content.decode()
    assert '<html lang="hi"' in page


def test_a_customers_messages_use_their_language_else_the_shops(shop):
    shop.language = "sw"
    assert customer_language(CustomerFactory(shop=shop)) == "sw"
    assert customer_language(CustomerFactory(shop=shop, language="bn")) == "bn"
    assert customer_language(shop=shop) == "sw"


# Formats ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language, currency, base, expected", [
    ("en", "INR", "en_IN", "₹1,23,456.50"),
    ("hi", "INR", "en_IN", "₹1,23,456.50"),
    ("bn", "INR", "en_IN", "₹১,২৩,৪৫৬.৫০"),
    ("sw", "KES", "en_KE", "KSh\xa0123,456.50"),
    ("en", "KES", "en_KE", "KSh\xa0123,456.50"),
    ("bn", "BDT", "bn_BD", "১,২৩,৪৫৬.৫০৳"),
    ("en", "BDT", "bn_BD", "৳1,23,456.50"),
])
def test_money_follows_the_active_language_in_the_shops_territory(language, currency, base, expected):
    with translation.override(language):
        assert format_money(Decimal("123456.50"), currency, base) == expected


def test_the_locale_is_the_language_in_the_shops_territory():
    assert locale_for("hi", "en_IN") == "hi_IN"
    assert locale_for("sw", "en_KE") == "sw_KE"
    assert locale_for("en", "en_KE") == "en_KE"
    assert locale_for("sw", "en_US") == "sw"  # Babel has no sw_US


def test_native_digits_read_as_numbers():
    assert ascii_digits("১,২৫০.৫০") == "1,250.50"
    assert ascii_digits("१२३") == "123"
    assert Decimal(ascii_digits("৪৫.৫")) == Decimal("45.5")


# What customers read ----------------------------------------------------------------------------------------------


@pytest.fixture
def bengali_customer(shop):
    from tests.ledger.test_statements import add_due

    customer = CustomerFactory(shop=shop, name="Rahim Uddin", email="rahim@example.com", phone="98765 43210",
                               language="bn")
    add_due(customer, "1200.00", days_ago=20, due_in=5, description="Rice 25 kg")
    return customer


def _public(client, url):
    from tests.scoping import no_scope

    with no_scope():
        return client.get(url)


def test_the_public_statement_speaks_the_customers_language_and_has_a_switcher(client, bengali_customer):
    from ledger.services import statements

    link, _created = statements.statement_link_get_or_create(shop=bengali_customer.shop, customer=bengali_customer)
    url = reverse("ledger:public_statement", kwargs={"token": link.token})
    page = _public(client, url).content.decode()
    assert '<html lang="bn"' in page and _translated("bn", "Statement for") in page
    assert 'href="?lang=sw"' in page
    page = _public(client, url + "?lang=sw").content.decode()
    assert '<html lang="sw"' in page and _translated("sw", "Statement for") in page
    page = _public(client, url + "?lang=xx").content.decode()
    assert '<html lang="bn"' in page  # an unknown choice falls back to the customer's


def test_a_reminder_email_and_the_whatsapp_text_use_the_customers_language(owner_client, shop, bengali_customer):
    from ledger.services.reminders import reminder_chat_log, reminder_email_send
    from messaging.models import Message

    reminder_email_send(shop=shop, customer=bengali_customer)
    message = Message.objects.get(customer=bengali_customer, channel=Message.Channel.EMAIL)
    with translation.override("bn"):
        amount = format_money(Decimal("1200.00"), shop.currency, shop.locale)
        expected = gettext("Payment reminder from %(shop)s: %(amount)s due") % {"shop": shop.name, "amount": amount}
    assert message.subject == expected and "১,২০০.০০" in message.subject
    bengali_customer.refresh_from_db()
    chat = reminder_chat_log(shop=shop, customer=bengali_customer, channel=Message.Channel.WHATSAPP)
    assert _translated("bn", "Thank you!") in chat.message.body


def _pdf_text_and_fonts(pdf: bytes) -> tuple[str, set[str]]:
    import io

    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(pdf)).pages
    fonts = {str(font.get_object()["/BaseFont"]) for page in pages
             for font in page["/Resources"]["/Font"].values()}
    return "\n".join(page.extract_text() for page in pages), fonts


@pytest.mark.parametrize("language, font, sample", [
    ("hi", "Noto-Sans-Devanagari", "₹1,200.00"),
    ("bn", "Noto-Sans-Bengali", "₹১,২০০.০০"),
])
def test_hindi_and_bengali_statement_pdfs_embed_their_script(client, bengali_customer, language, font, sample):
    """The PDF embeds Debian's Noto font for the script (fonts-noto-core), so no text
    renders as boxes; the amounts read back in the language's digits. (Text extraction
    reorders Indic vowel signs, so whole words are not compared.)"""
    from ledger.services import statements

    link, _created = statements.statement_link_get_or_create(shop=bengali_customer.shop, customer=bengali_customer)
    response = _public(client, reverse("ledger:public_statement_pdf", kwargs={"token": link.token})
                       + f"?lang={language}")
    assert response.status_code == 200
    text, fonts = _pdf_text_and_fonts(response.content)
    assert any(font in name for name in fonts), fonts
    assert sample in text


@pytest.mark.parametrize("typed, amount", [("১২৫.৫০", "125.50"), ("१,२५०", "1250.00"), ("1,23,456.50", "123456.50")])
def test_money_fields_read_native_digits_and_group_commas(typed, amount):
    from core.money import AmountField

    assert AmountField().clean(typed) == Decimal(amount)


def test_in_bengali_a_money_input_takes_text_so_bengali_digits_can_be_typed():
    from django import forms

    from core.money import AmountField

    class Form(forms.Form):
        amount = AmountField()

    with translation.override("bn"):
        assert 'type="text"' in str(Form()["amount"])
    with translation.override("hi"):
        assert 'type="number"' in str(Form()["amount"])


def test_the_amount_in_words_is_in_bengali_words_in_bengali():
    from billing.words import amount_in_words

    with translation.override("bn"):
        words = amount_in_words(Decimal("123456.50"), "BDT", "bn_BD")
    assert "এক লাখ তেইশ হাজার চারশত ছাপ্পান্ন" in words and "পঞ্চাশ" in words
    with translation.override("en"):
        assert amount_in_words(Decimal("1234"), "BDT", "bn_BD") == "Taka One Thousand Two Hundred Thirty-Four Only"
