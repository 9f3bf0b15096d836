from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import permission_required, require_permission
from accounts.tenancy import shop_required
from customers import selectors, services
from customers.forms import CustomerForm
from customers.models import Customer
from customers.totals import shop_totals

PAGE_SIZE = 25


def _form_page(request, context):
    """The add/edit page; a phone number other customers have gets their names as links
    (``duplicate_links``) for the warning's sentence."""
    duplicate = context.get("duplicate")
    if duplicate is not None:
        context["duplicate_links"] = format_html_join(
            ", ", '<a class="alert-link" href="{}" target="_blank" rel="noopener">{}</a>',
            ((other.get_absolute_url(), other.name) for other in duplicate.customers))
    return render(request, "customers/form.html", context)


@shop_required
def customer_list(request):
    """List with search (``q``), sort (``sort``), ``archived=1`` and pagination.

    The list counts at most ``selectors.COUNT_CAP`` customers and shows "1,000+" beyond
    (``selectors.customer_page``); the plain list of active customers shows the exact
    figure of the shop's totals row (``customers.totals.shop_totals``).
    An htmx request (live search) gets only the results table.
    """
    query = request.GET.get("q", "").strip()[:100]
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    if sort not in selectors.SORTS:
        sort = selectors.DEFAULT_SORT
    archived = request.GET.get("archived") == "1"
    # The plain list of active customers shows the shop's exact count from its totals row
    # (one primary-key read); a search or the archive counts at most COUNT_CAP.
    total = None if query or archived else shop_totals(shop=request.shop).active_customers
    page = selectors.customer_page(shop=request.shop, query=query, sort=sort, archived=archived,
                                   number=request.GET.get("page"), per_page=PAGE_SIZE, total=total)
    context = {"page": page, "query": query, "sort": sort, "archived": archived}
    template = "customers/_table.html" if request.htmx else "customers/list.html"
    return render(request, template, context)


@permission_required("customer.edit")
def customer_create(request):
    """Add a customer. A number another active customer has gets a warning naming them and
    a "Save anyway" button, which posts the form again with ``confirm_phone``."""
    form = CustomerForm(request.POST or None, shop=request.shop)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(shop=request.shop, **form.cleaned_data,
                                                confirm_phone=request.POST.get("confirm_phone", ""),
                                                membership=request.membership)
        except services.DuplicatePhoneError as exc:
            duplicate = exc
        else:
            messages.success(request, _("Added %(name)s.") % {"name": customer.name})
            return redirect(customer)
    return _form_page(request, {"form": form, "title": _("Add customer"), "duplicate": duplicate})


@shop_required
def customer_edit(request, customer_id):
    """Edit a customer's contact fields; a changed number is checked as on the add page."""
    customer = get_object_or_404(Customer, shop=request.shop, pk=customer_id)
    require_permission(request, "customer.edit")
    name = customer.name
    form = CustomerForm(request.POST or None, instance=customer, shop=request.shop)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(customer=customer, **form.cleaned_data,
                                     confirm_phone=request.POST.get("confirm_phone", ""),
                                     membership=request.membership)
        except services.DuplicatePhoneError as exc:
            duplicate = exc
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": customer.name})
            return redirect(customer)
    return _form_page(request, {"form": form, "customer": customer, "duplicate": duplicate,
                                "title": _("Edit %(name)s") % {"name": name}})


@require_POST
@shop_required
def customer_archive(request, customer_id):
    """Hide a settled customer from the list (``customer.edit``)."""
    customer = get_object_or_404(Customer, shop=request.shop, pk=customer_id)
    require_permission(request, "customer.edit")
    try:
        services.customer_archive(customer=customer, membership=request.membership)
    except services.CustomerError as exc:
        messages.error(request, str(exc))
        return redirect(customer)
    messages.success(request, _("Archived %(name)s.") % {"name": customer.name})
    return redirect("customers:list")


@require_POST
@shop_required
def customer_unarchive(request, customer_id):
    """Bring an archived customer back to the list (``customer.edit``)."""
    customer = get_object_or_404(Customer, shop=request.shop, pk=customer_id)
    require_permission(request, "customer.edit")
    services.customer_unarchive(customer=customer, membership=request.membership)
    messages.success(request, _("%(name)s is back in the customer list.") % {"name": customer.name})
    return redirect(customer)
