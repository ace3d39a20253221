"""StageChange: one index on (bill, seen_at, id) in place of the plain index on bill.

A jurisdiction's changefeed reads the changes of its bills by this index when it has few of them, instead of walking
every change by time; a bill's page reads its changes in order from it. It leads with `bill`, so it serves the
foreign key's lookups too (cascading deletes), and the foreign key's own index goes.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("legislation", "0003_bill_search_gin")]

    operations = [
        migrations.AddIndex(
            model_name="stagechange",
            index=models.Index(fields=["bill", "seen_at", "id"], name="stagechange_bill_seen_at"),
        ),
        migrations.AlterField(
            model_name="stagechange",
            name="bill",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="stage_changes",
                to="legislation.bill",
            ),
        ),
    ]
