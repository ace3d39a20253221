#!/usr/bin/env python3
"""Build the demo snapshot: ../shared/data/demo_bills.json -> Open States v3 shaped files.

Build-time only; the app never runs this. It reads the 34 checked bills of the demo data set and writes:

* ``legislation/data/demo/bills_page_1.json`` and ``bills_page_2.json``: two pages of an Open States API v3
  ``GET /bills?include=actions&include=sponsorships&include=sources&include=abstracts`` response
  (``{"results": [...], "pagination": {...}}``), 20 bills per page, in the order of demo_bills.json;
* ``legislation/data/demo/jurisdictions.json``: a ``GET /jurisdictions?include=legislative_sessions`` response
  for the 16 jurisdictions of the demo;
* ``legislation/data/demo/snapshot.json``: what the snapshot is, its date and sources, how ids were made, the
  original session/identifier strings of every bill and which session identifiers could not be verified;

Nothing is invented: every date, description, name and URL comes from demo_bills.json; organisation ids, names and
jurisdiction urls come from the ``openstates-metadata`` package (2026.9.1); session identifiers and names from the
``legislative_sessions`` lists of openstates/openstates-scrapers (see ``SESSIONS``). Bill ids are synthetic
(uuid5), because the real Open States ids are not known. Bills that died get no action for their death: the app
derives it from the session having ended.

Output is deterministic: re-running gives byte-identical files.

Usage: ``python tools/build_demo_snapshot.py [DEMO_BILLS_JSON] [--out-root DIR]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = REPO_ROOT.parent / "shared" / "data" / "demo_bills.json"

SNAPSHOT_DATE = "2026-11-27"
TIMESTAMP = f"{SNAPSHOT_DATE}T00:00:00+00:00"
PER_PAGE = 20
ABSTRACT_NOTE = "summary written for the demo snapshot"

BILLS_PAGE_PATH = "legislation/data/demo/bills_page_{page}.json"
JURISDICTIONS_PATH = "legislation/data/demo/jurisdictions.json"
SNAPSHOT_PATH = "legislation/data/demo/snapshot.json"
# Not written here: the links are curated by hand (a bill may bear on several recommendations); listed in
# snapshot.json's files because load_demo reads it.
LINKS_PATH = "recommendations/data/demo_links.json"

# Recipe of the synthetic bill ids: uuid5(NAMESPACE_URL, ID_NAME.format(...)).
ID_NAME = "demo-snapshot:{jurisdiction_id}|{session}|{identifier}"


# --------------------------------------------------------------------------------------------------------------
# Jurisdictions and their organisations, as openstates-metadata 2026.9.1 (PyPI) lists them.
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Org:
    id: str
    name: str
    classification: str

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "classification": self.classification}


@dataclass(frozen=True)
class Juris:
    code: str
    name: str
    classification: str
    url: str
    upper: Org
    lower: Org
    legislature: Org
    executive: Org

    @property
    def id(self) -> str:
        if self.code == "us":
            return "ocd-jurisdiction/country:us/government"
        return f"ocd-jurisdiction/country:us/state:{self.code}/government"

    @property
    def division_id(self) -> str:
        if self.code == "us":
            return "ocd-division/country:us"
        return f"ocd-division/country:us/state:{self.code}"

    def org(self, chamber: str) -> Org:
        return {"upper": self.upper, "lower": self.lower, "legislature": self.legislature,
                "executive": self.executive}[chamber]


def _juris(code: str, name: str, url: str, chambers: tuple[str, str, str, str],
           legislature: tuple[str, str], executive: tuple[str, str], classification: str = "state") -> Juris:
    upper_id, lower_name, lower_id, upper_name = chambers
    return Juris(
        code=code, name=name, classification=classification, url=url,
        upper=Org(f"ocd-organization/{upper_id}", upper_name, "upper"),
        lower=Org(f"ocd-organization/{lower_id}", lower_name, "lower"),
        legislature=Org(f"ocd-organization/{legislature[1]}", legislature[0], "legislature"),
        executive=Org(f"ocd-organization/{executive[1]}", executive[0], "executive"),
    )


_GOV = "Office of the Governor"
# chambers: (upper org uuid, lower chamber name, lower org uuid, upper chamber name)
JURISDICTIONS: dict[str, Juris] = {j.code: j for j in (
    _juris("us", "United States", "https://usa.gov",
           ("072da2ce-df81-52c3-9cc8-323e208cdf10", "House", "24af4233-d9b5-5933-91b2-51d29f721037", "Senate"),
           ("US Congress", "98590d80-8f8a-57fa-bdfc-55d778fbd88a"),
           ("President of the United States", "16b52117-31a3-5f05-96a6-fd580a4f9f4d"), classification="country"),
    _juris("ca", "California", "http://www.legislature.ca.gov/",
           ("98623fa0-f9c3-47ae-80bb-51465349ed71", "Assembly", "e70e812e-44d2-46b0-9eae-2f3b9a1d5150", "Senate"),
           ("California State Legislature", "f1c6eb47-c439-42e5-9b6f-d7f6121f20e9"),
           (_GOV, "b7f8d62d-b8f0-4eba-8de3-a42c1f64f9fe")),
    _juris("co", "Colorado", "http://leg.colorado.gov/",
           ("98d43d46-9571-4a40-9007-581d84d41bb8", "House", "e047d0e5-2c93-4e39-bea3-04c0d9d11b20", "Senate"),
           ("Colorado General Assembly", "2fc73234-69ce-4a42-b85a-4a52a676e6e9"),
           (_GOV, "1f6f6532-1bc8-4ddb-8350-27fcd47c6795")),
    _juris("fl", "Florida", "http://myflorida.com",
           ("c540c1bb-d614-4174-86db-a146526169f8", "House", "8b0147dc-8942-4fd5-91c4-a72a92a8e1fe", "Senate"),
           ("Florida Legislature", "a0b3ad5f-c852-483b-b746-444d3d795701"),
           (_GOV, "392f8763-ef77-5ce1-9b8e-643b129c3bd3")),
    _juris("il", "Illinois", "http://www.ilga.gov/",
           ("20782ae5-cc22-4470-846b-fd9788ad3db7", "House", "76120f9a-2982-4cc5-a6e2-de7401fa0d38", "Senate"),
           ("Illinois General Assembly", "52332da7-9146-412e-bf64-a291e2757b63"),
           (_GOV, "1cc0938a-ec95-595c-ada8-3c9379af4704")),
    _juris("ky", "Kentucky", "http://www.lrc.ky.gov/",
           ("523aa254-9d04-4641-9770-6488b5f4fb0e", "House", "4e2398aa-4ffd-4e2c-8089-7a0cb64f1bc9", "Senate"),
           ("Kentucky General Assembly", "b5a82ff4-4fd3-41c8-bb44-32ad2e499482"),
           (_GOV, "d98917f5-3395-595e-b2d9-873936707342")),
    _juris("la", "Louisiana", "http://www.legis.la.gov/",
           ("ebc2f274-ac99-40a5-ae55-19e896936bc7", "House", "d711b9b2-6668-470d-83a7-92d73b24f94a", "Senate"),
           ("Louisiana Legislature", "3c509bec-a8f0-4422-a17f-5f11bfe88f26"),
           (_GOV, "6478a11e-ce20-5ee2-ab1c-055aae53cfcf")),
    _juris("ma", "Massachusetts", "http://mass.gov",
           ("1a75ab3a-669b-43fe-ac8d-31a2d6923d9a", "House", "ca38ad9c-c3d5-4c4f-bc2f-d885218ed802", "Senate"),
           ("Massachusetts General Court", "9c4e7b53-9912-4394-a40a-14b5ecdb8aba"),
           (_GOV, "61a1385f-f512-4d4b-826f-3118c9a775bf")),
    _juris("mi", "Michigan", "http://www.legislature.mi.gov",
           ("7cf9891c-6c1f-45ec-b24c-7aa9be45e9cc", "House", "d387cf69-631c-4013-bb32-4a00c848fcc4", "Senate"),
           ("Michigan Legislature", "c70eb47a-43c1-4aa1-95a6-2aea30da8e82"),
           (_GOV, "1435164b-be3c-56fd-b426-678565c853cd")),
    _juris("nj", "New Jersey", "http://www.njleg.state.nj.us/",
           ("0461b3ba-ecad-4ed3-bc89-056dbaa698d1", "Assembly", "68d34c4f-e59d-42a2-bcfe-fbf7f8cc8f15", "Senate"),
           ("New jersey Legislature", "8815f4a0-d799-45d1-980e-3d53e3b26b1d"),  # spelled so in openstates-metadata
           (_GOV, "bdfb4b37-b604-4fff-8515-e7646b6f4db6")),
    _juris("nv", "Nevada", "http://www.leg.state.nv.us/",
           ("c4400c7b-157d-442a-b688-543ffb989967", "Assembly", "258cdef7-dac8-4ec1-8f74-00a70ee10269", "Senate"),
           ("Nevada Legislature", "770c2aae-0332-4f24-a8e0-e0bf666dc992"),
           (_GOV, "0328f08e-ceb3-4d5c-a8d3-a73a3443e02e")),
    _juris("ny", "New York", "http://public.leginfo.state.ny.us/",
           ("8291a233-623d-40e8-882d-21ec2d382c87", "Assembly", "26bb6306-85f0-4d10-bff7-d1cd5bdc0865", "Senate"),
           ("New York Legislature", "700d3e60-3b1a-4cba-9aa4-06278aa7605d"),
           (_GOV, "4074536a-6e18-56f0-b004-3e85742b0c98")),
    _juris("or", "Oregon", "https://olis.leg.state.or.us",
           ("bfb1aaad-4896-4399-b12f-64b8b4ab1b30", "House", "9b08e1e9-5a70-48c1-983d-508a3281c378", "Senate"),
           ("Oregon Legislative Assembly", "5baae940-2a55-49f9-8e8b-7d321ac539b4"),
           (_GOV, "6490d24e-7708-5ece-be11-9c7b82fc8920")),
    _juris("pa", "Pennsylvania", "http://www.legis.state.pa.us/",
           ("9443a886-8032-4502-b99d-551735ec9606", "House", "0f78429d-ec86-4333-9338-17708fe11914", "Senate"),
           ("Pennsylvania General Assembly", "4a283791-567b-48b8-aac3-c94c36e3e63a"),
           (_GOV, "ea33e6ed-4944-5e83-888b-c98b070907ce")),
    _juris("tx", "Texas", "https://capitol.texas.gov/",
           ("cabf1716-c572-406a-bfdd-1917c11ac629", "House", "d6189dbb-417e-429e-ae4b-2ee6747eddc0", "Senate"),
           ("Texas Legislature", "8ab77a54-0646-413c-a63a-dc85154282b7"),
           (_GOV, "4c8c2a9c-f33c-476d-bf81-266eb72193f0")),
    _juris("wa", "Washington", "http://www.leg.wa.gov",
           ("ddae63d3-9f3e-4c46-a00f-703fe21b54d1", "House", "7417a716-eba8-4437-a6e9-df14694bcb79", "Senate"),
           ("Washington State Legislature", "a7819d04-7b5e-4d2e-b47f-5dca9f09fc81"),
           (_GOV, "cb29ec2f-1ee0-50b9-8394-f43504579f65")),
)}


# --------------------------------------------------------------------------------------------------------------
# Legislative sessions. Identifiers and names as in openstates/openstates-scrapers scrapers/<state>/__init__.py
# (verified=True) or following that file's pattern where the session itself was not seen (verified=False).
# Dates only where sourced: Congress n runs from Jan 3 of 1787+2n to Jan 3 of 1789+2n; Oregon's 2024 session
# adjourned sine die on 2024-03-07 (Salem Reporter, per demo_bills_NOTES.md). Everything else stays "".
# Each demo session is listed, plus a later verified session of the same legislature where one was found, since a
# later session existing shows that the earlier one has ended.
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Session:
    identifier: str
    name: str
    verified: bool
    source: str
    classification: str = "primary"
    start_date: str = ""
    end_date: str = ""

    def as_json(self) -> dict[str, str]:
        return {"identifier": self.identifier, "name": self.name, "classification": self.classification,
                "start_date": self.start_date, "end_date": self.end_date}


def _scrapers(code: str) -> str:
    return f"openstates/openstates-scrapers scrapers/{'usa' if code == 'us' else code}/__init__.py"


def _congress(number: int, verified: bool) -> Session:
    source = _scrapers("us") if verified else f"pattern of {_scrapers('us')} (112th-117th); {number} not seen"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10 if number % 100 not in (11, 12, 13) else 0, "th")
    return Session(str(number), f"{number}{suffix} Congress", verified, source,
                   start_date=f"{1787 + 2 * number}-01-03", end_date=f"{1789 + 2 * number}-01-03")


def _sessions(code: str, *rows: tuple[str, str] | tuple[str, str, str]) -> list[Session]:
    out = []
    for row in rows:
        identifier, name = row[0], row[1]
        classification = row[2] if len(row) == 3 else "primary"
        out.append(Session(identifier, name, True, _scrapers(code), classification))
    return out


SESSIONS: dict[str, list[Session]] = {
    "us": [_congress(111, False), _congress(112, True), _congress(115, True), _congress(116, True),
           _congress(117, True), _congress(119, False)],
    "ca": [*_sessions("ca", ("20172018", "2017-2018 Regular Session"), ("20192020", "2019-2020 Regular Session"),
                      ("20212022", "2021-2022 Regular Session")),
           Session("20232024", "2023-2024 Regular Session", False,
                   f"pattern of {_scrapers('ca')} (YYYYYYYY); 20232024 not seen in a session list")],
    "co": _sessions("co", ("2022A", "2022 Regular Session"), ("2023A", "2023 Regular Session")),
    "fl": _sessions("fl", ("2017", "2017 Regular Session"), ("2018", "2018 Regular Session"),
                    ("2023", "2023 Regular Session"), ("2024", "2024 Regular Session")),
    "il": _sessions("il", ("104th", "104th Regular Session")),
    "ky": _sessions("ky", ("2023RS", "2023 Regular Session"), ("2024RS", "2024 Regular Session")),
    "la": _sessions("la", ("2021", "2021 Regular Session"), ("2021v", "2021 Veto Session")),
    "ma": _sessions("ma", ("187th", "187th Legislature (2011-2012)"), ("188th", "188th Legislature (2013-2014)"),
                    ("190th", "190th Legislature (2017-2018)"), ("191st", "191st Legislature (2019-2020)")),
    "mi": _sessions("mi", ("2019-2020", "2019-2020 Regular Session"), ("2021-2022", "2021-2022 Regular Session")),
    "nj": _sessions("nj", ("213", "2008-2009 Regular Session"), ("214", "2010-2011 Regular Session"),
                    ("219", "2020-2021 Regular Session"), ("220", "2022-2023 Regular Session")),
    "nv": _sessions("nv", ("82", "2023 Regular Session"), ("83", "2025 Regular Session")),
    "ny": _sessions("ny", ("2009-2010", "2009 Regular Session"), ("2011-2012", "2011 Regular Session"),
                    ("2017-2018", "2017 Regular Session"), ("2019-2020", "2019 Regular Session"),
                    ("2023-2024", "2023 Regular Session"), ("2025-2026", "2025 Regular Session")),
    "or": [Session("2024R1", "2024 Regular Session", False,
                   f"pattern of {_scrapers('or')} (2022R1, the legislature's own session key); 2024R1 not seen in"
                   " an Open States session list", end_date="2024-03-07")],
    "pa": _sessions("pa", ("2017-2018", "2017-2018 Regular Session"), ("2019-2020", "2019-2020 Regular Session"),
                    ("2021-2022", "2021-2022 Regular Session"), ("2023-2024", "2023-2024 Regular Session")),
    "tx": _sessions("tx", ("88", "88th Legislature (2023)"),
                    ("881", "88th Legislature, 1st Called Session (2023)", "special"),
                    ("882", "88th Legislature, 2nd Called Session (2023)", "special")),
    "wa": _sessions("wa", ("2021-2022", "2021-2022 Regular Session"), ("2023-2024", "2023-2024 Regular Session")),
}

# demo_bills.json session string -> Open States legislative-session identifier, per jurisdiction.
SESSION_MAP: dict[tuple[str, str], str] = {
    ("us", "111"): "111", ("us", "115"): "115", ("us", "117"): "117", ("us", "119"): "119",
    ("ca", "2017-2018"): "20172018", ("ca", "2021-2022"): "20212022", ("ca", "2023-2024"): "20232024",
    ("co", "2022 Regular Session"): "2022A",
    ("fl", "2017"): "2017", ("fl", "2023"): "2023",
    ("il", "104th General Assembly (2025-2026)"): "104th",
    ("ky", "2023 Regular Session"): "2023RS",
    ("la", "2021 Regular Session"): "2021",
    ("ma", "187th General Court (2011-2012)"): "187th", ("ma", "190th General Court (2017-2018)"): "190th",
    ("mi", "2019-2020"): "2019-2020",
    ("nj", "2008-2009"): "213", ("nj", "2020-2021"): "219",
    ("nv", "82nd (2023)"): "82",
    ("ny", "2009-2010"): "2009-2010", ("ny", "2017-2018"): "2017-2018", ("ny", "2023-2024"): "2023-2024",
    ("ny", "2025-2026"): "2025-2026",
    ("or", "2024 Regular Session"): "2024R1",
    ("pa", "2017-2018"): "2017-2018", ("pa", "2021-2022"): "2021-2022",
    ("tx", "88(R)"): "88",
    ("wa", "2021-2022"): "2021-2022", ("wa", "2023-2024"): "2023-2024",
}


# --------------------------------------------------------------------------------------------------------------
# Bill identifiers: Open States spells them as letters, one space, the number without leading zeros
# (openstates-core fix_bill_id); Congress types lose their dots ("H.R. 1693" -> "HR 1693"); New York bills are
# keyed by their base print number, so an amendment letter is dropped ("S7551A" -> "S 7551").
# --------------------------------------------------------------------------------------------------------------
_IDENTIFIER_RE = re.compile(r"^([A-Z]+)\s*0*(\d+(?:-\d+)?)([A-Z]?)$")


def open_states_identifier(jurisdiction: str, identifier: str) -> str:
    compact = identifier.replace(".", " ").upper().strip()
    compact = re.sub(r"^([A-Z]+)\s+([A-Z]+)\s", r"\1\2 ", compact)  # "H R 1693" -> "HR 1693"
    match = _IDENTIFIER_RE.match(re.sub(r"\s+", " ", compact))
    if not match:
        raise ValueError(f"cannot normalise bill identifier {identifier!r}")
    prefix, number, suffix = match.groups()
    if suffix and jurisdiction != "ny":
        raise ValueError(f"unexpected letter after the number in {identifier!r}")
    return f"{prefix} {number}"


def origin_chamber(identifier: str) -> str:
    """The chamber a bill comes from, by its prefix: S... is the Senate; H... (House) or A... (Assembly) lower."""
    first = identifier[0]
    if first == "S":
        return "upper"
    if first in "HA":
        return "lower"
    raise ValueError(f"no chamber for bill identifier {identifier!r}")


# --------------------------------------------------------------------------------------------------------------
# Action classifications (Open States vocabulary, openstates-core openstates/data/common.py), derived from each
# action's description by the rules below, applied in order; an action that fits none gets [].
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    pattern: str
    classifications: tuple[str, ...]
    chambers: tuple[str, ...] = ()  # limit to actions of these chambers; () = any
    unless: str = ""  # skip the rule when this pattern also matches


_COMMITTEE_PASSAGE = r"\bpassed (the )?(house |senate |assembly )?(joint )?committee\b|\bcommittee (passed|voted)\b"
# Procedural actions that are not about the bill's own fate: a conference committee's report or appointment, a
# House rule for consideration (a separate resolution), a failed attempt to force a vote, a vote to reject a
# conference report, the Governor's amendment rejected, adjournment. They get [] and stop the other rules.
NO_CLASSIFICATION = re.compile(
    r"conference committee|rule for consideration|adopted the rule|did not succeed|rejected the conference"
    r"|rejected the governor's amendment|adjourned sine die",
    re.IGNORECASE,
)
RULES: tuple[Rule, ...] = (
    Rule(r"\bprefiled\b|^filed\b", ("filing",)),
    Rule(r"\bintroduced\b", ("introduction",)),
    Rule(r"^received in\b", ("receipt",)),
    Rule(r"\b(referred|committed) to (the )?(\w+ )*committee\b|\breferred to committee\b", ("referral-committee",)),
    Rule(r"\bfirst reading\b", ("reading-1",)),
    Rule(r"\bhearing\b", ("hearing-held",)),
    Rule(r"\bfavorabl[ey]\b|\bdo pass\b", ("committee-passage-favorable",)),
    Rule(r"\breported\b|^committee substitute by\b|\bwithout recommendation\b|" + _COMMITTEE_PASSAGE,
         ("committee-passage",), unless=r"\bfavorabl[ey]\b|\bdo pass\b"),
    Rule(r"^amended (in|on)\b|\badopted a striking amendment\b", ("amendment-passage",)),
    Rule(r"\bsecond(-| )reading\b|\bsecond consideration\b|\bsecond and third reading\b", ("reading-2",)),
    Rule(r"\bthird reading\b", ("reading-3",)),
    Rule(r"\bpassed\b|\bfinal passage\b|\bgave final\b|\bapproved the bill\b|\baccepted the conference report\b"
         r"|\bagreed to the senate amendment\b",
         ("passage",), chambers=("upper", "lower", "legislature"), unless=_COMMITTEE_PASSAGE),
    Rule(r"\benrolled\b", ("enrolled",)),
    Rule(r"\bpresented to (the )?president\b|\b(sends?|sent|sending it|delivered)( bill)? to (the )?governor\b",
         ("executive-receipt",)),
    Rule(r"\bsigned\b|\bapproved by (the )?governor\b", ("executive-signature",), chambers=("executive",)),
    Rule(r"\bvetoed\b", ("executive-veto",), chambers=("executive",)),
    Rule(r"\bbecame (public )?law\b|\bchaptered\b", ("became-law",), chambers=("executive",)),
)


def classify_action(description: str, chamber: str) -> list[str]:
    if NO_CLASSIFICATION.search(description):
        return []
    found: list[str] = []
    for rule in RULES:
        if rule.chambers and chamber not in rule.chambers:
            continue
        if not re.search(rule.pattern, description, re.IGNORECASE):
            continue
        if rule.unless and re.search(rule.unless, description, re.IGNORECASE):
            continue
        found.extend(c for c in rule.classifications if c not in found)
    return found


def rules_as_text() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = [{"pattern": NO_CLASSIFICATION.pattern, "classification": [],
                                    "note": "checked first; procedural, not the bill's own fate; stops the rest"}]
    for rule in RULES:
        entry: dict[str, Any] = {"pattern": rule.pattern, "classification": list(rule.classifications)}
        if rule.chambers:
            entry["chambers"] = list(rule.chambers)
        if rule.unless:
            entry["unless"] = rule.unless
        rules.append(entry)
    return rules


# --------------------------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------------------------
def session_for(code: str, identifier: str) -> Session:
    for session in SESSIONS[code]:
        if session.identifier == identifier:
            return session
    raise KeyError(f"session {identifier!r} of {code!r} is not in SESSIONS")


def bill_id(juris: Juris, session: str, identifier: str) -> str:
    name = ID_NAME.format(jurisdiction_id=juris.id, session=session, identifier=identifier)
    return f"ocd-bill/{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def build_actions(juris: Juris, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for order, action in enumerate(actions):
        chamber = action["chamber"]
        out.append({
            "organization": juris.org(chamber).as_json(),
            "description": action["description"],
            "date": action["date"],
            "classification": classify_action(action["description"], chamber),
            "order": order,
            "related_entities": [],
        })
    return out


def computed_dates(actions: list[dict[str, Any]]) -> dict[str, str]:
    """first/latest action and latest passage, as openstates-core's update_bill_fields computes them."""
    first, latest, latest_description, passage = "", "", "", ""
    for action in actions:
        if not first or action["date"] < first:
            first = action["date"]
        if not latest or action["date"] >= latest:
            latest, latest_description = action["date"], action["description"]
        if "passage" in action["classification"] and (not passage or action["date"] >= passage):
            passage = action["date"]
    return {"first_action_date": first, "latest_action_date": latest,
            "latest_action_description": latest_description, "latest_passage_date": passage}


# Facts that demo_bills_NOTES.md verifies but demo_bills.json carries only as a final status, with no action.
# Open States writes a date known only to the year as "YYYY" (a fuzzy Open Civic Data date).
NOTED_ACTIONS: dict[tuple[str, str, str], list[dict[str, str]]] = {
    ("wa", "2021-2022", "SB 5476"): [
        {
            "date": "2021",
            "chamber": "executive",
            "description": "Signed into law; enacted as chapter 311, Laws of 2021 (signing date not verified)",
        }
    ],
}


def build_bill(raw: dict[str, Any]) -> dict[str, Any]:
    code = raw["jurisdiction"]
    juris = JURISDICTIONS[code]
    session = SESSION_MAP[(code, raw["session"])]
    session_for(code, session)  # every bill's session is listed in jurisdictions.json
    identifier = open_states_identifier(code, raw["identifier"])
    noted = NOTED_ACTIONS.get((code, raw["session"], raw["identifier"]), [])
    actions = build_actions(juris, [*raw["actions"], *noted])
    return {
        "id": bill_id(juris, session, identifier),
        "session": session,
        "jurisdiction": {"id": juris.id, "name": juris.name, "classification": juris.classification},
        "from_organization": juris.org(origin_chamber(identifier)).as_json(),
        "identifier": identifier,
        "title": raw["title"],
        "classification": [raw["classification"]],
        "subject": list(raw["subjects"]),
        "extras": {},
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "openstates_url": "",
        **computed_dates(actions),
        "abstracts": [{"abstract": raw["summary"], "note": ABSTRACT_NOTE, "date": ""}],
        "sponsorships": [
            {"name": s["name"], "entity_type": "person", "primary": s["primary"],
             "classification": "primary" if s["primary"] else "cosponsor", "person": None}
            for s in raw["sponsors"]
        ],
        "actions": actions,
        "sources": [{"url": url, "note": ""} for url in raw["sources"]],
    }


def build_pages(bills: list[dict[str, Any]]) -> list[dict[str, Any]]:
    max_page = max(1, -(-len(bills) // PER_PAGE))
    return [
        {"results": bills[(page - 1) * PER_PAGE: page * PER_PAGE],
         "pagination": {"per_page": PER_PAGE, "page": page, "max_page": max_page, "total_items": len(bills)}}
        for page in range(1, max_page + 1)
    ]


def build_jurisdictions(codes: Iterable[str]) -> dict[str, Any]:
    chosen = sorted((JURISDICTIONS[code] for code in set(codes)), key=lambda j: j.name)
    results = [
        {"id": j.id, "name": j.name, "classification": j.classification, "division_id": j.division_id, "url": j.url,
         "legislative_sessions": [s.as_json() for s in SESSIONS[j.code]]}
        for j in chosen
    ]
    return {"results": results,
            "pagination": {"per_page": PER_PAGE, "page": 1, "max_page": 1, "total_items": len(results)}}


def build_snapshot(raw_bills: list[dict[str, Any]], bills: list[dict[str, Any]], input_bytes: bytes) -> dict[str, Any]:
    domains = sorted({urlsplit(url).hostname or "" for raw in raw_bills for url in raw["sources"]})
    unverified = [
        {"jurisdiction": code, "session": s.identifier, "why": s.source}
        for code in sorted(SESSIONS) for s in SESSIONS[code] if not s.verified
    ]
    session_sources = {
        f"{code}/{s.identifier}": s.source for code in sorted(SESSIONS) for s in SESSIONS[code] if s.verified
    }
    return {
        "snapshot_date": SNAPSHOT_DATE,
        "description": (
            "Demo snapshot of 34 real US bills (Congress and 15 states, 2009-2026) on the sentencing of drug selling "
            "and distribution, harm-reduction supplies, record clearance, and measures that went the other way. "
            "The facts were checked against public pages (see demo_bills_NOTES.md in the shared data); this is a "
            "snapshot as of the date above, not live data."
        ),
        "format": (
            "Open States API v3: bills_page_N.json are GET /bills pages with "
            "include=actions,sponsorships,sources,abstracts; jurisdictions.json is GET "
            "/jurisdictions?include=legislative_sessions."
        ),
        "files": [BILLS_PAGE_PATH.format(page=1), BILLS_PAGE_PATH.format(page=2), JURISDICTIONS_PATH, LINKS_PATH],
        "generated_by": "tools/build_demo_snapshot.py",
        "input": {"file": "demo_bills.json", "sha256": hashlib.sha256(input_bytes).hexdigest(),
                  "bills": len(raw_bills)},
        "sources": {
            "statement": (
                "Every bill's facts come from the pages listed in its own `sources`; these are their domains. "
                "Summaries (`abstracts`) were written for the demo, not taken from a legislature."
            ),
            "domains": domains,
            "named_in_notes": ["congress.gov", "govtrack", "legiscan", "legiplex", "leginfo", "flsenate.gov",
                               "WA legislature bill reports", "michiganvotes", "billtrack50",
                               "press releases and news"],
        },
        "ids": (
            "Bill ids are synthetic deterministic uuid5 values, not Open States' own: "
            "ocd-bill/uuid5(NAMESPACE_URL, '" + ID_NAME + "')."
        ),
        "organizations": (
            "Organisation ids, names and jurisdiction urls are Open States' own, from the openstates-metadata "
            "package (2026.9.1). Actions of chamber 'executive' belong to the executive organisation, 'legislature' "
            "to the legislature."
        ),
        "fields": (
            "openstates_url is empty (the real URLs were not checked). subject holds the demo's own topic tags. "
            "first_action_date, latest_action_date, latest_action_description and latest_passage_date are computed "
            "from the actions as openstates-core does. Bills that died have no action for their death: the session "
            "having ended (jurisdictions.json) is what ends them. Action classifications are derived from the "
            "descriptions by the rules below; sponsorships have no person ids."
        ),
        "action_classification_rules": rules_as_text(),
        "unverified_session_identifiers": unverified,
        "session_identifier_sources": session_sources,
        "bills": [
            {"id": bill["id"], "jurisdiction": raw["jurisdiction"], "session": bill["session"],
             "identifier": bill["identifier"], "original_session": raw["session"],
             "original_identifier": raw["identifier"], "direction": raw["direction"],
             "demo_status": raw["status"], "demo_status_date": raw["status_date"]}
            for raw, bill in zip(raw_bills, bills, strict=True)
        ],
        "demo_status_note": (
            "demo_status is the final status recorded in demo_bills.json, kept to check the stage the app derives "
            "from the actions and sessions; it is not an Open States field and must not replace the derivation."
        ),
    }


def dump(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def build(input_path: Path) -> dict[str, bytes]:
    """All output files, keyed by their path relative to the repository root."""
    input_bytes = input_path.read_bytes()
    raw_bills: list[dict[str, Any]] = json.loads(input_bytes)
    bills = [build_bill(raw) for raw in raw_bills]
    seen: set[tuple[str, str, str]] = set()
    for raw, bill in zip(raw_bills, bills, strict=True):
        key = (raw["jurisdiction"], bill["session"], bill["identifier"])
        if key in seen:
            raise ValueError(f"duplicate bill {key}")
        seen.add(key)
    files = {BILLS_PAGE_PATH.format(page=n): dump(page) for n, page in enumerate(build_pages(bills), start=1)}
    files[JURISDICTIONS_PATH] = dump(build_jurisdictions(raw["jurisdiction"] for raw in raw_bills))
    files[SNAPSHOT_PATH] = dump(build_snapshot(raw_bills, bills, input_bytes))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", type=Path, default=DEFAULT_INPUT,
                        help=f"demo_bills.json (default: {DEFAULT_INPUT})")
    parser.add_argument("--out-root", type=Path, default=REPO_ROOT,
                        help="directory the output paths are relative to (default: the repository root)")
    args = parser.parse_args(argv)
    for relative, content in build(args.input).items():
        target = args.out_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
