"""Import pages (issue #13): upload a customer or product sheet, see its check (errors per
row), confirm, follow the progress of a large import, download the templates. Thin: form →
one service (``billing.services.imports``) → redirect. Permission ``data.import``."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import permission_required, require_permission
from accounts.tenancy import shop_required
from billing.forms.imports import ImportConfirmForm, ImportUploadForm
from billing.models import ImportJob
from billing.selectors.imports import recent_import_jobs
from billing.services import imports as services
from core.errors import DomainError
from core.sheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, template_csv, template_xlsx
from core.views import form_error

#: Seconds between two progress polls of a running import.
POLL_SECONDS = 1


def _get_job(request, job_id) -> ImportJob:
    """The shop's job (its file left unread), 404 for another shop's; then the permission."""
    job = get_object_or_404(ImportJob.objects.defer("content"), shop=request.shop, pk=job_id)
    require_permission(request, "data.import")
    return job


@permission_required("data.import")
def import_start(request):
    """The upload form (``?kind=products`` preselects products) and the shop's recent imports."""
    kind = request.GET.get("kind")
    initial = {"kind": kind} if kind in ImportJob.Kind.values else {}
    form = ImportUploadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(
                shop=request.shop, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"],
                created_by=request.user, membership=request.membership,
                idempotency_key=form.cleaned_data["idempotency_key"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect(job)
    return render(request, "billing/import_start.html", {
        "form": form, "kinds": services.KINDS, "recent": recent_import_jobs(shop=request.shop)})


@shop_required
def import_detail(request, job_id):
    """The job's page: its progress while it runs, the preview with errors and the confirm
    form, or the outcome."""
    job = _get_job(request, job_id)
    if services.is_stale(job) and services.import_job_fail_if_stale(job=job):
        job.refresh_from_db()
    return _detail(request, job, ImportConfirmForm())


def _detail(request, job, form):
    kind = services.kind_of(job)
    found = job.preview.get("columns", {})
    return render(request, "billing/import_detail.html", {
        "job": job, "kind": kind, "form": form, "poll_seconds": POLL_SECONDS,
        "columns": [(column, found.get(column.key)) for column in kind.columns],
        "more_errors": max(job.error_rows - len(job.errors), 0)})


@shop_required
def import_progress(request, job_id):
    """The progress panel, polled by htmx while the job runs. Once it has stopped running
    (preview, done, failed) the page is reloaded (``HX-Refresh``) to show the outcome."""
    job = _get_job(request, job_id)
    if services.is_stale(job):
        services.import_job_fail_if_stale(job=job)
        job.refresh_from_db()
    if not job.is_running:
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return redirect(job)
    return render(request, "billing/import_progress.html", {"job": job, "poll_seconds": POLL_SECONDS})


@require_POST
@shop_required
def import_confirm(request, job_id):
    """Confirm a checked import (``skip_bad_rows`` to leave out the rows with errors); a
    refusal is shown on the page's form, a repeat of the post imports nothing again."""
    job = _get_job(request, job_id)
    form = ImportConfirmForm(request.POST)
    form.is_valid()  # a checkbox: always valid
    try:
        job = services.import_job_confirm(job=job, skip_bad_rows=form.cleaned_data.get("skip_bad_rows", False),
                                          membership=request.membership)
    except DomainError as exc:
        form_error(form, exc)
        return _detail(request, job, form)
    return redirect(job)


@require_POST
@shop_required
def import_retry(request, job_id):
    """Run a failed (or stalled) import again."""
    job = _get_job(request, job_id)
    services.import_job_retry(job=job, membership=request.membership)
    return redirect(job)


@permission_required("data.import")
def import_template(request, kind, file_type):
    """The template of ``kind`` (customers/products) as ``file_type`` (csv/xlsx): the header
    row and one example row."""
    if kind not in services.KINDS or file_type not in ("csv", "xlsx"):
        raise Http404("No such template.")
    columns = services.kind_of(kind).columns
    if file_type == "csv":
        response = HttpResponse(template_csv(columns), content_type=CSV_CONTENT_TYPE)
    else:
        title = str(services.kind_of(kind).noun).capitalize()
        response = HttpResponse(template_xlsx(columns, title=title), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="khata-{kind}-template.{file_type}"'
    return response
