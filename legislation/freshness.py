"""Data freshness per source and jurisdiction: the last successful sync, and whether it is overdue.

A scope is ``stale`` when its last success is older than its schedule plus ``SYNC_STALE_MARGIN_MINUTES``: a source
that has been down (or refusing us) for longer than one period shows as stale rather than silently old. The period
is read from the beat schedule staff can edit (``recommendations.sync_tracked`` entries and the sources in their
kwargs), falling back to the defaults the data migration creates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from .choices import Source
from .models import ImportRun, ImportRunStatus

SYNC_SCOPE_PREFIX = "sync:"
DEFAULT_INTERVALS = {
    Source.OPENSTATES.value: timedelta(hours=1),
    Source.LEGISCAN.value: timedelta(hours=1),
    Source.CONGRESS.value: timedelta(hours=6),
}
_PERIODS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "microseconds": 1e-6}


@dataclass(frozen=True)
class ScopeFreshness:
    source: str
    jurisdiction: str
    last_success_at: datetime | None
    last_attempt_at: datetime
    last_status: str
    expected_every: timedelta
    stale: bool


def sync_intervals() -> dict[str, timedelta]:
    """How often each source is scheduled to sync, from the enabled beat entries (shortest wins)."""
    from django_celery_beat.models import PeriodicTask

    intervals: dict[str, timedelta] = {}
    entries = PeriodicTask.objects.filter(task="recommendations.sync_tracked", enabled=True).select_related(
        "interval", "crontab"
    )
    for entry in entries:
        try:
            sources = json.loads(entry.kwargs or "{}").get("sources", [])
        except (ValueError, AttributeError):
            continue
        if entry.interval is not None:
            every = timedelta(seconds=entry.interval.every * _PERIODS.get(entry.interval.period, 3600))
        elif entry.crontab is not None:
            every = timedelta(days=1)  # a crontab runs at least daily in any schedule staff would set here
        else:
            continue
        for source in sources:
            intervals[source] = min(every, intervals.get(source, every))
    return {**DEFAULT_INTERVALS, **intervals}


def sync_freshness(*, now: datetime | None = None) -> list[ScopeFreshness]:
    """Every jurisdiction each source has synced (or tried to), with its last success and a stale flag."""
    now = now or timezone.now()
    intervals = sync_intervals()
    margin = timedelta(minutes=settings.SYNC_STALE_MARGIN_MINUTES)
    runs = ImportRun.objects.filter(scope__startswith=SYNC_SCOPE_PREFIX).exclude(status=ImportRunStatus.SKIPPED)
    successes = {
        (row["source"], row["scope"]): row["last"]
        for row in runs.successful().values("source", "scope").annotate(last=Max("finished_at"))
    }
    attempts = runs.values("source", "scope").annotate(last=Max("started_at"))
    condition = Q(pk__in=[])
    for row in attempts:
        condition |= Q(source=row["source"], scope=row["scope"], started_at=row["last"])
    latest: dict[tuple[str, str], tuple[datetime, str]] = {}
    for source, scope, started_at, status in (
        runs.filter(condition).order_by("started_at", "pk").values_list("source", "scope", "started_at", "status")
    ):
        latest[(source, scope)] = (started_at, status)
    result = []
    for (source, scope), (attempt, status) in sorted(latest.items()):
        success = successes.get((source, scope))
        every = intervals.get(source, timedelta(days=1))
        result.append(
            ScopeFreshness(
                source=source,
                jurisdiction=scope.removeprefix(SYNC_SCOPE_PREFIX),
                last_success_at=success,
                last_attempt_at=attempt,
                last_status=status,
                expected_every=every,
                stale=success is None or now - success > every + margin,
            )
        )
    return result
