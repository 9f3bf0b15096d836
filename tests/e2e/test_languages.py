"""Every language in the browser (issue 16): the header's switcher changes the pages, and
sampled pages show no English a catalogue translates. Screenshots in test-artifacts/."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from accounts.models import Membership
from billing.services.catalogue import product_create
from ledger.services import entries as ledger
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory

pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PAGES = ("/", "/customers/", "/invoices/new/", "/products/", "/reports/", "/drawer/", "/accounts/shop/settings/")


def translated_sentences(language: str) -> set[str]:
    """The English sentences (three words or more) the catalogue translates differently:
    one of them on a page in ``language`` is text the page failed to translate."""
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        catalogue = read_po(handle)
    sentences = set()
    for message in catalogue:
        if not message.id or not isinstance(message.id, str) or "%" in message.id or "<" in message.id:
            continue
        if len(message.id.split()) >= 3 and message.string and message.string != message.id:
            sentences.add(message.id)
    return sentences


def visible_text(page) -> str:
    return page.evaluate("() => document.body.innerText")


@pytest.mark.parametrize("language", ["hi", "bn", "sw"])
def test_sampled_pages_are_wholly_in_the_chosen_language(live_server, page, shot, enter_scope, language):
    owner = MembershipFactory(role=Membership.Role.OWNER, user__username=f"lang-{language}")
    shop = owner.shop
    enter_scope(shop)
    customer = CustomerFactory(shop=shop, name="Asha Verma", phone="9811100022")
    ledger.due_create(shop=shop, customer=customer, amount=Decimal("1250.50"), description="Rice 25 kg",
                      incurred_on=datetime.date.today() - datetime.timedelta(days=40),
                      due_date=datetime.date.today() - datetime.timedelta(days=10))
    product_create(shop=shop, sku="DAL", name="Toor dal", unit="kg", sale_price=Decimal("120"),
                   tax_rate=Decimal("5"), opening_stock=Decimal("20"))
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(owner.user.username)
    page.locator("#id_password").fill("pass-word-123")
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base}/")

    with page.expect_navigation():
        page.locator("#language-switcher").select_option(language)
    assert page.locator("html").get_attribute("lang") == language

    english = translated_sentences(language)
    for path in (*PAGES, f"/customers/{customer.pk}/"):
        page.goto(f"{base}{path}")
        assert page.locator("html").get_attribute("lang") == language, path
        text = visible_text(page)
        left = sorted(sentence for sentence in english if sentence in text)
        assert left == [], (path, left)
        assert not page.console_errors, (path, page.console_errors)
    shot(page, f"60-language-{language}-customer")
