"""Inspect the benchmark shop from inside Django (run by ``bench/run.py``, or alone).

    DJANGO_SETTINGS_MODULE=config.settings DATABASE_URL=... python bench/probe.py OUT.json [--shop-name NAME]

Picks the objects the load run needs (a customer with 200 entries, an invoice, customers
to post payments for), then requests every benchmarked page once through Django's test
client with the queries captured: how many queries each page runs on this data, each
query's SQL, its time (median of three runs) and its ``EXPLAIN``. Writes it all as JSON.
Nothing here is a load test: one request per page.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

from accounts.models import Membership, Shop  # noqa: E402
from billing.models import Invoice  # noqa: E402
from customers.models import Customer  # noqa: E402
from ledger.models import Due, Payment  # noqa: E402

SEARCH = "sharma"
STATEMENT_ENTRIES = 200


def pick(shop_name: str) -> dict:
    with scopes_disabled():
        shop = Shop.objects.get(name=shop_name)
        owner = Membership.objects.filter(shop=shop, role=Membership.Role.OWNER).select_related("user").first()
        first = list(Customer.objects.filter(shop=shop).order_by("pk").values_list("pk", flat=True)[:50])
        dues = dict(Due.objects.filter(shop=shop, customer__in=first).values_list("customer")
                    .annotate(n=Count("pk")).values_list("customer", "n"))
        payments = dict(Payment.objects.filter(shop=shop, customer__in=first).values_list("customer")
                        .annotate(n=Count("pk")).values_list("customer", "n"))
        counts = {pk: dues.get(pk, 0) + payments.get(pk, 0) for pk in first}
        statement = [pk for pk in first if counts[pk] == STATEMENT_ENTRIES]
        customer = statement[0] if statement else max(first, key=counts.get)
        invoice = (Invoice.objects.filter(shop=shop, customer__isnull=False, voided_at__isnull=True)
                   .order_by("-issued_on", "-sequence_number").values_list("pk", flat=True).first())
        targets = list(Customer.objects.filter(shop=shop, is_archived=False, balance__gt=0, email="")
                       .exclude(pk__in=first).order_by("pk").values_list("pk", flat=True)[:500])
        totals = {
            "customers": Customer.objects.filter(shop=shop).count(),
            "dues": Due.objects.filter(shop=shop).count(),
            "payments": Payment.objects.filter(shop=shop).count(),
            "invoices": Invoice.objects.filter(shop=shop).count(),
        }
    return {"shop_id": shop.pk, "shop_name": shop.name, "username": owner.user.username, "user_id": owner.user_id,
            "customer_id": customer, "customer_entries": counts[customer], "invoice_id": invoice,
            "payment_customers": targets, "search": SEARCH, "totals": totals}


def pages(info: dict) -> list[dict]:
    """The benchmarked pages, in report order (``method``, ``path``; POST ``data``)."""
    c, i = info["customer_id"], info["invoice_id"]
    return [
        {"name": "ceiling: /accounts/ping/", "key": "ping", "path": reverse("accounts:ping")},
        {"name": "customer list, first page", "key": "customers", "path": reverse("customers:list")},
        {"name": f"customer list, search “{info['search']}”", "key": "search",
         "path": reverse("customers:list") + f"?q={info['search']}"},
        {"name": "customer list, sort=-balance", "key": "by_balance",
         "path": reverse("customers:list") + "?sort=-balance"},
        {"name": f"customer page ({info['customer_entries']} entries)", "key": "customer",
         "path": reverse("ledger:customer_account", args=[c])},
        {"name": "  panel: customer purchases", "key": "purchases",
         "path": reverse("billing:customer_purchases", args=[c])},
        {"name": "  panel: customer messages", "key": "messages",
         "path": reverse("ledger:customer_messages", args=[c])},
        {"name": "dashboard", "key": "dashboard", "path": reverse("ledger:dashboard")},
        {"name": "  panel: sales", "key": "sales", "path": reverse("billing:sales_panel")},
        {"name": "invoice page", "key": "invoice", "path": reverse("billing:invoice_detail", args=[i])},
        {"name": "payment POST (₹1, oldest due)", "key": "payment", "method": "POST",
         "path": reverse("ledger:payment_create", args=[info["payment_customers"][0]]),
         "path_template": reverse("ledger:payment_create", args=[0]).replace("/0/", "/{id}/"),
         "data": {"amount": "1.00", "received_on": timezone.localdate().isoformat(), "method": "cash",
                  "due": "", "reference": "", "note": "bench"}},
    ]


def explain(sql: str) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        columns = [col[0] for col in cursor.description]
        return [dict(zip(columns, (None if v is None else str(v) for v in row), strict=True))
                for row in cursor.fetchall()]


def timed(sql: str) -> float:
    runs = []
    with connection.cursor() as cursor:
        for _ in range(3):
            start = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def probe(info: dict, *, with_explain: bool) -> list[dict]:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=info["user_id"])
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    results = []
    for page in pages(info):
        method = page.get("method", "GET")
        client.get(page["path"]) if method == "GET" else None  # warm caches (templates, query plans)
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = (client.get(page["path"]) if method == "GET"
                        else client.post(page["path"], page["data"]))
            elapsed = (time.perf_counter() - start) * 1000
        queries = []
        for q in ctx.captured_queries:
            sql = q["sql"]
            entry = {"sql": sql, "time_ms": float(q["time"]) * 1000}
            if with_explain and connection.vendor == "mysql" and sql.lstrip().upper().startswith("SELECT"):
                entry["explain"] = explain(sql)
                entry["median_ms"] = timed(sql)
            queries.append(entry)
        results.append({**page, "status": response.status_code, "queries": len(queries), "elapsed_ms": elapsed,
                        "sql": queries})
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--shop-name", default="Load Test Shop")
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()
    info = pick(args.shop_name)
    info["pages"] = probe(info, with_explain=not args.no_explain)
    Path(args.out).write_text(json.dumps(info, indent=1, default=str))
    for page in info["pages"]:
        print(f"{page['status']} {page['queries']:3d} queries {page['elapsed_ms']:8.1f} ms  {page['name']}")


if __name__ == "__main__":
    main()
