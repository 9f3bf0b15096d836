"""Spreadsheet imports of customers and products (issue #13): the ``ImportJob`` from upload
to done.

1. **Upload** (:func:`import_job_create`): the file is refused at once, on the form, when it
   is empty, too large, not CSV/XLSX, or lacks a required column; else it is stored in the
   job (``content``) and checked.
2. **Check** (status checking): every row is checked (``ledger.imports`` for customers,
   ``billing.imports`` for products) and the errors per row are kept; nothing is written.
   Then the job waits in **preview**.
3. **Confirm** (:func:`import_job_confirm`): refused while rows have errors, unless the user
   chose to skip them. Only a job in preview is confirmed, under its row lock, so a double
   submit imports once.
4. **Import**: the rows are checked again (the shop may have changed since the preview:
   status importing), then written in **one transaction** (status writing): a failure
   half-way writes nothing, and the job ends failed with a message. A failed job can be
   retried (:func:`import_job_retry`).

A file of up to :data:`BACKGROUND_ROWS` rows is checked and imported inside the request.
A larger one runs in the background task ``billing.tasks.import_job_run`` (enqueued when
the transaction commits), and the page polls its progress: ``rows_done`` of ``total_rows``
while checking, committed every ``core.sheets.CHECK_CHUNK`` rows (outside any transaction,
so other connections see it); while writing, the page says "saving" without a count, since
what the open transaction writes is invisible to others until it commits.

Each run of a step claims the job first (a conditional ``UPDATE`` that raises
``attempts``); its progress and its final ``UPDATE`` (inside the write transaction) hold only
while ``attempts`` is still its own. So of two tasks for one job only one runs, and a run
given up for lost (no sign of life for :data:`STALE_AFTER`, e.g. its worker was killed) and
retried cannot also commit. A killed worker's transaction is rolled back by the database:
nothing of it is written.
"""

import json
import logging
import zlib
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from accounts.models import Shop
from accounts.permissions import check_permission
from billing.imports import PRODUCT_COLUMNS, PRODUCT_DISPLAY_HEADINGS, product_row_display, product_rows_check
from billing.imports import products_import as _products_import
from billing.models import ImportJob
from billing.services import BillingError
from core.errors import DomainError
from core.sheets import MAX_FILE_BYTES, Column, read_sheet, read_upload
from ledger.imports import CUSTOMER_COLUMNS, CUSTOMER_DISPLAY_HEADINGS, customer_row_display, customer_rows_check
from ledger.imports import customers_import as _customers_import

logger = logging.getLogger(__name__)

#: Files with more data rows than this are checked and imported in the background.
BACKGROUND_ROWS = 500
#: A running job with no sign of life for this long is taken as lost (its worker died).
STALE_AFTER = timedelta(minutes=10)
#: Rows with errors whose messages the job keeps (the preview lists them; the count is exact).
ERRORS_KEPT = 1000
#: Rows without errors the preview shows.
SAMPLE_ROWS = 8
Status = ImportJob.Status
#: ``ImportJob.file_type`` once the file has been read: ``content`` holds its rows as JSON.
ROWS = "rows"
RUNNING = (Status.CHECKING, Status.QUEUED, Status.IMPORTING, Status.WRITING)


class ImportJobError(BillingError):
    """An import step the rules refuse; ``str(error)`` is for the user, ``field`` the form field."""


class JobLost(Exception):  # noqa: N818 (not an error of the user's)
    """This run no longer owns the job (another run claimed it); it stops, writing nothing."""


@dataclass(frozen=True)
class ImportKind:
    """What differs between the imports: the sheet's columns, the row check and the write
    (see ``ledger.imports`` and ``billing.imports``), how the preview shows a good row, and
    the nouns for the pages ("customers", "customer")."""

    columns: tuple[Column, ...]
    check: object
    write: object
    display: object
    headings: tuple[str, ...]
    noun: str
    singular: str
    label_keys: tuple[str, ...]


KINDS = {
    ImportJob.Kind.CUSTOMERS: ImportKind(
        columns=CUSTOMER_COLUMNS, check=customer_rows_check, write=_customers_import, display=customer_row_display,
        headings=CUSTOMER_DISPLAY_HEADINGS, noun=gettext_lazy("customers"),
        singular=pgettext_lazy("one customer", "customer"), label_keys=("name", "phone")),
    ImportJob.Kind.PRODUCTS: ImportKind(
        columns=PRODUCT_COLUMNS, check=product_rows_check, write=_products_import, display=product_row_display,
        headings=PRODUCT_DISPLAY_HEADINGS, noun=gettext_lazy("products"),
        singular=pgettext_lazy("one product", "product"), label_keys=("sku", "name")),
}


def kind_of(job_or_kind) -> ImportKind:
    """The ``ImportKind`` of a job or of a kind value (``"customers"``)."""
    return KINDS[getattr(job_or_kind, "kind", job_or_kind)]


def is_stale(job: ImportJob, *, now=None) -> bool:
    """Whether a running ``job`` has shown no sign of life for :data:`STALE_AFTER`."""
    return job.status in RUNNING and job.updated_at < (now or timezone.now()) - STALE_AFTER


def _enqueue(job: ImportJob) -> None:
    """Enqueue the background step of ``job`` once the transaction commits."""
    from billing.tasks import import_job_run

    transaction.on_commit(partial(import_job_run.enqueue, job_id=job.pk, shop_id=job.shop_id,
                                  attempts=job.attempts), robust=True)


def _in_background(job: ImportJob) -> bool:
    return job.total_rows > BACKGROUND_ROWS


# --- Upload ------------------------------------------------------------------------------------


def import_job_create(*, shop: Shop, kind: str, upload, created_by=None, membership=None,
                      idempotency_key=None) -> ImportJob:
    """Store an uploaded file (a Django ``UploadedFile``) as a new import job of ``kind``
    (``ImportJob.Kind``) and check it: inside this call when it has at most
    :data:`BACKGROUND_ROWS` rows (the job is then in preview), else in the background
    (the job is checking).

    A repeated ``idempotency_key`` returns the job created with it and stores nothing.
    Raises ``core.sheets.SheetError`` (field ``file``) for a file that cannot be imported
    (empty, over ``core.sheets.MAX_FILE_BYTES``, not CSV/XLSX, no required column, too many
    rows), ``ImportJobError`` for an unknown kind or a file without data rows, and
    ``accounts.permissions.PermissionError`` unless ``membership`` may import.
    """
    check_permission(membership, "data.import")
    if idempotency_key is not None:
        existing = ImportJob.objects.filter(shop=shop, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if kind not in KINDS:
        raise ImportJobError(_("Choose what to import: customers or products."), field="kind")
    content = read_upload(upload, max_bytes=MAX_FILE_BYTES)
    file_name = (getattr(upload, "name", "") or "upload")[-255:]
    sheet = read_sheet(content, filename=file_name, columns=kind_of(kind).columns, header_only=True,
                       count_up_to=BACKGROUND_ROWS)
    if sheet.row_count == 0:
        raise ImportJobError(_("The file has no rows under its header row."), field="file")
    job = ImportJob(shop=shop, kind=kind, file_name=file_name, file_type=sheet.file_type,
                    content=zlib.compress(content), total_rows=sheet.row_count, created_by=created_by,
                    idempotency_key=idempotency_key, updated_at=timezone.now(),
                    preview={"columns": sheet.headers, "ignored": sheet.ignored})
    try:
        with transaction.atomic():
            job.save()
            if _in_background(job):
                _enqueue(job)
    except IntegrityError:
        existing = ImportJob.objects.filter(shop=shop, idempotency_key=idempotency_key).first()
        if idempotency_key is None or existing is None:
            raise
        return existing
    if not _in_background(job):
        import_job_process(shop=shop, job_id=job.pk, attempts=job.attempts)
        job.refresh_from_db()
    return job


# --- Confirm and retry ---------------------------------------------------------------------------


def import_job_confirm(*, job: ImportJob, skip_bad_rows: bool = False, membership=None) -> ImportJob:
    """Import the checked rows of ``job`` (in preview): inside this call for a small file,
    else in the background. Returns the job as it is now (done, failed, queued …).

    A job that is not in preview (confirmed already, a double submit) is returned unchanged
    and nothing is imported again. Raises ``ImportJobError`` (field ``skip_bad_rows``) when
    rows have errors and ``skip_bad_rows`` is false, or when no row is free of errors; and
    ``accounts.permissions.PermissionError`` unless ``membership`` may import.
    """
    check_permission(membership, "data.import")
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("content").get(shop_id=job.shop_id, pk=job.pk)
        if job.status != Status.PREVIEW:
            return job
        if job.total_rows == 0:
            raise ImportJobError(_("The file has no rows to import."), field="skip_bad_rows")
        if job.error_rows >= job.total_rows:
            raise ImportJobError(_("No row of the file can be imported: every row has an error. Fix the file and "
                                   "upload it again."), field="skip_bad_rows")
        if job.error_rows and not skip_bad_rows:
            message = ngettext(
                "%(count)s row has an error. Fix the file and upload it again, or choose to skip the rows with errors.",
                "%(count)s rows have errors. Fix the file and upload it again, or choose to skip the rows with errors.",
                job.error_rows) % {"count": f"{job.error_rows:,}"}
            raise ImportJobError(message, field="skip_bad_rows")
        now = timezone.now()
        job.status, job.skip_bad_rows, job.confirmed_at = Status.QUEUED, bool(skip_bad_rows), now
        job.rows_done, job.updated_at, job.message = 0, now, ""
        job.save(update_fields=["status", "skip_bad_rows", "confirmed_at", "rows_done", "updated_at", "message"])
        if _in_background(job):
            _enqueue(job)
    if not _in_background(job):
        import_job_process(shop=job.shop, job_id=job.pk, attempts=job.attempts)
        job.refresh_from_db()
    return job


def import_job_retry(*, job: ImportJob, membership=None) -> ImportJob:
    """Run a failed job again (or one that stopped showing signs of life, see
    :func:`is_stale`): its check if it was never confirmed, else its import. Returns the job
    as it is now; a job that is neither failed nor stale is returned unchanged.
    Raises ``accounts.permissions.PermissionError`` unless ``membership`` may import."""
    check_permission(membership, "data.import")
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("content").get(shop_id=job.shop_id, pk=job.pk)
        if job.status != Status.FAILED and not is_stale(job):
            return job
        job.status = Status.CHECKING if job.confirmed_at is None else Status.QUEUED
        job.rows_done, job.message, job.finished_at, job.updated_at = 0, "", None, timezone.now()
        job.save(update_fields=["status", "rows_done", "message", "finished_at", "updated_at"])
        if _in_background(job):
            _enqueue(job)
    if not _in_background(job):
        import_job_process(shop=job.shop, job_id=job.pk, attempts=job.attempts)
        job.refresh_from_db()
    return job


def import_job_fail_if_stale(*, job: ImportJob) -> bool:
    """Mark ``job`` failed when it is stale (its worker died: see :func:`is_stale`), with a
    message; return whether it was. Nothing of a lost run is written (its transaction did
    not commit, and a late commit is refused by the ``attempts`` check)."""
    cutoff = timezone.now() - STALE_AFTER
    failed = ImportJob.objects.filter(shop_id=job.shop_id, pk=job.pk, status__in=RUNNING,
                                      updated_at__lt=cutoff).update(
        status=Status.FAILED, finished_at=timezone.now(), updated_at=timezone.now(),
        message=_("The import stopped: the background worker was interrupted or is not running. "
                  "Nothing was imported. Retry it (start the worker if it is not running)."))
    return bool(failed)


# --- The steps (inline or in the background task) ----------------------------------------------


def import_job_process(*, shop: Shop, job_id: int, attempts: int) -> str:
    """Run the next step of job ``job_id`` of ``shop`` if it is still at ``attempts`` (the
    value when the step was queued): its check (status checking) or its import (queued).
    Returns ``"checked"``, ``"done"``, ``"preview"`` (rows got errors since the preview; back
    to preview), ``"failed"`` or ``"skipped"`` (another run has it). Never raises for a
    failure of the step: the job records it. Call it inside ``scope(shop=shop)``."""
    claimed = ImportJob.objects.filter(shop=shop, pk=job_id, attempts=attempts, status__in=[
        Status.CHECKING, Status.QUEUED]).update(
        attempts=F("attempts") + 1, rows_done=0, updated_at=timezone.now(),
        status=Case(When(status=Status.QUEUED, then=Value(Status.IMPORTING)), default=F("status")))
    if not claimed:
        return "skipped"
    mine = attempts + 1
    job = ImportJob.objects.select_related("created_by").get(shop=shop, pk=job_id)
    job.shop = shop
    try:
        if job.status == Status.CHECKING:
            return _check_step(job, mine)
        return _import_step(job, mine)
    except JobLost:
        return "skipped"
    except Exception as exc:  # any failure of the step: recorded on the job, never a lost job
        if isinstance(exc, DomainError):
            message = _("Nothing was imported: %(error)s") % {"error": exc}
        else:
            logger.exception("Import job %s failed", job_id)
            message = _("The import stopped because of an error (%(error)s). Nothing was imported. You can retry "
                        "it; if it fails again, check the file.") % {"error": type(exc).__name__}
        try:
            _update(job, mine, status=Status.FAILED, finished_at=timezone.now(), message=message)
        except JobLost:
            return "skipped"
        return "failed"


def _update(job: ImportJob, mine: int, **fields) -> None:
    """Write ``fields`` (and a sign of life) to the job if run ``mine`` still owns it, else
    raise ``JobLost``."""
    if not ImportJob.objects.filter(shop_id=job.shop_id, pk=job.pk, attempts=mine).update(
            updated_at=timezone.now(), **fields):
        raise JobLost(job.pk)


def _rows(job: ImportJob, mine: int) -> list[dict]:
    """The data rows of the job's file, with its exact row count recorded."""
    content = zlib.decompress(bytes(job.content))
    if job.file_type == ROWS:
        rows = json.loads(content)
    else:
        rows = read_sheet(content, filename=job.file_name, columns=kind_of(job).columns).rows
    job.total_rows = len(rows)
    _update(job, mine, total_rows=job.total_rows, rows_done=0)
    return rows


def _check(job: ImportJob, mine: int, rows: list[dict]):
    """Check ``rows`` with progress; return ``(CheckResult, errors for the job's JSON)``."""
    kind = kind_of(job)
    result = kind.check(shop=job.shop, rows=rows, progress=lambda done: _update(job, mine, rows_done=done))
    by_number = {row["_row"]: row for row in rows}
    errors = [{"row": number, "messages": messages,
               "label": " · ".join(filter(None, (by_number[number].get(k, "")[:60] for k in kind.label_keys)))}
              for number, messages in result.errors[:ERRORS_KEPT]]
    return result, errors


def _check_step(job: ImportJob, mine: int) -> str:
    rows = _rows(job, mine)
    result, errors = _check(job, mine, rows)
    kind = kind_of(job)
    preview = dict(job.preview, sample=[kind.display(job.shop, row) for row in result.good[:SAMPLE_ROWS]])
    # Keep the rows read rather than the file: the import reads them again without parsing
    # the sheet (seconds for a large XLSX).
    _update(job, mine, status=Status.PREVIEW, rows_done=len(rows), errors=errors, error_rows=len(result.errors),
            preview=preview, content=zlib.compress(json.dumps(rows, separators=(",", ":")).encode()),
            file_type=ROWS)
    return "checked"


def _import_step(job: ImportJob, mine: int) -> str:
    rows = _rows(job, mine)
    result, errors = _check(job, mine, rows)
    if result.errors and not job.skip_bad_rows:
        # The shop changed since the preview (a customer added with the same phone, …).
        _update(job, mine, status=Status.PREVIEW, rows_done=len(rows), errors=errors, error_rows=len(result.errors),
                confirmed_at=None,
                message=_("Nothing was imported: since the file was checked, rows got errors (another customer "
                          "or product may have been added meanwhile). Look at the errors below."))
        return "preview"
    _update(job, mine, status=Status.WRITING, rows_done=len(rows))
    with transaction.atomic():
        written = kind_of(job).write(shop=job.shop, rows=result.good, created_by=job.created_by)
        # In the same transaction: the job is done exactly when its rows are written.
        _update(job, mine, status=Status.DONE, imported_rows=len(written), errors=errors,
                error_rows=len(result.errors), finished_at=timezone.now(), content=b"", message="")
    return "done"
