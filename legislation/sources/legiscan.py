"""LegiScan: ``getBill`` responses, dataset bill files, ``getMasterList(Raw)`` responses and dataset ZIPs.

Every API answer has ``status`` "OK" or "ERROR" (with HTTP 200 either way), so :func:`check_envelope` runs first;
dataset files are the ``getBill`` payload without the envelope. Lists inside a bill are JSON arrays, but the master
list is an object keyed "session", "0", "1", ... Numbers may come as strings ("4"), dates as "" or "0000-00-00",
and history ``chamber`` may be empty.

The stage comes from LegiScan's ``status`` and ``progress`` codes (:func:`legislation.stages.stage_from_legiscan`).
History entries carry only text, so their Open States classification is borrowed from the progress events of the
same day: each event labels the first action of that day whose text has one of the event's words ("refer" for a
referral, "pass" for engrossment...), or else the day's first action. Texts, votes, amendments, supplements,
``sasts`` and calendars are ignored. LegiScan data is CC BY 4.0: its bill page is kept among the sources.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from legislation.choices import Source
from legislation.sources.records import (
    ActionRecord,
    BillRecord,
    Node,
    ParseError,
    SessionRecord,
    SourceError,
    SourceLinkRecord,
    SponsorRecord,
    as_mapping,
    as_str,
    located,
    normalise_identifier,
)
from legislation.sources.zips import open_archive, read_member
from legislation.stages import stage_from_legiscan

__all__ = [
    "check_envelope",
    "iter_dataset_zip",
    "parse_get_bill",
    "parse_master_list",
    "parse_payload",
    "parse_session_list",
]

LEGISCAN = Source.LEGISCAN.value

# History/committee body codes: House, Assembly, Senate, Joint.
_BODY_CHAMBERS = {"H": "lower", "A": "lower", "S": "upper", "J": "legislature"}

# LegiScan bill_type codes in the Open States measure vocabulary.
_BILL_TYPES = {
    "B": "bill",
    "R": "resolution",
    "CR": "concurrent resolution",
    "JR": "joint resolution",
    "JRCA": "constitutional amendment",
    "CA": "constitutional amendment",
    "M": "memorial",
    "CM": "concurrent memorial",
    "JM": "joint memorial",
    "P": "proclamation",
    "C": "commemoration",
    "CL": "claim",
    "SR": "study request",
    "CSR": "concurrent study request",
    "A": "appointment",
}

# Progress event -> the Open States classification of the action it marks, and words that find that action.
_EVENT_ACTIONS: dict[int, tuple[str, tuple[str, ...]]] = {
    1: ("introduction", ("introduc", "first", "prefile", "filed", "offered")),
    2: ("passage", ("pass", "adopt", "third")),
    3: ("enrolled", ("enroll", "pass", "concur")),
    4: ("became-law", ("sign", "approv", "law", "chapter", "effective")),
    5: ("executive-veto", ("veto",)),
    6: ("failure", ("fail", "defeat", "lost", "indefinitely", "died")),
    7: ("veto-override-passage", ("overrid", "veto")),
    8: ("became-law", ("chapter", "law")),
    9: ("referral-committee", ("refer",)),
    10: ("committee-passage-favorable", ("report", "rpt", "do pass")),
    11: ("committee-passage-unfavorable", ("report", "rpt")),
    12: ("filing", ("draft", "prefile", "filed")),
}

_STATE_IN_URL = re.compile(r"legiscan\.com/([A-Za-z]{2})/")
_YEAR_IN_URL = re.compile(r"legiscan\.com/[A-Za-z]{2}/bill/[^/]+/(\d{4})$")
_DATASET_BILL = re.compile(r"(?:^|/)bill/[^/]+\.json")


def check_envelope(payload: object) -> dict[str, Any]:
    """The payload itself, unless LegiScan answered ``status: ERROR`` (raised as SourceError with its alert)."""
    envelope = dict(as_mapping(payload, ""))
    status = envelope.get("status")
    if status == "ERROR":
        alert = envelope.get("alert")
        message = alert.get("message") if isinstance(alert, dict) else None
        raise SourceError("status", f"LegiScan error: {message or 'no message given'}")
    if status not in (None, "OK"):
        raise ParseError("status", f"expected 'OK' or 'ERROR', got {status!r}")
    return envelope


def parse_payload(payload: object) -> list[BillRecord | ParseError]:
    """A saved ``getBill`` response or dataset bill file, or a ``getMasterList``/``getMasterListRaw`` response
    (whose entries that cannot be read come as their ParseErrors, in place: each fails alone)."""
    envelope = check_envelope(payload)
    if "bill" in envelope:
        return [parse_get_bill(envelope)]
    if "masterlist" in envelope:
        return parse_master_list(envelope, alone=True)
    raise ParseError("", "expected a LegiScan getBill or getMasterList response (no 'bill' or 'masterlist' key)")


def parse_get_bill(payload: object) -> BillRecord:
    """A ``getBill`` response ``{"status": "OK", "bill": {...}}`` or a dataset bill file ``{"bill": {...}}``."""
    bill = Node(check_envelope(payload)).node("bill")
    bill_id = bill.text("bill_id", required=True)
    status = _status(bill)
    status_date = bill.date("status_date")
    progress = [(event.date("date"), event.integer("event")) for event in bill.nodes("progress")]
    history = _history(bill, progress)
    identifier = bill.text("bill_number", required=True)
    bill_type = _BILL_TYPES.get(bill.text("bill_type").upper())
    return BillRecord(
        source=LEGISCAN,
        source_id=bill_id,
        jurisdiction=_state(bill),
        session=_session(bill.node("session")),
        identifier=normalise_identifier(identifier),
        source_identifier=identifier,
        title=bill.text("title"),
        status=stage_from_legiscan(status, status_date, progress, history),
        summary=bill.text("description"),
        classification=(bill_type,) if bill_type else (),
        subjects=tuple(subject.text("subject_name") for subject in bill.nodes("subjects")),
        actions=history,
        sponsors=tuple(_sponsor(sponsor) for sponsor in bill.nodes("sponsors")),
        sources=_links(bill),
        external_ids=((LEGISCAN, bill_id),),
        url=bill.text("state_link") or bill.text("url"),
        extras={
            "actions_included": True,
            "change_hash": bill.text("change_hash"),
            "status": status,
            "status_date": status_date.isoformat() if status_date else None,
            "completed": bill.flag("completed"),
        },
    )


def parse_master_list(
    payload: object, *, jurisdiction: str = "", session: SessionRecord | None = None, alone: bool = False
) -> list[BillRecord | ParseError]:
    """Light records from ``getMasterList`` (or ``getMasterListRaw``, which has only ids, numbers and hashes).

    They carry no actions (``extras["actions_included"]`` is False) but keep ``change_hash``, ``status``,
    ``status_date``, ``last_action`` and ``last_action_date`` in extras, for deciding which bills to fetch with
    getBill. The stage comes from the status. Entries do not name their state: it is read from each entry's
    LegiScan URL unless ``jurisdiction`` is given; ``session`` stands in when the payload has no ``session``.
    """
    masterlist = Node(check_envelope(payload)).node("masterlist")
    if session is None:
        session = _session(masterlist.node("session"))
        if session.year_start is None:
            session = replace(session, year_start=_year_from_urls(masterlist))
    records: list[BillRecord | ParseError] = []
    for key, entry in masterlist.data.items():
        if key == "session":
            continue
        try:
            records.append(_master_list_entry(Node(entry, masterlist.at(key)), session, jurisdiction))
        except ParseError as exc:
            if not alone:
                raise
            records.append(exc)  # with ``alone``, a bad entry fails alone
    return records


def parse_session_list(sessions: list[Any]) -> list[SessionRecord]:
    """The sessions of a ``getSessionList`` answer (its ``sessions`` list): ids, names, kinds, years, sine die."""
    return [_session(Node(entry, f"sessions[{index}]")) for index, entry in enumerate(sessions)]


def iter_dataset_zip(path: str | Path) -> Iterator[BillRecord | ParseError]:
    """The bills of a LegiScan dataset ZIP (``STATE/SESSION/bill/*.json``); people, votes and texts are skipped.

    Names and sizes are checked first (legislation.sources.zips); each bill file is read alone, and one that
    cannot be read comes as its ParseError, in its place, while the others go on."""
    with open_archive(path) as archive:
        members = [name for name in archive.namelist() if _DATASET_BILL.search(name)]
        if not members:
            raise ParseError("", "no bill/*.json in the zip: not a LegiScan dataset")
        for name in members:
            try:
                try:
                    payload = json.loads(read_member(archive, name))
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    raise ParseError(name, f"invalid JSON: {str(exc)[:200]}") from None
                with located(name, separator=":"):
                    record = parse_get_bill(payload)
            except ParseError as exc:
                yield exc
                continue
            yield record


def _status(node: Node) -> int:
    status = node.integer("status")
    if not 0 <= status <= 6:
        raise ParseError(node.at("status"), f"expected a LegiScan status 0-6, got {status}")
    return status


def _state(node: Node) -> str:
    state = node.text("state", required=True)
    if not re.fullmatch(r"[A-Za-z]{2}", state):
        raise ParseError(node.at("state"), f"expected a two-letter state code, got {state!r}")
    return state.lower()


def _session(node: Node) -> SessionRecord:
    """``session``: special 1 is a special session; ``sine_die`` (newer payloads) says whether it has ended."""
    special = node.flag("special")
    return SessionRecord(
        identifier=node.text("session_id", required=True),
        name=node.text("session_name") or node.text("session_title"),
        classification="" if special is None else ("special" if special else "primary"),
        ended=node.flag("sine_die"),
        year_start=_year(node, "year_start"),
        year_end=_year(node, "year_end"),
    )


def _year(node: Node, key: str) -> int | None:
    return node.integer(key) if node.get(key) not in (None, "", 0, "0") else None


def _year_from_urls(masterlist: Node) -> int | None:
    """A master list's session names no years, but its bills' LegiScan URLs end with the session's first year
    (``https://legiscan.com/OH/bill/HB1/2019``): the year when every entry that has one agrees."""
    years = {
        match.group(1)
        for key, entry in masterlist.data.items()
        if key != "session" and isinstance(entry, dict)
        for match in [_YEAR_IN_URL.search(str(entry.get("url") or ""))]
        if match
    }
    return int(years.pop()) if len(years) == 1 else None


def _history(bill: Node, progress: list[tuple[date | None, int]]) -> tuple[ActionRecord, ...]:
    entries = bill.nodes("history")
    descriptions = [entry.text("action") for entry in entries]
    labels = _labels_from_progress([entry.date("date") for entry in entries], descriptions, progress)
    return tuple(
        ActionRecord(
            order=index,
            date=entry.date("date"),
            description=descriptions[index],
            chamber=_BODY_CHAMBERS.get(entry.text("chamber").upper(), ""),
            actor=entry.text("chamber"),
            classification=labels[index],
        )
        for index, entry in enumerate(entries)
    )


def _labels_from_progress(
    dates: list[date | None], descriptions: list[str], progress: list[tuple[date | None, int]]
) -> list[tuple[str, ...]]:
    """Open States classifications for history entries, borrowed from the progress events of their day."""
    by_day: dict[date, list[int]] = defaultdict(list)
    for index, on in enumerate(dates):
        if on:
            by_day[on].append(index)
    labels: list[list[str]] = [[] for _ in dates]
    for on, event in progress:
        candidates = by_day.get(on) if on else None
        if not candidates or event not in _EVENT_ACTIONS:
            continue
        classification, words = _EVENT_ACTIONS[event]
        lowered = {index: descriptions[index].lower() for index in candidates}
        matching = (index for word in words for index in candidates if word in lowered[index])
        chosen = next(matching, candidates[0])
        if classification not in labels[chosen]:
            labels[chosen].append(classification)
    return [tuple(label) for label in labels]


def _sponsor(node: Node) -> SponsorRecord:
    """sponsor_type_id: 1 primary sponsor, 2 co-sponsor, 3 joint sponsor, 0 sponsor of unstated kind."""
    kind = node.integer("sponsor_type_id") if node.get("sponsor_type_id") not in (None, "") else 0
    return SponsorRecord(
        name=node.text("name", required=True),
        primary=kind == 1,
        classification={1: "primary", 2: "cosponsor", 3: "joint"}.get(kind, ""),
        entity_type="organization" if node.flag("committee_sponsor") else "person",
    )


def _links(bill: Node) -> tuple[SourceLinkRecord, ...]:
    links = (
        SourceLinkRecord(url=bill.text("state_link"), note="legislature"),
        SourceLinkRecord(url=bill.text("url"), note="LegiScan (CC BY 4.0)"),
    )
    return tuple(link for link in links if link.url)


def _master_list_entry(entry: Node, session: SessionRecord, jurisdiction: str) -> BillRecord:
    bill_id = entry.text("bill_id", required=True)
    number = entry.text("number", required=True)
    url = entry.text("url")
    # getMasterListRaw entries have no status: such a bill is taken as introduced, date unknown.
    status = _status(entry) if entry.get("status") not in (None, "") else None
    status_date = entry.date("status_date")
    last_action_date = entry.date("last_action_date")
    last_action = entry.text("last_action")
    # The last action shows the bill is past pre-filing, which matters for status 0 (see stage_from_legiscan).
    known = (ActionRecord(0, last_action_date, last_action, "", ""),) if last_action or last_action_date else ()
    return BillRecord(
        source=LEGISCAN,
        source_id=bill_id,
        jurisdiction=jurisdiction or _state_from_url(url, entry.at("url")),
        session=session,
        identifier=normalise_identifier(number),
        source_identifier=number,
        title=entry.text("title"),
        status=stage_from_legiscan(1 if status is None else status, status_date, (), known),
        summary=entry.text("description"),
        sources=(SourceLinkRecord(url=url, note="LegiScan (CC BY 4.0)"),) if url else (),
        external_ids=((LEGISCAN, bill_id),),
        url=url,
        extras={
            "actions_included": False,
            "change_hash": entry.text("change_hash"),
            "status": status,
            "status_date": status_date.isoformat() if status_date else None,
            "last_action": last_action,
            "last_action_date": last_action_date.isoformat() if last_action_date else None,
        },
    )


def _state_from_url(url: str, where: str) -> str:
    match = _STATE_IN_URL.search(as_str(url, where))
    if not match:
        raise ParseError(where, "cannot tell the state: no LegiScan bill URL; pass jurisdiction=")
    return match.group(1).lower()
