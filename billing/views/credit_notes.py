"""Credit note pages (issue #15): raise one against an invoice, the list, the detail,
and its documents (A4 page, 80 mm receipt, PDF) like an invoice's."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from accounts.permissions import require_permission
from accounts.tenancy import shop_required
from billing.forms.credit_notes import CreditNoteForm
from billing.models import CreditNote, Invoice, InvoiceLine
from billing.selectors.credit_notes import credit_note_document, credit_note_list
from billing.services import BillingError
from billing.services import credit_notes as services
from core.pdf import render_pdf
from core.views import form_error

A4_TEMPLATE = "billing/documents/credit_note_a4.html"
RECEIPT_TEMPLATE = "billing/documents/credit_note_receipt.html"


def _note(request, credit_note_id) -> CreditNote:
    notes = CreditNote.objects.select_related("shop", "invoice", "customer", "created_by")
    return get_object_or_404(notes, shop=request.shop, pk=credit_note_id)


@shop_required
def credit_note_create(request, invoice_id):
    """Raise a credit note against the invoice: quantities returned per line (``?all=1``
    prefills everything left), reason, date, how the money goes back."""
    invoice = get_object_or_404(Invoice.objects.select_related("customer", "due"), shop=request.shop, pk=invoice_id)
    require_permission(request, "credit_note.create")
    lines = list(InvoiceLine.objects.filter(shop=request.shop, invoice=invoice).order_by("position"))
    returned = services.returned_quantities(invoice=invoice)
    form = CreditNoteForm(request.POST or None, invoice=invoice, lines=lines, returned=returned,
                          return_all=request.GET.get("all") == "1")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            note = services.credit_note_create(
                shop=request.shop, invoice=invoice, quantities=form.quantities(), reason=data["reason"],
                refund_method=data["refund_method"], issued_on=data["issued_on"], created_by=request.user,
                membership=request.membership, idempotency_key=data.get("idempotency_key"))
        except BillingError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Credit note %(number)s raised: %(summary)s") % {
                "number": note.number, "summary": services.credit_note_summary(note)})
            return redirect(note)
    return render(request, "billing/credit_note_form.html", {
        "form": form, "invoice": invoice, "nothing_left": not any(name for _l, _q, name in form.line_rows)})


@shop_required
def credit_note_list_view(request):
    """All credit notes, newest first (25 a page)."""
    page = Paginator(credit_note_list(shop=request.shop), 25).get_page(request.GET.get("page"))
    return render(request, "billing/credit_note_list.html", {"page": page})


@shop_required
def credit_note_detail(request, credit_note_id):
    note = _note(request, credit_note_id)
    document = credit_note_document(note=note)
    return render(request, "billing/credit_note_detail.html", {
        **document, "summary": services.credit_note_summary(note)})


@shop_required
def credit_note_print(request, credit_note_id):
    """The A4 credit note as a printable page."""
    return render(request, A4_TEMPLATE, {**credit_note_document(note=_note(request, credit_note_id)), "pdf": False})


@shop_required
def credit_note_receipt(request, credit_note_id):
    """The 80 mm return slip."""
    return render(request, RECEIPT_TEMPLATE, credit_note_document(note=_note(request, credit_note_id)))


@shop_required
@cache_control(private=True, no_store=True)
def credit_note_pdf(request, credit_note_id):
    """The A4 credit note as a PDF download (``CN-26-27-0001.pdf``)."""
    document = credit_note_document(note=_note(request, credit_note_id))
    html = render_to_string(A4_TEMPLATE, {**document, "pdf": True}, request=request)
    response = HttpResponse(render_pdf(html, base_url=request.build_absolute_uri("/")),
                            content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=document["filename"])
    return response
