from django.urls import path

from ledger.views import entries as views
from ledger.views import history, reminders, statements
from messaging import views as message_log

app_name = "ledger"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("customers/<int:customer_id>/", views.customer_account, name="customer_account"),
    path("customers/<int:customer_id>/dues/new/", views.due_create, name="due_create"),
    path("customers/<int:customer_id>/payments/new/", views.payment_create, name="payment_create"),
    path("dues/<int:due_id>/mark-paid/", views.due_mark_paid, name="due_mark_paid"),
    path("dues/<int:due_id>/void/", views.due_void, name="due_void"),
    path("payments/<int:payment_id>/void/", views.payment_void, name="payment_void"),
    path("customers/<int:customer_id>/refunds/new/", views.refund_create, name="refund_create"),
    path("refunds/<int:refund_id>/void/", views.refund_void, name="refund_void"),
    # Message log (messaging's pages; their names and paths stay the ledger's)
    path("messages/", message_log.message_list, name="message_list"),
    path("customers/<int:customer_id>/messages/", message_log.customer_messages, name="customer_messages"),
    path("customers/<int:customer_id>/history/", history.customer_history, name="customer_history"),
    # Reminders and click-to-chat
    path("customers/<int:customer_id>/remind/", reminders.customer_remind, name="customer_remind"),
    path("customers/<int:customer_id>/whatsapp/", reminders.customer_whatsapp, name="customer_whatsapp"),
    path("customers/<int:customer_id>/sms/", reminders.customer_sms, name="customer_sms"),
    # Shareable statements and payment claims
    path("customers/<int:customer_id>/statement-link/", statements.statement_link_create,
         name="statement_link_create"),
    path("customers/<int:customer_id>/statement-link/revoke/", statements.statement_link_revoke,
         name="statement_link_revoke"),
    path("claims/", statements.claim_list, name="claim_list"),
    path("claims/<int:claim_id>/confirm/", statements.claim_confirm, name="claim_confirm"),
    path("claims/<int:claim_id>/reject/", statements.claim_reject, name="claim_reject"),
    path("s/<str:token>/", statements.public_statement, name="public_statement"),
    path("s/<str:token>/pdf/", statements.public_statement_pdf, name="public_statement_pdf"),
    path("s/<str:token>/paid/", statements.public_statement_claim, name="public_statement_claim"),
]
