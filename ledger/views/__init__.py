"""Ledger views, one module per area: ``entries`` (dashboard, the customer's account,
dues, payments, refunds, voids), ``reminders`` (remind by email, WhatsApp, SMS) and
``statements`` (shareable statements and payment claims). The message log's pages are
``messaging.views``; ``ledger/urls.py`` keeps their ``ledger:`` names and paths."""
