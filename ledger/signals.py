"""Signals the ledger sends so that a later app can follow its cash entries.

The apps import left to right only (DESIGN §2): ``billing`` keeps the cash drawer's
cash book, but the ledger, which records payments and refunds, must not import billing.
So the ledger services send these signals **inside their transaction** (a receiver's
error rolls the ledger entry back with it), and ``billing`` connects its receivers in
``BillingConfig.ready()``. Receivers must not write ledger rows. Every signal has
``sender`` = the model class and these keyword arguments:

``payment_recorded``: ``shop``, ``payment`` (the new ``Payment``) and ``at_counter``
    (bool: True when an invoice posted it at the counter, whose cash the counter records
    itself).
``payment_voided``: ``shop``, ``payment`` (just voided).
``refund_recorded``: ``shop``, ``refund`` (the new ``Refund``).
``refund_voided``: ``shop``, ``refund`` (just voided).
"""

from django.dispatch import Signal

payment_recorded = Signal()
payment_voided = Signal()
refund_recorded = Signal()
refund_voided = Signal()
