"""Open States: the bills of one jurisdiction updated since the cursor, oldest update first.

One ``/bills`` request brings 20 bills with their actions, sponsorships, sources and abstracts (``include=`` costs
nothing more), so there are no detail requests: a sync costs one request per 20 bills updated in the jurisdiction
since the last one, and an unchanged jurisdiction costs one request.

Paging is by keyset, not by page number: each request asks for ``updated_since`` = the latest update seen so far,
``sort=updated_asc``, page 1. Page numbers would shift under a bill updated while we page (it jumps to the end),
skipping the one after it; the keyset never skips. The bill at the boundary comes back once more (``>=``), and
when a whole page shares one update time the next page number is asked instead. The cursor advances after every
page, so a run stopped by a failure or by ``SYNC_MAX_PAGES`` resumes where it stopped.

Of the bills listed, only the tracked ones are imported (the others are not the tracker's business).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from legislation.choices import Source
from legislation.models import ImportRun, Jurisdiction
from legislation.sources import openstates
from legislation.sources.openstates_client import MAX_PER_PAGE, OpenStatesClient, format_updated_since
from legislation.sources.records import ParseError, join_path, located

from .common import SyncRun, cursor_datetime, cursor_set, run_sync, sync_scope, tracked_bills, window_start

SOURCE = Source.OPENSTATES.value


def openstates_sync(
    *,
    jurisdiction: str,
    bill_ids: Collection[int] | None = None,
    since: datetime | None = None,
    client_factory: Callable[[], OpenStatesClient] = OpenStatesClient.from_settings,
    on_progress: Callable[[int], None] | None = None,
) -> ImportRun:
    """Keep the given bills of ``jurisdiction`` (a postal code; None: every stored bill there) current."""
    place = Jurisdiction.objects.get(code=jurisdiction.lower())
    scope = sync_scope(place.code)

    def body(sync: SyncRun) -> None:
        tracked = tracked_bills(source=SOURCE, jurisdiction=place, bill_ids=bill_ids)
        start = position = window_start(SOURCE, scope, since, now=timezone.now())
        page, seen, listed, matched = 1, set(), 0, 0
        cursor = cursor_datetime(SOURCE, scope)
        for _ in range(settings.SYNC_MAX_PAGES):
            payload = sync.client.bills_page(jurisdiction=place.ocd_id, updated_since=position, page=page)
            where = f"/bills?updated_since={format_updated_since(position)}&page={page}"
            with located(where, separator=" "):
                parsed = openstates.parse_bills_page(payload, alone=True)
            records = [record for record in parsed if not isinstance(record, ParseError)]
            for bad in parsed:
                if isinstance(bad, ParseError):  # this bill only: the others go on (the cursor passes it)
                    sync.fail(join_path(where, bad.where, " "), f"malformed bill: {bad.message}")
            fresh = [record for record in records if record.source_id not in seen]
            seen.update(record.source_id for record in fresh)
            listed += len(fresh)
            wanted = [record for record in fresh if tracked.match(record) is not None]
            matched += len(wanted)
            sync.import_records(where, wanted)
            sync.progress(len(fresh))
            latest = max((record.updated_at for record in records if record.updated_at), default=None)
            if latest is not None and (cursor is None or latest > cursor):  # the overlap must not move it back
                cursor_set(SOURCE, scope, latest.isoformat())
                cursor = latest
            if len(parsed) < MAX_PER_PAGE:
                break
            if latest is not None and latest > position:
                position, page = latest, 1
            else:
                page += 1
        else:
            sync.note(f"stopped after {settings.SYNC_MAX_PAGES} pages (SYNC_MAX_PAGES); the next run resumes")
        sync.note(f"{listed} bills updated since {format_updated_since(start)}, {matched} of them tracked")

    return run_sync(source=SOURCE, scope=scope, client_factory=client_factory, body=body, on_progress=on_progress)
