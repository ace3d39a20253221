from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "Public API"

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers the OpenAPI extensions)
        from .cache import connect_receivers

        connect_receivers()
