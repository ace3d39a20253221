"""Links keep their recommendation's place in the report (audience order, then recommendation order, as one
number), so that an index serves the links' default order instead of a sort of every link."""

from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery

POSITION_STEP = 32_768  # recommendations.models.POSITION_STEP when this was written


def fill_positions(apps, schema_editor):
    Recommendation = apps.get_model("recommendations", "Recommendation")
    BillLink = apps.get_model("recommendations", "BillLink")
    position = (
        Recommendation.objects.filter(pk=OuterRef("recommendation_id"))
        .annotate(position=F("audience__order") * POSITION_STEP + F("order"))
        .values("position")
    )
    BillLink.objects.update(position=Subquery(position[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0009_list_ordering_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="billlink",
            name="position",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(fill_positions, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="billlink",
            index=models.Index(fields=["position", "bill", "measure", "id"], name="billlink_report_order"),
        ),
    ]
