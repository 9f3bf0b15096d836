"""The cash drawer page: its balance by the cash book and its notes and coins, adding/
removing a denomination, a recount and a "what change can I give?" checker, with links to
the cash book and the day close. Everyone in the shop may look; changing it needs
``drawer.count`` (owners and managers)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.permissions import require_permission
from accounts.tenancy import shop_required
from billing.forms.drawer import ChangeCheckForm, DenominationForm, DrawerCountsForm
from billing.models import Denomination
from billing.selectors.cash import drawer_summary
from billing.selectors.drawer import change_preview, drawer_denominations, drawer_total
from billing.services import drawer as services
from core.errors import DomainError
from core.money import ZERO
from core.views import form_error, money


@shop_required
def drawer(request):
    """``GET``: the drawer (``?change=60`` also shows the change the drawer would give):
    ``total`` is Σ value × count of its notes and coins, ``summary`` the cash book's
    balance against them (``billing.selectors.cash.DrawerSummary``).

    ``POST`` (``drawer.count``, else 403, checked before anything is written):
    ``action=setup`` gives a new drawer its currency's notes and coins (``drawer_setup``);
    ``action=save`` with ``count_<id>`` fields records a recount (a count movement,
    ``drawer_set_counts``); ``action=add`` with ``value``/``count`` adds a note or coin;
    ``remove=<id>`` removes an empty one (another shop's id is a 404).
    """
    shop = request.shop
    # A read: a new shop sees an empty drawer and a "set up" button (no writes on GET).
    denominations = drawer_denominations(shop=shop)
    counts_form = DrawerCountsForm(shop=shop, denominations=denominations)
    add_form = DenominationForm()

    if request.method == "POST":
        if "remove" in request.POST:
            denomination_id = request.POST["remove"]
            if not denomination_id.isdigit():
                raise Http404("No such note or coin.")
            denomination = get_object_or_404(Denomination, shop=shop, pk=denomination_id)
            require_permission(request, "drawer.count")
            try:
                services.drawer_remove_denomination(shop=shop, value=denomination.value,
                                                    membership=request.membership)
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Removed %(value)s from the drawer.") % {
                    "value": money(request, denomination.value)})
            return redirect("billing:drawer")
        require_permission(request, "drawer.count")
        if request.POST.get("action") == "setup":
            services.drawer_setup(shop=shop, membership=request.membership)
            messages.success(request, _("Added the usual notes and coins. Count them and save."))
            return redirect("billing:drawer")
        if request.POST.get("action") == "add":
            add_form = DenominationForm(request.POST)
            if add_form.is_valid():
                try:
                    added = services.drawer_add_denomination(shop=shop, created_by=request.user,
                                                             membership=request.membership, **add_form.cleaned_data)
                except DomainError as exc:
                    form_error(add_form, exc)
                else:
                    messages.success(request, _("Added %(value)s to the drawer.") % {
                        "value": money(request, added.value)})
                    return redirect("billing:drawer")
        else:
            counts_form = DrawerCountsForm(request.POST, shop=shop, denominations=denominations)
            if counts_form.is_valid():
                try:
                    services.drawer_set_counts(shop=shop, counts=counts_form.counts(), created_by=request.user,
                                               membership=request.membership)
                except DomainError as exc:
                    form_error(counts_form, exc)
                else:
                    messages.success(request, _("Saved the count: %(total)s in the drawer.") % {
                        "total": money(request, drawer_total(shop=shop))})
                    return redirect("billing:drawer")

    check_form = ChangeCheckForm(request.GET if "change" in request.GET else None)
    preview = change_preview(shop=shop, amount=check_form.cleaned_data["change"]) if check_form.is_valid() else None
    context = {
        "counts_form": counts_form,
        "add_form": add_form,
        "check_form": check_form,
        "preview": preview,
        "total": sum((d.value * d.count for d in denominations), ZERO),
        "total_pieces": sum(d.count for d in denominations),
        "summary": drawer_summary(shop=shop, denominations=denominations),
    }
    return render(request, "billing/drawer.html", context)
