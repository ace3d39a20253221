"""`manage.py merge_sessions [--dry-run] [--jurisdiction CODE]`: merge sessions and bills stored once per source."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from legislation.merge import sessions_merge
from legislation.models import Bill, BillExternalId, LegislativeSession


class Command(BaseCommand):
    help = "Merge sessions (and their bills) that different sources reported separately (legislation/merge.py)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Report what would be merged; write nothing.")
        parser.add_argument("--jurisdiction", help="Only this jurisdiction (postal code, us for Congress).")
        parser.add_argument("--session", type=int, help="A staff decision: merge this session (id) ...")
        parser.add_argument("--into", type=int, help="... into this one (id), e.g. from a session match review.")

    def handle(
        self,
        *args: Any,
        dry_run: bool,
        jurisdiction: str | None,
        session: int | None,
        into: int | None,
        **options: Any,
    ) -> None:
        if bool(session) != bool(into):
            raise CommandError("--session and --into go together")
        before = _counts()
        try:
            report = sessions_merge(
                dry_run=dry_run, jurisdiction=jurisdiction, pair=(session, into) if session else None
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(("dry run: " if dry_run else "") + report.run.note)
        self.stdout.write(f"before: {before}")
        self.stdout.write(f"after:  {_counts()}" if not dry_run else "after:  unchanged (dry run)")


def _counts() -> str:
    return (
        f"{LegislativeSession.objects.count()} sessions, {Bill.objects.count()} bills, "
        f"{BillExternalId.objects.count()} bill ids"
    )
