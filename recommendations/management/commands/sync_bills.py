"""`manage.py sync_bills SOURCE [--jurisdiction X] [--since DATE] [--discover]`: the scheduled sync, by hand.

Runs the same services as the Celery tasks, in this process, one scope (source x jurisdiction) after another, each
under the same lock the tasks take. By default it syncs the bills linked to a recommendation (what beat syncs);
``--all-stored`` syncs every stored bill of the jurisdictions instead. ``--discover`` also runs the saved searches
at the source. ``--backfill`` loads whole sessions instead (LegiScan dataset ZIPs of the ``--jurisdiction`` states,
or Open States bulk zips by URL or path). Prints one line per scope and a summary. Exit status: 0 when every
scope succeeded; 1 when a scope failed or partly failed; 3 when a scope was busy (another worker holds its lock:
nothing was synced for it, which is not a success either).

It lives in recommendations, not legislation, because knowing which bills are tracked (links) and running saved
searches are recommendations' business; legislation's services take the bill ids.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from legislation.choices import Source
from legislation.importers import summary_line
from legislation.models import Bill, ImportRun, ImportRunStatus
from legislation.sources.http import SourceError
from legislation.sync import (
    ScopeBusy,
    bill_ids_to_poll,
    has_key,
    legiscan_dataset_backfill,
    no_key_note,
    openstates_bulk_backfill,
    record_skipped,
    scope_lock,
    source_sync,
    sync_scope,
)
from legislation.sync.plan import sync_plan
from recommendations.discovery import discovery_run, discovery_scope
from recommendations.models import BillLink, SavedSearch


def parse_since(value: str) -> datetime:
    """A date (midnight UTC) or an ISO datetime (UTC unless it says otherwise)."""
    try:
        moment = datetime.fromisoformat(value) if "T" in value or " " in value else None
        if moment is None:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day)
    except ValueError:
        raise CommandError(f"--since: not a date or ISO datetime: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = (
        "Sync bills from a source now, as the scheduled tasks do: the bills linked to recommendations (or every "
        "stored bill with --all-stored), per jurisdiction; --discover also runs the saved searches."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", choices=[*Source.values, "all"])
        parser.add_argument(
            "--jurisdiction", "-j", action="append", default=[], help="Postal code (ca, us); repeat for more."
        )
        parser.add_argument("--since", type=parse_since, help="Ask for updates since DATE instead of the cursor.")
        parser.add_argument("--discover", action="store_true", help="Also run the saved searches at the source.")
        parser.add_argument(
            "--all-stored", action="store_true", help="Sync every stored bill, not only the ones linked."
        )
        parser.add_argument(
            "--backfill",
            nargs="*",
            metavar="LOCATION",
            help="Bulk backfill instead: LegiScan datasets of the --jurisdiction states (skipped when their "
            "dataset_hash is unchanged), or Open States bulk zips at these URLs or paths.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sources = Source.values if options["source"] == "all" else [options["source"]]
        wanted = {code.lower() for code in options["jurisdiction"]}
        runs: list[ImportRun] = []
        self.busy: list[str] = []
        if options["backfill"] is not None:
            self._summary(self._backfill(options["source"], wanted, options["backfill"]))
            return
        for source in sources:
            if not has_key(source):
                run = record_skipped(source=source, scope="sync", note=no_key_note(source))
                self.stdout.write(self.style.WARNING(f"{source}: {run.note}"))
                continue
            for jurisdiction, bill_ids in self._scopes(source, wanted, all_stored=options["all_stored"]):
                sync = partial(
                    source_sync, source, jurisdiction=jurisdiction, bill_ids=bill_ids, since=options["since"]
                )
                runs += self._run(f"{source} {jurisdiction}", source, sync_scope(jurisdiction), sync, progress=True)
            if options["discover"]:
                for search in SavedSearch.objects.filter(active=True).select_related("recommendation"):
                    if search.runs_on(source):
                        scope = discovery_scope(search)
                        discover = partial(discovery_run, search=search, source=source)
                        runs += self._run(f"{source} {scope}", source, scope, discover)
        self._summary(runs)

    def _scopes(self, source: str, wanted: set[str], *, all_stored: bool) -> list[tuple[str, list[int] | None]]:
        """(jurisdiction, bill ids) to sync: the plan the scheduler would make, or every stored bill."""
        if all_stored:
            codes = set(Bill.objects.values_list("jurisdiction__code", flat=True).distinct())
            codes = {"us"} & codes if source == Source.CONGRESS else codes - {"us"}
            return [(code, None) for code in sorted(codes & wanted if wanted else codes)]
        tracked = sorted(set(BillLink.objects.values_list("bill_id", flat=True)))
        plan = sync_plan(bill_ids=bill_ids_to_poll(bill_ids=tracked), sources=[source])
        scopes = [(code, ids) for (_, code), ids in sorted(plan.items()) if not wanted or code in wanted]
        if not scopes:
            self.stdout.write(
                f"{source}: no tracked bills to sync" + (f" in {', '.join(sorted(wanted))}" if wanted else "")
            )
        return scopes

    def _run(
        self, label: str, source: str, scope: str, call: Callable[..., ImportRun], *, progress: bool = False
    ) -> list[ImportRun]:
        # A progress bar only for people watching a terminal; logs and pipes get the lines alone.
        bar = (
            tqdm(desc=label, unit=" bills", file=sys.stderr, leave=False)
            if progress and self.stdout.isatty()
            else None
        )
        try:
            with scope_lock(source, scope):
                run = call(on_progress=bar.update) if bar else call()
        except ScopeBusy as exc:
            self.stderr.write(self.style.ERROR(f"{label}: busy, not synced: {exc}"))
            self.busy.append(label)
            return []
        except SourceError as exc:
            run = getattr(exc, "import_run", None)
            if run is None:
                raise
        finally:
            if bar:
                bar.close()
        style = self.style.SUCCESS if run.status == ImportRunStatus.SUCCEEDED else self.style.WARNING
        duration = f"{run.duration.total_seconds():.1f} s" if run.duration else "-"
        self.stdout.write(
            style(f"{label}: {run.status}: {summary_line(run)}; {run.requests} requests; {duration} (run {run.pk})")
        )
        for error in run.errors[:5]:
            self.stderr.write(f"  {error.get('where', '')}: {error.get('message', '')}")
        return [run]

    def _backfill(self, source: str, states: set[str], locations: list[str]) -> list[ImportRun]:
        if source == Source.LEGISCAN and states and not locations:
            runs = [run for state in sorted(states) for run in legiscan_dataset_backfill(state=state)]
        elif source == Source.OPENSTATES and locations:
            runs = [openstates_bulk_backfill(location=location) for location in locations]
        else:
            raise CommandError(
                "--backfill: LegiScan takes --jurisdiction states; Open States takes bulk zip URLs or paths"
            )
        for run in runs:
            self.stdout.write(f"{run.source} {run.scope}: {run.status}: {summary_line(run)}; {run.requests} requests")
        return runs

    def _summary(self, runs: list[ImportRun]) -> None:
        totals = {
            name: sum(getattr(run, name) for run in runs)
            for name in ("inserted", "updated", "unchanged", "failed", "requests")
        }
        failed = [run for run in runs if run.status in (ImportRunStatus.FAILED, ImportRunStatus.PARTIAL)]
        self.stdout.write(
            f"{len(runs)} scopes, {totals['requests']} requests: {totals['inserted']} inserted, {totals['updated']} "
            f"updated, {totals['unchanged']} unchanged, {totals['failed']} failed"
        )
        if failed:
            raise CommandError(f"{len(failed)} of {len(runs)} scopes did not fully succeed; see the import runs")
        if self.busy:
            raise CommandError(
                f"{len(self.busy)} scopes busy, not synced (another worker holds their lock; run again when it is "
                f"done): {', '.join(self.busy)}",
                returncode=3,
            )
