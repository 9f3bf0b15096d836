"""The owner's backup download (Shop settings → Backup): the same archive as
``manage.py export_shop`` (``billing.backup``), without the users' password hashes."""

import tempfile

from django.http import FileResponse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accounts.permissions import permission_required
from billing.backup import shop_archive_write


@require_POST
@permission_required("backup.download")
def backup_download(request):
    """``POST /billing/backup/`` (owner only, "backup.download"): the shop's backup archive
    as ``khata-backup-<shop>-<date>.zip``. It is written to a temporary file and streamed
    from there (``FileResponse``), never built in memory; the file is removed when the
    response closes. Staff password hashes are left out: restored staff who do not exist
    on the server reset their password. A POST, so no link or prefetch starts the work."""
    handle = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115 (the response closes it)
    try:
        shop_archive_write(shop=request.shop, handle=handle, include_password_hashes=False)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    name = f"khata-backup-{slugify(request.shop.name) or 'shop'}-{timezone.localdate():%Y-%m-%d}.zip"
    return FileResponse(handle, as_attachment=True, filename=name, content_type="application/zip")
