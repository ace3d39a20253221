"""Reads that only the API needs: how fresh the imported data is."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from legislation.choices import Source
from legislation.importers.runs import death_of, public_scope
from legislation.models import SESSION_RUN_SCOPE_PREFIX, ImportRun, ImportRunStatus
from legislation.selectors import demo_snapshot


def freshness_threshold() -> timedelta:
    return timedelta(hours=int(getattr(settings, "API_FRESHNESS_STALE_HOURS", 48)))


def _status(run: dict[str, Any], now: datetime) -> str:
    """A run's status, except that a run still marked running whose process died reads `interrupted` (the
    worker's check, legislation.importers.runs, writes it soon after)."""
    if run["status"] == ImportRunStatus.RUNNING and death_of(
        worker=run["worker"], heartbeat_at=run["heartbeat_at"], started_at=run["started_at"], now=now
    ):
        return ImportRunStatus.INTERRUPTED
    return run["status"]


def freshness(*, now: datetime | None = None, stale_after: timedelta | None = None) -> dict[str, Any]:
    """For each source: its last successful import (and per scope), its last attempt, and whether it is stale,
    i.e. has had no success within `stale_after` (API_FRESHNESS_STALE_HOURS). A source's own figures count only
    runs that import bills: its session calendar and session-closing runs (scopes `sessions:...`) are listed among
    its scopes but neither make it fresh nor stand as its last attempt."""
    now = now or timezone.now()
    stale_after = stale_after or freshness_threshold()
    successes = (
        ImportRun.objects.successful()
        .filter(finished_at__isnull=False)
        .values("source", "scope")
        .annotate(last=Max("finished_at"))
        .order_by("source", "scope")
    )
    scopes: dict[str, list[dict[str, Any]]] = {source: [] for source in Source.values}
    for row in successes:
        scopes.setdefault(row["source"], []).append(
            {
                "scope": public_scope(row["scope"]),
                "last_success_at": row["last"],
                "stale": now - row["last"] > stale_after,
            }
        )
    # One small indexed query per source (there are three): the latest run, whatever its outcome.
    latest = {
        source: ImportRun.objects.filter(source=source)
        .bill_imports()
        .order_by("-started_at", "-id")
        .values("started_at", "status", "worker", "heartbeat_at")
        .first()
        for source in scopes
    }
    sources = []
    for source, source_scopes in scopes.items():
        last_success = max(
            (
                item["last_success_at"]
                for item in source_scopes
                if not item["scope"].startswith(SESSION_RUN_SCOPE_PREFIX)
            ),
            default=None,
        )
        attempt = latest.get(source)
        sources.append(
            {
                "source": source,
                "last_success_at": last_success,
                "last_attempt_at": attempt["started_at"] if attempt else None,
                "last_status": _status(attempt, now) if attempt else None,
                "stale": last_success is None or now - last_success > stale_after,
                "scopes": source_scopes,
            }
        )
    snapshot = demo_snapshot()
    return {
        "checked_at": now,
        "demo_snapshot": asdict(snapshot) if snapshot else None,
        "stale_after_hours": int(stale_after.total_seconds() // 3600),
        "stale": any(item["stale"] for item in sources),
        "sources": sources,
    }
