"""Congress.gov bills, actions, cosponsors and lists, parsed without the database."""

import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from legislation.sources.congress import (
    bill_key,
    classify_action,
    match_actions,
    parse_actions,
    parse_bill,
    parse_bill_list,
    parse_payloads,
    public_url,
)
from legislation.sources.records import ParseError, SourceError
from legislation.stages import apply_session_end

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "congress"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def s1947_files() -> list[tuple[str, Any]]:
    names = ["bill_119_s_1947.json", "bill_119_s_1947_actions.json", "bill_119_s_1947_cosponsors.json"]
    return [(name, load(name)) for name in names]


LOC = {"code": 9, "name": "Library of Congress"}
SENATE = {"name": "Senate"}
HOUSE_FLOOR = {"code": 2, "name": "House floor actions"}


def action(when: str, text: str, code: str | None = None, kind: str = "Floor", system: dict = LOC) -> dict:
    entry = {"actionDate": when, "text": text, "type": kind, "sourceSystem": system}
    if code:
        entry["actionCode"] = code
    return entry


def bill_payload(congress: int = 117, bill_type: str = "HR", number: str = "21", **extra: Any) -> dict[str, Any]:
    bill = {
        "congress": congress,
        "type": bill_type,
        "number": number,
        "originChamber": "House" if bill_type.startswith("H") else "Senate",
        "title": "A test bill",
        "introducedDate": "2021-01-04",
        "updateDate": "2022-11-01T12:00:00Z",
        "latestAction": {"actionDate": "2021-01-06", "text": "Received in the Senate."},
        "sponsors": [{"fullName": "Rep. Doe, Jane [D-CA-1]", "isByRequest": "N"}],
        **extra,
    }
    request = {"billNumber": number, "billType": bill_type.lower(), "congress": str(congress), "format": "json"}
    return {"bill": bill, "request": request}


def actions_payload(congress: int, bill_type: str, number: str, *actions: dict) -> dict[str, Any]:
    """An /actions response: newest first, as Congress.gov lists them."""
    request = {"billNumber": number, "billType": bill_type, "congress": str(congress), "format": "json"}
    return {"actions": list(reversed(actions)), "pagination": {"count": len(actions)}, "request": request}


HOUSE_PASSED = [
    action("2021-01-04", "Introduced in House", "1000", "IntroReferral"),
    action(
        "2021-01-04",
        "Referred to the House Committee on Oversight and Reform.",
        "H11100",
        "IntroReferral",
        HOUSE_FLOOR,
    ),
    action(
        "2021-01-05",
        "On motion to suspend the rules and pass the bill Agreed to by voice vote.",
        "H37300",
        system=HOUSE_FLOOR,
    ),
    action(
        "2021-01-05", "Passed/agreed to in House: On motion to suspend the rules and pass the bill Agreed to.", "8000"
    ),
    action(
        "2021-01-06",
        "Received in the Senate and Read twice and referred to the Committee on Homeland Security.",
        kind="IntroReferral",
        system=SENATE,
    ),
]


# --- S 1947 (119th), real ------------------------------------------------------------------------------------


def test_s1947_with_its_actions_is_in_committee() -> None:
    [record] = parse_payloads(s1947_files())
    assert record.status.stage == "in_committee"
    assert record.status.stage_date == date(2025, 6, 4)
    assert (record.status.furthest_stage, record.status.furthest_date) == ("in_committee", date(2025, 6, 4))


def test_s1947_fields() -> None:
    [record] = parse_payloads(s1947_files())
    assert record.source == "congress"
    assert (record.source_id, record.external_ids) == ("119-s-1947", (("congress", "119-s-1947"),))
    assert (record.jurisdiction, record.identifier, record.source_identifier) == ("us", "S 1947", "S 1947")
    assert record.title == "OCTOPUS Act of 2025"
    assert record.url == "https://www.congress.gov/bill/119th-congress/senate-bill/1947"
    assert record.subjects == ("Public Lands and Natural Resources",)
    assert record.updated_at == datetime(2025, 7, 24, 20, 27, 26, tzinfo=UTC)
    session = record.session
    assert (session.identifier, session.name, session.classification) == ("119", "119th Congress", "primary")
    assert (session.start_date, session.end_date) == (date(2025, 1, 3), date(2027, 1, 3))
    assert (session.ended, session.carries_over) == (None, False)
    assert record.extras["by_request"] is False
    assert record.extras["laws"] == []
    assert record.extras["update_date"] == "2025-07-24T20:27:26Z"


def test_s1947_actions_oldest_first_with_senate_action_lacking_a_code() -> None:
    [record] = parse_payloads(s1947_files())
    assert [(a.order, a.description[:20], a.chamber, a.actor, a.classification) for a in record.actions] == [
        (0, "Introduced in Senate", "upper", "Library of Congress", ("introduction",)),
        (1, "Read twice and refer", "upper", "Senate", ("referral-committee",)),
    ]


def test_s1947_sponsor_and_cosponsors() -> None:
    [record] = parse_payloads(s1947_files())
    assert [(s.name, s.primary, s.classification) for s in record.sponsors] == [
        ("Sen. Whitehouse, Sheldon [D-RI]", True, "primary"),
        ("Sen. Murkowski, Lisa [R-AK]", False, "cosponsor"),
        ("Sen. Merkley, Jeff [D-OR]", False, "cosponsor"),
    ]


def test_s1947_bill_alone_is_light_and_staged_from_its_latest_action() -> None:
    record = parse_bill(load("bill_119_s_1947.json"))
    assert record.actions == ()
    assert record.extras["actions_included"] is False
    assert (record.status.stage, record.status.stage_date) == ("in_committee", date(2025, 6, 4))
    assert [s.primary for s in record.sponsors] == [True]


# --- Lists -------------------------------------------------------------------------------------------------


def test_bill_list_117_parses_light_records() -> None:
    records = parse_bill_list(load("bill_list_117.json"))
    assert len(records) == 20
    assert {record.session.identifier for record in records} == {"117"}
    assert all(record.extras["actions_included"] is False for record in records)
    more_act = records[0]
    assert (more_act.identifier, more_act.title) == ("HR 3617", "MORE Act")
    assert more_act.updated_at == datetime(2022, 4, 3, tzinfo=UTC)
    assert more_act.extras["latest_action_text"].startswith("Motion to reconsider")
    assert (more_act.status.stage, more_act.status.stage_date) == ("introduced", None)
    by_id = {record.source_id: record for record in records}
    referred = by_id["117-hres-1021"]
    assert referred.url == "https://www.congress.gov/bill/117th-congress/house-resolution/1021"
    assert (referred.status.stage, referred.status.stage_date) == ("in_committee", date(2022, 4, 1))


def test_bill_list_dedupes_repeated_bills_keeping_the_latest_update() -> None:
    payload = load("bill_list_117.json")
    newer = copy.deepcopy(payload["bills"][0])
    newer.update(updateDate="2022-04-05", latestAction={"actionDate": "2022-04-05", "text": "Received in the Senate."})
    payload["bills"].append(newer)
    records = parse_bill_list(payload)
    assert len(records) == 20
    more_act = next(record for record in records if record.source_id == "117-hr-3617")
    assert more_act.extras["update_date"] == "2022-04-05"


def test_bill_list_sorted_by_update_date_2025() -> None:
    [record] = parse_bill_list(load("bill_list_updateDate_desc.json"))
    assert record.source_id == "119-hr-4779"
    assert record.updated_at == datetime(2025, 7, 27, tzinfo=UTC)


# --- Action codes and types --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (action("", "Introduced in House", "1000"), (("introduction",), "lower")),
        (action("", "Introduced in House", "Intro-H"), (("introduction",), "lower")),
        (action("", "Passed/agreed to in Senate: Passed Senate without amendment.", "17000"), (("passage",), "upper")),
        (action("", "Failed of passage/not agreed to in House", "9000"), (("failure",), "lower")),
        (action("", "Presented to President.", "28000"), (("executive-receipt",), "executive")),
        (action("", "Presented to President.", "E20000"), (("executive-receipt",), "executive")),
        (action("", "Signed by President.", "E30000"), (("executive-signature",), "executive")),
        (action("", "Vetoed by President.", "E30000"), (("executive-veto",), "executive")),
        (action("", "Pocket Vetoed by President.", "30000"), (("executive-veto",), "executive")),
        (action("", "Passed House over veto: ...", "32000"), (("veto-override-passage",), "lower")),
        (action("", "Failed of passage in Senate over veto", "35000"), (("veto-override-failure",), "upper")),
        (action("", "Became Public Law No: 117-108.", "36000"), (("became-law",), "executive")),
        (action("", "Became Public Law No: 117-108.", "E40000"), (("became-law",), "executive")),
        (action("", "Became Public Law No: 117-108.", kind="BecameLaw", system={}), (("became-law",), "executive")),
    ],
)
def test_library_of_congress_codes(entry: dict, expected: tuple) -> None:
    assert classify_action(entry) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Passed Senate without amendment by Unanimous Consent.", (("passage",), "upper")),
        (
            "Passed Senate with an amendment by Yea-Nay Vote. 51 - 48. Record Vote Number: 372.",
            (("passage",), "upper"),
        ),
        ("Resolution agreed to in Senate without amendment by Unanimous Consent.", (("passage",), "upper")),
        ("Failed of passage in Senate by Yea-Nay Vote. 47 - 53.", (("failure",), "upper")),
        ("Failed of passage in Senate over veto by Yea-Nay Vote. 60 - 39.", (("veto-override-failure",), "upper")),
        ("Passed Senate over veto by Yea-Nay Vote. 81 - 13.", (("veto-override-passage",), "upper")),
        ("Read twice and referred to the Committee on Finance.", (("referral-committee",), "upper")),
        ("Received in the Senate.", (("receipt",), "upper")),
        ("Submitted in the Senate. Referred to the Committee on Rules.", (("introduction",), "upper")),
        (
            "Committee on Commerce. Reported by Senator Cruz with an amendment in the nature of a substitute.",
            (("committee-passage",), "upper"),
        ),
        ("Message on Senate action sent to the House.", ((), "upper")),
        ("Motion to reconsider laid on the table Agreed to without objection.", ((), "upper")),
        ("Placed on Senate Legislative Calendar under General Orders. Calendar No. 73.", ((), "upper")),
    ],
)
def test_senate_actions_without_codes_are_read_from_their_text(text: str, expected: tuple) -> None:
    assert classify_action(action("", text, kind="Floor", system=SENATE)) == expected


def test_house_action_codes_have_no_public_list_and_fall_back_to_text() -> None:
    entry = action("", "Referred to the House Committee on the Judiciary.", "H11100", "IntroReferral", HOUSE_FLOOR)
    assert classify_action(entry) == (("referral-committee",), "lower")


def test_older_senate_actions_with_source_code_zero_are_upper_chamber() -> None:
    entry = action("", "Message on Senate action sent to the House.", system={"code": 0, "name": "Senate"})
    assert classify_action(entry) == ((), "upper")


# --- Stages from synthetic histories ------------------------------------------------------------------------


def test_house_passed_bill_of_an_ended_congress_died() -> None:
    record = parse_bill(bill_payload(), actions_payload(117, "hr", "21", *HOUSE_PASSED))
    assert (record.status.stage, record.status.stage_date) == ("passed_origin", date(2021, 1, 5))
    final = apply_session_end(
        record.status,
        session_ended=True,
        carries_over=bool(record.session.carries_over),
        end_date=record.session.end_date,
    )
    assert (final.stage, final.stage_date) == ("died", date(2023, 1, 3))
    assert (final.furthest_stage, final.furthest_date) == ("passed_origin", date(2021, 1, 5))


def test_enacted_bill_with_law_number() -> None:
    actions = [
        *HOUSE_PASSED,
        action("2021-03-01", "Passed/agreed to in Senate: Passed Senate without amendment.", "17000"),
        action("2021-03-03", "Presented to President.", "28000", "President"),
        action("2021-03-10", "Signed by President.", "E30000", "President"),
        action("2021-03-10", "Became Public Law No: 117-5.", "36000", "BecameLaw"),
    ]
    laws = [{"number": "117-5", "type": "Public Law"}]
    record = parse_bill(bill_payload(laws=laws), actions_payload(117, "hr", "21", *actions))
    assert (record.status.stage, record.status.stage_date) == ("enacted", date(2021, 3, 10))
    assert record.extras["laws"] == laws


def test_laws_alone_make_a_bill_enacted() -> None:
    laws = [{"number": "117-5", "type": "Public Law"}]
    record = parse_bill(bill_payload(laws=laws))
    assert record.status.stage == "enacted"


def test_vetoed_bill_then_override_by_both_chambers_is_enacted() -> None:
    vetoed = [
        *HOUSE_PASSED,
        action("2021-03-01", "Passed/agreed to in Senate: Passed Senate without amendment.", "17000"),
        action("2021-03-10", "Vetoed by President.", "E30000", "Veto"),
    ]
    record = parse_bill(bill_payload(), actions_payload(117, "hr", "21", *vetoed))
    assert (record.status.stage, record.status.furthest_stage) == ("vetoed", "passed_legislature")
    overridden = [
        *vetoed,
        action("2021-03-20", "Passed House over veto: Two-thirds of the Members present having voted...", "32000"),
        action("2021-03-22", "Passed Senate over veto by Yea-Nay Vote. 81 - 13.", kind="Veto", system=SENATE),
    ]
    record = parse_bill(bill_payload(), actions_payload(117, "hr", "21", *overridden))
    assert (record.status.stage, record.status.stage_date) == ("enacted", date(2021, 3, 22))


def test_senate_resolution_agreed_to_is_enacted() -> None:
    actions = [
        action(
            "2021-02-01", "Submitted in the Senate. Considered and agreed to.", kind="IntroReferral", system=SENATE
        ),
        action("2021-02-01", "Resolution agreed to in Senate without amendment by Unanimous Consent.", system=SENATE),
    ]
    record = parse_bill(bill_payload(bill_type="SRES", number="50"), actions_payload(117, "sres", "50", *actions))
    assert record.status.stage == "enacted"
    assert record.url == "https://www.congress.gov/bill/117th-congress/senate-resolution/50"


def test_actions_of_the_same_day_keep_their_chronological_order() -> None:
    actions = parse_actions(actions_payload(117, "hr", "21", *HOUSE_PASSED))
    assert [a.description[:12] for a in actions] == [
        "Introduced i",
        "Referred to ",
        "On motion to",
        "Passed/agree",
        "Received in ",
    ]


# --- Pairing and schema drift -------------------------------------------------------------------------------


def test_bill_key_from_bill_request_or_bill_url() -> None:
    assert bill_key(load("bill_119_s_1947.json")) == (119, "s", "1947")
    assert bill_key(load("bill_119_s_1947_actions.json")) == (119, "s", "1947")
    assert bill_key({"actions": [], "request": {"billUrl": "https://api.congress.gov/v3/bill/117/hr/021?x"}}) == (
        117,
        "hr",
        "21",
    )
    assert bill_key({"actions": []}) is None


def test_match_actions_pairs_by_bill_and_merges_pages() -> None:
    first_page = actions_payload(117, "hr", "21", *HOUSE_PASSED[2:])
    second_page = actions_payload(117, "hr", "21", *HOUSE_PASSED[:2])
    other_bill = bill_payload(number="22")
    pairs = match_actions([bill_payload(), other_bill], [first_page, second_page])
    assert pairs[1] == (other_bill, None)
    record = parse_bill(*pairs[0])
    assert len(record.actions) == 5
    assert record.status.stage == "passed_origin"


def test_actions_without_their_bill_are_an_error() -> None:
    with pytest.raises(ParseError, match="no bill response given for the actions of 117-hr-99"):
        match_actions([bill_payload()], [actions_payload(117, "hr", "99", *HOUSE_PASSED)])


def test_actions_of_another_bill_are_refused() -> None:
    with pytest.raises(ParseError) as caught:
        parse_bill(bill_payload(), actions_payload(117, "hr", "22", *HOUSE_PASSED))
    assert caught.value.where == "actions.request"
    assert "117-hr-22, not 117-hr-21" in caught.value.message


def test_older_schema_by_request_type_is_read() -> None:
    sponsors = [{"fullName": "Rep. Doe, Jane [D-CA-1]", "byRequestType": "By Request"}]
    assert parse_bill(bill_payload(sponsors=sponsors)).extras["by_request"] is True


@pytest.mark.parametrize(
    ("congress", "bill_type", "url"),
    [
        (101, "hjres", "https://www.congress.gov/bill/101st-congress/house-joint-resolution/3"),
        (112, "sconres", "https://www.congress.gov/bill/112th-congress/senate-concurrent-resolution/3"),
        (122, "hr", "https://www.congress.gov/bill/122nd-congress/house-bill/3"),
        (103, "s", "https://www.congress.gov/bill/103rd-congress/senate-bill/3"),
    ],
)
def test_public_url(congress: int, bill_type: str, url: str) -> None:
    assert public_url(congress, bill_type, "3") == url


# --- Bad input -----------------------------------------------------------------------------------------------


def test_error_response_is_a_source_error_naming_the_file() -> None:
    error = {"error": {"code": "API_KEY_INVALID", "message": "An invalid api_key was supplied."}}
    with pytest.raises(SourceError, match="invalid api_key") as caught:
        parse_payloads([("s1947.json", error)])
    assert caught.value.where == "s1947.json:error"


def test_unknown_payload_names_the_file() -> None:
    with pytest.raises(ParseError) as caught:
        parse_payloads([("notes.json", {"hello": "world"})])
    assert caught.value.where == "notes.json"


def test_bad_action_date_names_the_actions_file_and_place() -> None:
    files = s1947_files()
    files[1][1]["actions"][0]["actionDate"] = "June 4"
    with pytest.raises(ParseError) as caught:
        parse_payloads(files)
    assert caught.value.where == "bill_119_s_1947_actions.json:actions[0].actionDate"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda bill: bill.pop("type"), "bill.type"),
        (lambda bill: bill.update(congress="one hundred"), "bill.congress"),
        (lambda bill: bill.update(sponsors={"0": {}}), "bill.sponsors"),
        (lambda bill: bill.update(introducedDate="2025-6-4"), "bill.introducedDate"),
    ],
)
def test_bad_bill_fields_raise_parse_errors_naming_the_place(change: Any, where: str) -> None:
    payload = load("bill_119_s_1947.json")
    change(payload["bill"])
    with pytest.raises(ParseError) as caught:
        parse_bill(payload)
    assert caught.value.where == where
