from django.apps import AppConfig


class AlertsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "alerts"

    def ready(self) -> None:
        # Alerts follow changes recorded by the other apps (their signals; neither imports alerts).
        from . import receivers  # noqa: F401
