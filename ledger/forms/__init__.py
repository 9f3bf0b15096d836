"""Ledger forms, one module per area: ``entries`` (due, payment, mark as paid, refund,
void) and ``statements`` (the customer's "I have paid" report, the shopkeeper's decision).
They parse and check input; the rules are the services' (``ledger.services``)."""
