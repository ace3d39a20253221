"""The tracker project: settings, Celery app, root URLs and site-wide views."""

from .celery import app as celery_app

__all__ = ("celery_app",)
