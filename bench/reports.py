"""Time the reports on the benchmark shop (issue #12): not a test, run by hand.

    DATABASE_URL=... python bench/reports.py [--shop-name "Load Test Shop"] [--runs 5] [--rows 100000]

Needs a shop built by ``bench/generate_load_data.py`` (see README). Measures, through
Django's test client as the shop's owner (one process, no gunicorn, so the figures are
the server's own time, without the network):

* the aging page (``reports:aging``) as of today (the live report, from the customers'
  stored balances) and as of ``--past-days`` ago (the past-date report: one GROUP BY over
  every due given by then, less what was paid by then), and the sales page
  (``reports:sales``, this financial year): median and worst of ``--runs`` requests, and
  the queries per page;
* the aging report's CSV and XLSX downloads (every customer who owes), read to the end
  without keeping the body;
* a ``--rows``-row CSV and XLSX written by ``reports.exports`` from the shop's ledger
  dues (read in keyset chunks of 2,000 by ``core.db.keyset_chunks``): time, and the peak of Python
  allocations (``tracemalloc``, in a second, untimed pass) while it streams — flat memory
  means this peak stays far below the size of the file and does not grow with ``--rows``.

Prints a table; paste it, dated and with the data size, into bench/README.md.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
import tracemalloc
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402
from django_scopes.exceptions import ScopeError  # noqa: E402

from accounts.models import Membership, Shop  # noqa: E402
from billing.models import Invoice  # noqa: E402
from core.db import keyset_chunks  # noqa: E402
from customers.models import Customer  # noqa: E402
from ledger.models import Due  # noqa: E402
from reports.exports import csv_response, xlsx_response  # noqa: E402

DEFAULT_SHOP = "Load Test Shop"
EXPORT_HEADER = ["Incurred on", "Customer", "Description", "Amount", "Outstanding", "Due date"]


def _drain(response) -> int:
    """Read a response to the end (streaming or not) and return its size in bytes,
    keeping no more than one chunk."""
    if getattr(response, "streaming", False):
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
        response.close()
        return size
    return len(response.content)


def time_page(client, url, params, runs) -> dict:
    """Median and worst milliseconds of ``runs`` GETs (after one warm-up), the query count,
    and the status code."""
    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    # An execute wrapper, not CaptureQueriesContext: the request_started signal empties
    # the connection's query log mid-capture.
    with connection.execute_wrapper(counter):
        response = client.get(url, params)
        _drain(response)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, params)
        _drain(response)
        times.append((time.perf_counter() - start) * 1000)
    return {"status": response.status_code, "median_ms": statistics.median(times), "max_ms": max(times),
            "queries": count}


def time_download(make_response) -> dict:
    """Build a response and read it to the end twice: once timed, once under
    ``tracemalloc`` for the peak of Python allocations (tracing slows it several times,
    so it is not timed)."""
    start = time.perf_counter()
    response = make_response()
    size = _drain(response)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    tracemalloc.reset_peak()
    _drain(make_response())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"seconds": elapsed, "bytes": size, "peak_mb": peak / 2**20, "status": response.status_code}


DUE_FIELDS = ("incurred_on", "customer__name", "description", "amount", "outstanding", "due_date")


def due_rows(shop, limit):
    queryset = Due.objects.filter(shop=shop).values("pk", *DUE_FIELDS)
    return ([row[name] for name in DUE_FIELDS] for row in islice(keyset_chunks(queryset, ("pk",)), limit))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shop-name", default=DEFAULT_SHOP)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--past-days", type=int, default=90, help="the past aging date: this many days ago")
    args = parser.parse_args(argv)

    with scopes_disabled():
        shop = Shop.objects.get(name=args.shop_name)
        owner = Membership.objects.filter(shop=shop, role=Membership.Role.OWNER).select_related("user").first()
        size = {"customers": Customer.objects.filter(shop=shop).count(),
                "dues": Due.objects.filter(shop=shop).count(),
                "invoices": Invoice.objects.filter(shop=shop).count()}
    print(f"Shop {shop.name!r} (id {shop.pk}): {size['customers']:,} customers, {size['dues']:,} dues, "
          f"{size['invoices']:,} invoices; database {connection.vendor}")

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(owner.user)
    results = []
    past = timezone.localdate() - datetime.timedelta(days=args.past_days)
    for name, url, params in [
        ("aging page", reverse("reports:aging"), {}),
        (f"aging page as of {past.isoformat()} ({args.past_days} days ago)", reverse("reports:aging"),
         {"date": past.isoformat()}),
        ("sales page (this FY)", reverse("reports:sales"), {"period": "this_fy"}),
    ]:
        page = time_page(client, url, params, args.runs)
        results.append(f"| {name} | {page['status']} | {page['median_ms']:.0f} ms median, "
                       f"{page['max_ms']:.0f} ms worst of {args.runs} | {page['queries']} queries |")
    for fmt in ("csv", "xlsx"):
        note = ""
        try:
            # As a server reads it: the body after the request, outside the shop's scope.
            download = time_download(lambda fmt=fmt: client.get(reverse("reports:aging"), {"export": fmt}))
        except ScopeError:
            note = " (FAILS when read outside the request's scope: ScopeError; timed inside the scope)"
            with scope(shop=shop):
                download = time_download(lambda fmt=fmt: client.get(reverse("reports:aging"), {"export": fmt}))
        results.append(f"| aging {fmt.upper()} download{note} | {download['status']} | "
                       f"{download['seconds']:.2f} s, {download['bytes'] / 2**20:.1f} MB | "
                       f"peak Python memory {download['peak_mb']:.1f} MB |")
    with scope(shop=shop):
        available = min(args.rows, size["dues"])
        for fmt, make in (("CSV", csv_response), ("XLSX", xlsx_response)):
            download = time_download(lambda make=make: make("dues", EXPORT_HEADER, due_rows(shop, args.rows)))
            results.append(f"| {available:,}-row {fmt} (reports.exports) | {download['status']} | "
                           f"{download['seconds']:.2f} s, {download['bytes'] / 2**20:.1f} MB | "
                           f"peak Python memory {download['peak_mb']:.1f} MB |")
    print("| what | status | time | queries / memory |")
    print("|---|---|---|---|")
    print("\n".join(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
