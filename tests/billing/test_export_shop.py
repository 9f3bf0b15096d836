"""``manage.py export_shop`` and ``import_shop``: thin commands over ``billing.backup``
(whose own tests are tests/billing/test_backup.py)."""

import json
import zipfile
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from accounts.models import Shop
from billing.backup import MANIFEST
from billing.models import CashDrawer
from customers.models import Customer
from ledger.services import entries as ledger
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory
from tests.ledger.factories import due_record

pytestmark = pytest.mark.django_db


def read(path, name):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read(name))


def test_export_writes_one_archive_of_this_shop_only(tmp_path, shop, other_owner, capsys):
    mine = CustomerFactory(shop=shop, name="Mine")
    theirs = CustomerFactory(shop=other_owner.shop, name="Theirs")
    due_record(mine, "10", description="x")
    due_record(theirs, "20", description="y")  # in its own shop's scope
    out = tmp_path / "shop.zip"

    call_command("export_shop", "--shop", str(shop.pk), "--output", str(out))

    assert [p.name for p in tmp_path.iterdir()] == ["shop.zip"]  # no partial file left
    manifest = read(out, MANIFEST)
    assert manifest["shop"] == {"id": shop.pk, "name": shop.name}
    assert manifest["counts"]["customers.customer"] == 1 and manifest["counts"]["ledger.due"] == 1
    assert [row["fields"]["name"] for row in read(out, "data/customers.customer.json")] == ["Mine"]
    assert [row["fields"]["description"] for row in read(out, "data/ledger.due.json")] == ["x"]
    assert manifest["figures"]["balances"] == [["Mine", mine.phone, "10.00"]]
    assert read(out, "data/accounts.user.json")[0]["fields"]["password"]  # the operator's archive has hashes
    assert f"of shop {shop.pk} ({shop.name})" in capsys.readouterr().out


def test_export_contains_the_cash_book(tmp_path, shop):
    customer = CustomerFactory(shop=shop)
    ledger.payment_create(shop=shop, customer=customer, amount=Decimal("75"), received_on=timezone.localdate())
    out = tmp_path / "shop.zip"
    call_command("export_shop", "--shop", str(shop.pk), "--output", str(out))
    movements = [row["fields"] for row in read(out, "data/billing.cashmovement.json")]
    assert [(m["kind"], m["amount"]) for m in movements] == [("payment", "75.00")]
    assert [row["fields"]["balance"] for row in read(out, "data/billing.cashdrawer.json")] == ["75.00"]
    assert read(out, MANIFEST)["figures"]["cash_balance"] == "75.00"


def test_export_without_passwords(tmp_path, shop):
    out = tmp_path / "shop.zip"
    call_command("export_shop", "--shop", str(shop.pk), "--output", str(out), "--without-passwords")
    assert "password" not in read(out, "data/accounts.user.json")[0]["fields"]
    assert read(out, MANIFEST)["includes_password_hashes"] is False


def test_export_of_unknown_shop_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="No shop with id 999999"):
        call_command("export_shop", "--shop", "999999", "--output", str(tmp_path / "x.zip"))
    assert not list(tmp_path.iterdir())


def test_export_to_a_folder_that_does_not_exist_is_an_error(tmp_path, shop):
    with pytest.raises(CommandError, match="Could not write"):
        call_command("export_shop", "--shop", str(shop.pk), "--output", str(tmp_path / "missing" / "x.zip"))


def test_import_as_a_new_shop(tmp_path, shop, capsys):
    CustomerFactory(shop=shop, name="Asha")
    out = tmp_path / "shop.zip"
    call_command("export_shop", "--shop", str(shop.pk), "--output", str(out))

    call_command("import_shop", str(out), "--as-new-shop", "Asha's copy")

    with scopes_disabled():
        copy = Shop.objects.get(name="Asha's copy")
        assert list(Customer.objects.filter(shop=copy).values_list("name", flat=True)) == ["Asha"]
    printed = capsys.readouterr().out
    assert f"Restored shop {copy.pk} (Asha's copy)" in printed
    assert "Existing users matched by username" in printed


def test_import_refuses_an_altered_archive_with_a_clear_message(tmp_path, shop):
    out = tmp_path / "shop.zip"
    call_command("export_shop", "--shop", str(shop.pk), "--output", str(out))
    with zipfile.ZipFile(out) as archive:
        info = archive.getinfo("data/accounts.shop.json")
    data = bytearray(out.read_bytes())
    header = info.header_offset  # local header: 30 bytes, then the name and the extra field, then the data
    start = header + 30 + int.from_bytes(data[header + 26:header + 28], "little") + int.from_bytes(
        data[header + 28:header + 30], "little")
    middle = start + info.compress_size // 2 - 4
    data[middle:middle + 8] = bytes(b ^ 0xFF for b in data[middle:middle + 8])
    out.write_bytes(bytes(data))
    with scopes_disabled():
        shops = Shop.objects.count()

    with pytest.raises(CommandError, match=r"shop.zip was not restored: .*(damaged|not a readable zip)"):
        call_command("import_shop", str(out), "--as-new-shop", "Copy")

    with scopes_disabled():
        assert Shop.objects.count() == shops


def test_import_of_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*nothing.zip"):
        call_command("import_shop", str(tmp_path / "nothing.zip"))


@pytest.mark.django_db(transaction=True)
def test_round_trip_through_the_commands_outside_a_transaction(tmp_path, enter_scope):
    """As in production: the export reads one consistent snapshot (its own transaction), and
    the restore commits."""
    owner = MembershipFactory()
    shop = enter_scope(owner.shop)
    customer = CustomerFactory(shop=shop, name="Asha")
    due_record(customer, "120.50")
    ledger.payment_create(shop=shop, customer=customer, amount=Decimal("20"), received_on=timezone.localdate())
    out = tmp_path / "shop.zip"

    call_command("export_shop", "--shop", str(shop.pk), "--output", str(out))
    call_command("import_shop", str(out), "--as-new-shop", "Copy")

    with scopes_disabled():
        copy = Shop.objects.get(name="Copy")
    with scope(shop=copy):
        assert Customer.objects.get(shop=copy).balance == Decimal("100.50")
        assert CashDrawer.objects.get(shop=copy).balance == Decimal("20.00")
    second = tmp_path / "copy.zip"
    call_command("export_shop", "--shop", str(copy.pk), "--output", str(second))
    assert read(second, MANIFEST)["figures"] == read(out, MANIFEST)["figures"]
