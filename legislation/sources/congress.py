"""Congress.gov API v3: bill items with their ``/actions`` and ``/cosponsors``, and bill lists.

Congress.gov has no status either. Its actions come from three systems: the Library of Congress (sourceSystem
code 9) adds a coded summary action at each step (1000 introduced in House, 17000 passed Senate, 36000 became
public law, ...); House actions carry House codes with no public list; Senate actions carry no code at all (and
since 2025 no ``sourceSystem.code`` either). :func:`classify_action` turns an action into the Open States
vocabulary from its Library of Congress code when it has one, else from its ``type`` and text, and
:func:`legislation.stages.stage_from_congress` takes it from there, with ``laws[]`` as proof of enactment.

Actions arrive newest first; records are put oldest first. A bill response carries neither actions nor
cosponsors (only their count and URL), so :func:`parse_payloads` pairs saved responses through their ``request``
block (congress, billType, billNumber) or ``request.billUrl``. Schema drift between 2022 and 2025 is tolerated:
``byRequestType`` vs ``isByRequest``, ``pagination.total`` vs ``count``, list ``updateDate`` as a date only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
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
    as_bool,
    as_int,
    as_list,
    located,
    normalise_identifier,
)
from legislation.stages import congress_end_date, stage_from_congress

__all__ = [
    "BillKey",
    "bill_key",
    "classify_action",
    "match_actions",
    "parse_actions",
    "parse_bill",
    "parse_bill_list",
    "parse_payloads",
    "public_url",
]

CONGRESS = Source.CONGRESS.value

BillKey = tuple[int, str, str]  # (congress, lowercase bill type, number without leading zeros)

_PAGE_SLUGS = {
    "hr": "house-bill",
    "s": "senate-bill",
    "hjres": "house-joint-resolution",
    "sjres": "senate-joint-resolution",
    "hconres": "house-concurrent-resolution",
    "sconres": "senate-concurrent-resolution",
    "hres": "house-resolution",
    "sres": "senate-resolution",
}

# Library of Congress action codes (https://www.congress.gov/help/field-values/action-codes) -> Open States
# classification and chamber. E20000/E40000 (and "Intro-H"/"Intro-S") are the codes Congress.gov now puts on
# the same steps; E30000 marks the President's action, signature or veto alike, so its text decides.
_LOC_CODES: dict[str, tuple[tuple[str, ...], str]] = {
    "1000": (("introduction",), "lower"),
    "Intro-H": (("introduction",), "lower"),
    "2000": (("referral-committee",), "lower"),
    "3000": (("referral-committee",), "lower"),
    "5000": (("committee-passage",), "lower"),
    "8000": (("passage",), "lower"),
    "9000": (("failure",), "lower"),
    "10000": (("introduction",), "upper"),
    "Intro-S": (("introduction",), "upper"),
    "11000": (("referral-committee",), "upper"),
    "12000": (("referral-committee",), "upper"),
    "14000": (("committee-passage",), "upper"),
    "17000": (("passage",), "upper"),
    "18000": (("failure",), "upper"),
    "21000": (("passage",), "lower"),  # conference report agreed to in House
    "23000": (("passage",), "upper"),  # conference report agreed to in Senate
    "28000": (("executive-receipt",), "executive"),
    "E20000": (("executive-receipt",), "executive"),
    "29000": (("executive-signature",), "executive"),
    "29100": (("became-law",), "executive"),  # sent to the Archivist unsigned: law without signature
    "30000": (("executive-veto",), "executive"),  # pocket veto
    "31000": (("executive-veto",), "executive"),
    "32000": (("veto-override-passage",), "lower"),
    "33000": (("veto-override-failure",), "lower"),
    "34000": (("veto-override-passage",), "upper"),
    "35000": (("veto-override-failure",), "upper"),
    "36000": (("became-law",), "executive"),
    "37000": (("became-law",), "executive"),  # private law
    "E40000": (("became-law",), "executive"),
}

_CHAMBER_WORDS = {"house": "lower", "senate": "upper"}
_CHAMBER_IN_TEXT = re.compile(r"\b(house|senate)\b", re.IGNORECASE)
_OVERRIDE = re.compile(r"over (?:the )?veto|overrid", re.IGNORECASE)
_FAILED = re.compile(r"\bfail|\bsustain|not agreed", re.IGNORECASE)
# Text rules for actions without a known code (Senate actions, older payloads), first match wins. Floor and
# introduction rules are anchored at the start so that motions ("Motion to reconsider ... Agreed to") and
# amendments do not count as the bill's own passage.
_TEXT_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"became (?:public|private) law", ("became-law",)),
    (r"vetoed by (?:the )?president", ("executive-veto",)),
    (r"signed by (?:the )?president", ("executive-signature",)),
    (r"presented to (?:the )?president", ("executive-receipt",)),
    (r"^failed of passage", ("failure",)),
    (
        r"^(?:[\w ]*resolution |bill |measure )?(?:passed|agreed to)(?:/agreed to)?"
        r"(?: in)?(?: the)? (?:house|senate)\b",
        ("passage",),
    ),
    (r"^(?:introduced|submitted) in", ("introduction",)),
    (r"^received in .*\breferred to", ("receipt", "referral-committee")),
    (r"^received in", ("receipt",)),
    (r"\breferred to (?:the )?(?:house |senate )?(?:committee|subcommittee)", ("referral-committee",)),
    (r"^(?:committee on [^.]*\. )?(?:ordered to be )?reported\b", ("committee-passage",)),
)
_TEXT_PATTERNS = tuple((re.compile(pattern, re.IGNORECASE), kinds) for pattern, kinds in _TEXT_RULES)
_BILL_URL = re.compile(r"/bill/(\d+)/([a-z]+)/(\d+)", re.IGNORECASE)


def classify_action(action: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
    """The Open States classification and chamber of one Congress.gov action.

    A Library of Congress code decides when present (E30000 by its text: signed or vetoed); otherwise the action
    ``type`` "BecameLaw" or the text rules above. The chamber comes from the code, else the chamber the text
    names ("Passed Senate"), else the source system (0 Senate, 1/2 House).
    """
    code = str(action.get("actionCode") or "")
    text = str(action.get("text") or "").strip()
    fallback_chamber = _system_chamber(action.get("sourceSystem"))
    if code == "E30000":
        kind = "executive-veto" if "veto" in text.lower() else "executive-signature"
        return (kind,), "executive"
    if code in _LOC_CODES:
        return _LOC_CODES[code]
    if action.get("type") == "BecameLaw":
        return ("became-law",), "executive"
    classification = _classify_text(text)
    if classification and classification[0].startswith(("executive", "became")):
        return classification, "executive"
    named = _CHAMBER_IN_TEXT.search(text) if classification else None
    return classification, _CHAMBER_WORDS[named.group(1).lower()] if named else fallback_chamber


def _classify_text(text: str) -> tuple[str, ...]:
    """Override votes first (their text also says "passed"), then the text rules."""
    if _OVERRIDE.search(text):
        return ("veto-override-failure",) if _FAILED.search(text) else ("veto-override-passage",)
    return next((kinds for pattern, kinds in _TEXT_PATTERNS if pattern.search(text)), ())


def _system_chamber(source_system: object) -> str:
    if not isinstance(source_system, Mapping):
        return ""
    code = source_system.get("code")
    if code in (0, "0"):
        return "upper"
    if code in (1, 2, "1", "2"):
        return "lower"
    name = str(source_system.get("name") or "").lower()
    return next((chamber for word, chamber in _CHAMBER_WORDS.items() if name.startswith(word)), "")


def parse_actions(payload: object, where: str = "") -> tuple[ActionRecord, ...]:
    """An ``/actions`` response (``{"actions": [...], "pagination", "request"}``), oldest first.

    Congress.gov lists newest first, so within a day the reversed order is the chronological one.
    """
    _check_error(payload, where)
    entries = Node(payload, where).nodes("actions")
    dated = [(entry.date("actionDate"), position, entry) for position, entry in enumerate(reversed(entries))]
    dated.sort(key=lambda item: (item[0] or date.max, item[1]))
    records = []
    for order, (on, _, entry) in enumerate(dated):
        classification, chamber = classify_action(entry.data)
        source_system = entry.optional_node("sourceSystem")
        records.append(
            ActionRecord(
                order=order,
                date=on,
                description=entry.text("text"),
                chamber=chamber,
                actor=source_system.text("name") if source_system else "",
                classification=classification,
            )
        )
    return tuple(records)


def parse_bill(
    bill_payload: object,
    actions_payload: object | None = None,
    cosponsors_payload: object | None = None,
) -> BillRecord:
    """``GET /v3/bill/{congress}/{type}/{number}``, with its ``/actions`` and ``/cosponsors`` responses if saved.

    Without actions the record is light (``extras["actions_included"]`` False) and its stage rests on
    ``introducedDate``, ``latestAction`` and ``laws``.
    """
    _check_error(bill_payload, "")
    bill = Node(bill_payload).node("bill")
    key = _key_of_bill(bill)
    for name, payload in (("actions", actions_payload), ("cosponsors", cosponsors_payload)):
        other = bill_key(payload) if payload is not None else None
        if other is not None and other != key:
            raise ParseError(f"{name}.request", f"is for bill {_source_id(other)}, not {_source_id(key)}")
    actions = parse_actions(actions_payload, "actions") if actions_payload is not None else None
    cosponsors = Node(cosponsors_payload, "cosponsors").nodes("cosponsors") if cosponsors_payload is not None else []
    sponsors = tuple(_sponsor(node, primary=True) for node in bill.nodes("sponsors"))
    policy_area = bill.optional_node("policyArea")
    return _record(
        bill,
        key,
        actions=actions,
        sponsors=sponsors + tuple(_sponsor(node, primary=False) for node in cosponsors),
        subjects=(policy_area.text("name"),) if policy_area and policy_area.text("name") else (),
        extras={
            "by_request": _by_request(bill),
            "laws": [{"type": law.text("type"), "number": law.text("number")} for law in bill.nodes("laws")],
            "introduced_date": _iso(bill.date("introducedDate")),
            "update_date_including_text": bill.text("updateDateIncludingText"),
        },
    )


def parse_bill_list(payload: object) -> list[BillRecord]:
    """``GET /v3/bill...`` lists: light records, one per (congress, type, number) (pages repeat bills), keeping
    the entry with the latest ``updateDate``."""
    _check_error(payload, "")
    latest: dict[BillKey, tuple[str, BillRecord]] = {}
    for entry in Node(payload).nodes("bills"):
        key = _key_of_bill(entry)
        record = _record(entry, key, actions=None, sponsors=(), subjects=(), extras={})
        updated = entry.text("updateDate")
        if key not in latest or updated > latest[key][0]:
            latest[key] = (updated, record)
    return [record for _, record in latest.values()]


def bill_key(payload: object) -> BillKey | None:
    """The bill a saved response is about: from its ``bill`` object, its ``request`` block or ``request.billUrl``."""
    if not isinstance(payload, Mapping):
        return None
    bill = payload.get("bill")
    if isinstance(bill, Mapping) and {"congress", "type", "number"} <= bill.keys():
        return _normal_key(bill["congress"], bill["type"], bill["number"], "bill")
    request = payload.get("request")
    if not isinstance(request, Mapping):
        return None
    if {"congress", "billType", "billNumber"} <= request.keys():
        return _normal_key(request["congress"], request["billType"], request["billNumber"], "request")
    match = _BILL_URL.search(str(request.get("billUrl") or ""))
    return _normal_key(*match.groups(), "request.billUrl") if match else None


def match_actions(
    bill_payloads: Iterable[object], actions_payloads: Iterable[object]
) -> list[tuple[object, object | None]]:
    """Pair each bill response with its ``/actions`` response (pages of one bill's actions are merged).

    Actions whose bill is not among ``bill_payloads`` are an error: they would otherwise be silently dropped.
    """
    bills = list(bill_payloads)
    actions_by_key: dict[BillKey, dict[str, Any]] = {}
    for index, payload in enumerate(actions_payloads):
        key = bill_key(payload)
        if key is None:
            raise ParseError(f"actions[{index}].request", "does not say which bill these actions belong to")
        _check_error(payload, f"actions[{index}]")
        merged = actions_by_key.setdefault(key, {"actions": [], "request": payload.get("request")})
        # null reads as no actions, as parse_actions reads it (found by tests/legislation/test_fuzz_import.py)
        node = Node(payload, f"actions[{index}]")
        merged["actions"].extend(as_list(node.require("actions"), node.at("actions"), default_empty=True))
    pairs = [(payload, actions_by_key.pop(bill_key(payload), None)) for payload in bills]
    if actions_by_key:
        orphans = ", ".join(_source_id(key) for key in actions_by_key)
        raise ParseError("actions", f"no bill response given for the actions of {orphans}")
    return pairs


def parse_payloads(
    files: Iterable[tuple[str, object]], *, on_error: Callable[[ParseError], None] | None = None
) -> list[BillRecord | ParseError]:
    """Saved responses of any kind, named (file name, payload): bills, their actions and cosponsors, and lists.

    Bill responses are paired with their actions and cosponsors; errors name the file (``s1947.json:bill.type``).
    Without ``on_error`` the first error is raised. With it, each bad record fails alone (the importer's rule): a
    file that is not a known response, or actions without their bill, go to ``on_error`` and are skipped, and a
    bill (or a list) that cannot be read is its ParseError in the result, in place of its records.
    """

    def failed(exc: ParseError, *, alone: bool = False) -> None:
        if on_error is None:
            raise exc
        if alone:
            records.append(exc)
        else:
            on_error(exc)

    records: list[BillRecord | ParseError] = []
    broken_actions: dict[BillKey, ParseError] = {}
    kinds: dict[str, list[tuple[str, object]]] = {"bill": [], "actions": [], "cosponsors": [], "bills": []}
    for name, payload in files:
        kind = None
        try:
            with located(name, separator=":"):
                _check_error(payload, "")
                kind = next((kind for kind in kinds if isinstance(payload, Mapping) and kind in payload), None)
                if kind is None:
                    raise ParseError("", "not a Congress.gov bill, actions, cosponsors or bill list response")
                if kind in ("actions", "cosponsors") and bill_key(payload) is None:
                    raise ParseError("request", "does not say which bill this response belongs to")
                if kind == "actions":
                    parse_actions(payload)  # read here too, so that an error names this file rather than the bill's
                if kind == "bill":
                    bill_key(payload)
        except ParseError as exc:
            key = _key_or_none(payload) if kind == "actions" and on_error is not None else None
            if key is not None:
                broken_actions[key] = exc  # its bill fails with it rather than be imported without its actions
            else:
                failed(exc, alone=kind == "bill")
            continue
        kinds[kind].append((name, payload))
    cosponsors = {bill_key(payload): payload for _, payload in kinds["cosponsors"]}
    if broken_actions:
        keys = {bill_key(payload) for _, payload in kinds["bill"]}
        records.extend(exc for key, exc in broken_actions.items() if key in keys)
        for key, exc in broken_actions.items():
            if key not in keys:
                failed(exc)
        kinds["bill"] = [(name, payload) for name, payload in kinds["bill"] if bill_key(payload) not in broken_actions]
    names = {id(payload): name for name, payload in kinds["bill"]}
    actions = kinds["actions"]
    if on_error is not None:
        keys = {bill_key(payload) for _, payload in kinds["bill"]}
        for name, payload in actions:
            if bill_key(payload) not in keys:
                orphan = _source_id(bill_key(payload))
                on_error(ParseError(name, f"no bill response given for these actions ({orphan})"))
        actions = [(name, payload) for name, payload in actions if bill_key(payload) in keys]
    pairs = match_actions((payload for _, payload in kinds["bill"]), (payload for _, payload in actions))
    for bill_payload, actions_payload in pairs:
        try:
            with located(names[id(bill_payload)], separator=":"):
                records.append(parse_bill(bill_payload, actions_payload, cosponsors.get(bill_key(bill_payload))))
        except ParseError as exc:
            failed(exc, alone=True)
    for name, payload in kinds["bills"]:
        try:
            with located(name, separator=":"):
                records.extend(parse_bill_list(payload))
        except ParseError as exc:
            failed(exc, alone=True)
    return records


def _key_or_none(payload: object) -> BillKey | None:
    try:
        return bill_key(payload)
    except ParseError:
        return None


def public_url(congress: int, bill_type: str, number: str) -> str:
    """congress.gov's page: https://www.congress.gov/bill/119th-congress/senate-bill/1947."""
    slug = _PAGE_SLUGS.get(bill_type.lower())
    return f"https://www.congress.gov/bill/{_ordinal(congress)}-congress/{slug}/{number}" if slug else ""


def _check_error(payload: object, where: str) -> None:
    """Congress.gov errors come as ``{"error": {"code", "message"}}`` (or ``{"error": "..."}``)."""
    if isinstance(payload, Mapping) and "error" in payload:
        error = payload["error"]
        message = error.get("message") or error.get("code") if isinstance(error, Mapping) else error
        raise SourceError(where or "error", f"Congress.gov error: {message}")


def _ordinal(number: int) -> str:
    suffix = "th" if 11 <= number % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _normal_key(congress: object, bill_type: object, number: object, where: str) -> BillKey:
    return (as_int(congress, f"{where}.congress"), str(bill_type).lower(), str(as_int(number, f"{where}.number")))


def _key_of_bill(bill: Node) -> BillKey:
    return _normal_key(bill.require("congress"), bill.text("type", required=True), bill.require("number"), bill.where)


def _source_id(key: BillKey) -> str:
    return "-".join(str(part) for part in key)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _sponsor(node: Node, *, primary: bool) -> SponsorRecord:
    return SponsorRecord(
        name=node.text("fullName", required=True),
        primary=primary,
        classification="primary" if primary else "cosponsor",
        entity_type="person",
    )


def _by_request(bill: Node) -> bool | None:
    """Whether the sponsor introduced the bill by request: ``isByRequest`` "Y"/"N" (2025) or, in older
    payloads, a non-empty ``byRequestType``."""
    for sponsor in bill.nodes("sponsors"):
        if sponsor.has("isByRequest"):
            return as_bool(sponsor.get("isByRequest"), sponsor.at("isByRequest"))
        if sponsor.has("byRequestType"):
            return bool(sponsor.text("byRequestType"))
    return None


def _known_actions(bill: Node) -> tuple[ActionRecord, ...]:
    """What a bill or list entry says without its actions: its introduction and its latest action."""
    known = []
    introduced = bill.date("introducedDate")
    if introduced:
        origin = _CHAMBER_WORDS.get(bill.text("originChamber").lower(), "")
        known.append(ActionRecord(0, introduced, "Introduced", origin, "", ("introduction",)))
    latest = bill.optional_node("latestAction")
    if latest:
        text = latest.text("text")
        classification, chamber = classify_action({"text": text})
        known.append(ActionRecord(1, latest.date("actionDate"), text, chamber, "", classification))
    return tuple(known)


def _record(
    bill: Node,
    key: BillKey,
    *,
    actions: Sequence[ActionRecord] | None,
    sponsors: tuple[SponsorRecord, ...],
    subjects: tuple[str, ...],
    extras: dict[str, Any],
) -> BillRecord:
    congress, bill_type, number = key
    laws = bill.nodes("laws")
    status = stage_from_congress(_known_actions(bill) if actions is None else actions, laws, bill_type=bill_type)
    url = public_url(congress, bill_type, number)
    latest = bill.optional_node("latestAction")
    return BillRecord(
        source=CONGRESS,
        source_id=_source_id(key),
        jurisdiction="us",
        session=SessionRecord(
            identifier=str(congress),
            name=f"{_ordinal(congress)} Congress",
            classification="primary",
            start_date=congress_end_date(congress - 1),
            end_date=congress_end_date(congress),
            carries_over=False,  # bills never outlive their Congress
        ),
        identifier=normalise_identifier(f"{bill_type} {number}"),
        source_identifier=f"{bill.text('type')} {bill.text('number')}",
        title=bill.text("title"),
        status=status,
        subjects=subjects,
        actions=tuple(actions or ()),
        sponsors=sponsors,
        sources=(SourceLinkRecord(url=url, note="congress.gov"),) if url else (),
        external_ids=((CONGRESS, _source_id(key)),),
        url=url,
        updated_at=bill.datetime("updateDate"),
        extras={
            "actions_included": actions is not None,
            "update_date": bill.text("updateDate"),
            "latest_action_date": _iso(latest.date("actionDate")) if latest else None,
            "latest_action_text": latest.text("text") if latest else "",
            "origin_chamber": bill.text("originChamber"),
            **extras,
        },
    )
