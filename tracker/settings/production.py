"""Production settings: fail fast without a secret key or allowed hosts; HTTPS everywhere."""

import os

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_DEBUG", "false")

from .base import *  # noqa: F403
from .base import env, task_routes

try:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
except ImproperlyConfigured as exc:
    raise ImproperlyConfigured(f"Production needs DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS: {exc}") from exc
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Production needs DJANGO_ALLOWED_HOSTS (comma-separated host names).")
if DEBUG:  # noqa: F405
    raise ImproperlyConfigured("DJANGO_DEBUG must be false in production.")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Health probes (load balancer, containers) call /healthz over the internal network in plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# One queue for the work that calls the sources, one for what goes out (alerts, webhooks, exports): workers per queue
# (deploy/Procfile.production); anything else (tracker.ping) stays on Celery's default queue `celery`.
CELERY_TASK_ROUTES = task_routes(
    sources=env.str("CELERY_SOURCES_QUEUE", default="sources"),
    outbound=env.str("CELERY_OUTBOUND_QUEUE", default="outbound"),
)
