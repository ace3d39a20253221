"""`manage.py export_snapshot FILE`: write all editorial data (links, measures, progress overrides and proposals,
reviews, staff sub-items, bills' editorial fields, jurisdictions' facts, saved searches, triage decisions, session
match reviews and their history) to a versioned JSON-lines snapshot (recommendations/snapshot.py). `-` writes to
standard output."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from recommendations.snapshot import export_snapshot


class Command(BaseCommand):
    help = "Write all editorial data and its history to a JSON-lines snapshot that import_snapshot restores."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Where to write the snapshot (JSON lines); - for standard output.")

    def handle(self, *args: object, file: str, **options: object) -> None:
        now = timezone.now()
        if file == "-":
            export_snapshot(sys.stdout, exported_at=now)
            return
        path = Path(file)
        partial = path.with_name(path.name + ".partial")
        # Written beside the target and renamed when complete: a crash never leaves a cut file under the name.
        with open(partial, "w", encoding="utf-8") as stream:
            counts = export_snapshot(stream, exported_at=now)
        partial.replace(path)
        summary = ", ".join(f"{count} {kind}" for kind, count in counts.items()) or "nothing"
        self.stdout.write(f"{path}: {summary}")
