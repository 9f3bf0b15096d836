# The customer search on indexes (issue 17): ``phone_tail`` (the number's digits reversed,
# filled for existing rows) with its index, the (shop, phone_e164) index widened by
# phone_tail, and a full-text index over the name, which Django does not manage:
#
# - SQLite: an external-content FTS5 table ``customers_customer_fts`` (rowid = the customer's
#   id) with three triggers that keep it in step with the customers table, filled at once.
#   The tokenizer keeps the vowel signs of Devanagari and Bengali inside words (categories
#   ``M*``), folds case and drops accents.
# - MariaDB/MySQL: a FULLTEXT index ``customer_name_fulltext`` on the name (InnoDB).
#
# A later migration that makes SQLite rebuild the customers table (Django does for most
# AlterField operations) drops the triggers with the old table: run
# ``create_search_index`` again after it (tests/customers/test_search.py checks they exist).

import unicodedata

from django.db import migrations, models
from django.db.models.functions import Reverse, Substr

BATCH = 500

# Literal statements (the table and trigger names are constants).
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS customers_customer_fts USING fts5(name, content='customers_customer', "
    "content_rowid='id', tokenize=\"unicode61 remove_diacritics 2 categories 'L* N* Co M*'\")",
    "CREATE TRIGGER IF NOT EXISTS customers_customer_fts_insert AFTER INSERT ON customers_customer BEGIN "
    "INSERT INTO customers_customer_fts(rowid, name) VALUES (new.id, new.name); END",
    "CREATE TRIGGER IF NOT EXISTS customers_customer_fts_delete AFTER DELETE ON customers_customer BEGIN "
    "INSERT INTO customers_customer_fts(customers_customer_fts, rowid, name) VALUES ('delete', old.id, old.name); "
    "END",
    "CREATE TRIGGER IF NOT EXISTS customers_customer_fts_update AFTER UPDATE OF name ON customers_customer BEGIN "
    "INSERT INTO customers_customer_fts(customers_customer_fts, rowid, name) VALUES ('delete', old.id, old.name); "
    "INSERT INTO customers_customer_fts(rowid, name) VALUES (new.id, new.name); END",
    # Index every existing name (also repairs an index whose triggers were lost).
    "INSERT INTO customers_customer_fts(customers_customer_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS customers_customer_fts_insert",
    "DROP TRIGGER IF EXISTS customers_customer_fts_delete",
    "DROP TRIGGER IF EXISTS customers_customer_fts_update",
    "DROP TABLE IF EXISTS customers_customer_fts",
]


def _digits_reversed(text):
    """A frozen copy of ``customers.phones.digits(text)[::-1]``."""
    return "".join(str(unicodedata.decimal(c)) for c in text or "" if c.isdecimal())[::-1]


def fill_phone_tail(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    rows = Customer._base_manager.exclude(phone="").values_list("pk", "phone", "phone_e164")
    if schema_editor is not None and schema_editor.connection.vendor == "mysql":
        # One UPDATE for the numbers in E.164 ("+" and digits); the others below (a few).
        Customer._base_manager.exclude(phone_e164="").update(phone_tail=Reverse(Substr("phone_e164", 2)))
        rows = rows.filter(phone_e164="")
    changed = [Customer(pk=pk, phone_tail=tail) for pk, phone, e164 in rows.iterator(chunk_size=2000)
               if (tail := _digits_reversed(e164 or phone))]
    Customer._base_manager.bulk_update(changed, ["phone_tail"], batch_size=BATCH)


def create_search_index(apps, schema_editor):
    """The full-text index over customers' names for this database (see the module comment);
    nothing on other databases (the search falls back to a substring match there)."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)
    elif vendor == "mysql":
        schema_editor.execute("ALTER TABLE customers_customer ADD FULLTEXT INDEX customer_name_fulltext (name)")


def drop_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)
    elif vendor == "mysql":
        schema_editor.execute("ALTER TABLE customers_customer DROP INDEX customer_name_fulltext")


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0007_customer_totals"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="phone_tail",
            field=models.CharField(blank=True, default="", editable=False, max_length=32),
        ),
        migrations.RunPython(fill_phone_tail, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(
            model_name="customer",
            name="customer_shop_phone_e164",
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["shop", "phone_e164", "phone_tail"], name="customer_shop_phone_e164"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["shop", "phone_tail"], name="customer_shop_phone_tail"),
        ),
        # Not in a transaction: MariaDB's DDL cannot be rolled back (SQLite's migration is atomic anyway).
        migrations.RunPython(create_search_index, drop_search_index, atomic=False),
    ]
