"""The data migration's beat schedules: the daily and weekly digests, each calling a registered task."""

from __future__ import annotations

import json

from django_celery_beat.models import PeriodicTask

from tracker.celery import app


def test_digest_schedules_exist_and_name_a_registered_task(db):
    app.loader.import_default_modules()
    daily = PeriodicTask.objects.get(name="Alerts: daily digests")
    weekly = PeriodicTask.objects.get(name="Alerts: weekly digests")
    for entry in (daily, weekly):
        assert entry.task in app.tasks
        assert entry.enabled
    assert json.loads(daily.kwargs) == {"frequency": "daily"}
    assert json.loads(weekly.kwargs) == {"frequency": "weekly"}
    assert (daily.crontab.hour, daily.crontab.day_of_week) == ("7", "*")
    assert (weekly.crontab.hour, weekly.crontab.day_of_week) == ("7", "1")
