"""The tracker's admin site: its titles, and what its change lists share (long text cut to fit a laptop screen).

Installed through `tracker.apps.TrackerAdminConfig` in place of `django.contrib.admin`, so `admin.site` and every
`@admin.register` use it. Its stylesheet is `static/admin/tracker.css`, linked by `templates/admin/base_site.html`.
"""

import datetime

from django.contrib import admin
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.timezone import localtime


class TrackerAdminSite(admin.AdminSite):
    site_header = "Recommendation tracker administration"
    site_title = "Recommendation tracker admin"
    index_title = "Bills, recommendations and sync"


def truncated(text: str, length: int = 60) -> str | SafeString:
    """`text` cut to `length` characters for a change list column, whole in its tooltip."""
    short = Truncator(text).chars(length)
    return text if short == text else format_html('<span title="{}">{}</span>', text, short)


def short_datetime(value: datetime.datetime | None) -> str | SafeString:
    """A time in a change list column: `2026-11-27 14:05`, broken (if at all) between the date and the time
    (Django's default spells the month and a.m./p.m., twice as wide)."""
    if value is None:
        return admin.site.empty_value_display
    value = localtime(value)
    return format_html('<span class="nowrap">{}</span> {}', date_format(value, "Y-m-d"), date_format(value, "H:i"))
