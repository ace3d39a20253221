"""The weekly beat entry that syncs session calendars (django-celery-beat; staff see and change it in the admin).

Created once, matched by name, like recommendations' 0004_default_sync_schedules: an entry staff edited or
disabled is left alone.
"""

from django.db import migrations

NAME = "Session calendars: Congress, Open States, LegiScan (weekly)"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="5", day_of_week="1", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "legislation.sessions_sync",
            "kwargs": "{}",
            "crontab": crontab,
            "description": "Sessions' dates, years and sine die from each source (Open States: 1 request; "
            "LegiScan: 1 getSessionList per state with LegiScan bills; Congresses computed), Mondays before the "
            "daily session-end check, which then lets the pending bills of ended sessions die.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("legislation", "0007_session_identity"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
