"""Celery tasks of the API: small, idempotent, calling the same functions as the commands."""

from __future__ import annotations

from celery import shared_task


# Reading every table of a million bills takes minutes; the default 10-minute limit is too short for that.
@shared_task(name="api.exports_build", soft_time_limit=45 * 60, time_limit=50 * 60)
def exports_build() -> list[str]:
    """Rebuild today's bulk exports (call after an import). Running it twice only rewrites the same files."""
    from .exports import exports_build as build

    return [str(path) for path in build()]
