"""`manage.py sync_sessions [SOURCE ...]`: session calendars from the sources (legislation/sync/calendars.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from legislation.choices import Source
from legislation.models import ImportRunStatus
from legislation.sync.calendars import sessions_sync


class Command(BaseCommand):
    help = "Sync session calendars (dates, years, sine die) from Congress (computed), Open States and LegiScan."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("sources", nargs="*", choices=[*Source.values, []], help="Default: all three.")

    def handle(self, *args: Any, sources: list[str], **options: Any) -> None:
        failed = []
        for source in sources or [Source.CONGRESS, Source.OPENSTATES, Source.LEGISCAN]:
            run = sessions_sync(source)
            self.stdout.write(f"{source}: {run.status}, {run.requests} requests; {run.note}")
            if run.status == ImportRunStatus.FAILED:
                failed.append(f"{source}: {run.errors[0]['message'] if run.errors else 'failed'}")
        if failed:
            raise CommandError("; ".join(failed))
