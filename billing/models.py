"""Billing (products, stock, invoices): see DESIGN §6. Models arrive with the billing issue."""
