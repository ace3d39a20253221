"""`manage.py load_recommendations FILE.yaml [--dry-run]`: add or update recommendations and their sub-items from a
file in `recommendations/data/report.yaml`'s format. Idempotent; a dry run prints what would change and writes
nothing."""

from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommendations.services import recommendations_load


class Command(BaseCommand):
    help = (
        "Add or update the report's recommendations and their sub-items (list items with page, verbatim text and "
        "evidence level) from a YAML file in report.yaml's format. Safe to run again; --dry-run writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A YAML file in recommendations/data/report.yaml's format.")
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; write nothing.")

    def handle(self, *args: object, file: Path, dry_run: bool, **options: object) -> None:
        try:
            result = recommendations_load(path=file, dry_run=dry_run)
        except FileNotFoundError as exc:
            raise CommandError(f"{file}: no such file.") from exc
        except (yaml.YAMLError, KeyError, TypeError, ValidationError) as exc:
            raise CommandError(f"{file}: not in report.yaml's format ({type(exc).__name__}: {exc}).") from exc
        prefix = "would " if dry_run else ""
        for line in result.changes:
            self.stdout.write(f"{prefix}{line}")
        counts = result.counts
        verb = "would be " if dry_run else ""
        self.stdout.write(
            f"{counts.created} {verb}created, {counts.updated} {verb}updated, {counts.unchanged} unchanged"
            + (" (dry run: nothing written)" if dry_run else "")
        )
