"""Billing views, one module per area: ``catalogue``, ``invoices``, ``documents``
(print/PDF), ``drawer``."""
