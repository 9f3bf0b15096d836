"""Shareable statements: the public page behind a secret link (no login), its PDF and
"I have paid" form, and the shopkeeper's side (share link buttons, payment claims).

The public views are the only views that look across shops: they find the active
link by its exact token under ``scopes_disabled()`` and do everything else, template
rendering included, inside ``scope(shop=link.shop)``, filtered by that customer. An
unknown and a revoked token get the same plain 404. Every public response carries
``X-Robots-Tag: noindex, nofollow``, ``Referrer-Policy: no-referrer`` and
``Cache-Control: private, no-store``.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_scopes import scope, scopes_disabled

from accounts.i18n import customer_language, supported
from accounts.permissions import require_permission
from accounts.tenancy import shop_required
from core.errors import DomainError
from core.pdf import render_pdf
from core.views import form_error, money
from customers.models import Customer
from ledger import markets
from ledger.forms.statements import ClaimDecisionForm, ClaimForm
from ledger.models import Payment, PaymentClaim
from ledger.selectors import statements as selectors
from ledger.services import statements as services

PUBLIC_TEMPLATE = "ledger/public_statement.html"
PDF_TEMPLATE = "ledger/public_statement_pdf.html"
#: The bare 404 page: ``%(lang)s`` is the language code, ``%(title)s`` the (escaped) "Not found".
NOT_FOUND_BODY = ("<!doctype html><html lang=\"%(lang)s\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"robots\" content=\"noindex, nofollow\"><title>%(title)s</title></head>"
                  "<body><h1>%(title)s</h1></body></html>")


def _public(view):
    """Mark a view public (no login) and put the privacy headers on all its answers."""

    @login_not_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "private, no-store"
        return response

    return wrapper


def _not_found():
    """The same bare 404 for an unknown and a revoked token: it says nothing more."""
    return HttpResponseNotFound(NOT_FOUND_BODY % {"lang": escape(get_language() or settings.LANGUAGE_CODE),
                                                  "title": escape(_("Not found"))})


def _language(request, link) -> str:
    """The public statement's language: the one picked on the page (``?lang=hi``), else
    the customer's, else the shop's."""
    return supported(request.GET.get("lang")) or customer_language(link.customer, link.shop)


def _find_link(token):
    with scopes_disabled():
        return selectors.active_link_by_token(token)


def _page(request, link, *, form=None, status=200):
    """Render the public page for ``link``; call inside ``scope(shop=link.shop)``."""
    data = selectors.public_statement_data(link=link)
    context = {
        "shop": data.shop, "customer": data.customer, "data": data, "token": link.token,
        "form": form or ClaimForm(shop=link.shop), "claim_sent": request.GET.get("sent") == "1",
    }
    return render(request, PUBLIC_TEMPLATE, context, status=status)


@_public
@require_GET
def public_statement(request, token):
    """The customer's statement, open to whoever holds the link."""
    link = _find_link(token)
    if link is None:
        return _not_found()
    with scope(shop=link.shop), translation.override(_language(request, link)):
        return _page(request, link)


@_public
@require_GET
def public_statement_pdf(request, token):
    """The same statement as an A4 PDF download."""
    link = _find_link(token)
    if link is None:
        return _not_found()
    with scope(shop=link.shop), translation.override(_language(request, link)):
        data = selectors.public_statement_data(link=link)
        today = timezone.localdate()
        html = render_to_string(PDF_TEMPLATE, {"shop": data.shop, "customer": data.customer, "data": data})
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"statement-{today:%Y-%m-%d}.pdf")
    return response


@csrf_exempt
@_public
@require_POST
def public_statement_claim(request, token):
    """The customer's "I have paid" report: a pending claim, nothing posted to the ledger.

    Exempt from CSRF checks, deliberately: the page's ``Referrer-Policy: no-referrer``
    makes browsers send ``Origin: null`` with the form, which Django's origin check
    refuses; and there is nothing to forge, as the view uses no cookie or session (the
    secret token in the URL is the only credential, and a forger who has it can post
    directly). It also keeps the public page free of cookies.
    """
    link = _find_link(token)
    if link is None:
        return _not_found()
    language = _language(request, link)
    with scope(shop=link.shop), translation.override(language):
        form = ClaimForm(request.POST, shop=link.shop)
        if not form.is_valid():
            return _page(request, link, form=form)
        try:
            services.claim_create(link=link, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
            return _page(request, link, form=form, status=200 if exc.field else 429)
    return redirect(reverse("ledger:public_statement", kwargs={"token": link.token}) + f"?sent=1&lang={language}#paid")


# The shopkeeper's side --------------------------------------------------------------------

def _share_anchor(customer) -> str:
    return customer.get_absolute_url() + "#share"


@require_POST
@shop_required
def statement_link_create(request, customer_id):
    """Create the customer's share link (``reminder.send``), or with ``regenerate`` set,
    replace it by a new one (``link.revoke``: owners and managers; the old link stops
    working at once)."""
    customer = get_object_or_404(Customer, shop=request.shop, pk=customer_id)
    require_permission(request, "link.revoke" if request.POST.get("regenerate") else "reminder.send")
    try:
        if request.POST.get("regenerate"):
            services.statement_link_regenerate(shop=request.shop, customer=customer, created_by=request.user,
                                               membership=request.membership)
            messages.success(request, _("A new share link was made. The old link no longer works."))
        else:
            _link, created = services.statement_link_get_or_create(shop=request.shop, customer=customer,
                                                                   created_by=request.user,
                                                                   membership=request.membership)
            if created:
                done = _("Share link created: send it to %(name)s.")
            else:
                done = _("Share link ready: send it to %(name)s.")
            messages.success(request, done % {"name": customer.name})
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(_share_anchor(customer))


@require_POST
@shop_required
def statement_link_revoke(request, customer_id):
    """Switch the customer's share link off (``link.revoke``: owners and managers)."""
    customer = get_object_or_404(Customer, shop=request.shop, pk=customer_id)
    require_permission(request, "link.revoke")
    try:
        services.statement_link_revoke(shop=request.shop, customer=customer, membership=request.membership)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The share link was revoked. It no longer works."))
    return redirect(_share_anchor(customer))


@shop_required
def claim_list(request):
    """Payment reports from customers: pending ones to decide, then recent decisions."""
    return render(request, "ledger/claims.html", selectors.claim_list_data(shop=request.shop))


def _decide(request, claim_id, decide, done_message):
    """Run ``decide`` on the claim; ``done_message(request, claim)`` says what was done."""
    claim = get_object_or_404(PaymentClaim.objects.select_related("customer"), shop=request.shop, pk=claim_id)
    require_permission(request, "entry.create")
    form = ClaimDecisionForm(request.POST, allowed_hosts={request.get_host()})
    target = (form.cleaned_data["next"] if form.is_valid() else "") or reverse("ledger:claim_list")
    try:
        decided = decide(shop=request.shop, claim=claim, decided_by=request.user, membership=request.membership)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done_message(request, decided))
    return redirect(target)


def _confirmed(request, claim) -> str:
    values = {"amount": money(request, claim.amount), "name": claim.customer.name}
    if claim.payment.method == Payment.Method.UPI:
        return _("Confirmed: a UPI payment of %(amount)s from %(name)s was recorded.") % values
    return (_("Confirmed: a payment of %(amount)s from %(name)s was recorded (%(method)s).")
            % {**values, "method": markets.method_in_sentence(claim.payment)})


def _rejected(request, claim) -> str:
    return (_("Rejected the report of %(amount)s from %(name)s. Nothing was recorded.")
            % {"amount": money(request, claim.amount), "name": claim.customer.name})


@require_POST
@shop_required
def claim_confirm(request, claim_id):
    """Confirm a payment report: records the payment in the customer's account (by UPI in
    India, M-Pesa in Kenya …: ``ledger.markets.claim_method``)."""
    return _decide(request, claim_id, services.claim_confirm, _confirmed)


@require_POST
@shop_required
def claim_reject(request, claim_id):
    """Reject a payment report: nothing is recorded."""
    return _decide(request, claim_id, services.claim_reject, _rejected)
