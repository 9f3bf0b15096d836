from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messages")

    def ready(self):
        # accounts cannot import messaging (DESIGN §2); it announces new shops with a signal.
        from accounts.signals import invite_created, shop_registered
        from messaging.receivers import invite_email_on_create, welcome_on_registration

        shop_registered.connect(welcome_on_registration, dispatch_uid="messaging.welcome_email")
        invite_created.connect(invite_email_on_create, dispatch_uid="messaging.invite_email")
