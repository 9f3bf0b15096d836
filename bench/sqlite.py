# ruff: noqa: S603, S108 (a local tool: runs our own manage.py and this script, data in /tmp)
"""The embedded default at two sizes, side by side: ``python bench/sqlite.py --help``.

    .venv/bin/python bench/sqlite.py                 # 2,000 and 20,000 customers (10 entries each)
    .venv/bin/python bench/sqlite.py --sizes 2000,20000 --repeat 15 --regenerate

The targets for SQLite (``make run``'s database), measured through Django's test
client like a request without the network: at 20,000 customers / 200,000 entries every page
and both writes (a payment and a 2-line invoice) take at most 1.5 × their time at 2,000
customers / 20,000 entries, and at most 5 × the ceiling page (``/accounts/ping/``).

For each size a database file is built once in ``--data-dir`` (``migrate``, then
``bench.load_data.generate`` with one customer of 200 entries and half as many invoices as
customers) and kept between runs; ``collectstatic`` runs first, since ``DEBUG`` is off. Each
size is then measured in its own process, since the database is chosen at start-up. Before
measuring, the planner's statistics are **dropped** (``sqlite_stat1``): the plans must be
right by design, not because ``ANALYZE`` happened to run (``--with-stats`` measures with
fresh statistics instead). Each page is requested ``--repeat`` times after one warm-up
request; the median is reported with the query count. The invoice POST sells two products
on credit to a customer who owes; the payment POST pays ₹1 for another.
Nothing here is a test: it prints a table and, with ``--out``, writes it as Markdown.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
NAME = "Load Test Shop"
RATIO_TARGET = 1.5
CEILING_TARGET = 5.0


def _env(db: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-secret-" + "x" * 40),
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_SSL_REDIRECT": "false",
    }


def build(db: Path, customers: int, *, regenerate: bool) -> float | None:
    """Create ``db`` with a shop of ``customers`` customers unless it exists; the seconds it took."""
    if db.exists() and not regenerate:
        return None
    db.unlink(missing_ok=True)
    started = time.monotonic()
    env = _env(db)
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [
            PYTHON,
            "bench/generate_load_data.py",
            "--customers",
            str(customers),
            "--entries",
            str(customers * 10),
            "--invoices",
            str(customers // 2),
            "--statement-customers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return time.monotonic() - started


def measure(db: Path, *, repeat: int, with_stats: bool) -> dict:
    """Run this script on ``db`` in a child process (``--measure``) and return its JSON."""
    args = [PYTHON, __file__, "--measure", str(db), "--repeat", str(repeat)] + (["--with-stats"] if with_stats else [])
    done = subprocess.run(args, cwd=ROOT, env=_env(db), check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def _child(db: Path, repeat: int, with_stats: bool) -> dict:
    """In the child: time every page of ``bench/probe.py`` plus a 2-line invoice POST."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # responses carry their context, so a refused POST can say why
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from bench.probe import pages, pick
    from billing.models import Product

    with connection.cursor() as cursor:
        if with_stats:
            cursor.execute("ANALYZE")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone():
                cursor.execute("DELETE FROM sqlite_stat1")
                cursor.execute("ANALYZE sqlite_schema")  # reload the (now empty) statistics
    connection.close()

    info = pick(NAME)
    with scopes_disabled():
        products = list(Product.objects.filter(shop_id=info["shop_id"], is_active=True).order_by("pk")[:2])
    lines = {
        "line-product": [],
        "line-description": [],
        "line-quantity": [],
        "line-unit_price": [],
        "line-tax_rate": [],
        "line-price_includes_tax": [],
    }
    for product in products:
        lines["line-product"].append(str(product.pk))
        lines["line-description"].append(product.name)
        lines["line-quantity"].append("1")
        lines["line-unit_price"].append(str(product.sale_price))
        lines["line-tax_rate"].append(str(product.tax_rate))
        lines["line-price_includes_tax"].append("1" if product.price_includes_tax else "0")
    invoice = {
        "name": "invoice POST (2 lines, on credit)",
        "key": "invoice_post",
        "method": "POST",
        "path": reverse("billing:invoice_create"),
        "data": {
            "customer": str(info["payment_customers"][-1]),
            "issued_on": timezone.localdate().isoformat(),
            "discount_type": "amount",
            "discount_value": "",
            "amount_paid": "",
            "payment_method": "cash",
            "cash_tendered": "",
            "due_date": "",
            "notes": "",
            **lines,
        },
    }

    from django.contrib.auth import get_user_model

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(pk=info["user_id"]))
    payers = iter(info["payment_customers"] * (repeat + 2))
    results = []
    for page in [*pages(info), invoice]:
        method = page.get("method", "GET")

        def request(page=page, method=method):
            if method == "GET":
                return client.get(page["path"])
            path = page["path"]
            if "path_template" in page:
                path = page["path_template"].format(id=next(payers))
            return client.post(path, page["data"])

        warm = request()  # warm-up: templates, statement cache, connection
        if method == "POST" and warm.status_code == 200:  # a form error: say which, the timing would be wrong
            errors = [str(form.errors) for form in (warm.context or {}).get("forms", [])] or [
                str(getattr((warm.context or {}).get("form"), "errors", ""))
            ]
            print(f"{page['key']}: the POST was refused: {errors}", file=sys.stderr)
        times, statuses = [], set()
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = request()
                times.append((time.perf_counter() - start) * 1000)
            statuses.add(response.status_code)
        results.append(
            {
                "key": page["key"],
                "name": page["name"],
                "median_ms": statistics.median(times),
                "statuses": sorted(statuses),
                "queries": len(ctx.captured_queries),
            }
        )
    return {"totals": info["totals"], "customer_entries": info["customer_entries"], "pages": results}


def table(runs: dict[int, dict]) -> str:
    """The Markdown table of ``runs`` ({customers: child JSON}), smallest size first."""
    small, large = min(runs), max(runs)
    by_key = {size: {p["key"]: p for p in runs[size]["pages"]} for size in runs}
    ceiling = by_key[large]["ping"]["median_ms"]
    lines = [
        f"| page | {small:,} customers | {large:,} customers | × smaller (≤ {RATIO_TARGET}) "
        f"| × ceiling (≤ {CEILING_TARGET:g}) | queries |",
        "|---|---|---|---|---|---|",
    ]
    for key, page in by_key[large].items():
        before = by_key[small][key]["median_ms"]
        ratio = page["median_ms"] / before if before else 0
        times_ceiling = page["median_ms"] / ceiling if ceiling else 0
        ratio_mark = "" if ratio <= RATIO_TARGET else " ✗"
        ceiling_mark = "" if key == "ping" or times_ceiling <= CEILING_TARGET else " ✗"
        statuses = "/".join(str(s) for s in page["statuses"])
        lines.append(
            f"| {page['name'].strip()} ({statuses}) | {before:.1f} ms | {page['median_ms']:.1f} ms "
            f"| {ratio:.2f}{ratio_mark} | {times_ceiling:.1f}{ceiling_mark} "
            f"| {by_key[small][key]['queries']} / {page['queries']} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,20000", help="Customers per shop, comma-separated (two sizes).")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--data-dir", default=os.environ.get("BENCH_SQLITE_DIR", "/tmp/khata-bench-sqlite"))
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--with-stats", action="store_true", help="Measure after ANALYZE instead of without stats.")
    parser.add_argument("--out", default="", help="Also write the table to this Markdown file.")
    parser.add_argument("--measure", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(_child(Path(args.measure), args.repeat, args.with_stats)))
        return 0
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    runs = {}
    # DEBUG is off (as in production), so pages need the hashed static files' manifest.
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=_env(data_dir / "static.sqlite3"),
        check=True,
    )
    for customers in (int(size) for size in args.sizes.split(",")):
        db = data_dir / f"khata-{customers}.sqlite3"
        took = build(db, customers, regenerate=args.regenerate)
        if took is not None:
            print(f"built {db.name} in {took:.0f} s", flush=True)
        runs[customers] = measure(db, repeat=args.repeat, with_stats=args.with_stats)
        print(f"measured {customers:,} customers: {runs[customers]['totals']}", flush=True)
    result = table(runs)
    stats = "after ANALYZE" if args.with_stats else "without planner statistics (sqlite_stat1 emptied)"
    header = (
        f"SQLite {__import__('sqlite3').sqlite_version}, test client, median of {args.repeat}, {stats}, "
        f"{time.strftime('%Y-%m-%d')}"
    )
    print(header + "\n\n" + result)
    if args.out:
        Path(args.out).write_text(header + "\n\n" + result + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
