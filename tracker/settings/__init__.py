"""Development settings (the default `tracker.settings`): everything from base.py with laptop defaults.

`tracker.settings.test` and `tracker.settings.production` set their own environment defaults before they read
base.py, so base.py is loaded here only when this package itself is the settings module.
"""

import os

if os.environ.get("DJANGO_SETTINGS_MODULE", "tracker.settings") == "tracker.settings":
    from .base import *  # noqa: F403
