"""LegiScan Pull API over HTTP: ``https://api.legiscan.com/?key=KEY&op=OPERATION&params``.

Every answer carries ``status``: "OK", or "ERROR" with an ``alert.message``, and HTTP says 200 either way, so an
ERROR is raised here as a permanent error. The free key allows 30,000 queries a month; the client counts them in
the shared cache and never spends the last ``LEGISCAN_RESERVE`` (kept for people looking things up by hand).

Operations used, cheapest first: ``getMasterListRaw`` (every bill's ``change_hash`` in one query),
``getBill`` (only for bills whose hash changed), ``getSearchRaw`` (discovery, up to 2,000 results a query),
``getDatasetList`` / ``getDataset`` (weekly session ZIPs, fetched only when ``dataset_hash`` changed).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from django.conf import settings

from legislation.choices import Source

from .http import CacheQuota, MalformedResponse, PermanentSourceError, RateLimiter, SourceClient


def legiscan_limiter(used_this_month: Callable[[], int] | None = None) -> RateLimiter:
    """The month's budget minus the reserve. ``used_this_month`` seeds a counter the cache lost."""
    spendable = settings.LEGISCAN_MONTHLY_LIMIT - settings.LEGISCAN_RESERVE
    return RateLimiter(
        Source.LEGISCAN.value,
        quotas=(CacheQuota("legiscan", spendable, "month", initial=used_this_month),),
        max_wait=0,
    )


class LegiScanClient(SourceClient):
    source = Source.LEGISCAN.value

    @classmethod
    def from_settings(cls, *, used_this_month: Callable[[], int] | None = None, **kwargs: Any) -> LegiScanClient:
        kwargs.setdefault("limiter", legiscan_limiter(used_this_month))
        return cls(base_url=settings.LEGISCAN_BASE_URL, api_key=settings.LEGISCAN_API_KEY, **kwargs)

    def prepare(self, params: list[tuple[str, Any]], headers: dict[str, str]) -> None:
        params.insert(0, ("key", self.api_key))

    def check(self, payload: Any, url: str) -> Any:
        if not isinstance(payload, dict):
            raise MalformedResponse("expected a JSON object with a status", source=self.source, url=url)
        status = payload.get("status")
        if status == "ERROR":
            alert = payload.get("alert")
            message = alert.get("message") if isinstance(alert, dict) else None
            raise PermanentSourceError(
                f"LegiScan answered ERROR: {message or 'no message given'}", source=self.source, url=url
            )
        if status != "OK":
            raise MalformedResponse(f"expected status OK or ERROR, got {status!r}", source=self.source, url=url)
        return payload

    def call(self, op: str, **params: Any) -> dict[str, Any]:
        query = [("op", op), *((name, value) for name, value in params.items() if value is not None)]
        return self.get_json("/", query, operation=op)

    def _part(self, payload: dict[str, Any], key: str, op: str) -> Any:
        if key not in payload:
            raise MalformedResponse(f"{op}: no {key!r} in the answer", source=self.source, url=op)
        return payload[key]

    def master_list_raw(self, *, state: str | None = None, session_id: int | str | None = None) -> dict[str, Any]:
        """``{"status": "OK", "masterlist": {"session": {...}, "0": {"bill_id", "number", "change_hash"}, ...}}``
        for a session by id, or the state's current session."""
        if not (state or session_id):
            raise ValueError("getMasterListRaw needs a state or a session id")
        payload = self.call("getMasterListRaw", id=session_id, state=None if session_id else state.upper())
        if not isinstance(self._part(payload, "masterlist", "getMasterListRaw"), dict):
            raise MalformedResponse("getMasterListRaw: masterlist is not an object", source=self.source)
        return payload

    def bill(self, bill_id: int | str) -> dict[str, Any]:
        payload = self.call("getBill", id=bill_id)
        if not isinstance(self._part(payload, "bill", "getBill"), dict):
            raise MalformedResponse("getBill: bill is not an object", source=self.source)
        return payload

    def search_raw(self, query: str, *, state: str = "ALL", year: int = 2, page: int = 1) -> list[dict[str, Any]]:
        """The hits of a full-text search (``year`` 2 = current sessions): ``[{"bill_id", "change_hash",
        "relevance"}, ...]``. The results come as a list, or (like getSearch) as objects keyed "0", "1", ..."""
        payload = self.call("getSearchRaw", query=query, state=state.upper(), year=year, page=page)
        found = self._part(payload, "searchresult", "getSearchRaw")
        if not isinstance(found, dict):
            raise MalformedResponse("getSearchRaw: searchresult is not an object", source=self.source)
        hits = found.get("results")
        if hits is None:
            hits = [value for key, value in found.items() if key.isdigit()]
        if not isinstance(hits, list) or not all(isinstance(hit, dict) and "bill_id" in hit for hit in hits):
            raise MalformedResponse("getSearchRaw: results are not bills", source=self.source)
        return hits

    def session_list(self, *, state: str) -> list[dict[str, Any]]:
        """``getSessionList``: every session of a state (``session_id``, ``year_start``, ``year_end``, ``special``,
        ``sine_die``, ``session_name`` ...)."""
        sessions = self._part(self.call("getSessionList", state=state.upper()), "sessions", "getSessionList")
        if not isinstance(sessions, list):
            raise MalformedResponse("getSessionList: sessions is not a list", source=self.source)
        return sessions

    def dataset_list(self, *, state: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
        payload = self.call("getDatasetList", state=state.upper() if state else None, year=year)
        datasets = self._part(payload, "datasetlist", "getDatasetList")
        if not isinstance(datasets, list):
            raise MalformedResponse("getDatasetList: datasetlist is not a list", source=self.source)
        return datasets

    def dataset_zip(self, session_id: int | str, access_key: str) -> bytes:
        """The dataset ZIP of a session (``getDataset``: base64 in ``dataset.zip``)."""
        payload = self.call("getDataset", id=session_id, access_key=access_key)
        dataset = self._part(payload, "dataset", "getDataset")
        encoded = dataset.get("zip") if isinstance(dataset, dict) else None
        if not isinstance(encoded, str):
            raise MalformedResponse("getDataset: no zip in the dataset", source=self.source)
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedResponse("getDataset: the zip is not base64", source=self.source) from None
