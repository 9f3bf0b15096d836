from django.urls import path

from billing.views import (
    backup,
    cash,
    catalogue,
    credit_notes,
    documents,
    drawer,
    history,
    imports,
    invoice_email,
    invoices,
    scan,
)

app_name = "billing"

urlpatterns = [
    # Catalogue and stock
    path("products/", catalogue.product_list, name="product_list"),
    path("products/new/", catalogue.product_create, name="product_create"),
    path("products/<int:product_id>/", catalogue.product_detail, name="product_detail"),
    path("products/<int:product_id>/edit/", catalogue.product_edit, name="product_edit"),
    path("products/<int:product_id>/stock/", catalogue.product_stock, name="product_stock"),
    path("products/<int:product_id>/history/", history.product_history, name="product_history"),
    path("categories/", catalogue.category_list, name="category_list"),
    path("categories/<int:category_id>/edit/", catalogue.category_edit, name="category_edit"),
    # Invoices
    path("invoices/", invoices.invoice_list, name="invoice_list"),
    path("invoices/new/", invoices.invoice_create, name="invoice_create"),
    path("invoices/new/products/", invoices.product_search, name="invoice_product_search"),
    path("invoices/new/customers/", invoices.customer_search, name="invoice_customer_search"),
    path("invoices/new/scan/", scan.product_scan, name="invoice_product_scan"),
    path("invoices/new/line/", invoices.invoice_line, name="invoice_line"),
    path("invoices/new/totals/", invoices.invoice_totals, name="invoice_totals"),
    path("invoices/<int:invoice_id>/", invoices.invoice_detail, name="invoice_detail"),
    path("invoices/<int:invoice_id>/void/", invoices.invoice_void, name="invoice_void"),
    path("invoices/<int:invoice_id>/etims/", invoices.invoice_etims, name="invoice_etims"),
    path("invoices/<int:invoice_id>/print/", documents.invoice_print, name="invoice_print"),
    path("invoices/<int:invoice_id>/receipt/", documents.invoice_receipt, name="invoice_receipt"),
    path("invoices/<int:invoice_id>/pdf/", documents.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:invoice_id>/email/", invoice_email.invoice_email, name="invoice_email"),
    path("invoices/<int:invoice_id>/history/", history.invoice_history, name="invoice_history"),
    # Credit notes (sale returns)
    path("invoices/<int:invoice_id>/credit-notes/new/", credit_notes.credit_note_create, name="credit_note_create"),
    path("credit-notes/", credit_notes.credit_note_list_view, name="credit_note_list"),
    path("credit-notes/<int:credit_note_id>/", credit_notes.credit_note_detail, name="credit_note_detail"),
    path("credit-notes/<int:credit_note_id>/print/", credit_notes.credit_note_print, name="credit_note_print"),
    path("credit-notes/<int:credit_note_id>/receipt/", credit_notes.credit_note_receipt,
         name="credit_note_receipt"),
    path("credit-notes/<int:credit_note_id>/pdf/", credit_notes.credit_note_pdf, name="credit_note_pdf"),
    path("customers/<int:customer_id>/purchases/", invoices.customer_purchases, name="customer_purchases"),
    path("panels/sales/", invoices.sales_panel, name="sales_panel"),
    # Cash drawer
    path("drawer/", drawer.drawer, name="drawer"),
    path("drawer/book/", cash.cash_book, name="cash_book"),
    path("drawer/movements/new/", cash.cash_movement_create, name="cash_movement_create"),
    path("drawer/movements/<int:movement_id>/", cash.cash_movement_detail, name="cash_movement_detail"),
    path("drawer/close/", cash.drawer_close, name="drawer_close"),
    path("drawer/closes/", cash.cash_close_list, name="cash_close_list"),
    path("drawer/closes/<int:close_id>/", cash.cash_close_detail, name="cash_close_detail"),
    # Spreadsheet imports of customers and products
    path("imports/", imports.import_start, name="import_start"),
    path("imports/template/<slug:kind>.<slug:file_type>", imports.import_template, name="import_template"),
    path("imports/<int:job_id>/", imports.import_detail, name="import_detail"),
    path("imports/<int:job_id>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:job_id>/confirm/", imports.import_confirm, name="import_confirm"),
    path("imports/<int:job_id>/retry/", imports.import_retry, name="import_retry"),
    # The owner's backup download (Shop settings)
    path("backup/", backup.backup_download, name="backup_download"),
]
