from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and shops"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from core import sqlite

        connection_created.connect(sqlite.configure, dispatch_uid="core.sqlite.configure")
        post_migrate.connect(sqlite.analyze_after_migrate, sender=self, dispatch_uid="core.sqlite.analyze")
