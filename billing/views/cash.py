"""Cash book pages (``drawer.count``: owners and managers, like the drawer's counts): the
day's cash book, a pay-out / bank deposit / cash-added form, a movement's page, the day
close and the history of closes. Another shop's movement or close is a 404 before the
role check."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import permission_required, require_permission
from accounts.tenancy import shop_required
from billing.forms.drawer import CashBookDayForm, CashMovementForm, DayCloseForm
from billing.models import CashClose, CashMovement
from billing.selectors import cash as selectors
from billing.selectors.drawer import drawer_denominations
from billing.services import cash as cash_services
from billing.services import drawer as drawer_services
from core.errors import DomainError
from core.views import form_error, money

CLOSES_PER_PAGE = 25


@permission_required("drawer.count")
def cash_book(request):
    """``?date=YYYY-MM-DD`` (default today): the day's opening balance, every movement in
    and out with time, kind, who and reference, and the closing balance."""
    form = CashBookDayForm(request.GET if "date" in request.GET else None)
    day = form.cleaned_data["date"] if form.is_bound and form.is_valid() else timezone.localdate()
    return render(request, "billing/cash_book.html", {
        "form": form, "book": selectors.cash_book_day(shop=request.shop, day=day),
        "today": timezone.localdate(), "balance": selectors.drawer_balance(shop=request.shop)})


@permission_required("drawer.count")
def cash_movement_create(request):
    """A pay-out or expense, a bank deposit or cash added (``?kind=deposit`` preselects),
    with a reason; safe to submit twice (one-time key)."""
    shop = request.shop
    denominations = drawer_denominations(shop=shop)
    initial = {}
    if request.GET.get("kind") in dict(CashMovementForm.KINDS):
        initial["kind"] = request.GET["kind"]
    form = CashMovementForm(request.POST or None, shop=shop, denominations=denominations, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            movement = cash_services.cash_movement_create(
                shop=shop, kind=data["kind"], amount=data["amount"], pieces=form.pieces(), note=data["note"],
                created_by=request.user, idempotency_key=data["idempotency_key"], membership=request.membership)
        except DomainError as exc:
            form_error(form, exc, fields=("note", "amount", "kind"))
        else:
            messages.success(request, _("Recorded: %(kind)s of %(amount)s (%(note)s).") % {
                "kind": movement.get_kind_display().lower(), "amount": money(request, abs(movement.amount)),
                "note": movement.note})
            return redirect("billing:cash_book")
    return render(request, "billing/cash_movement_form.html", {
        "form": form, "balance": selectors.drawer_balance(shop=shop)})


@shop_required
def cash_movement_detail(request, movement_id):
    """One movement: amount, notes and coins, who, when and what it follows."""
    movement = get_object_or_404(CashMovement.objects.select_related("created_by", "invoice", "payment"),
                                 shop=request.shop, pk=movement_id)
    require_permission(request, "drawer.count")
    close = CashClose.objects.filter(shop=request.shop, movement=movement).first()
    return render(request, "billing/cash_movement_detail.html", {"movement": movement, "close": close})


@permission_required("drawer.count")
def drawer_close(request):
    """The day close: count every note and coin. ``action=review`` shows the count
    against the book; ``action=close`` records it (a note is needed for a difference)."""
    shop = request.shop
    denominations = drawer_denominations(shop=shop)
    form = DayCloseForm(request.POST or None, shop=shop, denominations=denominations)
    preview = None
    if request.method == "POST" and form.is_valid():
        counts = form.counts()
        preview = selectors.close_preview(shop=shop, denominations=denominations, counts=counts)
        if request.POST.get("action") == "close":
            try:
                close = drawer_services.drawer_close(
                    shop=shop, counts=counts, note=form.cleaned_data["note"], created_by=request.user,
                    idempotency_key=form.cleaned_data["idempotency_key"], membership=request.membership)
            except DomainError as exc:
                form_error(form, exc, fields=("note",))
            else:
                if close.difference < 0:
                    message = _("Day closed with %(counted)s in the drawer: %(difference)s short, recorded.")
                elif close.difference > 0:
                    message = _("Day closed with %(counted)s in the drawer: %(difference)s over, recorded.")
                else:
                    message = _("Day closed with %(counted)s in the drawer: the count matches the book.")
                messages.success(request, message % {"counted": money(request, close.counted),
                                                     "difference": money(request, abs(close.difference))})
                return redirect(close)
    return render(request, "billing/drawer_close.html", {
        "form": form, "preview": preview, "summary": selectors.drawer_summary(shop=shop, denominations=denominations)})


@permission_required("drawer.count")
def cash_close_list(request):
    """The history of day closes, latest first."""
    page = Paginator(selectors.close_list(shop=request.shop), CLOSES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "billing/cash_close_list.html", {"page": page})


@shop_required
def cash_close_detail(request, close_id):
    """One day close: expected against counted, the counts, the note and its movement."""
    close = get_object_or_404(CashClose.objects.select_related("created_by", "movement"), shop=request.shop,
                              pk=close_id)
    require_permission(request, "drawer.count")
    return render(request, "billing/cash_close_detail.html", {"close": close})
