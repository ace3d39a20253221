"""Discovery: run each recommendation's saved searches at the sources and queue the bills found for triage.

Discovery never links a bill: it imports the bills it finds (a candidate needs a bill row), and adds a
:class:`~recommendations.models.TriageCandidate` for each that is not yet linked to the recommendation nor already
a candidate (a rejected bill is not queued again). Staff accept (and link) or reject them.

Per source, cheapest first:

- Open States: ``/bills?q=...`` per jurisdiction of the search (or everywhere), the 20 most recently updated
  matches with their actions: one request per jurisdiction, nothing more.
- LegiScan: ``getSearchRaw`` per state (or ``ALL``): one query brings up to 2,000 bill ids; bills already stored
  cost nothing more, new ones one ``getBill`` each, at most ``DISCOVERY_MAX_NEW_BILLS`` per run (the most
  relevant first; the rest come on the next runs).
- Congress.gov has no text search: the ``/bill`` list of bills updated since the search last ran is matched
  against the terms by title, and matches cost a detail and an actions request each (at most
  ``DISCOVERY_MAX_NEW_BILLS``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from legislation.choices import Source
from legislation.models import BillExternalId, ImportRun
from legislation.sources import congress, legiscan, openstates
from legislation.sources.congress_client import CongressClient
from legislation.sources.http import PermanentSourceError, SourceClient
from legislation.sources.openstates_client import OpenStatesClient
from legislation.sources.records import BillRecord, ParseError, located
from legislation.sync.common import SyncRun, cursor_set, run_sync, window_start
from legislation.sync.congress import list_entry_key
from legislation.sync.legiscan import legiscan_client

from .models import BillLink, SavedSearch, TriageCandidate

ClientFactory = Callable[[], SourceClient]

DEFAULT_CLIENTS: dict[str, ClientFactory] = {
    Source.OPENSTATES: OpenStatesClient.from_settings,
    Source.LEGISCAN: legiscan_client,
    Source.CONGRESS: CongressClient.from_settings,
}


def discovery_scope(search: SavedSearch) -> str:
    return f"discovery:{search.pk}"


def full_text_query(terms: Iterable[str]) -> str:
    """``"drug induced homicide" OR fentanyl``: any term, phrases quoted (Open States' websearch syntax and
    LegiScan's both read it so)."""
    return " OR ".join(f'"{term}"' if " " in term else term for term in terms)


def title_matches(title: str, terms: Iterable[str]) -> bool:
    """Any term appears in the title as whole words, ignoring case and punctuation."""
    words = " " + " ".join(re.findall(r"[a-z0-9]+", title.lower())) + " "
    return any(f" {' '.join(re.findall(r'[a-z0-9]+', term.lower()))} " in words for term in terms)


def candidates_add(*, search: SavedSearch, source: str, query: str, bill_ids: Iterable[int]) -> int:
    """Queue the bills not yet linked to the search's recommendation; returns how many are new candidates."""
    recommendation = search.recommendation
    ids = set(bill_ids)
    linked = set(
        BillLink.objects.filter(recommendation=recommendation, bill_id__in=ids).values_list("bill_id", flat=True)
    )
    now = timezone.now()
    added = 0
    with transaction.atomic():
        known = set(
            TriageCandidate.objects.filter(recommendation=recommendation, bill_id__in=ids).values_list(
                "bill_id", flat=True
            )
        )
        TriageCandidate.objects.filter(recommendation=recommendation, bill_id__in=known).update(last_seen_at=now)
        for bill_id in sorted(ids - linked - known):
            _, created = TriageCandidate.objects.get_or_create(
                recommendation=recommendation,
                bill_id=bill_id,
                defaults={
                    "saved_search": search,
                    "source": source,
                    "query": query[:500],
                    "first_seen_at": now,
                    "last_seen_at": now,
                },
            )
            added += created
    return added


def _bill_ids(source: str, external_ids: Iterable[str]) -> dict[str, int]:
    return dict(
        BillExternalId.objects.filter(source=source, external_id__in=list(external_ids)).values_list(
            "external_id", "bill_id"
        )
    )


class _Discovery:
    """One saved search at one source, inside a recorded sync run."""

    def __init__(self, search: SavedSearch, source: str) -> None:
        self.search = search
        self.source = source
        self.terms = search.terms
        self.query = full_text_query(self.terms)
        self.places = list(search.jurisdictions.order_by("code"))
        self.found: set[int] = set()
        self.added = 0

    def __call__(self, sync: SyncRun) -> None:
        getattr(self, f"_{self.source}")(sync)
        self.added = candidates_add(search=self.search, source=self.source, query=self.query, bill_ids=self.found)
        sync.note(f"{len(self.found)} bills found, {self.added} new in the triage queue")

    def _import(self, sync: SyncRun, where: str, records: list[BillRecord]) -> None:
        sync.import_records(where, records)
        self.found.update(_bill_ids(self.source, (record.source_id for record in records)).values())

    def _openstates(self, sync: SyncRun) -> None:
        for place in self.places or [None]:
            payload = sync.client.bills_page(
                q=self.query, jurisdiction=place.ocd_id if place else None, sort="updated_desc"
            )
            where = f"/bills?q={self.query}" + (f"&jurisdiction={place.code}" if place else "")
            with located(where, separator=" "):
                records = openstates.parse_bills_page(payload)
            self._import(sync, where, records)

    def _legiscan(self, sync: SyncRun) -> None:
        hits: dict[str, float] = {}
        for state in [place.code for place in self.places] or ["ALL"]:
            for hit in sync.client.search_raw(self.query, state=state):
                hits.setdefault(str(hit["bill_id"]), float(hit.get("relevance") or 0))
        stored = _bill_ids(self.source, hits)
        self.found.update(stored.values())
        new = sorted(set(hits) - set(stored), key=lambda bill_id: -hits[bill_id])
        for bill_id in new[: settings.DISCOVERY_MAX_NEW_BILLS]:
            where = f"getBill {bill_id}"
            try:
                with located(where, separator=" "):
                    record = legiscan.parse_get_bill(sync.client.bill(bill_id))
            except (PermanentSourceError, ParseError) as exc:
                sync.error(where, str(exc))
                continue
            self._import(sync, where, [record])
        if len(new) > settings.DISCOVERY_MAX_NEW_BILLS:
            sync.note(f"{len(new) - settings.DISCOVERY_MAX_NEW_BILLS} more new bills left for the next runs")

    def _congress(self, sync: SyncRun) -> None:
        scope = discovery_scope(self.search)
        now = timezone.now()
        start = window_start(self.source, scope, None, now=now)
        matches: dict[tuple[int, str, str], dict[str, Any]] = {}
        for number, page in enumerate(sync.client.bill_list(from_datetime=start, to_datetime=now)):
            for index, entry in enumerate(page["bills"]):
                key = list_entry_key(entry, f"/bill page {number + 1}: bills[{index}]")
                if title_matches(str(entry.get("title") or ""), self.terms):
                    matches[key] = entry
        stored = _bill_ids(self.source, ("-".join(map(str, key)) for key in matches))
        self.found.update(stored.values())
        new = [key for key in sorted(matches) if "-".join(map(str, key)) not in stored]
        for key in new[: settings.DISCOVERY_MAX_NEW_BILLS]:
            where = f"/bill/{key[0]}/{key[1]}/{key[2]}"
            try:
                with located(where, separator=" "):
                    record = congress.parse_bill(sync.client.bill(*key), sync.client.bill_actions(*key))
            except (PermanentSourceError, ParseError) as exc:
                sync.error(where, str(exc))
                continue
            self._import(sync, where, [record])
        cursor_set(self.source, scope, now.isoformat())


def discovery_run(*, search: SavedSearch, source: str, client_factory: ClientFactory | None = None) -> ImportRun:
    """Run ``search`` at ``source`` and queue what it finds; one ImportRun (scope ``discovery:<search id>``)."""
    if not search.runs_on(source):
        raise ValueError(f"saved search {search.pk} does not run on {source}")
    run = run_sync(
        source=source,
        scope=discovery_scope(search),
        client_factory=client_factory or DEFAULT_CLIENTS[source],
        body=_Discovery(search, source),
    )
    SavedSearch.objects.filter(pk=search.pk).update(last_run_at=timezone.now())
    return run
