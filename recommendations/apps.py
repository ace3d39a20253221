from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recommendations"

    def ready(self) -> None:
        # Progress follows bill stages moved by imports (legislation sends the signal, it never imports us).
        from . import receivers  # noqa: F401
