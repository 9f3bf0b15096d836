from django.urls import path

from ledger import views

app_name = "ledger"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("customers/<int:customer_id>/", views.customer_account, name="customer_account"),
    path("customers/<int:customer_id>/dues/new/", views.due_create, name="due_create"),
    path("customers/<int:customer_id>/payments/new/", views.payment_create, name="payment_create"),
    path("dues/<int:due_id>/mark-paid/", views.due_mark_paid, name="due_mark_paid"),
    path("dues/<int:due_id>/void/", views.due_void, name="due_void"),
    path("payments/<int:payment_id>/void/", views.payment_void, name="payment_void"),
]
