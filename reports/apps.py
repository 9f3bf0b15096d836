from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Read-only reports, charts and exports over the ledger and billing (DESIGN §2)."""

    name = "reports"
