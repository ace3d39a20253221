"""Default beat schedules of the sync (django-celery-beat): staff see and change them in the admin.

Created once, matched by name: a schedule staff edited or disabled is left alone, and removing this migration
removes only schedules still named as here.
"""

from django.db import migrations

INTERVALS = [
    {
        "name": "Sync tracked bills: Open States and LegiScan (hourly)",
        "task": "recommendations.sync_tracked",
        "kwargs": '{"sources": ["openstates", "legiscan"]}',
        "every": 1,
        "period": "hours",
        "description": "Bills linked to a recommendation, from sessions in progress or just ended; one task per "
        "source and jurisdiction. A source without a key records a skipped run.",
    },
    {
        "name": "Sync tracked bills: Congress.gov (every 6 hours)",
        "task": "recommendations.sync_tracked",
        "kwargs": '{"sources": ["congress"]}',
        "every": 6,
        "period": "hours",
        "description": "Bills of Congress linked to a recommendation, from the /bill list of updates since the last run.",
    },
]
CRONTABS = [
    {
        "name": "Discovery: run saved searches (daily)",
        "task": "recommendations.discover_all",
        "kwargs": "{}",
        "minute": "15",
        "hour": "6",
        "description": "Each active saved search at each of its sources; found bills go to the triage queue.",
    },
    {
        "name": "Session-end check (daily)",
        "task": "legislation.sessions_close",
        "kwargs": "{}",
        "minute": "30",
        "hour": "5",
        "description": "Pending bills of sessions that are over turn to died (or carried over).",
    },
]


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for spec in INTERVALS:
        interval, _ = IntervalSchedule.objects.get_or_create(every=spec["every"], period=spec["period"])
        PeriodicTask.objects.get_or_create(
            name=spec["name"],
            defaults={
                "task": spec["task"],
                "kwargs": spec["kwargs"],
                "interval": interval,
                "description": spec["description"],
            },
        )
    for spec in CRONTABS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=spec["minute"],
            hour=spec["hour"],
            day_of_week="*",
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
    PeriodicTask.objects.filter(name__in=[spec["name"] for spec in INTERVALS + CRONTABS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0003_staff_groups"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
