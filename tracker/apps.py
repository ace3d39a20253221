"""The admin app with the tracker's own site (tracker/admin.py)."""

from django.contrib.admin.apps import AdminConfig


class TrackerAdminConfig(AdminConfig):
    default_site = "tracker.admin.TrackerAdminSite"
