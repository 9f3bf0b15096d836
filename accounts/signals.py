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

# Sent by ``accounts.services.staff.invite_create`` inside its transaction, once per new
# invite (never for a repeated form). Keyword arguments: ``invite`` (the saved Invite),
# ``accept_path`` (the path of its accept page, with the raw token: the only place the
# token is given out) and ``request`` (or ``None``, for absolute links), with
# ``sender=Invite``. ``messaging`` queues the invitation email (its receiver
# ``messaging.receivers.invite_email_on_create``); a failure to queue undoes the invite.
invite_created = Signal()
