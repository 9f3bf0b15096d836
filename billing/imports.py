"""The product import (issue #13): rows of a spreadsheet (read by :mod:`core.sheets`)
checked, then written in bulk, opening stock included.

Columns: name, SKU and price (required), category (one of the shop's), unit, tax rate,
HSN/SAC code, opening stock, cost price and low-stock level. A row is refused for a
missing or too long name, a missing SKU, one with spaces or too long, one another product
of the shop has or an earlier row of the file has (ignoring case, as the SKU check of the
product form does), a category the shop does not have, a unit that is not one of the
product units, a price, cost or tax rate that is not a number or out of range, an HSN/SAC
code that is not 4 to 8 digits, or a negative opening stock.

Opening stock goes in as a "received" stock movement ("Opening stock"), as when a product
is added by hand (``billing.services.catalogue.product_create``).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Shop
from billing.models import Category, Product, StockMovement
from billing.services.catalogue import sku_taken_message
from core.db import bulk_create_with_history
from core.money import AMOUNT_LIMIT, QUANTITY_DECIMAL_PLACES, QUANTITY_LIMIT, format_shop_money, quantize_money
from core.sheets import CheckResult, Column, chunks, clean_text, normalise_header, parse_decimal

NAME_MAX = Product._meta.get_field("name").max_length
SKU_MAX = Product._meta.get_field("sku").max_length
BATCH_SIZE = 1000
#: The reason of the stock movement of an imported product's opening stock.
OPENING_STOCK = gettext_lazy("Opening stock")

# A column's label is the header its template writes and the files are read by, so it stays
# as it is (not translated); its help is shown on the upload page.
PRODUCT_COLUMNS = (
    Column("name", "Name", ("Product", "Product name", "Item", "Item name"), required=True,
           example="Basmati rice 5 kg", help=gettext_lazy("Required.")),
    Column("sku", "SKU", ("Code", "Item code", "Product code", "SKU code", "Barcode"), required=True,
           example="RICE-5KG", help=gettext_lazy("Required; unique in your shop, no spaces.")),
    Column("category", "Category", ("Group", "Item group", "Category name"), example="Grains",
           help=gettext_lazy("Optional. One of your categories (add new ones on the Categories page first).")),
    Column("price", "Price", ("Sale price", "Selling price", "Rate", "Unit price", "Price before tax"),
           required=True, example="450.00", help=gettext_lazy("Required. Sale price before tax; 0 for a free item.")),
    Column("tax_rate", "Tax rate", ("GST %", "GST rate", "Tax %", "GST", "Tax", "Tax percent", "GST percent",
                                    "Tax rate %"),
           example="5", help=gettext_lazy("Optional. GST in percent, 0 to 100 (0 when empty).")),
    Column("hsn_code", "HSN", ("HSN code", "HSN/SAC", "SAC", "HSN/SAC code", "SAC code"), example="1006",
           help=gettext_lazy("Optional. 4 to 8 digits.")),
    Column("unit", "Unit", ("UOM", "Unit of measure", "Units"), example="pcs",
           help=gettext_lazy("Optional. pcs, kg, g, litre, ml, metre, box or pack (pcs when empty).")),
    Column("opening_stock", "Opening stock", ("Stock", "Quantity", "Qty", "Opening qty", "Opening quantity",
                                              "Current stock", "Stock in hand", "Closing stock"),
           example="20", help=gettext_lazy("Optional. Stock you have now; recorded as received.")),
    Column("cost_price", "Cost price", ("Cost", "Purchase price", "Buying price"), example="400.00",
           help=gettext_lazy("Optional. What you pay per unit, before tax.")),
    Column("low_stock_level", "Low-stock level", ("Reorder level", "Low stock", "Min stock", "Minimum stock"),
           example="5", help=gettext_lazy("Optional. Flag the product as low at or below this stock (0 when empty).")),
)

#: Ways people write each unit, normalised (``core.sheets.normalise_header``).
UNIT_ALIASES = {
    Product.Unit.PCS: ("pcs", "pc", "piece", "pieces", "nos", "no", "number", "unit", "units", "each", "ea"),
    Product.Unit.KG: ("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"),
    Product.Unit.G: ("g", "gm", "gms", "gram", "grams", "gr"),
    Product.Unit.LITRE: ("litre", "litres", "liter", "liters", "l", "lt", "ltr", "ltrs"),
    Product.Unit.ML: ("ml", "millilitre", "millilitres", "milliliter", "milliliters"),
    Product.Unit.METRE: ("metre", "metres", "meter", "meters", "m", "mtr", "mtrs"),
    Product.Unit.BOX: ("box", "boxes", "bx"),
    Product.Unit.PACK: ("pack", "packs", "packet", "packets", "pkt", "pkts"),
}
_UNITS = {alias: unit for unit, aliases in UNIT_ALIASES.items() for alias in aliases}
_HSN_DIGITS = range(4, 9)


@dataclass(frozen=True)
class ProductRow:
    """A checked row: the product's fields (money Decimal in the shop's currency, tax rate
    in percent, quantities with 3 places; ``category`` a ``Category`` of the shop or None;
    ``cost_price`` None when not given) and ``row``, its row number in the file."""

    row: int
    name: str
    sku: str
    category: Category | None
    unit: str
    sale_price: Decimal
    cost_price: Decimal | None
    tax_rate: Decimal
    hsn_code: str
    opening_stock: Decimal
    low_stock_level: Decimal


def _cell_messages(column: str) -> dict[str, str]:
    """The messages about a number cell of ``column`` ("price", "cost price", "opening stock"
    or "low-stock level"), whole sentences in the active language: ``what`` (the value as
    ``parse_decimal`` names it), ``required``, ``error`` (``%(error)s``: the parser's
    message), ``negative`` and ``too_large``."""
    if column == "price":
        # Translators: completes "Enter … such as 250 or 99.50." in a message on a cell of an import.
        return {"what": _("the price"), "required": _("Enter the price."), "error": _("Price: %(error)s"),
                "negative": _("The price cannot be negative."), "too_large": _("The price is too large.")}
    if column == "cost price":
        # Translators: completes "Enter … such as 250 or 99.50." in a message on a cell of an import.
        return {"what": _("the cost price"), "required": _("Enter the cost price."),
                "error": _("Cost price: %(error)s"), "negative": _("The cost price cannot be negative."),
                "too_large": _("The cost price is too large.")}
    # Translators: completes "Enter … such as 2 or 1.250." in a message on a cell of an import.
    what = _("a quantity")
    if column == "opening stock":
        return {"what": what, "error": _("Opening stock: %(error)s"),
                "negative": _("The opening stock cannot be negative."),
                "too_large": _("The opening stock is too large.")}
    return {"what": what, "error": _("Low-stock level: %(error)s"),
            "negative": _("The low-stock level cannot be negative."),
            "too_large": _("The low-stock level is too large.")}


def _money(text: str, column: str, errors: list[str], *, required: bool = False) -> Decimal | None:
    """A price cell (``column`` "price" or "cost price") as money ≥ 0 (``None`` when empty),
    or ``None`` with a message added."""
    text = text.strip()
    messages = _cell_messages(column)
    if not text:
        if required:
            errors.append(messages["required"])
        return None
    try:
        value = parse_decimal(text, places=2, what=messages["what"])
    except ValueError as exc:
        errors.append(messages["error"] % {"error": exc})
        return None
    if value < 0:
        errors.append(messages["negative"])
    elif value >= AMOUNT_LIMIT:
        errors.append(messages["too_large"])
    else:
        return quantize_money(value)
    return None


def _quantity(text: str, column: str, errors: list[str]) -> Decimal:
    """A quantity cell (``column`` "opening stock" or "low-stock level"; ≥ 0, 3 places; 0 when
    empty), or 0 with a message added."""
    text = text.strip()
    if not text:
        return Decimal("0.000")
    messages = _cell_messages(column)
    try:
        value = parse_decimal(text, places=QUANTITY_DECIMAL_PLACES, what=messages["what"],
                              example=_("2 or 1.250"))
    except ValueError as exc:
        errors.append(messages["error"] % {"error": exc})
        return Decimal("0.000")
    if value < 0:
        errors.append(messages["negative"])
    elif value >= QUANTITY_LIMIT:
        errors.append(messages["too_large"])
    else:
        return value.quantize(Decimal("0.001"))
    return Decimal("0.000")


def _parse(raw: dict, categories: dict[str, Category]) -> tuple[ProductRow | None, list[str]]:
    """One row's fields checked on their own (not yet against other rows or the shop's SKUs)."""
    errors: list[str] = []
    name = clean_text(raw.get("name", ""))
    if not name:
        errors.append(_("Enter the product's name."))
    elif len(name) > NAME_MAX:
        errors.append(_("The name is longer than %(max)s characters.") % {"max": NAME_MAX})
    sku = raw.get("sku", "").strip()
    if not sku:
        errors.append(_("Enter the SKU."))
    elif any(c.isspace() for c in sku):
        errors.append(_("The SKU “%(sku)s” contains spaces (use - instead).") % {"sku": sku[:40]})
    elif len(sku) > SKU_MAX:
        errors.append(_("The SKU is longer than %(max)s characters.") % {"max": SKU_MAX})
    category = None
    if category_name := clean_text(raw.get("category", "")):
        category = categories.get(category_name.lower())
        if category is None:
            errors.append(_("No category called “%(name)s”. Add it on the Categories page first, or leave the "
                            "cell empty.") % {"name": category_name[:80]})
    unit = Product.Unit.PCS
    if unit_text := raw.get("unit", "").strip():
        unit = _UNITS.get(normalise_header(unit_text))
        if unit is None:
            errors.append(_("“%(unit)s” is not a unit. Use one of: %(units)s.")
                          % {"unit": unit_text[:20], "units": ", ".join(u.value for u in Product.Unit)})
    sale_price = _money(raw.get("price", ""), "price", errors, required=True)
    cost_price = _money(raw.get("cost_price", ""), "cost price", errors)
    tax_rate = Decimal("0")
    if tax_text := raw.get("tax_rate", "").strip():
        try:
            # Translators: completes "Enter … such as 5 or 18." in a message on a cell of an import.
            tax_rate = parse_decimal(tax_text.rstrip("%").strip(), places=2, what=_("the tax rate"),
                                     example=_("5 or 18"))
        except ValueError as exc:
            errors.append(_("Tax rate: %(error)s") % {"error": exc})
        else:
            if not 0 <= tax_rate <= 100:
                errors.append(_("The tax rate must be from 0 to 100 (not %(rate)s).") % {"rate": tax_text[:20]})
    hsn_code = "".join(raw.get("hsn_code", "").split())
    if hsn_code and not (hsn_code.isdigit() and hsn_code.isascii() and len(hsn_code) in _HSN_DIGITS):
        errors.append(_("“%(code)s” is not an HSN/SAC code (4 to 8 digits).") % {"code": hsn_code[:20]})
    opening_stock = _quantity(raw.get("opening_stock", ""), "opening stock", errors)
    low_stock_level = _quantity(raw.get("low_stock_level", ""), "low-stock level", errors)
    if errors:
        return None, errors
    return ProductRow(row=raw["_row"], name=name, sku=sku, category=category, unit=unit, sale_price=sale_price,
                      cost_price=cost_price, tax_rate=tax_rate.quantize(Decimal("0.01")), hsn_code=hsn_code,
                      opening_stock=opening_stock, low_stock_level=low_stock_level), []


def _skus_taken(shop: Shop, skus: set[str]) -> set[str]:
    """The lower-cased ``skus`` (lower case) that products of ``shop`` already have."""
    if not skus:
        return set()
    return set(Product.objects.filter(shop=shop).annotate(sku_lower=Lower("sku"))
               .filter(sku_lower__in=sorted(skus)).values_list("sku_lower", flat=True))


def product_rows_check(*, shop: Shop, rows: Sequence[dict],
                       progress: Callable[[int], None] | None = None) -> CheckResult:
    """Check the rows of a product sheet (dicts from ``core.sheets.read_sheet`` with
    :data:`PRODUCT_COLUMNS`) for ``shop``; write nothing.

    Returns a ``CheckResult``: ``good`` is the ``ProductRow`` of each row without an error,
    ``errors`` lists each other row's messages (see the module doc). ``progress(n)`` is
    called after every chunk with the number of rows checked so far. One query for the
    categories, then one per chunk (the SKUs already in the shop).
    """
    categories = {c.name.lower(): c for c in Category.objects.filter(shop=shop)}
    result = CheckResult()
    first_row_of: dict[str, int] = {}
    done = 0
    for chunk in chunks(rows):
        parsed = [(raw, *_parse(raw, categories)) for raw in chunk]
        taken = _skus_taken(shop, {row.sku.lower() for _, row, _ in parsed if row is not None})
        for raw, row, errors in parsed:
            if row is not None:
                key = row.sku.lower()
                if key in taken:
                    errors = [sku_taken_message(row.sku)]
                elif key in first_row_of:
                    errors = [_("Same SKU as row %(row)s.") % {"row": first_row_of[key]}]
                else:
                    first_row_of[key] = row.row
            if errors:
                result.errors.append((raw["_row"], errors))
            else:
                result.good.append(row)
        done += len(chunk)
        if progress is not None:
            progress(done)
    return result


def _qty(value: Decimal) -> str:
    return f"{value.normalize():f}"


def product_row_display(shop: Shop, row: ProductRow) -> list[str]:
    """A checked row as the preview shows it (see :data:`PRODUCT_DISPLAY_HEADINGS`)."""
    return [row.name, row.sku, row.category.name if row.category else "", format_shop_money(shop, row.sale_price),
            f"{_qty(row.tax_rate)}%", row.hsn_code, row.unit,
            f"{_qty(row.opening_stock)}" if row.opening_stock else "",
            format_shop_money(shop, row.cost_price) if row.cost_price is not None else ""]


PRODUCT_DISPLAY_HEADINGS = (gettext_lazy("Name"), "SKU", gettext_lazy("Category"), gettext_lazy("Price"),
                            gettext_lazy("Tax"), "HSN", gettext_lazy("Unit"), gettext_lazy("Opening stock"),
                            gettext_lazy("Cost price"))


def _new_product(shop: Shop, row: ProductRow) -> Product:
    """The unsaved ``Product`` of a checked row, its stock the opening stock; its price
    includes tax (an MRP) when the shop's new products' prices do (Shop settings)."""
    return Product(shop=shop, sku=row.sku, name=row.name, category=row.category, unit=row.unit,
                   sale_price=row.sale_price, price_includes_tax=shop.prices_include_tax,
                   cost_price=row.cost_price, tax_rate=row.tax_rate,
                   hsn_code=row.hsn_code, low_stock_level=row.low_stock_level, stock_quantity=row.opening_stock)


@transaction.atomic
def products_import(*, shop: Shop, rows: Sequence[ProductRow], created_by=None) -> list[Product]:
    """Create a product of ``shop`` for each checked row, with a "received" stock movement
    ("Opening stock") for each opening stock above zero; return the products in row order.

    One transaction: an error anywhere writes nothing. Bulk inserts (with history rows by
    ``created_by``). The rows must come from :func:`product_rows_check`.
    """
    products: list[Product] = []
    reason = str(OPENING_STOCK)
    for batch in chunks(rows, BATCH_SIZE):
        new = [_new_product(shop, row) for row in batch]
        bulk_create_with_history(Product, new, user=created_by)
        StockMovement.objects.bulk_create([
            StockMovement(shop=shop, product=product, kind=StockMovement.Kind.RECEIVE, quantity=product.stock_quantity,
                          balance_after=product.stock_quantity, reason=reason, created_by=created_by)
            for product in new if product.stock_quantity > 0])
        products.extend(new)
    return products
