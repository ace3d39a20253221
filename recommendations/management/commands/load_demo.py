"""`manage.py load_demo`: the demo snapshot through the real importer, with its links. Idempotent."""

from django.core.management.base import BaseCommand, CommandError

from legislation.importers import summary_line
from legislation.selectors import demo_snapshot_metadata
from recommendations.demo import DemoDataError, demo_load


class Command(BaseCommand):
    help = "Load the demo snapshot of real bills (through the Open States importer) and their links (safe to rerun)."

    def handle(self, *args: object, **options: object) -> None:
        try:
            result = demo_load()
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        sessions, links = result.sessions, result.links
        self.stdout.write(
            f"sessions: {sessions.created} created, {sessions.updated} updated, {sessions.unchanged} unchanged"
        )
        self.stdout.write(f"bills: {summary_line(result.run)}")
        self.stdout.write(
            f"links: {links['insert']} inserted, {links['update']} updated, {links['noop']} unchanged; "
            f"progress recomputed for {result.progress} recommendation/jurisdiction pairs"
        )
        measures, measure_links = result.measures, result.measure_links
        self.stdout.write(
            f"measures: {measures['insert']} inserted, {measures['update']} updated, {measures['noop']} unchanged; "
            f"their links: {measure_links['insert']} inserted, {measure_links['update']} updated, "
            f"{measure_links['noop']} unchanged"
        )
        self.stdout.write(f"demo snapshot of {demo_snapshot_metadata()['snapshot_date']} loaded")
