"""Receivers of other apps' signals. ``MessagingConfig.ready()`` connects them."""

import logging

from accounts.models import Shop
from messaging.services import invite_email_queue, welcome_email_queue

logger = logging.getLogger(__name__)


def welcome_on_registration(sender, *, shop: Shop, user, request=None, **kwargs) -> None:
    """Receiver of ``accounts.signals.shop_registered``: queue the welcome email.

    A failure is logged, never raised: the registration itself has succeeded.
    """
    try:
        welcome_email_queue(shop=shop, user=user, request=request)
    except Exception:
        logger.exception("Could not queue the welcome email for shop %s", shop.pk)


def invite_email_on_create(sender, *, invite, accept_path: str, request=None, **kwargs) -> None:
    """Receiver of ``accounts.signals.invite_created``: queue the invitation email. An
    error is raised, not logged: the invite is undone with it (it is useless unsent)."""
    invite_email_queue(invite=invite, accept_path=accept_path, request=request)
