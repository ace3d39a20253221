"""ImportRun: the worker that runs it and its heartbeat, and the status `interrupted` (legislation.importers.runs)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("legislation", "0005_jurisdiction_ocd_id_optional"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="importrun",
            name="worker",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="importrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("running", "Running"),
                    ("succeeded", "Succeeded"),
                    ("partial", "Partly failed"),
                    ("failed", "Failed"),
                    ("skipped", "Skipped"),
                    ("interrupted", "Interrupted"),
                ],
                default="running",
                max_length=20,
            ),
        ),
    ]
