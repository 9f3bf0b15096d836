"""Billing views, one module per area: ``catalogue``, ``invoices``, ``documents``
(print/PDF), ``drawer`` (notes and coins), ``cash`` (cash book, pay-outs, day close)."""
