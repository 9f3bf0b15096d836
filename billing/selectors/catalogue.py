"""Catalogue reads: the product list with its filters, a product's stock history and
the categories with their product counts."""

from django.db.models import Count, F, Q, QuerySet

from accounts.models import Shop
from billing.models import Category, Product, StockMovement

NO_CATEGORY = "none"


def parse_category_filter(value) -> int | str | None:
    """The ``category`` query parameter as a filter: an id (``int``), ``NO_CATEGORY``
    for products without one, or ``None`` (no filter) for anything else."""
    value = (value or "").strip()
    if value == NO_CATEGORY:
        return NO_CATEGORY
    if value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def product_list(*, shop: Shop, query: str = "", category: int | str | None = None, low_stock: bool = False,
                 include_inactive: bool = False) -> QuerySet:
    """Products of ``shop`` by name, with their category joined (one query per page).

    ``query`` matches a fragment of the name or SKU (case-insensitive). ``category``
    is a category id (another shop's id matches nothing), ``NO_CATEGORY`` or ``None``.
    ``low_stock`` keeps tracked products whose ``stock_quantity <= low_stock_level``.
    Inactive products are left out unless ``include_inactive``.
    """
    qs = Product.objects.filter(shop=shop).select_related("category")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    query = " ".join(query.split())
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(sku__icontains=query))
    if category == NO_CATEGORY:
        qs = qs.filter(category__isnull=True)
    elif category is not None:
        qs = qs.filter(category_id=category, category__shop=shop)
    if low_stock:
        qs = qs.filter(track_stock=True, stock_quantity__lte=F("low_stock_level"))
    return qs.order_by("name", "pk")


def sku_in_use(*, shop: Shop, sku: str, exclude: Product | None = None) -> bool:
    """Whether another product of ``shop`` (not ``exclude``) has ``sku``, ignoring case
    and surrounding spaces (as MariaDB's collation compares). Other shops don't count."""
    sku = (sku or "").strip()
    others = Product.objects.filter(shop=shop, sku__iexact=sku)
    if exclude is not None and exclude.pk:
        others = others.exclude(pk=exclude.pk)
    return bool(sku) and others.exists()


def barcode_in_use(*, shop: Shop, barcode: str, exclude: Product | None = None) -> bool:
    """Whether another product of ``shop`` (not ``exclude``) has ``barcode``."""
    barcode = (barcode or "").strip()
    others = Product.objects.filter(shop=shop, barcode=barcode)
    if exclude is not None and exclude.pk:
        others = others.exclude(pk=exclude.pk)
    return bool(barcode) and others.exists()


def product_by_barcode(*, shop: Shop, barcode: str) -> Product | None:
    """The active product of ``shop`` whose barcode is exactly ``barcode`` (spaces around
    ignored), or ``None``: what a scan at the counter finds. One query."""
    barcode = (barcode or "").strip()
    if not barcode:
        return None
    return Product.objects.filter(shop=shop, is_active=True, barcode=barcode).first()


def product_movements(*, product: Product) -> QuerySet:
    """The product's ``StockMovement`` rows, newest first, with invoice and user joined."""
    return (
        StockMovement.objects.filter(shop_id=product.shop_id, product=product)
        .select_related("invoice", "created_by")
        .order_by("-created_at", "-pk")
    )


def category_list(*, shop: Shop) -> QuerySet:
    """Categories of ``shop`` by name, each with ``product_count`` (all its products)
    and ``active_count`` (the active ones)."""
    return (
        Category.objects.filter(shop=shop)
        .annotate(product_count=Count("products"),
                  active_count=Count("products", filter=Q(products__is_active=True)))
        .order_by("name", "pk")
    )


def category_choices(*, shop: Shop) -> QuerySet:
    """Categories of ``shop`` by name, for a select."""
    return Category.objects.filter(shop=shop).order_by("name", "pk")
