from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"

    def ready(self):
        # accounts cannot import ledger (DESIGN §2); it announces new shops with a signal.
        from accounts.signals import shop_registered
        from ledger.messaging import welcome_on_registration

        shop_registered.connect(welcome_on_registration, dispatch_uid="ledger.welcome_email")
