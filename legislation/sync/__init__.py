"""Live sync from the sources: keep the tracked bills current, spending requests only on what changed.

One service per source, each for one scope (a jurisdiction), each writing one ImportRun (source, scope, requests,
counts, errors, duration); the Celery tasks (``legislation/tasks.py``) and ``manage.py sync_bills`` call the same
services. Which bills are tracked is the caller's to say (``bill_ids``): legislation never asks what links to a bill.
See ``docs/sync.md`` for keys, schedules and request budgets.
"""

from collections.abc import Callable, Collection
from datetime import datetime

from legislation.models import ImportRun

from .backfill import legiscan_dataset_backfill, openstates_bulk_backfill
from .common import SOURCE_NAMES, ScopeBusy, has_key, no_key_note, record_skipped, scope_lock, sync_scope
from .congress import congress_sync
from .legiscan import legiscan_sync
from .openstates import openstates_sync
from .sessions import bill_ids_to_poll, sessions_close

__all__ = [
    "SOURCE_NAMES",
    "ScopeBusy",
    "bill_ids_to_poll",
    "congress_sync",
    "has_key",
    "legiscan_dataset_backfill",
    "legiscan_sync",
    "no_key_note",
    "openstates_bulk_backfill",
    "openstates_sync",
    "record_skipped",
    "scope_lock",
    "sessions_close",
    "source_sync",
    "sync_scope",
]


def source_sync(
    source: str,
    *,
    jurisdiction: str,
    bill_ids: Collection[int] | None = None,
    since: datetime | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportRun:
    """The sync of ``source`` for one jurisdiction (Congress.gov syncs ``us`` only; LegiScan needs no window)."""
    if source == "openstates":
        return openstates_sync(jurisdiction=jurisdiction, bill_ids=bill_ids, since=since, on_progress=on_progress)
    if source == "legiscan":
        return legiscan_sync(jurisdiction=jurisdiction, bill_ids=bill_ids, on_progress=on_progress)
    if source == "congress":
        if jurisdiction.lower() != "us":
            raise ValueError("Congress.gov has the bills of Congress only (jurisdiction us)")
        return congress_sync(bill_ids=bill_ids, since=since, on_progress=on_progress)
    raise ValueError(f"unknown source {source!r}")
