"""Default beat schedules of the digests (django-celery-beat): staff see and change them in the admin.

Created once, matched by name, as the sync schedules are (recommendations migration 0004): a schedule staff edited
or disabled is left alone. The daily digest covers the day before (UTC), the weekly one Monday to Sunday.
"""

from django.db import migrations

CRONTABS = [
    {
        "name": "Alerts: daily digests",
        "task": "alerts.send_digests",
        "kwargs": '{"frequency": "daily"}',
        "minute": "0",
        "hour": "7",
        "day_of_week": "*",
        "description": "Each confirmed daily subscription gets yesterday's changes of what it follows, setbacks "
        "first (nothing when nothing changed); a day is sent once.",
    },
    {
        "name": "Alerts: weekly digests",
        "task": "alerts.send_digests",
        "kwargs": '{"frequency": "weekly"}',
        "minute": "10",
        "hour": "7",
        "day_of_week": "1",
        "description": "Each confirmed weekly subscription gets last week's changes (Monday to Sunday), setbacks "
        "first; a week is sent once.",
    },
]


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for spec in CRONTABS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=spec["minute"],
            hour=spec["hour"],
            day_of_week=spec["day_of_week"],
            day_of_month="*",
            month_of_year="*",
            timezone="UTC",
        )
        PeriodicTask.objects.get_or_create(
            name=spec["name"],
            defaults={
                "task": spec["task"],
                "kwargs": spec["kwargs"],
                "crontab": crontab,
                "description": spec["description"],
            },
        )


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[spec["name"] for spec in CRONTABS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_subscriptions_webhooks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
