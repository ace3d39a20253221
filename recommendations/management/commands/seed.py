"""`manage.py seed`: the report, its audiences and recommendations, and every jurisdiction. Idempotent."""

from django.core.management.base import BaseCommand

from legislation.services import jurisdictions_seed
from recommendations.services import report_seed


class Command(BaseCommand):
    help = "Load the report, its audiences and recommendations, and every jurisdiction (safe to run again)."

    def handle(self, *args: object, **options: object) -> None:
        for label, seed in (("jurisdictions", jurisdictions_seed), ("report", report_seed)):
            counts = seed()
            self.stdout.write(
                f"{label}: {counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged"
            )
