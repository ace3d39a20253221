"""Open States: API v3 bill objects and ``/bills`` pages, and per-session bulk downloads (JSON or CSV zips).

Open States gives no status; the stage is derived from the actions' classifications
(:func:`legislation.stages.stage_from_openstates`). In v3 a key the request did not ``include=`` is absent, not
empty: a bill without ``actions`` gets ``extras["actions_included"] = False`` and is taken as introduced on its
``first_action_date``, so the importer keeps the actions it already has. Computed dates (``first_action_date``,
``latest_action_date``, ``latest_passage_date``) may be a date, "" or null.

Bulk zips follow openstates.org's ``bulk_export`` command:

- JSON: ``{ST}/{session}/{ST}_{session}_bills.json``, one JSON list of the session's bills in the export shape
  (``legislative_session``, ``chamber``, ``actions[].organization__name``, ``sponsors``, ``sources[].url``);
- CSV: ``{ST}_{session}_bills.csv`` with sibling tables ``_bill_actions.csv``, ``_bill_sponsorships.csv``,
  ``_bill_sources.csv``, ``_bill_abstracts.csv`` and ``_organizations.csv`` (whose classification gives each
  action's chamber); list columns are Python list literals such as ``['passage', 'reading-3']``.

Neither carries a jurisdiction code, so it comes from the ``{ST}`` of the file name. Errors in CSV tables name
the member and line: ``OH/136/OH_136_bill_actions.csv[12].date``.
"""

from __future__ import annotations

import ast
import csv
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from legislation.choices import Source, Stage
from legislation.sources.records import (
    ActionRecord,
    BillRecord,
    Node,
    ParseError,
    SessionRecord,
    SourceError,
    SourceLinkRecord,
    SponsorRecord,
    StageResult,
    as_str_tuple,
    located,
    normalise_identifier,
)
from legislation.sources.zips import json_list_items, open_archive
from legislation.stages import is_unicameral, stage_from_openstates

__all__ = ["iter_bulk_zip", "jurisdiction_from_ocd_id", "parse_bill", "parse_bills_page", "parse_payload"]

_OCD_JURISDICTION = re.compile(
    r"ocd-jurisdiction/country:us(?:/(?:state|district|territory):([a-z]{2}))?/(?:government|legislature)"
)
_CHAMBERS = frozenset({"upper", "lower", "legislature", "executive"})
# The bulk JSON names an action's organization but not its classification; chamber names are regular enough.
# "General Assembly" comes before "assembly", which alone is a lower chamber (California, Nevada, New York...).
_CHAMBER_NAMES = (
    (("general assembly", "legislature", "council"), "legislature"),
    (("senate",), "upper"),
    (("house", "assembly"), "lower"),
    (("governor", "executive", "mayor"), "executive"),
)


def jurisdiction_from_ocd_id(ocd_id: str, where: str = "") -> str:
    """The postal code in an OCD jurisdiction id: ``.../state:ca/government`` -> 'ca', ``district:dc`` -> 'dc',
    ``territory:pr`` -> 'pr', ``ocd-jurisdiction/country:us/government`` -> 'us'. Local governments are refused."""
    match = _OCD_JURISDICTION.fullmatch(ocd_id.strip())
    if not match:
        raise ParseError(where, f"not the id of a US state, district, territory or Congress: {ocd_id!r}")
    return match.group(1) or "us"


def parse_payload(payload: object) -> list[BillRecord]:
    """A saved v3 response: a ``/bills`` page or a single bill object."""
    if isinstance(payload, dict) and "results" in payload:
        return parse_bills_page(payload)
    _check_error(payload)
    return [parse_bill(payload)]


def parse_bills_page(payload: object, *, alone: bool = False) -> list[BillRecord | ParseError]:
    """A ``/bills`` page: ``{"results": [bill, ...], "pagination": {...}}``. With ``alone``, a bill that cannot be
    read comes as its ParseError, in its place (it fails alone); else the first one is raised."""
    _check_error(payload)
    page = Node(payload)
    if alone:
        return [_record_or_error(parse_bill, bill.data, bill.where) for bill in page.nodes("results")]
    return [parse_bill(bill.data, bill.where) for bill in page.nodes("results")]


def parse_bill(obj: object, where: str = "") -> BillRecord:
    """One v3 bill object, with whatever ``include=`` parts it carries."""
    bill = Node(obj, where)
    jurisdiction_node = bill.node("jurisdiction")
    id_place = jurisdiction_node.at("id")
    jurisdiction = jurisdiction_from_ocd_id(jurisdiction_node.text("id", required=True), id_place)
    actions = None
    if bill.has("actions"):
        actions = [_action(action, index, **_v3_actor(action)) for index, action in enumerate(bill.nodes("actions"))]
    from_organization = bill.optional_node("from_organization")
    return _bill_record(
        bill,
        jurisdiction=jurisdiction,
        session=bill.text("session", required=True),
        actions=actions,
        sponsors=bill.nodes("sponsorships"),
        sources=bill.nodes("sources"),
        abstracts=bill.nodes("abstracts"),
        url=bill.text("openstates_url"),
        first_action_date=bill.date("first_action_date"),
        extras={
            "chamber": from_organization.text("classification") if from_organization else "",
            "latest_action_date": _iso(bill.date("latest_action_date")),
            "latest_action_description": bill.text("latest_action_description"),
            "latest_passage_date": _iso(bill.date("latest_passage_date")),
        },
    )


def iter_bulk_zip(path: str | Path) -> Iterator[BillRecord | ParseError]:
    """The bills of an Open States per-session bulk zip, JSON or CSV: a JSON list streamed one bill at a time, a
    CSV session's tables one session at a time (legislation.sources.zips checks names and sizes first). A bill
    that cannot be read comes as its ParseError, in its place, and the others go on."""
    with open_archive(path) as archive:
        names = archive.namelist()
        bill_tables = [name for name in names if name.endswith(("_bills.json", "_bills.csv"))]
        if not bill_tables:
            raise ParseError("", "no *_bills.json or *_bills.csv in the zip: not an Open States bulk download")
        for name in bill_tables:
            if name.endswith(".json"):
                yield from _iter_export_json(archive, name)
            else:
                yield from _iter_export_csv(archive, name)


def _check_error(payload: object) -> None:
    """v3 errors are ``{"detail": "..."}`` bodies (a bad key, a missing ``jurisdiction``)."""
    if isinstance(payload, dict) and set(payload) == {"detail"}:
        raise SourceError("detail", f"Open States error: {payload['detail']}")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _chamber_from_name(name: str) -> str:
    lowered = name.lower()
    for words, chamber in _CHAMBER_NAMES:
        if any(word in lowered for word in words):
            return chamber
    return ""


def _v3_actor(action: Node) -> dict[str, str]:
    organization = action.optional_node("organization")
    if organization is None:
        return {"actor": "", "chamber": ""}
    classification = organization.text("classification")
    return {"actor": organization.text("name"), "chamber": classification if classification in _CHAMBERS else ""}


def _action(
    node: Node, index: int, *, actor: str, chamber: str, classification: tuple[str, ...] | None = None
) -> ActionRecord:
    """One action; ``order`` defaults to the position, ``classification`` to the node's list of strings."""
    return ActionRecord(
        order=node.integer("order") if node.get("order") not in (None, "") else index,
        date=node.date("date"),
        description=node.text("description"),
        chamber=chamber,
        actor=actor,
        classification=node.texts("classification") if classification is None else classification,
    )


def _sponsor(node: Node) -> SponsorRecord:
    return SponsorRecord(
        name=node.text("name", required=True),
        primary=bool(node.flag("primary")),
        classification=node.text("classification"),
        entity_type=node.text("entity_type"),
    )


def _link(node: Node) -> SourceLinkRecord:
    return SourceLinkRecord(url=node.text("url", required=True), note=node.text("note"))


def _bill_record(
    bill: Node,
    *,
    jurisdiction: str,
    session: str,
    actions: list[ActionRecord] | None,
    sponsors: Iterable[Node],
    sources: Iterable[Node],
    abstracts: Iterable[Node],
    url: str,
    first_action_date: date | None = None,
    extras: dict[str, Any] | None = None,
    classification: tuple[str, ...] | None = None,
    subjects: tuple[str, ...] | None = None,
) -> BillRecord:
    """The record for a bill in any of the three Open States shapes, which share the bill's own key names."""
    source_id = bill.text("id", required=True)
    source_identifier = bill.text("identifier", required=True)
    classification = bill.texts("classification") if classification is None else classification
    links = tuple(_link(source) for source in sources)
    # A page the source gave beats one we build: openstates_url, then the bill's first source, then the pattern.
    given = url or next((link.url for link in links if link.url), "")
    url = given or _public_url(jurisdiction, session, source_identifier)
    if actions is None:
        status = StageResult(Stage.INTRODUCED.value, first_action_date, Stage.INTRODUCED.value, first_action_date)
    else:
        actions.sort(key=lambda action: action.order)
        status = stage_from_openstates(
            actions, unicameral=is_unicameral(jurisdiction), bill_classification=classification
        )
    summaries = [abstract.text("abstract") for abstract in abstracts]
    return BillRecord(
        source=Source.OPENSTATES.value,
        source_id=source_id,
        jurisdiction=jurisdiction,
        session=SessionRecord(identifier=session, name=session),
        identifier=normalise_identifier(source_identifier),
        source_identifier=source_identifier,
        title=bill.text("title"),
        status=status,
        summary=next((text for text in summaries if text), ""),
        classification=classification,
        subjects=bill.texts("subject") if subjects is None else subjects,
        actions=tuple(actions or ()),
        sponsors=tuple(_sponsor(sponsor) for sponsor in sponsors),
        sources=links,
        external_ids=((Source.OPENSTATES.value, source_id),),
        url=url,
        updated_at=bill.datetime("updated_at"),
        extras={
            "actions_included": actions is not None,
            "first_action_date": _iso(first_action_date),
            **(extras or {}),
        },
    )


def _public_url(jurisdiction: str, session: str, identifier: str) -> str:
    """openstates.org's page for a bill, as v3 gives it in ``openstates_url`` (the bulk data does not)."""
    return f"https://openstates.org/{jurisdiction}/bills/{session}/{identifier.replace(' ', '')}/"


def _jurisdiction_of_member(name: str) -> str:
    """'ca' from ``CA/2021/CA_2021_bills.json`` (the file name's prefix, else its top folder)."""
    path = PurePosixPath(name)
    for candidate in (path.name.split("_", 1)[0], path.parts[0] if len(path.parts) > 1 else ""):
        if re.fullmatch(r"[A-Za-z]{2}", candidate):
            return candidate.lower()
    raise ParseError(name, "cannot tell the jurisdiction: expected a name like CA_2021_bills.csv")


def _iter_export_json(archive: zipfile.ZipFile, name: str) -> Iterator[BillRecord | ParseError]:
    jurisdiction = _jurisdiction_of_member(name)
    for index, item in json_list_items(archive, name):
        yield _record_or_error(_parse_export_bill, Node(item, f"{name}[{index}]"), jurisdiction)


def _record_or_error(parse: Callable[..., BillRecord], *args: Any) -> BillRecord | ParseError:
    """One bill parsed, or the error that makes it fail alone."""
    try:
        return parse(*args)
    except ParseError as exc:
        return exc


def _parse_export_bill(bill: Node, jurisdiction: str) -> BillRecord:
    """A bill in the bulk JSON export shape."""
    actions = []
    for index, action in enumerate(bill.nodes("actions")):
        actor = action.text("organization__name")
        actions.append(_action(action, index, actor=actor, chamber=_chamber_from_name(actor)))
    return _bill_record(
        bill,
        jurisdiction=jurisdiction,
        session=bill.text("legislative_session", required=True),
        actions=actions,
        sponsors=bill.nodes("sponsors"),
        sources=bill.nodes("sources"),
        abstracts=bill.nodes("abstracts"),
        url="",
        extras={"chamber": bill.text("chamber")},
    )


def _csv_rows(archive: zipfile.ZipFile, name: str) -> Iterator[Node]:
    """The rows of a CSV member as Nodes placed at ``name[line]``; an absent optional table has no rows."""
    try:
        archive.getinfo(name)
    except KeyError:
        return
    with archive.open(name) as member:
        reader = csv.DictReader(io.TextIOWrapper(member, encoding="utf-8", newline=""))
        try:
            for row in reader:
                yield Node(row, f"{name}[{reader.line_num}]")
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ParseError(f"{name}[{reader.line_num}]", f"unreadable CSV: {exc}") from None


def _csv_list(row: Node, key: str) -> tuple[str, ...]:
    """A list column of the CSV export, written as a Python list literal: "['passage', 'reading-3']"."""
    raw = row.text(key)
    if not raw:
        return ()
    with located(row.at(key)):
        try:
            return as_str_tuple(ast.literal_eval(raw), "")
        except (ValueError, SyntaxError):
            raise ParseError("", f"not a list: {raw!r}") from None


def _grouped(
    rows: Iterable[Node], build: Callable[[Node], Any], bad: dict[str, ParseError], errors: list[ParseError]
) -> dict[str, list[Any]]:
    """Rows by bill id. A row that cannot be read makes its bill fail (``bad``: the bill would be incomplete), or,
    without a bill id, is an error of its own (``errors``)."""
    groups: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        try:
            groups[row.text("bill_id", required=True)].append(build(row))
        except ParseError as exc:
            bill_id = row.text("bill_id") if isinstance(row.data, dict) else ""
            if bill_id:
                bad.setdefault(bill_id, exc)
            else:
                errors.append(exc)
    return groups


def _iter_export_csv(archive: zipfile.ZipFile, bills_name: str) -> Iterator[BillRecord | ParseError]:
    """One session's CSV tables: children are grouped by bill id first, then each bill row is assembled."""
    prefix = bills_name.removesuffix("bills.csv")
    jurisdiction = _jurisdiction_of_member(bills_name)
    errors: list[ParseError] = []
    organizations = {
        row.text("id"): (row.text("name"), row.text("classification"))
        for row in _csv_rows(archive, f"{prefix}organizations.csv")
        if row.text("id")
    }

    def csv_action(row: Node) -> ActionRecord:
        actor, classification = organizations.get(row.text("organization_id"), ("", ""))
        chamber = classification if classification in _CHAMBERS else _chamber_from_name(actor)
        return _action(row, 0, actor=actor, chamber=chamber, classification=_csv_list(row, "classification"))

    bad: dict[str, ParseError] = {}
    actions = _grouped(_csv_rows(archive, f"{prefix}bill_actions.csv"), csv_action, bad, errors)
    sponsors = _grouped(_csv_rows(archive, f"{prefix}bill_sponsorships.csv"), lambda row: row, bad, errors)
    sources = _grouped(_csv_rows(archive, f"{prefix}bill_sources.csv"), lambda row: row, bad, errors)
    abstracts = _grouped(_csv_rows(archive, f"{prefix}bill_abstracts.csv"), lambda row: row, bad, errors)
    yield from errors

    def csv_bill(bill: Node) -> BillRecord:
        bill_id = bill.text("id", required=True)
        if bill_id in bad:
            raise bad[bill_id]
        return _bill_record(
            bill,
            jurisdiction=jurisdiction,
            session=bill.text("session_identifier", required=True),
            actions=actions.get(bill_id, []),
            sponsors=sponsors.get(bill_id, ()),
            sources=sources.get(bill_id, ()),
            abstracts=abstracts.get(bill_id, ()),
            url="",
            extras={"chamber": bill.text("organization_classification")},
            classification=_csv_list(bill, "classification"),
            subjects=_csv_list(bill, "subject"),
        )

    for bill in _csv_rows(archive, bills_name):
        yield _record_or_error(csv_bill, bill)
