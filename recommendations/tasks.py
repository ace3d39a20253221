"""Celery tasks of the recommendations app: the schedulers that know which bills matter, and discovery.

Beat runs :func:`sync_tracked` (hourly for Open States and LegiScan, every 6 hours for Congress.gov): it hands the
ids of the bills linked to any recommendation to ``legislation.sync_fan_out``, so legislation never asks what links
to its bills. :func:`discover_all` (daily) sends one :func:`discover` task per saved search and source.
"""

from __future__ import annotations

import logging

from celery import Task, shared_task

logger = logging.getLogger(__name__)

# Selecting ids and sending tasks: quick.
SCHEDULER_SOFT_TIME_LIMIT = 2 * 60
SCHEDULER_TIME_LIMIT = 3 * 60
# One search at one source: a few list requests and at most DISCOVERY_MAX_NEW_BILLS detail requests, each bounded
# by the HTTP timeout and its retries. The soft limit records what was found before the hard kill.
DISCOVERY_SOFT_TIME_LIMIT = 8 * 60
DISCOVERY_TIME_LIMIT = 9 * 60


@shared_task(
    name="recommendations.sync_tracked",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SCHEDULER_SOFT_TIME_LIMIT,
    time_limit=SCHEDULER_TIME_LIMIT,
)
def sync_tracked(sources: list[str]) -> dict:
    """Sync every bill linked to a recommendation from ``sources`` (one task per source and jurisdiction)."""
    from legislation.tasks import sync_fan_out

    from .models import BillLink

    bill_ids = sorted(set(BillLink.objects.values_list("bill_id", flat=True)))
    return sync_fan_out(bill_ids, sources)


@shared_task(
    name="recommendations.discover_all",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SCHEDULER_SOFT_TIME_LIMIT,
    time_limit=SCHEDULER_TIME_LIMIT,
)
def discover_all() -> dict:
    """One :func:`discover` task per active saved search and source with a key; a skipped run per keyless source."""
    from legislation.sync import SOURCE_NAMES, has_key, no_key_note, record_skipped

    from .models import SavedSearch

    searches = list(SavedSearch.objects.filter(active=True).order_by("pk"))
    sent = 0
    for source in SOURCE_NAMES:
        wanted = [search for search in searches if search.runs_on(source)]
        if not wanted:
            continue
        if not has_key(source):
            record_skipped(source=source, scope="discovery", note=no_key_note(source))
            continue
        for search in wanted:
            discover.delay(search.pk, source)
            sent += 1
    return {"searches": len(searches), "tasks": sent}


@shared_task(
    name="recommendations.discover",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=DISCOVERY_SOFT_TIME_LIMIT,
    time_limit=DISCOVERY_TIME_LIMIT,
)
def discover(self: Task, search_id: int, source: str) -> dict:
    """Run one saved search at one source; retried on transient errors like the syncs."""
    from django.conf import settings

    from legislation.sources.http import TransientSourceError
    from legislation.sync import ScopeBusy, scope_lock
    from legislation.tasks import retry_countdown

    from .discovery import discovery_run, discovery_scope
    from .models import SavedSearch

    search = SavedSearch.objects.filter(pk=search_id, active=True).select_related("recommendation").first()
    if search is None:
        return {"status": "gone"}
    try:
        with scope_lock(source, discovery_scope(search)):
            run = discovery_run(search=search, source=source)
    except ScopeBusy:
        return {"status": "busy"}
    except TransientSourceError as exc:
        if self.request.retries >= settings.SYNC_TASK_MAX_RETRIES:
            raise
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries, exc.retry_after)) from None
    return {"status": run.status, "run": run.pk, "requests": run.requests}
