from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messages"

    def ready(self):
        # accounts cannot import messaging (DESIGN §2); it announces new shops with a signal.
        from accounts.signals import shop_registered
        from messaging.receivers import welcome_on_registration

        shop_registered.connect(welcome_on_registration, dispatch_uid="messaging.welcome_email")
