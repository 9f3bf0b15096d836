"""Products, categories and stock. ``Product.stock_quantity`` changes only through
:func:`stock_moves` (:func:`stock_move` for one product), which writes a
``StockMovement`` per product in the same transaction under the row locks of the
products (``select_for_update(of=("self",))``, as Saleor does, taken in id order by
:func:`products_lock`). However many products move, that is one locking read, one
UPDATE and one INSERT."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Shop
from accounts.permissions import check_actor
from billing.barcodes import clean_barcode
from billing.models import Category, Product, StockMovement
from billing.selectors.catalogue import barcode_in_use, sku_in_use
from billing.services import BillingError
from core.db import bulk_insert
from core.money import QUANTITY_LIMIT, QUANTITY_STEP


def clean_quantity(value, *, field="quantity", allow_negative=False) -> Decimal:
    """``value`` as a Decimal with 3 places; raises ``BillingError`` if not a number,
    zero, negative (unless allowed) or longer than 11 digits before the point."""
    try:
        quantity = Decimal(str(value)).quantize(QUANTITY_STEP)
    except (InvalidOperation, TypeError, ValueError):
        raise BillingError(_("Enter a quantity such as 2 or 1.250."), field=field) from None
    if not quantity.is_finite() or abs(quantity) >= QUANTITY_LIMIT:
        raise BillingError(_("That quantity is too large."), field=field)
    if quantity == 0 or (quantity < 0 and not allow_negative):
        raise BillingError(_("The quantity must be more than zero."), field=field)
    return quantity


def _full_clean(obj):
    try:
        obj.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise BillingError(" ".join(messages), field=None if field == "__all__" else field) from exc


def products_lock(*, shop: Shop, product_ids) -> dict[int, Product]:
    """Lock and return ``{id: product}`` for ``product_ids`` of ``shop`` (in id order,
    so concurrent sales lock in the same order and cannot deadlock)."""
    # ``of`` keeps joined rows unlocked where supported (PostgreSQL, MySQL 8); MariaDB
    # refuses it, and the query joins nothing anyway.
    locking = {"of": ("self",)} if connection.features.has_select_for_update_of else {}
    products = (
        Product.objects.select_for_update(**locking)
        .filter(shop=shop, pk__in=sorted(set(product_ids)))
        .order_by("pk")
    )
    return {p.pk: p for p in products}


def _stock_refusal(product: Product) -> BillingError:
    return BillingError(
        _("Not enough stock of %(product)s: %(quantity)s %(unit)s left.")
        % {"product": product.name, "quantity": f"{product.stock_quantity.normalize():f}",
           "unit": product.get_unit_display()},
        field="quantity",
    )


def stock_moves(*, products: dict[int, Product], changes: dict[int, Decimal], kind: str, reason: str = "",
                invoice=None, created_by=None) -> list[StockMovement]:
    """Change the stock of several locked products at once and record a movement of each.

    ``products``: ``{id: product}`` as :func:`products_lock` returns them (the caller holds
    their row locks); ``changes``: ``{product id: signed quantity (Decimal, not 0)}`` for
    some of them. Every product is checked before anything is written: ``BillingError``
    (``field="quantity"``, naming the first such product in id order) when a tracked
    product that does not allow it would go below zero. Then, whatever the number of
    products, one ``UPDATE`` stores the new stock levels (``bulk_update``: one
    ``CASE`` per column) and one ``INSERT`` the movements (``core.db.bulk_insert``), each
    movement's ``balance_after`` the product's new stock. The products in ``products``
    carry their new ``stock_quantity``. Returns the movements, in product id order.
    """
    moving = [(products[product_id], changes[product_id]) for product_id in sorted(changes)]
    for product, quantity in moving:
        if product.track_stock and product.stock_quantity + quantity < 0 and not product.allow_negative_stock:
            raise _stock_refusal(product)
    if not moving:
        return []
    # Stock is left out of the product's history (its movements are its history): a history
    # record here would change nothing and clutter the product's Activity. bulk_update()
    # writes none, and sends no signal.
    now = timezone.now()
    movements = []
    for product, quantity in moving:
        product.stock_quantity += quantity
        product.updated_at = now
        movements.append(StockMovement(shop_id=product.shop_id, product=product, kind=kind, quantity=quantity,
                                       balance_after=product.stock_quantity, reason=reason[:200], invoice=invoice,
                                       created_by=created_by))
    shop_ids = {product.shop_id for product, _quantity in moving}
    Product.objects.filter(shop_id__in=shop_ids).bulk_update([product for product, _quantity in moving],
                                                             ["stock_quantity", "updated_at"])
    bulk_insert(StockMovement, movements)
    return movements


def stock_move(*, product: Product, quantity: Decimal, kind: str, reason: str = "", invoice=None,
               created_by=None) -> StockMovement:
    """Change a locked ``product``'s stock by ``quantity`` (signed) and record it
    (:func:`stock_moves` for one product: one UPDATE, one INSERT).

    The caller holds the product's row lock (see :func:`products_lock`). Raises
    ``BillingError`` when stock would go below zero for a tracked product that does
    not allow it.
    """
    return stock_moves(products={product.pk: product}, changes={product.pk: quantity}, kind=kind, reason=reason,
                       invoice=invoice, created_by=created_by)[0]


@transaction.atomic
def stock_receive(*, shop: Shop, product: Product, quantity, reason: str = "", created_by=None,
                  membership=None) -> StockMovement:
    """Add received/purchased stock (``quantity`` > 0). Raises ``BillingError`` for a bad
    quantity and ``accounts.permissions.PermissionError`` unless ``membership`` (the acting
    user's; ``None``: a command or task, not checked) may receive stock (``stock.receive``)."""
    check_actor(shop=shop, action="stock.receive", membership=membership)
    quantity = clean_quantity(quantity)
    product = products_lock(shop=shop, product_ids=[product.pk])[product.pk]
    return stock_move(product=product, quantity=quantity, kind=StockMovement.Kind.RECEIVE,
                      reason=reason or _("Stock received"), created_by=created_by)


@transaction.atomic
def stock_adjust(*, shop: Shop, product: Product, quantity, reason: str, created_by=None,
                 membership=None) -> StockMovement:
    """Correct stock by a signed ``quantity`` (a count, damage, theft); ``reason`` is required.
    Raises ``BillingError`` for a bad quantity or no reason, and
    ``accounts.permissions.PermissionError`` unless the acting ``membership`` (else
    ``created_by``'s) may adjust stock (``stock.adjust``)."""
    check_actor(shop=shop, action="stock.adjust", membership=membership, user=created_by)
    quantity = clean_quantity(quantity, allow_negative=True)
    if not (reason or "").strip():
        raise BillingError(_("Say why the stock is being adjusted."), field="reason")
    product = products_lock(shop=shop, product_ids=[product.pk])[product.pk]
    return stock_move(product=product, quantity=quantity, kind=StockMovement.Kind.ADJUSTMENT,
                      reason=reason.strip(), created_by=created_by)


def _check_sku_free(shop: Shop, sku: str, product: Product | None = None) -> None:
    """Refuse a SKU another product of ``shop`` has (ignoring case, as MariaDB's
    collation does, so both databases agree); another shop may use it."""
    if sku_in_use(shop=shop, sku=sku, exclude=product):
        raise BillingError(sku_taken_message(sku), field="sku")


def _check_barcode_free(shop: Shop, barcode, product: Product | None = None) -> str | None:
    """``barcode`` cleaned (``billing.barcodes.clean_barcode``: EAN check digit, ``None``
    when empty); raises ``BillingError(field="barcode")`` when bad or another product of
    ``shop`` has it."""
    barcode = clean_barcode(barcode)
    if barcode and barcode_in_use(shop=shop, barcode=barcode, exclude=product):
        raise BillingError(barcode_taken_message(barcode), field="barcode")
    return barcode


def barcode_taken_message(barcode: str) -> str:
    """The message for a barcode another product of the shop has."""
    return _("Another product already has the barcode %(barcode)s.") % {"barcode": barcode}


def sku_taken_message(sku: str) -> str:
    """The message for a SKU another product of the shop has (the form shows it too)."""
    return _("Another product already has the SKU %(sku)s.") % {"sku": (sku or "").strip()}


PRODUCT_FIELDS = ("sku", "name", "category", "unit", "sale_price", "price_includes_tax", "cost_price", "tax_rate",
                  "sd_rate", "hsn_code", "barcode",
                  "low_stock_level", "track_stock", "allow_negative_stock", "is_active")


@transaction.atomic
def product_create(*, shop: Shop, opening_stock=None, created_by=None, membership=None, **fields) -> Product:
    """Add a product (fields: ``PRODUCT_FIELDS``); ``opening_stock`` > 0 is recorded as
    a received movement. Raises ``BillingError`` (e.g. a duplicate SKU) and
    ``accounts.permissions.PermissionError`` unless ``membership`` (the acting user's;
    ``None``: a command or task, not checked) may edit products (``product.edit``)."""
    check_actor(shop=shop, action="product.edit", membership=membership)
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"unknown product fields: {sorted(unknown)}")
    if fields.get("category") is not None and fields["category"].shop_id != shop.pk:
        raise BillingError(_("Choose one of your categories."), field="category")
    _check_sku_free(shop, fields.get("sku", ""))
    if "barcode" in fields:
        fields["barcode"] = _check_barcode_free(shop, fields["barcode"])
    product = Product(shop=shop, **fields)
    _full_clean(product)
    product.save()
    if opening_stock:
        stock_move(product=product, quantity=clean_quantity(opening_stock, field="opening_stock"),
                   kind=StockMovement.Kind.RECEIVE, reason=_("Opening stock"), created_by=created_by)
    return product


@transaction.atomic
def product_update(*, shop: Shop, product: Product, membership=None, **fields) -> Product:
    """Change a product's details (not its stock: use receive/adjust). Raises
    ``BillingError`` (e.g. a duplicate SKU) and ``accounts.permissions.PermissionError``
    unless ``membership`` (the acting user's; ``None``: not checked) may edit products
    (``product.edit``)."""
    check_actor(shop=shop, action="product.edit", membership=membership)
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if fields.get("category") is not None and fields["category"].shop_id != shop.pk:
        raise BillingError(_("Choose one of your categories."), field="category")
    if "sku" in fields:
        _check_sku_free(shop, fields["sku"], product)
    if "barcode" in fields:
        fields["barcode"] = _check_barcode_free(shop, fields["barcode"], product)
    for name, value in fields.items():
        setattr(product, name, value)
    _full_clean(product)
    # Only the fields given: a whole-row save would write back a stale stock_quantity
    # over sales made since ``product`` was read.
    product.save(update_fields=[*fields, "updated_at"])
    return product


@transaction.atomic
def category_save(*, shop: Shop, name: str, category: Category | None = None, membership=None) -> Category:
    """Create (or rename ``category``) with a name unique in the shop. Raises
    ``BillingError`` for a name taken and ``accounts.permissions.PermissionError`` unless
    ``membership`` (the acting user's; ``None``: not checked) may ``product.edit``."""
    check_actor(shop=shop, action="product.edit", membership=membership)
    category = category or Category(shop=shop)
    category.name = " ".join((name or "").split())
    others = Category.objects.filter(shop=shop, name__iexact=category.name)
    if category.pk:
        others = others.exclude(pk=category.pk)
    if category.name and others.exists():
        raise BillingError(_("There is already a category called %(name)s.") % {"name": category.name},
                           field="name")
    _full_clean(category)
    category.save()
    return category


@transaction.atomic
def category_delete(*, shop: Shop, category: Category, membership=None) -> None:
    """Delete ``category`` of ``shop``; its products stay, without a category. Raises
    ``BillingError`` for a category of another shop and
    ``accounts.permissions.PermissionError`` unless ``membership`` (the acting user's;
    ``None``: not checked) may ``product.edit``."""
    check_actor(shop=shop, action="product.edit", membership=membership)
    deleted, _ = Category.objects.filter(shop=shop, pk=category.pk).delete()
    if not deleted:
        raise BillingError(_("That category does not belong to this shop."))
