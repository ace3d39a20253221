"""WSGI entry point: Django, behind the public API pages a process keeps in memory (api/local.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

django_application = get_wsgi_application()

from api.local import LocalPages  # noqa: E402  (needs the settings set up above)

application = LocalPages(django_application)
