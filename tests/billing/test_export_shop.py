import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ledger.services import entries as ledger
from tests.customers.factories import CustomerFactory
from tests.ledger.factories import due_record

pytestmark = pytest.mark.django_db


def test_export_contains_this_shop_only(tmp_path, shop, other_owner):
    mine = CustomerFactory(shop=shop, name="Mine")
    theirs = CustomerFactory(shop=other_owner.shop, name="Theirs")
    due_record(mine, "10", description="x")
    due_record(theirs, "20", description="y")  # in its own shop's scope
    out = tmp_path / "shop.json"

    call_command("export_shop", "--shop", str(shop.pk), "--output", str(out))

    rows = json.loads(out.read_text())
    models = {row["model"] for row in rows}
    assert {"accounts.shop", "accounts.membership", "customers.customer", "ledger.due"} <= models
    names = [row["fields"].get("name") for row in rows if row["model"] == "customers.customer"]
    assert names == ["Mine"]
    assert all(row["fields"].get("shop", shop.pk) == shop.pk for row in rows if row["model"] != "accounts.shop")


def test_export_contains_the_cash_book(tmp_path, shop):
    customer = CustomerFactory(shop=shop)
    ledger.payment_create(shop=shop, customer=customer, amount=Decimal("75"), received_on=timezone.localdate())
    out = tmp_path / "shop.json"
    call_command("export_shop", "--shop", str(shop.pk), "--output", str(out))
    rows = json.loads(out.read_text())
    movements = [row["fields"] for row in rows if row["model"] == "billing.cashmovement"]
    assert [(m["kind"], m["amount"]) for m in movements] == [("payment", "75.00")]
    assert [row["fields"]["balance"] for row in rows if row["model"] == "billing.cashdrawer"] == ["75.00"]


def test_export_of_unknown_shop_is_an_error():
    with pytest.raises(CommandError, match="No shop with id 999999"):
        call_command("export_shop", "--shop", "999999")
