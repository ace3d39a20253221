"""LegiScan getBill responses, dataset files and ZIPs, and master lists, parsed without the database."""

import copy
import json
import re
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from legislation.sources.legiscan import (
    check_envelope,
    iter_dataset_zip,
    parse_get_bill,
    parse_master_list,
    parse_payload,
)
from legislation.sources.records import ParseError, SessionRecord, SourceError
from legislation.stages import stage_from_legiscan

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "legiscan"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def ak_hb1() -> dict[str, Any]:
    return load("dataset_bill_AK_HB1_2011.json")


# --- AK HB 1 (2011), a dataset bill file ------------------------------------------------------------------


def test_dataset_bill_engrossed_is_passed_origin_on_its_status_date() -> None:
    record = parse_get_bill(ak_hb1())
    assert record.status.stage == "passed_origin"
    assert record.status.stage_date == date(2011, 4, 11)
    assert (record.status.furthest_stage, record.status.furthest_date) == ("passed_origin", date(2011, 4, 11))


def test_dataset_bill_fields() -> None:
    record = parse_get_bill(ak_hb1())
    assert record.source == "legiscan"
    assert record.source_id == "230084"
    assert record.external_ids == (("legiscan", "230084"),)
    assert record.jurisdiction == "ak"
    assert (record.identifier, record.source_identifier) == ("HB 1", "HB1")
    assert record.title == "Policy For Securing Health Care Services"
    assert record.summary.startswith("An Act stating a public policy")
    assert record.classification == ("bill",)
    assert record.subjects == ("Attorney General", "Insurance", "Intergovernmental Relations", "Medical Care")
    assert record.url == "http://www.legis.state.ak.us/basis/get_bill.asp?session=27&bill=HB1"
    assert [source.url for source in record.sources] == [record.url, "https://legiscan.com/AK/bill/HB1/2011"]
    assert record.session == SessionRecord(
        identifier="122", name="27th Legislature", classification="primary", year_start=2011, year_end=2012
    )
    assert record.extras["change_hash"] == "38558907f12c02a238b1cd43d2a37393"
    assert record.extras["status"] == 2
    assert record.extras["actions_included"] is True


def test_dataset_bill_sponsors_of_unstated_kind_are_not_primary() -> None:
    sponsors = parse_get_bill(ak_hb1()).sponsors
    assert [sponsor.name for sponsor in sponsors][:2] == ["Carl Gatto", "Robert Lynn"]
    assert {(sponsor.primary, sponsor.classification, sponsor.entity_type) for sponsor in sponsors} == {
        (False, "", "person")
    }


def test_history_with_empty_chamber_keeps_order_and_borrows_progress_classifications() -> None:
    actions = parse_get_bill(ak_hb1()).actions
    assert len(actions) == 27
    assert [action.order for action in actions] == list(range(27))
    assert {action.chamber for action in actions} == {""}
    labelled = [
        (action.date, action.description, action.classification) for action in actions if action.classification
    ]
    assert labelled == [
        (date(2011, 1, 18), "READ THE FIRST TIME - REFERRALS", ("introduction", "referral-committee")),
        (date(2011, 3, 16), "HSS RPT CS(HSS) 2DP 3NR", ("committee-passage-unfavorable",)),
        (date(2011, 4, 7), "JUD RPT CS(JUD) NT 5DP 1NR", ("committee-passage-favorable",)),
        (date(2011, 4, 11), "PASSED Y24 N16", ("passage",)),
        (date(2011, 4, 12), "READ THE FIRST TIME - REFERRALS", ("referral-committee",)),
    ]


def test_get_bill_response_with_envelope_parses_like_the_dataset_file() -> None:
    assert parse_payload({"status": "OK", **ak_hb1()}) == [parse_get_bill(ak_hb1())]


def test_status_as_string_and_history_chambers_are_read() -> None:
    payload = ak_hb1()
    payload["bill"]["status"] = "2"
    payload["bill"]["history"][0]["chamber"] = "H"
    payload["bill"]["history"][-1]["chamber"] = "S"
    record = parse_get_bill(payload)
    assert record.status.stage == "passed_origin"
    assert (record.actions[0].chamber, record.actions[0].actor) == ("lower", "H")
    assert record.actions[-1].chamber == "upper"


def test_progress_without_introduced_and_out_of_order() -> None:
    payload = ak_hb1()
    payload["bill"]["status"] = 3
    payload["bill"]["status_date"] = "2011-05-02"
    payload["bill"]["progress"] = [
        {"date": "2011-05-02", "event": 3},
        {"date": "2011-03-16", "event": 10},
        {"date": "2011-04-11", "event": 2},
    ]
    status = parse_get_bill(payload).status
    assert (status.stage, status.stage_date) == ("passed_legislature", date(2011, 5, 2))


def test_sine_die_session_is_ended_and_special_sessions_are_special() -> None:
    payload = ak_hb1()
    payload["bill"]["session"].update(sine_die=1, special=1)
    session = parse_get_bill(payload).session
    assert (session.ended, session.classification) == (True, "special")


def test_zero_dates_read_as_no_date() -> None:
    payload = ak_hb1()
    payload["bill"]["status_date"] = "0000-00-00"
    payload["bill"]["history"][0]["date"] = ""
    record = parse_get_bill(payload)
    assert record.actions[0].date is None
    assert record.extras["status_date"] is None


# --- Ohio 133rd General Assembly master list --------------------------------------------------------------


@pytest.fixture(scope="module")
def ohio() -> list:
    return parse_payload(load("getMasterList_OH_133rd_GA.json"))


def test_master_list_parses_every_bill_as_a_light_record(ohio: list) -> None:
    assert len(ohio) == 2131
    assert {record.jurisdiction for record in ohio} == {"oh"}
    # The session names no years; its bills' URLs (.../OH/bill/HB1/2019) give the first.
    assert {record.session for record in ohio} == {
        SessionRecord(identifier="1646", name="133rd General Assembly", year_start=2019)
    }
    assert all(record.actions == () and record.extras["actions_included"] is False for record in ohio)
    first = ohio[0]
    assert (first.source_id, first.identifier, first.url) == (
        "1263495",
        "HB 1",
        "https://legiscan.com/OH/bill/HB1/2019",
    )
    assert first.extras["change_hash"] == "5e6fd28edffea3ff86ce8b16b504db5a"
    assert first.extras["last_action"] == "Refer to Committee: Judiciary"
    assert (first.status.stage, first.status.stage_date) == ("passed_origin", date(2019, 6, 19))


def test_master_list_stages_follow_the_string_statuses(ohio: list) -> None:
    assert Counter(record.extras["status"] for record in ohio) == {1: 966, 4: 956, 2: 157, 0: 28, 3: 24}
    assert Counter(record.status.stage for record in ohio) == {
        "introduced": 994,
        "enacted": 956,
        "passed_origin": 157,
        "passed_legislature": 24,
    }


def test_master_list_status_zero_bills_with_actions_are_introduced_not_prefiled(ohio: list) -> None:
    unset = [record for record in ohio if record.extras["status"] == 0]
    assert len(unset) == 28
    assert all(record.extras["status_date"] is None for record in unset)
    assert {record.status.stage for record in unset} == {"introduced"}
    sr95 = next(record for record in unset if record.identifier == "SR 95")
    assert sr95.extras["last_action"] == "Offered"
    assert sr95.status.stage_date == date(2019, 3, 28)


def test_master_list_raw_entries_need_a_state_and_have_no_status() -> None:
    payload = {
        "status": "OK",
        "masterlist": {
            "session": {"session_id": 1791, "session_name": "2021-2022 Session"},
            "0": {"bill_id": 1132030, "number": "AB1", "change_hash": "d72444d8f2026219e38cb2179dcc67a0"},
        },
    }
    record = parse_master_list(payload, jurisdiction="ca")[0]
    assert (record.jurisdiction, record.identifier, record.source_id) == ("ca", "AB 1", "1132030")
    assert record.extras["change_hash"] == "d72444d8f2026219e38cb2179dcc67a0"
    assert (record.status.stage, record.status.stage_date) == ("introduced", None)
    with pytest.raises(ParseError) as caught:
        parse_master_list(payload)
    assert caught.value.where == "masterlist.0.url"


def test_master_list_without_session_takes_the_one_given() -> None:
    payload = {"status": "OK", "masterlist": {"0": {"bill_id": 1, "number": "SB2", "change_hash": "x"}}}
    session = SessionRecord(identifier="1791", name="2021-2022 Session")
    assert parse_master_list(payload, jurisdiction="ca", session=session)[0].session == session
    with pytest.raises(ParseError, match=r"^masterlist\.session: missing"):
        parse_master_list(payload, jurisdiction="ca")


# --- Envelopes and bad input ------------------------------------------------------------------------------


def test_error_envelope_is_a_source_error_with_the_alert() -> None:
    payload = {"status": "ERROR", "alert": {"message": "Unknown session id"}}
    with pytest.raises(SourceError, match="LegiScan error: Unknown session id") as caught:
        parse_payload(payload)
    assert caught.value.where == "status"


def test_ok_envelope_passes_through() -> None:
    payload = load("getDatasetList_MT.json")
    assert check_envelope(payload) == payload


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda bill: bill.update(status="9"), "bill.status"),
        (lambda bill: bill.update(status="Engrossed"), "bill.status"),
        (lambda bill: bill["progress"][1].update(date="April 1"), "bill.progress[1].date"),
        (lambda bill: bill["progress"][1].pop("event"), "bill.progress[1].event"),
        (lambda bill: bill.update(history={"0": {}}), "bill.history"),
        (lambda bill: bill.update(state="Alaska"), "bill.state"),
        (lambda bill: bill.pop("bill_number"), "bill.bill_number"),
        (lambda bill: bill["sponsors"][0].update(name=None), "bill.sponsors[0].name"),
    ],
)
def test_bad_bill_fields_raise_parse_errors_naming_the_place(change: Any, where: str) -> None:
    payload = ak_hb1()
    change(payload["bill"])
    with pytest.raises(ParseError) as caught:
        parse_get_bill(payload)
    assert caught.value.where == where


@pytest.mark.parametrize(
    ("payload", "where"),
    [([], ""), ({"status": "OK"}, ""), ({"bill": []}, "bill"), ({"status": "MAYBE", "bill": {}}, "status")],
)
def test_wrong_shapes_are_refused(payload: object, where: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_payload(payload)
    assert caught.value.where == where


# --- Dataset ZIPs ---------------------------------------------------------------------------------------------


def test_dataset_zip_yields_bill_files_and_skips_people_and_votes(tmp_path: Path) -> None:
    path = tmp_path / "AK_2011-2012_27th_Legislature.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("AK/2011-2012_27th_Legislature/bill/HB1.json", json.dumps(ak_hb1()))
        archive.writestr("AK/2011-2012_27th_Legislature/people/6033.json", json.dumps({"person": {}}))
        archive.writestr("AK/2011-2012_27th_Legislature/vote/1.json", json.dumps({"roll_call": {}}))
    assert [record.identifier for record in iter_dataset_zip(path)] == ["HB 1"]


def test_dataset_zip_error_names_the_member(tmp_path: Path) -> None:
    broken = copy.deepcopy(ak_hb1())
    broken["bill"]["status"] = 12
    path = tmp_path / "AK.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("AK/2011/bill/HB1.json", json.dumps(ak_hb1()))
        archive.writestr("AK/2011/bill/HB2.json", json.dumps(broken))
    good, bad = iter_dataset_zip(path)  # the bad bill file comes as its error, in its place: it fails alone
    assert good.identifier == "HB 1"
    assert isinstance(bad, ParseError)
    assert bad.where == "AK/2011/bill/HB2.json:bill.status"


def test_zip_without_bills_is_not_a_dataset(tmp_path: Path) -> None:
    path = tmp_path / "empty.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("README.md", "nothing")
    with pytest.raises(ParseError, match="not a LegiScan dataset"):
        list(iter_dataset_zip(path))


# --- The manual's status/progress table --------------------------------------------------------------------


def test_status_and_progress_codes_are_mapped_as_the_manual_defines_them() -> None:
    """The v1.85 table: 0 N/A ... 6 Failed are statuses; 7 Override ... 12 Draft occur only in progress."""
    manual = (FIXTURES / "manual_examples.txt").read_text()
    table = manual.rsplit("Status / Progress table", 1)[1]
    names = dict(re.findall(r"^(\d+) (N/A|[A-Z][a-z]+(?: [A-Z]+[a-z]*)?)", table, re.MULTILINE))
    assert names == {
        "0": "N/A",
        "1": "Introduced",
        "2": "Engrossed",
        "3": "Enrolled",
        "4": "Passed",
        "5": "Vetoed",
        "6": "Failed",
        "7": "Override",
        "8": "Chaptered",
        "9": "Refer",
        "10": "Report Pass",
        "11": "Report DNP",
        "12": "Draft",
    }
    furthest = {
        event: stage_from_legiscan(1, None, [(date(2020, 1, 1), event)]).furthest_stage for event in range(1, 13)
    }
    assert furthest == {
        1: "introduced",
        2: "passed_origin",
        3: "passed_legislature",
        4: "enacted",
        5: "passed_legislature",
        6: "introduced",  # a failure is no milestone; the status (1) still shows introduction
        7: "enacted",
        8: "enacted",
        9: "in_committee",
        10: "in_committee",
        11: "in_committee",
        12: "introduced",  # a draft event is below the introduced status
    }
