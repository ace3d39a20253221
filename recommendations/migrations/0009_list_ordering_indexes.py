"""Indexes that serve the API's list orderings: links by `created_at`, measures by `date` (each with the id tiebreak
that StableOrderingFilter adds)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0008_recommendation_history"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="billlink",
            index=models.Index(fields=["created_at", "id"], name="billlink_created_at_order"),
        ),
        migrations.AddIndex(
            model_name="measure",
            index=models.Index(fields=["date", "id"], name="measure_date_order"),
        ),
    ]
