"""Open States v3 bills and pages, and per-session bulk zips (JSON and CSV), parsed without the database."""

import copy
import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from legislation.sources.openstates import (
    iter_bulk_zip,
    jurisdiction_from_ocd_id,
    parse_bill,
    parse_bills_page,
    parse_payload,
)
from legislation.sources.records import ParseError, SourceError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "openstates"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def org(classification: str, name: str) -> dict[str, str]:
    return {"id": f"ocd-organization/{classification}", "name": name, "classification": classification}


HOUSE, SENATE, GOVERNOR = org("lower", "House"), org("upper", "Senate"), org("executive", "Governor")


def v3_action(order: int, when: str, organization: dict, description: str, *classification: str) -> dict:
    return {
        "organization": organization,
        "description": description,
        "date": when,
        "classification": list(classification),
        "order": order,
        "related_entities": [],
    }


def v3_bill(**changes: Any) -> dict[str, Any]:
    """A v3 bill as ``/bills?include=actions,sponsorships,sources,abstracts`` returns it (api-v3 schemas)."""
    bill = {
        "id": "ocd-bill/8d2d3a3c-0000-4000-8000-000000000001",
        "session": "2021",
        "jurisdiction": {
            "id": "ocd-jurisdiction/country:us/state:ar/government",
            "name": "Arkansas",
            "classification": "state",
        },
        "from_organization": HOUSE,
        "identifier": "HB 1044",
        "title": "To amend the law concerning controlled substances",
        "classification": ["bill"],
        "subject": ["Drugs", "Criminal Justice"],
        "extras": {},
        "created_at": "2021-01-11T18:00:00.000000+00:00",
        "updated_at": "2021-04-20T08:15:00.123456+00:00",
        "openstates_url": "https://openstates.org/ar/bills/2021/HB1044/",
        "first_action_date": "2021-01-11",
        "latest_action_date": "2021-04-15",
        "latest_action_description": "Notification that HB1044 is now Act 555",
        "latest_passage_date": "2021-04-12",
        "abstracts": [{"abstract": "Reduces penalties for possession.", "note": "summary"}],
        "sponsorships": [
            {
                "name": "Smith",
                "entity_type": "person",
                "organization": None,
                "person": {"id": "ocd-person/1", "name": "Jane Smith", "party": "Democratic"},
                "primary": True,
                "classification": "primary",
            },
            {
                "name": "Jones",
                "entity_type": "person",
                "organization": None,
                "person": None,
                "primary": False,
                "classification": "cosponsor",
            },
        ],
        "sources": [{"url": "https://arkleg.state.ar.us/Bills/Detail?id=HB1044", "note": ""}],
        "actions": [
            v3_action(1, "2021-01-11", HOUSE, "Filed", "introduction"),
            v3_action(
                2, "2021-01-11", HOUSE, "Read first time, referred to JUDICIARY", "reading-1", "referral-committee"
            ),
            v3_action(3, "2021-03-01", HOUSE, "Returned by committee, do pass", "committee-passage-favorable"),
            v3_action(4, "2021-03-04", HOUSE, "Passed", "passage"),
            v3_action(5, "2021-03-08", SENATE, "Received and referred", "referral-committee"),
            v3_action(6, "2021-04-12", SENATE, "Passed", "passage"),
            v3_action(7, "2021-04-13", GOVERNOR, "Sent to Governor", "executive-receipt"),
            v3_action(8, "2021-04-15", GOVERNOR, "Notification that HB1044 is now Act 555", "executive-signature"),
        ],
    }
    bill.update(changes)
    return bill


def page(*bills: dict) -> dict[str, Any]:
    pagination = {"per_page": 20, "page": 1, "max_page": 1, "total_items": len(bills)}
    return {"results": list(bills), "pagination": pagination}


# --- Real payloads -----------------------------------------------------------------------------------------


def test_real_bill_without_includes_is_a_light_record() -> None:
    record = parse_payload(load("bill_MA_HD6143.json"))[0]
    assert record.source == "openstates"
    assert record.source_id == "ocd-bill/024604df-b847-4d66-8d4b-5f47a4fcae6f"
    assert record.jurisdiction == "ma"
    assert record.session.identifier == "194th"
    assert record.session.ended is None
    assert (record.identifier, record.source_identifier) == ("HD 6143", "HD 6143")
    assert record.classification == ("proposed bill",)
    assert record.url == "https://openstates.org/ma/bills/194th/HD6143/"
    assert record.updated_at == datetime(2026, 5, 15, 23, 31, 56, 958867, tzinfo=UTC)
    assert record.external_ids == (("openstates", record.source_id),)
    assert record.actions == ()
    assert record.extras["actions_included"] is False
    assert record.extras["chamber"] == "lower"
    assert record.extras["latest_action_date"] is None  # "" in the payload
    assert (record.status.stage, record.status.stage_date) == ("introduced", None)


def test_every_real_state_jurisdiction_id_gives_its_postal_code() -> None:
    results = load("jurisdictions_state.json")["results"]
    codes = {jurisdiction_from_ocd_id(item["id"]): item["name"] for item in results}
    assert len(codes) == 52
    assert codes["al"] == "Alabama"
    assert codes["dc"] == "District of Columbia"
    assert codes["pr"] == "Puerto Rico"


@pytest.mark.parametrize(
    ("ocd_id", "code"),
    [
        ("ocd-jurisdiction/country:us/state:ca/government", "ca"),
        ("ocd-jurisdiction/country:us/district:dc/government", "dc"),
        ("ocd-jurisdiction/country:us/territory:pr/government", "pr"),
        ("ocd-jurisdiction/country:us/government", "us"),
    ],
)
def test_jurisdiction_from_ocd_id(ocd_id: str, code: str) -> None:
    assert jurisdiction_from_ocd_id(ocd_id) == code


def test_local_jurisdiction_ids_are_refused() -> None:
    with pytest.raises(ParseError, match="not the id of a US state"):
        jurisdiction_from_ocd_id("ocd-jurisdiction/country:us/state:ca/place:los_angeles/government", "x")


# --- A /bills page with include=actions,sponsorships,sources,abstracts ------------------------------------


def test_bills_page_with_includes_parses_actions_sponsors_sources_and_abstracts() -> None:
    records = parse_bills_page(page(v3_bill()))
    assert len(records) == 1
    record = records[0]
    assert record.jurisdiction == "ar"
    assert record.identifier == "HB 1044"
    assert record.subjects == ("Drugs", "Criminal Justice")
    assert record.summary == "Reduces penalties for possession."
    assert [(s.name, s.primary, s.classification) for s in record.sponsors] == [
        ("Smith", True, "primary"),
        ("Jones", False, "cosponsor"),
    ]
    assert record.sources[0].url == "https://arkleg.state.ar.us/Bills/Detail?id=HB1044"
    assert len(record.actions) == 8
    first, last = record.actions[1], record.actions[-1]
    assert (first.date, first.chamber, first.actor) == (date(2021, 1, 11), "lower", "House")
    assert first.classification == ("reading-1", "referral-committee")
    assert (last.chamber, last.classification) == ("executive", ("executive-signature",))
    assert record.extras["actions_included"] is True
    assert record.extras["latest_passage_date"] == "2021-04-12"
    assert record.status.stage == "enacted"
    assert record.status.stage_date == date(2021, 4, 15)


def test_bill_passed_by_both_chambers_awaits_the_governor() -> None:
    bill = v3_bill()
    bill["actions"] = bill["actions"][:6]
    status = parse_bill(bill).status
    assert (status.stage, status.stage_date) == ("passed_legislature", date(2021, 4, 12))


def test_page_bill_without_actions_key_keeps_existing_actions() -> None:
    bill = v3_bill()
    del bill["actions"]
    record = parse_bills_page(page(bill))[0]
    assert record.actions == ()
    assert record.extras["actions_included"] is False
    assert (record.status.stage, record.status.stage_date) == ("introduced", date(2021, 1, 11))


def test_empty_actions_list_is_included_and_empty() -> None:
    record = parse_bill(v3_bill(actions=[]))
    assert record.extras["actions_included"] is True


@pytest.mark.parametrize("value", ["", None, "2021-04-15"])
def test_computed_dates_may_be_a_date_empty_or_null(value: str | None) -> None:
    record = parse_bill(v3_bill(latest_action_date=value, first_action_date=value))
    assert record.extras["latest_action_date"] == (value or None)


def test_nebraska_passage_by_the_legislature_passes_it() -> None:
    legislature = org("legislature", "Nebraska Legislature")
    bill = v3_bill(
        jurisdiction={
            "id": "ocd-jurisdiction/country:us/state:ne/government",
            "name": "Nebraska",
            "classification": "state",
        },
        identifier="LB 50",
        actions=[
            v3_action(1, "2021-01-07", legislature, "Introduced", "introduction"),
            v3_action(2, "2021-03-30", legislature, "Passed on Final Reading", "passage"),
        ],
    )
    status = parse_bill(bill).status
    assert (status.stage, status.stage_date) == ("passed_legislature", date(2021, 3, 30))


def test_bad_action_date_names_its_place_in_the_page() -> None:
    bad = v3_bill()
    bad["actions"] = copy.deepcopy(bad["actions"])
    bad["actions"][2]["date"] = "March 1st"
    with pytest.raises(ParseError) as caught:
        parse_bills_page(page(v3_bill(), bad))
    assert caught.value.where == "results[1].actions[2].date"


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ([], ""),
        ({"results": {"id": "x"}}, "results"),
        ({"results": ["ocd-bill/1"]}, "results[0]"),
        (page(v3_bill(jurisdiction="Arkansas")), "results[0].jurisdiction"),
        (page({k: v for k, v in v3_bill().items() if k != "identifier"}), "results[0].identifier"),
    ],
)
def test_wrong_shapes_raise_parse_errors_naming_the_place(payload: object, where: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_bills_page(payload)
    assert caught.value.where == where


def test_error_body_is_a_source_error() -> None:
    with pytest.raises(SourceError, match=r"Open States error: .*jurisdiction"):
        parse_payload({"detail": "must provide either jurisdiction or q"})


# --- Bulk zips ---------------------------------------------------------------------------------------------


def export_bill(identifier: str, *actions: dict) -> dict[str, Any]:
    """A bill in the shape of openstates.org's bulk JSON export."""
    return {
        "id": f"ocd-bill/{identifier}",
        "legislative_session": "20212022",
        "jurisdiction_name": "California",
        "identifier": identifier,
        "title": f"Title of {identifier}",
        "chamber": "lower",
        "classification": ["bill"],
        "subject": [],
        "abstracts": [{"abstract": "An act to amend the Penal Code.", "note": "", "date": ""}],
        "other_titles": [],
        "other_identifiers": [],
        "actions": list(actions),
        "related_bills": [],
        "sponsors": [{"name": "Bonta", "primary": True, "classification": "primary"}],
        "documents": [],
        "versions": [],
        "sources": [{"url": f"https://leginfo.legislature.ca.gov/{identifier}"}],
        "votes": [],
    }


def export_action(order: int, when: str, organization: str, *classification: str) -> dict[str, Any]:
    return {
        "organization__name": organization,
        "description": "...",
        "date": when,
        "classification": list(classification),
        "order": order,
    }


def write_zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def test_bulk_json_zip_yields_each_bill_with_chambers_from_organization_names(tmp_path: Path) -> None:
    bills = [
        export_bill(
            "AB 12",
            export_action(1, "2021-01-04", "Assembly", "introduction"),
            export_action(2, "2021-05-20", "Assembly", "passage"),
            export_action(3, "2021-08-30", "Senate", "passage"),
            export_action(4, "2021-09-10", "Office of the Governor", "executive-signature"),
        ),
        export_bill("AB 13", export_action(1, "2021-01-04T00:00:00+00:00", "Assembly", "introduction")),
    ]
    path = write_zip(
        tmp_path / "CA_20212022_json.zip",
        {
            "README": "Open States Data Export\n",
            "CA/20212022/CA_20212022_bills.json": json.dumps(bills),
        },
    )
    records = list(iter_bulk_zip(path))
    assert [record.identifier for record in records] == ["AB 12", "AB 13"]
    enacted = records[0]
    assert enacted.jurisdiction == "ca"
    assert enacted.session.identifier == "20212022"
    assert [action.chamber for action in enacted.actions] == ["lower", "lower", "upper", "executive"]
    assert (enacted.status.stage, enacted.status.stage_date) == ("enacted", date(2021, 9, 10))
    assert enacted.summary == "An act to amend the Penal Code."
    assert enacted.sponsors[0].primary is True
    assert enacted.url == "https://leginfo.legislature.ca.gov/AB 12"  # its first source, not a built address
    assert records[1].status.stage_date == date(2021, 1, 4)


def csv_text(header: str, *rows: tuple[str, ...]) -> str:
    """A CSV table from a comma-separated header and rows of values, as the export's DictWriter writes it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header.split(","))
    writer.writerows(rows)
    return out.getvalue()


OH = "ocd-jurisdiction/country:us/state:oh/government"
ACTIONS_HEADER = "id,bill_id,organization_id,description,date,classification,order"
ACTION_ROWS = [
    ("a1", "ocd-bill/1", "org-h", "Introduced", "2025-01-21", "['introduction']", "1"),
    ("a2", "ocd-bill/1", "org-h", "Passed", "2025-03-05", "['passage', 'reading-3']", "3"),
    ("a3", "ocd-bill/1", "org-h", "Refer to Committee", "2025-01-28", "['referral-committee']", "2"),
    ("a4", "ocd-bill/2", "org-h", "Adopted", "2025-02-11 00:00:00+00:00", "['passage']", "1"),
]


def csv_zip(path: Path, action_rows: list[tuple[str, ...]]) -> Path:
    """A CSV bulk zip laid out as openstates.org's bulk_export writes it (CSV Format Version 2.1)."""
    prefix = "OH/136/OH_136_"
    bills_header = (
        "id,identifier,title,classification,subject,session_identifier,jurisdiction,organization_classification"
    )
    return write_zip(
        path,
        {
            "README": "Open States Data Export\n\nCSV Format Version: 2.1\n",
            f"{prefix}organizations.csv": csv_text(
                "id,name,classification,jurisdiction_id",
                ("org-h", "House", "lower", OH),
                ("org-s", "Senate", "upper", OH),
            ),
            f"{prefix}bills.csv": csv_text(
                bills_header,
                ("ocd-bill/1", "HB 1", "Sealing", "['bill']", "['Criminal Justice']", "136", "Ohio", "lower"),
                ("ocd-bill/2", "HR 5", "Honoring", "['resolution']", "[]", "136", "Ohio", "lower"),
            ),
            f"{prefix}bill_actions.csv": csv_text(ACTIONS_HEADER, *action_rows),
            f"{prefix}bill_sponsorships.csv": csv_text(
                "id,name,entity_type,organization_id,person_id,bill_id,primary,classification",
                ("sp1", "Seitz", "person", "", "p1", "ocd-bill/1", "True", "primary"),
                ("sp2", "Leland", "person", "", "", "ocd-bill/1", "False", "cosponsor"),
            ),
            f"{prefix}bill_sources.csv": csv_text(
                "id,note,url,bill_id", ("s1", "", "https://www.legislature.ohio.gov/hb1", "ocd-bill/1")
            ),
            f"{prefix}bill_abstracts.csv": csv_text(
                "id,bill_id,abstract,note", ("a1", "ocd-bill/1", "To modify sealing.", "")
            ),
        },
    )


def test_bulk_csv_zip_assembles_bills_from_their_tables(tmp_path: Path) -> None:
    records = {record.identifier: record for record in iter_bulk_zip(csv_zip(tmp_path / "oh.zip", ACTION_ROWS))}
    bill = records["HB 1"]
    assert bill.jurisdiction == "oh"
    assert bill.session.identifier == "136"
    assert bill.title == "Sealing"
    assert bill.classification == ("bill",)
    assert bill.subjects == ("Criminal Justice",)
    assert [action.order for action in bill.actions] == [1, 2, 3]
    assert bill.actions[2].classification == ("passage", "reading-3")
    assert {action.chamber for action in bill.actions} == {"lower"}
    assert [(s.name, s.primary) for s in bill.sponsors] == [("Seitz", True), ("Leland", False)]
    assert bill.summary == "To modify sealing."
    assert bill.sources[0].url == "https://www.legislature.ohio.gov/hb1"
    assert (bill.status.stage, bill.status.stage_date) == ("passed_origin", date(2025, 3, 5))
    resolution = records["HR 5"]
    assert (resolution.status.stage, resolution.status.stage_date) == ("enacted", date(2025, 2, 11))


def test_bulk_csv_bad_cell_fails_its_bill_alone_naming_member_and_line(tmp_path: Path) -> None:
    rows = [*ACTION_ROWS[:2], ("a3", "ocd-bill/1", "org-h", "Refer", "28/01/2025", "['referral-committee']", "2")]
    items = list(iter_bulk_zip(csv_zip(tmp_path / "oh.zip", rows)))
    [error] = [item for item in items if isinstance(item, ParseError)]
    assert error.where == "OH/136/OH_136_bill_actions.csv[4].date"
    assert [item.identifier for item in items if not isinstance(item, ParseError)] == ["HR 5"]


def test_bulk_csv_list_column_must_be_a_list(tmp_path: Path) -> None:
    rows = [("a1", "ocd-bill/1", "org-h", "Introduced", "2025-01-21", "['introduction'", "1")]
    errors = [item for item in iter_bulk_zip(csv_zip(tmp_path / "oh.zip", rows)) if isinstance(item, ParseError)]
    [error] = errors
    assert str(error).startswith("OH/136/OH_136_bill_actions.csv[2].classification: not a list")


def test_zip_without_bill_tables_is_refused(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "other.zip", {"README": "hello"})
    with pytest.raises(ParseError, match="not an Open States bulk download"):
        list(iter_bulk_zip(path))


def test_bulk_json_that_is_not_json_names_the_member(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "bad.zip", {"CA/2021/CA_2021_bills.json": "[{"})
    with pytest.raises(ParseError) as caught:
        list(iter_bulk_zip(path))
    assert caught.value.where == "CA/2021/CA_2021_bills.json[0]"
