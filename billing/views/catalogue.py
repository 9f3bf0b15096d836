"""Catalogue pages: products (list, add, edit, page with stock history), stock
receive/adjust and categories. Thin: form → one service call → message/redirect."""

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.permissions import can, permission_required, require_permission
from accounts.tenancy import shop_required
from billing.forms.catalogue import CategoryForm, ProductForm, StockForm
from billing.models import Category, Product
from billing.selectors import catalogue as selectors
from billing.services import catalogue as services
from core.errors import DomainError
from core.views import form_error

PAGE_SIZE = 25
MOVEMENTS_PAGE_SIZE = 50


def _qty(quantity: Decimal) -> str:
    """``Decimal("1.250")`` → ``"1.25"``, ``Decimal("10.000")`` → ``"10"``."""
    return f"{quantity.normalize():f}"


def _get_product(request, product_id) -> Product:
    return get_object_or_404(Product.objects.select_related("category"), shop=request.shop, pk=product_id)


@shop_required
def product_list(request):
    """Products with search (``q``: name or SKU), ``category`` (an id or ``none``),
    ``low=1`` (low stock only), ``inactive=1`` (inactive ones too) and pagination.

    An htmx request (live search and filters) gets only the results table.
    """
    query = request.GET.get("q", "").strip()[:100]
    category = selectors.parse_category_filter(request.GET.get("category"))
    low = request.GET.get("low") == "1"
    inactive = request.GET.get("inactive") == "1"
    products = selectors.product_list(shop=request.shop, query=query, category=category, low_stock=low,
                                      include_inactive=inactive)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "category": category, "low": low, "inactive": inactive,
               "filtered": bool(query or category is not None or low)}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "billing/_product_table.html", context)
    context["categories"] = selectors.category_choices(shop=request.shop)
    context["no_category"] = selectors.NO_CATEGORY
    return render(request, "billing/product_list.html", context)


@permission_required("product.edit")
def product_create(request):
    """Add a product (``product.edit``: owners and managers)."""
    form = ProductForm(request.POST or None, shop=request.shop)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(shop=request.shop, created_by=request.user,
                                              membership=request.membership, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            if product.stock_quantity:
                message = _("Added %(name)s with %(quantity)s %(unit)s in stock.") % {
                    "name": product.name, "quantity": _qty(product.stock_quantity), "unit": product.unit}
            else:
                message = _("Added %(name)s.") % {"name": product.name}
            messages.success(request, message)
            return redirect(product)
    return render(request, "billing/product_form.html", {"form": form, "title": _("Add product")})


@shop_required
def product_edit(request, product_id):
    """Edit a product's details (``product.edit``)."""
    product = _get_product(request, product_id)
    require_permission(request, "product.edit")
    # The form writes what was posted onto its instance; keep the saved name for the page.
    context = {"product_id": product.pk, "product_name": product.name,
               "title": _("Edit %(name)s") % {"name": product.name}}
    form = ProductForm(request.POST or None, instance=product, shop=request.shop)
    if request.method == "POST" and form.is_valid():
        try:
            services.product_update(shop=request.shop, product=product, membership=request.membership,
                                    **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": product.name})
            return redirect(product)
    return render(request, "billing/product_form.html", {"form": form, **context})


@shop_required
def product_detail(request, product_id):
    """The product's details, stock state and its stock movements (newest first)."""
    product = _get_product(request, product_id)
    movements = Paginator(selectors.product_movements(product=product), MOVEMENTS_PAGE_SIZE)
    context = {"product": product, "page": movements.get_page(request.GET.get("page"))}
    return render(request, "billing/product_detail.html", context)


@shop_required
def product_stock(request, product_id):
    """Receive stock (``stock.receive``) or adjust it with a reason (``stock.adjust``): both
    owners' and managers' (``accounts.permissions``)."""
    product = _get_product(request, product_id)
    require_permission(request, "stock.receive")
    if request.method == "POST" and request.POST.get("action") == StockForm.ADJUST:
        require_permission(request, "stock.adjust")
    can_adjust = can(request.membership, "stock.adjust")
    initial = {"action": StockForm.ADJUST if can_adjust and request.GET.get("action") == StockForm.ADJUST
               else StockForm.RECEIVE}
    form = StockForm(request.POST or None, can_adjust=can_adjust, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == StockForm.ADJUST:
                movement = services.stock_adjust(shop=request.shop, product=product, quantity=data["quantity"],
                                                 reason=data["reason"], created_by=request.user,
                                                 membership=request.membership)
            else:
                movement = services.stock_receive(shop=request.shop, product=product, quantity=data["quantity"],
                                                  reason=data["reason"], created_by=request.user,
                                                  membership=request.membership)
        except DomainError as exc:
            form_error(form, exc)
        else:
            if data["action"] == StockForm.RECEIVE:
                message = _("Received %(quantity)s %(unit)s of %(name)s. Stock now %(balance)s %(unit)s.")
            else:
                message = _("Adjusted stock by %(quantity)s %(unit)s of %(name)s. Stock now %(balance)s %(unit)s.")
            messages.success(request, message % {"quantity": _qty(movement.quantity), "unit": product.unit,
                                                 "name": product.name, "balance": _qty(movement.balance_after)})
            return redirect(product)
    return render(request, "billing/product_stock.html", {"form": form, "product": product,
                                                          "can_adjust": can_adjust})


@shop_required
def category_list(request):
    """Categories with their product counts, and the form to add one (POST here,
    ``product.edit``)."""
    if request.method == "POST":
        require_permission(request, "product.edit")
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            category = services.category_save(shop=request.shop, name=form.cleaned_data["name"],
                                              membership=request.membership)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Added the category %(name)s.") % {"name": category.name})
            return redirect("billing:category_list")
    context = {"form": form, "categories": selectors.category_list(shop=request.shop)}
    return render(request, "billing/category_list.html", context)


@shop_required
def category_edit(request, category_id):
    """Rename a category."""
    category = get_object_or_404(Category, shop=request.shop, pk=category_id)
    require_permission(request, "product.edit")
    old_name = category.name
    form = CategoryForm(request.POST or None, initial={"name": category.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.category_save(shop=request.shop, name=form.cleaned_data["name"], category=category,
                                   membership=request.membership)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Renamed %(old_name)s to %(new_name)s.") % {
                "old_name": old_name, "new_name": category.name})
            return redirect("billing:category_list")
    return render(request, "billing/category_form.html", {"form": form, "category_id": category.pk,
                                                          "category_name": old_name})
