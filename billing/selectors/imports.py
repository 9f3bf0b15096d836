"""Reads of the import pages."""

from django.db.models import QuerySet

from accounts.models import Shop
from billing.models import ImportJob

RECENT_JOBS = 10


def recent_import_jobs(*, shop: Shop, limit: int = RECENT_JOBS) -> QuerySet:
    """The latest ``limit`` import jobs of ``shop``, newest first, without their files."""
    return ImportJob.objects.filter(shop=shop).defer("content").select_related("created_by").order_by(
        "-created_at", "-pk")[:limit]
