"""Development settings (the default `tracker.settings`): everything from base.py with laptop defaults."""

from .base import *  # noqa: F403
