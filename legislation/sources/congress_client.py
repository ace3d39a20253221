"""Congress.gov API v3 over HTTP: the ``/bill`` list by update time, a bill, and its actions.

Every request carries ``api_key`` and ``format=json`` (the API answers XML without it) and bill types in lower case
(``hr``, ``s``, ``hjres``...). Lists take ``limit`` up to 250 and page through ``pagination.next``, which does not
carry the key: the client takes that URL's query, adds the key and the format again, and asks the same endpoint at
its own base URL (so a proxy or a fake server keeps working). ``fromDateTime`` filters on the record's update time
(``YYYY-MM-DDTHH:MM:SSZ``), not on legislative dates, and pages can repeat a bill. The key allows 5,000 requests
an hour; the client stops while ``X-Ratelimit-Remaining`` is at ``CONGRESS_MIN_REMAINING`` or below.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
from django.conf import settings

from legislation.choices import Source

from .http import HeaderQuota, MalformedResponse, RateLimiter, SourceClient

MAX_LIMIT = 250
BILL_TYPES = frozenset({"hr", "s", "hjres", "sjres", "hconres", "sconres", "hres", "sres"})


def format_datetime(moment: datetime) -> str:
    """``2025-07-27T00:00:00Z``, the form ``fromDateTime`` and ``toDateTime`` take."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def bill_type(value: str) -> str:
    """A bill type as the API takes it: lower case, no dots or spaces ("H.J.Res." -> "hjres")."""
    normalised = "".join(ch for ch in value.lower() if ch.isalpha())
    if normalised not in BILL_TYPES:
        raise ValueError(f"not a Congress.gov bill type: {value!r}")
    return normalised


def congress_limiter() -> RateLimiter:
    return RateLimiter(Source.CONGRESS.value, quotas=(HeaderQuota("congress", settings.CONGRESS_MIN_REMAINING),))


class CongressClient(SourceClient):
    source = Source.CONGRESS.value

    @classmethod
    def from_settings(cls, **kwargs: Any) -> CongressClient:
        kwargs.setdefault("limiter", congress_limiter())
        return cls(base_url=settings.CONGRESS_BASE_URL, api_key=settings.CONGRESS_API_KEY, **kwargs)

    def prepare(self, params: list[tuple[str, Any]], headers: dict[str, str]) -> None:
        params[:] = [(name, value) for name, value in params if name not in ("api_key", "format")]
        params.extend([("api_key", self.api_key), ("format", "json")])

    def _pages(self, path: str, params: list[tuple[str, Any]], key: str, operation: str) -> Iterator[dict[str, Any]]:
        """Every page of a list endpoint, following ``pagination.next``."""
        while True:
            payload = self.get_json(path, params, operation=operation)
            if not isinstance(payload, dict) or not isinstance(payload.get(key), list):
                raise MalformedResponse(f"expected a {key!r} list", source=self.source, url=path)
            yield payload
            following = (payload.get("pagination") or {}).get("next")
            if not following:
                return
            params = list(httpx.URL(following).params.multi_items())

    def bill_list(
        self, *, from_datetime: datetime, to_datetime: datetime | None = None, limit: int = MAX_LIMIT
    ) -> Iterator[dict[str, Any]]:
        """Pages of ``/bill`` updated in the window, oldest update first: ``{"bills": [...], "pagination": ...}``."""
        params: list[tuple[str, Any]] = [
            ("fromDateTime", format_datetime(from_datetime)),
            ("sort", "updateDate asc"),
            ("limit", min(limit, MAX_LIMIT)),
            ("offset", 0),
        ]
        if to_datetime:
            params.insert(1, ("toDateTime", format_datetime(to_datetime)))
        return self._pages("/bill", params, "bills", "bill list")

    def bill(self, congress: int | str, kind: str, number: int | str) -> dict[str, Any]:
        payload = self.get_json(f"/bill/{int(congress)}/{bill_type(kind)}/{int(number)}", operation="bill")
        if not isinstance(payload, dict) or not isinstance(payload.get("bill"), dict):
            raise MalformedResponse("expected a 'bill' object", source=self.source, url="/bill")
        return payload

    def bill_actions(self, congress: int | str, kind: str, number: int | str) -> dict[str, Any]:
        """All of a bill's actions in one response (pages merged), in the ``/actions`` shape."""
        path = f"/bill/{int(congress)}/{bill_type(kind)}/{int(number)}/actions"
        pages = list(self._pages(path, [("limit", MAX_LIMIT)], "actions", "bill actions"))
        merged = dict(pages[0])
        merged["actions"] = [action for page in pages for action in page["actions"]]
        return merged
