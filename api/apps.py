from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self):
        # The OpenAPI extensions (authentication schemes) register themselves on import.
        from api import schema  # noqa: F401
