"""`manage.py import_bills SOURCE PATH [PATH ...]`: saved API responses of one source into the database.

See legislation/importers/files.py for the files each source accepts, and docs/importing.md. Exits non-zero
(CommandError) when a file could not be read or a record failed, after importing everything else.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from legislation.importers import SOURCES, import_files, summary_line
from legislation.models import ImportRunStatus


class Command(BaseCommand):
    help = (
        "Import saved API responses: Open States /bills pages, bill objects and bulk zips; LegiScan getBill, "
        "dataset bill files, getMasterList responses and dataset ZIPs; Congress.gov bill responses with their "
        "/actions responses. Prints the counts inserted, updated, unchanged and failed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", choices=SOURCES, help="Where the files come from.")
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="Saved responses or bulk zips.")

    def handle(self, *args: object, source: str, paths: list[Path], **options: object) -> None:
        # A progress bar only for people watching a terminal; logs and pipes get the summary line alone.
        bar = tqdm(unit=" bills", file=sys.stderr, leave=False) if self.stdout.isatty() else None
        try:
            run = import_files(source=source, paths=paths, on_progress=bar.update if bar is not None else None)
        finally:
            if bar is not None:
                bar.close()
        for error in run.errors:
            self.stderr.write(f"{error['where']}: {error['message']}")
        self.stdout.write(f"{source}: {summary_line(run)} (import run {run.pk}, {run.note})")
        if run.status != ImportRunStatus.SUCCEEDED:
            first = run.errors[0] if run.errors else {"where": "", "message": "see the import run"}
            raise CommandError(
                f"{source} import incomplete ({run.failed} records failed, {len(run.errors)} errors); "
                f"first: {first['where']}: {first['message']}"
            )
