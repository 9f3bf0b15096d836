"""Invoice pages: list, the new-invoice counter page (with its htmx helpers), detail,
void, Kenya's eTIMS references, and the panels other apps' pages include (customer
purchases, dashboard sales)."""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import can, permission_required, require_permission
from accounts.tenancy import shop_required
from billing.forms.invoices import (
    EtimsForm,
    InvoiceForm,
    line_form_for_product,
    line_forms_from_post,
)
from billing.models import TAX_RATE_PRESETS, TAX_RATE_PRESETS_BY_SCHEME, Invoice, Product
from billing.selectors import invoices as selectors
from billing.selectors.documents import invoice_document
from billing.selectors.drawer import change_preview
from billing.services import BillingError
from billing.services import invoices as services
from billing.services.etims import ETIMS_ACTION, invoice_etims_update
from billing.totals import TotalsError
from core.gst import state_label
from core.money import ZERO
from core.views import form_error
from core.views import money as _money
from customers import selectors as customer_selectors
from customers.models import Customer
from ledger.forms.entries import VoidForm

PAGE_SIZE = 25


@shop_required
def invoice_list(request):
    """Invoices with filters: ``q`` (number or customer), ``customer`` (id), ``status``,
    ``date_from``/``date_to`` (YYYY-MM-DD; a bad date is ignored and said so).

    A role without ``sales.view_all`` (cashiers: "see only today's sales total") gets
    today's invoices only, whatever the dates asked; the page says so (``today_only``:
    today's date, else ``None``)."""
    params = request.GET
    customer = None
    if params.get("customer", "").isdigit():
        customer = get_object_or_404(Customer, shop=request.shop, pk=params["customer"])
    dates, bad_dates = {}, []
    today_only = None
    if not can(request.membership, "sales.view_all"):
        today_only = timezone.localdate()
        dates = {"date_from": today_only, "date_to": today_only}
    else:
        for name in ("date_from", "date_to"):
            value = params.get(name, "").strip()
            if value:
                try:
                    dates[name] = datetime.date.fromisoformat(value)
                except ValueError:
                    bad_dates.append(value)
    status = params.get("status", "")
    invoices = selectors.invoice_list(shop=request.shop, query=params.get("q", "")[:100], customer=customer,
                                      status=status, **dates)
    page = Paginator(invoices, PAGE_SIZE).get_page(params.get("page"))
    return render(request, "billing/invoice_list.html", {
        "page": page, "customer": customer, "status": status, "bad_dates": bad_dates,
        "statuses": Invoice.PaymentStatus.choices, "today_only": today_only,
    })


def _invoice_page(request, form, line_forms, errors=()):
    picked = str(form["customer"].value() or "")
    customer = (Customer.objects.filter(shop=request.shop, is_archived=False, pk=picked).first()
                if picked.isdigit() else None)
    presets = TAX_RATE_PRESETS_BY_SCHEME.get(request.shop.market.tax_scheme, TAX_RATE_PRESETS)
    return render(request, "billing/invoice_form.html", {
        "form": form, "line_forms": line_forms, "errors": errors, "picked_customer": customer,
        "tax_presets": [f"{rate:f}" for rate in presets],
    })


@permission_required("sale.create")
def invoice_create(request):
    """The counter: pick a customer or walk-in, add lines, take payment, issue."""
    if request.method != "POST":
        initial = {}
        if request.GET.get("customer", "").isdigit():
            customer = Customer.objects.filter(shop=request.shop, is_archived=False,
                                               pk=request.GET["customer"]).first()
            if customer:
                initial["customer"] = customer.pk
        return _invoice_page(request, InvoiceForm(shop=request.shop, initial=initial), [])
    form = InvoiceForm(request.POST, shop=request.shop)
    line_forms = line_forms_from_post(request.POST, shop=request.shop)
    errors = []
    if not line_forms:
        errors.append(_("Add at least one item to the invoice."))
    if form.is_valid() and all(f.is_valid() for f in line_forms) and not errors:
        data = form.cleaned_data
        try:
            invoice = services.invoice_issue(
                shop=request.shop, lines=[f.as_line_input() for f in line_forms], customer=data["customer"],
                issued_on=data["issued_on"], discount_type=data["discount_type"],
                discount_value=data["discount_value"], round_off=data["round_off"],
                place_of_supply=data.get("place_of_supply", ""), delivery_address=data.get("delivery_address", ""),
                buyer_name=data.get("buyer_name", ""), buyer_state=data.get("buyer_state", ""),
                amount_paid=data["amount_paid"],
                payment_method=data["payment_method"], cash_tendered=data["cash_tendered"],
                notes_tendered=form.notes_tendered(), due_date=data["due_date"], notes=data["notes"],
                created_by=request.user, membership=request.membership,
                idempotency_key=data.get("idempotency_key"))
        except BillingError as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, str(exc))
            else:
                errors.append(str(exc))
        else:
            message = _("Invoice %(number)s issued: %(total)s.") % {
                "number": invoice.number, "total": _money(request, invoice.total)}
            if invoice.balance_due:
                message += " " + _("%(amount)s added to %(name)s's dues.") % {
                    "amount": _money(request, invoice.balance_due), "name": invoice.customer.name}
            if invoice.change_given:
                message += " " + _("Give %(amount)s change.") % {"amount": _money(request, invoice.change_given)}
            messages.success(request, message)
            return redirect(invoice)
    return _invoice_page(request, form, line_forms, errors)


@dataclass(frozen=True)
class ProductPick:
    """One row of the counter's product pick list: the product, whether its tracked stock
    is at or below zero (``out_of_stock``), and whether a line of it can be issued now
    (``sellable``: stock left, stock not tracked, or selling below zero allowed)."""

    product: Product
    out_of_stock: bool
    sellable: bool


def _search_query(request) -> str:
    """The ``q`` parameter as the pick lists echo it back: spaces collapsed, at most 60
    characters (khata.js compares it with the search box before Enter picks a result)."""
    return " ".join(request.GET.get("q", "").split())[:60]


@permission_required("sale.create")
def product_search(request):
    """htmx: active products matching ``q`` (name or SKU, or exactly the barcode), as the options of the counter's
    product pick list (``products``: up to 8 products; ``picks``: a :class:`ProductPick`
    for each, saying which are out of stock and which cannot be sold;
    ``out_of_stock_count``)."""
    query = _search_query(request)
    products = []
    if query:
        products = list(Product.objects.filter(shop=request.shop, is_active=True)
                        .filter(Q(name__icontains=query) | Q(sku__icontains=query) | Q(barcode=query))
                        .order_by("name")[:8])
    picks = []
    for product in products:
        out_of_stock = product.track_stock and product.stock_quantity <= 0
        picks.append(ProductPick(product=product, out_of_stock=out_of_stock,
                                 sellable=not out_of_stock or product.allow_negative_stock))
    return render(request, "billing/_product_results.html", {
        "products": products, "picks": picks, "query": query,
        "out_of_stock_count": sum(1 for pick in picks if pick.out_of_stock)})


@permission_required("sale.create")
def customer_search(request):
    """htmx: active customers matching ``q`` (name or phone), as the options of the
    counter's customer pick list (up to 8)."""
    query = _search_query(request)
    customers = []
    if query:
        # Rare matches are read by id, never by walking the shop's customers (issue 17).
        customers = list(customer_selectors.customer_search(shop=request.shop, query=query, limit=9).customers[:8])
    return render(request, "billing/_customer_results.html", {"customers": customers, "query": query})


@permission_required("sale.create")
def invoice_line(request):
    """htmx: a new line row, prefilled from ``product`` when given."""
    product = None
    if request.GET.get("product", "").isdigit():
        product = get_object_or_404(Product, shop=request.shop, is_active=True, pk=request.GET["product"])
    return render(request, "billing/_invoice_line.html", {"line": line_form_for_product(product, shop=request.shop)})


@require_POST
@permission_required("sale.create")
def invoice_totals(request):
    """htmx: the totals panel for the form as it stands (nothing is written), with what a
    large tax invoice to a buyer without a GSTIN still lacks (``buyer_problem``: GST rule 46)."""
    form = InvoiceForm(request.POST, shop=request.shop)
    line_forms = line_forms_from_post(request.POST, shop=request.shop)
    context = {"totals": None, "problem": "", "change": None}
    if not line_forms:
        context["problem"] = _("Add items to see the total.")
    elif not all(f.is_valid() for f in line_forms):
        context["problem"] = _("Fix the highlighted items to see the total.")
    elif not form.is_valid():
        context["problem"] = _("Fix the highlighted fields to see the total.")
    else:
        data = form.cleaned_data
        try:
            terms = services.sale_terms(
                shop=request.shop, customer=data["customer"], place_of_supply=data.get("place_of_supply", ""),
                buyer_state=data.get("buyer_state", "") if data.get("buyer_name", "").strip() else "")
            _lines, totals = services.sale_totals(terms=terms, lines=[f.as_line_input() for f in line_forms],
                                             discount_type=data["discount_type"],
                                             discount_value=data["discount_value"], round_off=data["round_off"])
        except (TotalsError, BillingError) as exc:
            context["problem"] = str(exc)
        else:
            context["totals"], context["terms"] = totals, terms
            context["place_of_supply"] = state_label(terms.place_of_supply)
            context["buyer_problem"] = services.buyer_details_missing(
                shop=request.shop, terms=terms, customer=data["customer"], total=totals.total,
                buyer_name=data.get("buyer_name", ""), buyer_state=data.get("buyer_state", ""),
                delivery_address=data.get("delivery_address", ""))
            paid = data["amount_paid"]
            context["balance"] = totals.total - paid
            context["overpaid"] = paid > totals.total
            tendered, notes = data["cash_tendered"], form.notes_tendered()
            if notes and data["payment_method"] == "cash":
                tendered = sum((value * count for value, count in notes.items()), ZERO)
                context["notes_total"] = tendered
            if data["payment_method"] == "cash" and tendered is not None and tendered > paid:
                context["change"] = change_preview(shop=request.shop, amount=tendered - paid, tendered=notes)
            context["short"] = tendered is not None and tendered < paid
    return render(request, "billing/_invoice_totals.html", context)


def _detail_invoice(request, invoice_id) -> Invoice:
    return get_object_or_404(Invoice.objects.select_related("shop", "customer", "voided_by", "created_by", "due"),
                             shop=request.shop, pk=invoice_id)


def _detail_page(request, invoice: Invoice, etims_form: EtimsForm | None = None):
    """The invoice's page: lines, totals, how it was paid; the scheme's details (seller's and
    buyer's BIN or KRA PIN, time of issue, SD); on a Kenyan VAT invoice, its eTIMS references
    and, for who may sell, the form that records them."""
    document = invoice_document(invoice=invoice)
    if (etims_form is None and invoice.is_kenya_vat and not invoice.is_voided
            and can(request.membership, ETIMS_ACTION)):
        etims_form = EtimsForm(initial={"etims_cu_number": invoice.etims_cu_number,
                                        "etims_qr_url": invoice.etims_qr_url})
    return render(request, "billing/invoice_detail.html", {
        "invoice": invoice, "lines": document["lines"], "tax_rows": document["tax_rows"], "document": document,
        "payments": selectors.invoice_payments(invoice=invoice), "etims_form": etims_form})


@shop_required
def invoice_detail(request, invoice_id):
    return _detail_page(request, _detail_invoice(request, invoice_id))


@shop_required
def invoice_etims(request, invoice_id):
    """POST: record a Kenyan invoice's eTIMS control unit invoice number and verification
    link (``sale.create``); the invoice's page with the errors when refused. GET: the
    invoice's page (another shop's invoice is a 404 either way)."""
    invoice = _detail_invoice(request, invoice_id)
    if request.method != "POST":
        return redirect(invoice)
    require_permission(request, ETIMS_ACTION)
    form = EtimsForm(request.POST)
    if form.is_valid():
        try:
            invoice_etims_update(shop=request.shop, invoice=invoice, cu_number=form.cleaned_data["etims_cu_number"],
                                 qr_url=form.cleaned_data["etims_qr_url"], membership=request.membership,
                                 user=request.user)
        except BillingError as exc:
            if exc.field not in ("etims_cu_number", "etims_qr_url"):
                # Not a Kenyan invoice, or void: no form to correct.
                messages.error(request, str(exc))
                return redirect(invoice)
            form_error(form, exc)
        else:
            messages.success(request, _("eTIMS references of invoice %(number)s saved.") % {"number": invoice.number})
            return redirect(invoice)
    return _detail_page(request, invoice, etims_form=form)


@shop_required
def invoice_void(request, invoice_id):
    invoice = get_object_or_404(Invoice.objects.select_related("customer"), shop=request.shop, pk=invoice_id)
    require_permission(request, "invoice.void")
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invoice_void(shop=request.shop, invoice=invoice, reason=form.cleaned_data["reason"],
                                  voided_by=request.user, membership=request.membership)
        except BillingError as exc:
            form_error(form, exc, fields=("reason",))
        else:
            messages.success(request, _("Invoice %(number)s is void. Stock was returned and its ledger entries were "
                                        "voided.") % {"number": invoice.number})
            return redirect(invoice)
    return render(request, "billing/invoice_void.html", {"form": form, "invoice": invoice})


@shop_required
def customer_purchases(request, customer_id):
    """Panel on the customer's page: their latest invoices."""
    customer = get_object_or_404(Customer, shop=request.shop, pk=customer_id)
    return render(request, "billing/_customer_purchases.html", {
        "customer": customer, "invoices": selectors.customer_purchases(customer=customer)})


@shop_required
def sales_panel(request):
    """Panel on the dashboard: sales today and (``sales.view_all``: not for cashiers) this
    month, low stock."""
    return render(request, "billing/_sales_panel.html", {"sales": selectors.sales_summary(shop=request.shop)})
