"""Signals the accounts app sends.

``shop_registered`` is the one place where accounts notifies a later app. The apps
import left to right only (DESIGN §2: billing → ledger → messaging → customers →
accounts → core), so accounts must not import messaging to queue the welcome email;
instead the registration view sends this signal and ``messaging`` connects its receiver
in ``MessagingConfig.ready()`` (``messaging.receivers.welcome_on_registration``). Add no
business logic to signals otherwise: services call each other directly where the import
direction allows.
"""

from django.dispatch import Signal

# Sent by ``accounts.views.register`` after ``accounts.services.shop_register`` has
# committed. Keyword arguments: ``shop`` (the new Shop), ``user`` (its owner) and
# ``request`` (the registration request, for absolute links), with ``sender=Shop``.
shop_registered = Signal()
