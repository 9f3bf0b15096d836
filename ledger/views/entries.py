"""Ledger pages: the dashboard, the customer's account, dues, payments, refunds, voids."""

from functools import partial

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.permissions import can, require_permission
from accounts.tenancy import shop_required
from core.errors import DomainError
from core.money import format_shop_money
from core.views import form_error, money
from customers.models import Customer
from ledger import markets
from ledger.forms.entries import DueForm, MarkPaidForm, PaymentForm, RefundForm, VoidForm
from ledger.models import Due, Payment, Refund
from ledger.selectors import dashboard as dashboard_selectors
from ledger.selectors.entries import StatementCursor, StatementPage, customer_open_dues, customer_statement_page
from ledger.selectors.reminders import reminder_options
from ledger.selectors.statements import customer_share_context
from ledger.services import entries as services


@shop_required
def dashboard(request):
    """The shop's dashboard: headline figures, who owes most, the latest entries (billing adds its panels)."""
    context = {
        "summary": dashboard_selectors.dashboard_summary(shop=request.shop),
        "top_debtors": dashboard_selectors.top_debtors(shop=request.shop),
        "recent": dashboard_selectors.recent_entries(shop=request.shop),
    }
    return render(request, "ledger/dashboard.html", context)


def _statement_rows(request, page: StatementPage) -> list[dict]:
    """The customer page's statement rows with every text they show made here once (dates,
    amounts in the shop's money, the due date, the void link or why there is none), so the
    template's loop runs no tag, filter or ``{% url %}`` per row (issue 17)."""
    kinds = {"due": ("text-bg-warning", pgettext("a debt entry", "Due")),
             "payment": ("text-bg-success", pgettext("a payment entry", "Payment")),
             "refund": ("text-bg-secondary", pgettext("a refund entry", "Refund"))}
    void_urls = {"due": "ledger:due_void", "payment": "ledger:payment_void", "refund": "ledger:refund_void"}
    may_void = can(request.membership, "entry.void")
    shop, days, amounts = request.shop, {}, {None: ""}

    def money_text(amount):  # amounts repeat (₹0.00, the usual sums): Babel once for each
        if amount not in amounts:
            amounts[amount] = format_shop_money(shop, amount)
        return amounts[amount]

    rows = []
    for line in page.lines:
        if line.date not in days:
            days[line.date] = date_format(line.date, "d M Y")
        badge_class, badge = kinds[line.kind]
        row = {"voided": line.voided, "date": days[line.date], "badge_class": badge_class, "badge": badge,
               "description": line.description, "due_note": "",
               "debit": money_text(line.debit), "credit": money_text(line.credit),
               "balance": money_text(line.balance)}
        if line.due_date and not line.voided:
            row["due_note"] = pgettext("payable by a date", "(due %(date)s)") % {
                "date": date_format(line.due_date, "d M")}
        if may_void and line.voided:
            row["void_reason"] = line.void_reason
            row["void_badge"] = _("Void: %(reason)s") % {"reason": Truncator(line.void_reason).chars(30)}
        elif may_void and line.source:
            row["source"] = _("via %(source)s") % {"source": line.source}
            row["source_title"] = _("Void %(source)s to void this entry") % {"source": line.source}
        elif may_void:
            row["void_url"] = reverse(void_urls[line.kind], args=[line.pk])
        rows.append(row)
    return rows


@shop_required
def customer_account(request, customer_id):
    """The customer's page: contact card, balance, open dues, statement and actions.

    The statement shows its latest entries (``STATEMENT_PAGE_SIZE``); ``?before=<cursor>``
    (``StatementCursor``) shows the ones before that entry, as the whole page (without
    JavaScript), or, to an htmx request, as the statement rows alone, which take the place
    of the "Earlier entries" row that asked for them. A ``before`` that is no cursor is a 404.
    """
    customer = get_object_or_404(Customer, shop=request.shop, pk=customer_id)
    before = StatementCursor.parse(request.GET.get("before"))
    if before is None and request.GET.get("before"):
        raise Http404("No such statement page.")
    statement = customer_statement_page(customer=customer, before=before)
    context = {"customer": customer, "statement": statement, "statement_rows": _statement_rows(request, statement),
               "brought_forward": money(request, statement.brought_forward)}
    if request.htmx and statement.before is not None:
        response = render(request, "ledger/_statement_rows.html", {**context, "loaded": True})
    else:
        context.update({
            "open_dues": customer_open_dues(customer=customer),
            **customer_share_context(customer=customer, shop=request.shop),  # share link + pending claims panel
            "shop_tax_line": markets.tax_number_line(request.shop, shop=request.shop),  # the printed header
            "reminder_options": reminder_options(shop=request.shop, customer=customer),
        })
        response = render(request, "ledger/customer_account.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@shop_required
def due_create(request, customer_id):
    """Record credit given to the customer (``DueForm``, one-time key); warns above the credit limit."""
    customer = get_object_or_404(Customer, shop=request.shop, pk=customer_id)
    require_permission(request, "entry.create")
    form = DueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            due = services.due_create(shop=request.shop, customer=customer, created_by=request.user,
                                      membership=request.membership,
                                      **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Recorded a due of %(amount)s for %(name)s.")
                             % {"amount": money(request, due.amount), "name": customer.name})
            updated = due.customer  # the service's locked copy, with the new balance
            if updated.credit_limit is not None and updated.balance > updated.credit_limit:
                messages.warning(request, _("%(name)s now owes %(balance)s, above the credit limit of %(limit)s.")
                                 % {"name": customer.name, "balance": money(request, updated.balance),
                                    "limit": money(request, updated.credit_limit)})
            return redirect(customer)
    return render(request, "ledger/due_form.html", {"form": form, "customer": customer})


@shop_required
def payment_create(request, customer_id):
    """Record a payment (``PaymentForm``): to the due chosen (``?due=<id>`` preselects it) or oldest dues first."""
    customer = get_object_or_404(Customer, shop=request.shop, pk=customer_id)
    require_permission(request, "entry.create")
    initial = {}
    if request.method == "GET" and request.GET.get("due", "").isdigit():
        initial["due"] = int(request.GET["due"])
    form = PaymentForm(request.POST or None, shop=request.shop, initial=initial,
                       open_dues=lambda: customer_open_dues(customer=customer))
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.payment_create(shop=request.shop, customer=customer, created_by=request.user,
                                              membership=request.membership,
                                              **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Recorded a payment of %(amount)s from %(name)s.")
                             % {"amount": money(request, payment.amount), "name": customer.name})
            return redirect(customer)
    return render(request, "ledger/payment_form.html", {"form": form, "customer": customer})


@shop_required
def due_mark_paid(request, due_id):
    """Shows the amount outstanding on the due and asks how it was paid, then records it."""
    due = get_object_or_404(Due.objects.select_related("customer"), shop=request.shop, pk=due_id)
    require_permission(request, "entry.create")
    form = MarkPaidForm(request.POST or None, shop=request.shop)
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.due_mark_paid(shop=request.shop, due=due, created_by=request.user,
                                             membership=request.membership,
                                             **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Marked “%(description)s” as paid (%(amount)s received, %(method)s).")
                             % {"description": due.description, "amount": money(request, payment.amount),
                                "method": markets.method_in_sentence(payment)})
            return redirect(due.customer)
    return render(request, "ledger/mark_paid_form.html", {"form": form, "due": due, "customer": due.customer})


def _void_texts(label: str) -> dict[str, str]:
    """The void page's texts for an entry of kind ``label`` (``"due"``, ``"payment"`` or ``"refund"``)."""
    if label == "due":
        return {"title": _("Void due"), "question": _("Void this due?"),
                "done": _("The due is void. Balances and allocations were updated.")}
    if label == "refund":
        return {"title": _("Void refund"), "question": _("Void this refund?"),
                "done": _("The refund is void. Balances and allocations were updated.")}
    return {"title": _("Void payment"), "question": _("Void this payment?"),
            "done": _("The payment is void. Balances and allocations were updated.")}


def _void_view(request, entry, void_service, label):
    texts = _void_texts(label)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            void_service(shop=request.shop, reason=form.cleaned_data["reason"], voided_by=request.user,
                         membership=request.membership)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, texts["done"])
            return redirect(entry.customer)
    return render(request, "ledger/void_form.html", {"form": form, "entry": entry, "label": label, "texts": texts,
                                                      "customer": entry.customer})


@shop_required
def due_void(request, due_id):
    """Void a due with a reason (``entry.void``: owners and managers)."""
    due = get_object_or_404(Due.objects.select_related("customer"), shop=request.shop, pk=due_id)
    require_permission(request, "entry.void")
    return _void_view(request, due, partial(services.due_void, due=due), "due")


@shop_required
def refund_create(request, customer_id):
    """Pay some or all of the customer's credit back (``refund.create``: owners and managers)."""
    customer = get_object_or_404(Customer, shop=request.shop, pk=customer_id)
    require_permission(request, "refund.create")
    form = RefundForm(request.POST or None, shop=request.shop,
                      initial={"amount": services.customer_credit(customer) or None})
    if request.method == "POST" and form.is_valid():
        try:
            refund = services.refund_create(shop=request.shop, customer=customer, created_by=request.user,
                                            membership=request.membership, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Refunded %(amount)s of credit to %(name)s (%(method)s).")
                             % {"amount": money(request, refund.amount), "name": customer.name,
                                "method": markets.method_in_sentence(refund)})
            return redirect(customer)
    return render(request, "ledger/refund_form.html", {"form": form, "customer": customer,
                                                       "credit": services.customer_credit(customer)})


@shop_required
def refund_void(request, refund_id):
    """Void a refund with a reason (the credit is the customer's again; ``entry.void``)."""
    refund = get_object_or_404(Refund.objects.select_related("customer"), shop=request.shop, pk=refund_id)
    require_permission(request, "entry.void")
    return _void_view(request, refund, partial(services.refund_void, refund=refund), "refund")


@shop_required
def payment_void(request, payment_id):
    """Void a payment with a reason (the dues it paid open again; ``entry.void``)."""
    payment = get_object_or_404(Payment.objects.select_related("customer"), shop=request.shop, pk=payment_id)
    require_permission(request, "entry.void")
    return _void_view(request, payment, partial(services.payment_void, payment=payment), "payment")
