"""Open States API v3 over HTTP: ``/bills`` pages (by jurisdiction and ``updated_since``, or by ``q``).

The key goes in ``X-API-KEY``. ``per_page`` is at most 20 for bills; ``include=`` parts cost no extra request. The
default key allows 10 requests a minute and 250 a day (429 comes without ``Retry-After``); the budgets are settings
so a paid tier can raise them. Errors are ``{"detail": ...}`` bodies.

``updated_since`` is compared by the API as text against PostgreSQL's rendering of the update time
(``cast(updated_at, String) >= updated_since`` in openstates/api-v3 ``api/bills.py``), which looks like
``2025-03-01 13:00:00.123+00``. So it is sent as ``YYYY-MM-DD HH:MM:SS`` in UTC: no trailing ``Z`` (it would sort
after every time of that second) and a space, not ``T``: with ``T`` every update later on the same day would sort
before the parameter and be missed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from legislation.choices import Source

from .http import CacheQuota, MalformedResponse, RateLimiter, SourceClient, utcnow

BILL_INCLUDES = ("actions", "sponsorships", "sources", "abstracts")
MAX_PER_PAGE = 20


def format_updated_since(moment: datetime) -> str:
    """``2025-03-01 12:00:00`` (UTC, no ``Z``, space-separated): see the module docstring."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def openstates_limiter(
    *, now: Callable[[], datetime] = utcnow, sleep: Callable[[float], None] = time.sleep
) -> RateLimiter:
    """The budgets of the key (a minute's, which is waited for, and a day's) on a clock: `now` and `sleep`."""
    return RateLimiter(
        Source.OPENSTATES.value,
        quotas=(
            CacheQuota("openstates", settings.OPENSTATES_RATE_PER_MINUTE, "minute", now=now),
            CacheQuota("openstates", settings.OPENSTATES_RATE_PER_DAY, "day", now=now),
        ),
        max_wait=settings.SYNC_RATE_MAX_WAIT,
        sleep=sleep,
    )


class OpenStatesClient(SourceClient):
    source = Source.OPENSTATES.value

    @classmethod
    def from_settings(cls, **kwargs: Any) -> OpenStatesClient:
        kwargs.setdefault("limiter", openstates_limiter())
        return cls(base_url=settings.OPENSTATES_BASE_URL, api_key=settings.OPENSTATES_API_KEY, **kwargs)

    def prepare(self, params: list[tuple[str, Any]], headers: dict[str, str]) -> None:
        headers["X-API-KEY"] = self.api_key

    def jurisdictions_page(self, *, page: int = 1, classification: str = "state") -> dict[str, Any]:
        """One ``/jurisdictions`` page with every jurisdiction's ``legislative_sessions`` (identifier, name,
        classification, start and end dates): 52 states, DC and Puerto Rico fit in one page of 52."""
        params: list[tuple[str, Any]] = [
            ("classification", classification),
            ("include", "legislative_sessions"),
            ("page", page),
            ("per_page", 52),
        ]
        payload = self.get_json("/jurisdictions", params, operation="jurisdictions")
        if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
            raise MalformedResponse(
                "expected {results: [...], pagination: {...}}", source=self.source, url="/jurisdictions"
            )
        return payload

    def bills_page(
        self,
        *,
        jurisdiction: str | None = None,
        q: str | None = None,
        updated_since: datetime | None = None,
        sort: str = "updated_asc",
        page: int = 1,
        per_page: int = MAX_PER_PAGE,
        include: Iterable[str] = BILL_INCLUDES,
    ) -> dict[str, Any]:
        """One ``/bills`` page: ``{"results": [...], "pagination": {"per_page", "page", "max_page",
        "total_items"}}``. The API needs ``jurisdiction`` or ``q``."""
        if not (jurisdiction or q):
            raise ValueError("Open States /bills needs a jurisdiction or q")
        params: list[tuple[str, Any]] = [("sort", sort), ("page", page), ("per_page", min(per_page, MAX_PER_PAGE))]
        if jurisdiction:
            params.append(("jurisdiction", jurisdiction))
        if q:
            params.append(("q", q))
        if updated_since:
            params.append(("updated_since", format_updated_since(updated_since)))
        params.extend(("include", part) for part in include)
        payload = self.get_json("/bills", params, operation="bills")
        if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
            raise MalformedResponse("expected {results: [...], pagination: {...}}", source=self.source, url="/bills")
        return payload
