"""Time a large customer import (issue #13): not a test, run by hand on a scratch database.

    DATABASE_URL=... python bench/imports.py [--rows 50000] [--with-balance 0.5] [--xlsx]

Creates a new shop ("Import Bench <time>") with an owner, writes a ``--rows``-row customer
sheet (CSV, or XLSX with ``--xlsx``) of which ``--with-balance`` carry an opening balance,
and runs the import as the page and the worker do (``billing.services.imports``):

1. upload: the file read for its header and row count, stored in the job;
2. check: every row checked (the background task's first step, run here in-process);
3. import: confirmed, checked again, then written in one transaction (bulk inserts of the
   customers with their history, and of the opening-balance dues through
   ``ledger.services.opening.opening_balances_post``).

Then ``ledger_drift`` over the shop must find nothing. Prints each step's time, the total
and the peak RSS; paste the table, dated, into bench/README.md ("Imports"). The shop is
left in the database (use a scratch one).
"""

import argparse
import csv
import io
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402

from accounts.models import Membership, Shop, User  # noqa: E402
from billing.models import ImportJob  # noqa: E402
from billing.services import imports as services  # noqa: E402
from customers.models import Customer  # noqa: E402
from ledger.models import Due  # noqa: E402
from ledger.selectors.drift import ledger_drift  # noqa: E402

TARGET_SECONDS = 120


def sheet(rows: int, with_balance: float, *, xlsx: bool) -> bytes:
    """A customer sheet of ``rows`` rows; a ``with_balance`` share have an opening balance."""
    rng = random.Random(13)  # noqa: S311 (test data)
    header = ["Name", "Phone", "Email", "Address", "Opening balance", "As of"]
    as_of = (timezone.localdate() - timezone.timedelta(days=30)).isoformat()
    records = []
    for n in range(rows):
        balance = f"{rng.randint(1, 500000) / 100:.2f}" if rng.random() < with_balance else ""
        records.append([f"Customer {n:06d}", f"9{n + 100000000:09d}", f"c{n}@example.com" if n % 3 == 0 else "",
                        f"{n % 500} Market Road, Ward {n % 40}", balance, as_of if balance else ""])
    if xlsx:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        worksheet = workbook.create_sheet("Customers")
        worksheet.append(header)
        for record in records:
            worksheet.append(record)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(records)
    return out.getvalue().encode()


def timed(label, results, function):
    start = time.perf_counter()
    value = function()
    results.append((label, time.perf_counter() - start))
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--with-balance", type=float, default=0.5, help="share of rows with an opening balance")
    parser.add_argument("--xlsx", action="store_true", help="upload an XLSX file instead of CSV")
    options = parser.parse_args()

    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    with scopes_disabled():
        shop = Shop.objects.create(name=f"Import Bench {stamp}")
        user = User.objects.create_user(username=f"import-bench-{stamp}", password=None)
        owner = Membership.objects.create(user=user, shop=shop, role=Membership.Role.OWNER)
    content = sheet(options.rows, options.with_balance, xlsx=options.xlsx)
    name = f"customers.{'xlsx' if options.xlsx else 'csv'}"
    print(f"{connection.vendor}: {options.rows:,} rows ({len(content) / 1e6:.1f} MB {name}), "
          f"{options.with_balance:.0%} with an opening balance")

    results = []
    with scope(shop=shop):
        job = timed("upload (header, row count, store)", results, lambda: services.import_job_create(
            shop=shop, kind=ImportJob.Kind.CUSTOMERS, upload=SimpleUploadedFile(name, content), created_by=user,
            membership=owner))
        assert job.status == ImportJob.Status.CHECKING, job.status  # large: left to the worker
        outcome = timed("check (every row)", results, lambda: services.import_job_process(
            shop=shop, job_id=job.pk, attempts=job.attempts))
        job.refresh_from_db()
        assert (outcome, job.error_rows) == ("checked", 0), (outcome, job.error_rows, job.errors[:3])
        job = services.import_job_confirm(job=job, membership=owner)
        outcome = timed("import (check again, write)", results, lambda: services.import_job_process(
            shop=shop, job_id=job.pk, attempts=job.attempts))
        job.refresh_from_db()
        assert (outcome, job.status, job.imported_rows) == ("done", "done", options.rows), (outcome, job.message)
        customers = Customer.objects.filter(shop=shop).count()
        dues = Due.objects.filter(shop=shop).count()
    with scopes_disabled():
        problems = timed("check_ledger (ledger_drift)", results, lambda: ledger_drift(shops=[shop]))

    total = sum(seconds for label, seconds in results if not label.startswith("check_ledger"))
    for label, seconds in results:
        print(f"| {label} | {seconds:.1f} s |")
    print(f"| **total, upload to imported** | **{total:.1f} s** (target ≤ {TARGET_SECONDS} s: "
          f"{'met' if total <= TARGET_SECONDS else 'MISSED'}) |")
    print(f"{customers:,} customers, {dues:,} opening-balance dues; check_ledger problems: {len(problems)}; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0 if not problems and total <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
