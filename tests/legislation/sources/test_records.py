"""The shared record helpers: identifiers, dates, and errors that name their place."""

from datetime import UTC, date, datetime

import pytest

from legislation.sources.records import (
    Node,
    ParseError,
    SourceError,
    as_bool,
    as_int,
    located,
    normalise_identifier,
    parse_date,
    parse_datetime,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("H.R. 1693", "HR 1693"),
        ("HB1044", "HB 1044"),
        ("S. 756", "S 756"),
        ("H.J.Res. 3", "HJRES 3"),
        ("SB 0180", "SB 180"),
        ("A 1234", "A 1234"),
        ("HD6143", "HD 6143"),
        ("hb  12", "HB 12"),
        ("SB 0", "SB 0"),
        ("HB 1044A", "HB 1044A"),
        ("  Proposal  ", "PROPOSAL"),
        ("", ""),
    ],
)
def test_normalise_identifier(raw: str, expected: str) -> None:
    assert normalise_identifier(raw) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-06-04", date(2025, 6, 4)),
        ("2025-07-24T20:27:26Z", date(2025, 7, 24)),
        ("2026-05-15T23:31:56.958738+00:00", date(2026, 5, 15)),
        ("2021-01-05 00:00:00+00:00", date(2021, 1, 5)),
        ("2021-01-05T23:30:00-05:00", date(2021, 1, 5)),
        (date(2020, 1, 2), date(2020, 1, 2)),
        ("", None),
        (None, None),
        ("0000-00-00", None),
        ("2021", None),
        ("2021-04", None),
    ],
)
def test_parse_date_reads_dates_and_the_ways_of_saying_none(value: object, expected: date | None) -> None:
    assert parse_date(value, "x") == expected


@pytest.mark.parametrize("value", ["yesterday", "04/11/2011", "20110411", "2011-13-01", 20110411, ["2011-01-01"]])
def test_parse_date_rejects_garbage_naming_the_place(value: object) -> None:
    with pytest.raises(ParseError) as caught:
        parse_date(value, "bill.progress[1].date")
    assert caught.value.where == "bill.progress[1].date"
    assert str(caught.value).startswith("bill.progress[1].date: ")


def test_parse_datetime_takes_bare_dates_and_naive_times_as_utc() -> None:
    assert parse_datetime("2022-04-03", "x") == datetime(2022, 4, 3, tzinfo=UTC)
    assert parse_datetime("2022-04-03T10:00:00", "x") == datetime(2022, 4, 3, 10, tzinfo=UTC)
    assert parse_datetime("2025-07-24T20:27:26Z", "x") == datetime(2025, 7, 24, 20, 27, 26, tzinfo=UTC)
    assert parse_datetime("", "x") is None


def test_located_prefixes_the_place_of_nested_errors() -> None:
    with pytest.raises(ParseError) as caught, located("results[3]"):
        raise ParseError("actions[2].date", "not a date")
    assert caught.value.where == "results[3].actions[2].date"

    with pytest.raises(ParseError) as caught, located("results"):
        raise ParseError("[0]", "expected an object")
    assert caught.value.where == "results[0]"


def test_located_keeps_the_error_class_and_can_name_a_file() -> None:
    with pytest.raises(SourceError) as caught, located("AK/2011/bill/HB1.json", separator=":"):
        raise SourceError("status", "LegiScan error")
    assert caught.value.where == "AK/2011/bill/HB1.json:status"


def test_node_names_missing_and_mistyped_fields() -> None:
    node = Node({"bill": {"title": 3, "tags": "x", "when": "soon"}})
    bill = node.node("bill")
    with pytest.raises(ParseError, match=r"^bill\.number: missing"):
        bill.text("number", required=True)
    with pytest.raises(ParseError, match=r"^bill\.tags: expected a list"):
        bill.texts("tags")
    with pytest.raises(ParseError, match=r"^bill\.when: not a date"):
        bill.date("when")
    assert bill.text("title") == "3"
    with pytest.raises(ParseError, match="expected an object, got a list"):
        Node([], "results[0]")


def test_node_lists_are_empty_when_absent_and_located_when_present() -> None:
    node = Node({"items": [{"a": "1"}, {"a": "2"}]}, "page")
    assert [item.where for item in node.nodes("items")] == ["page.items[0]", "page.items[1]"]
    assert node.nodes("missing") == []


@pytest.mark.parametrize(
    ("value", "expected"), [(True, True), (0, False), ("Y", True), ("N", False), ("false", False), ("", None)]
)
def test_as_bool_reads_the_sources_yes_no_spellings(value: object, expected: bool | None) -> None:
    assert as_bool(value, "x") is expected


def test_as_int_accepts_digit_strings_but_not_booleans() -> None:
    assert as_int("4", "status") == 4
    with pytest.raises(ParseError):
        as_int(True, "status")
    with pytest.raises(ParseError):
        as_int("4a", "status")


def test_node_readers_fast_paths_give_the_full_readers_values_and_places() -> None:
    """The readers skip building places for well-formed values (records.Node): same values, same error places."""
    payload = {
        "actions": [
            {"date": "2021-04-01", "order": 0, "organization": {"name": " House "}, "classification": ["a", " ", ""]},
            {"date": "2021-02-30", "order": True, "organization": {}, "classification": ["b", 3]},
        ],
        "blank": "0000-00-00",
        "fuzzy": "2021-04",
        "spaced": " 2021-04-01 ",
        "empty": "",
        "flag": "Y",
    }
    page = Node(payload, "results[2]")
    first, second = page.nodes("actions")
    assert (first.date("date"), first.integer("order")) == (date(2021, 4, 1), 0)
    assert first.node("organization").text("name") == "House"
    assert first.texts("classification") == ("a",)
    assert second.texts("classification") == ("b", "3")
    assert (page.date("blank"), page.date("fuzzy"), page.date("spaced")) == (None, None, date(2021, 4, 1))
    assert (page.text("empty"), page.flag("flag")) == ("", True)
    with pytest.raises(ParseError, match=r"^results\[2\]\.empty: must not be empty"):
        page.text("empty", required=True)
    with pytest.raises(ParseError, match=r"^results\[2\]\.actions\[1\]\.date: not a date"):
        second.date("date")
    with pytest.raises(ParseError, match=r"^results\[2\]\.actions\[1\]\.order: expected an integer"):
        second.integer("order")
    with pytest.raises(ParseError, match=r"^results\[2\]\.actions\[1\]\.organization\.name: missing"):
        second.node("organization").text("name", required=True)
    assert second.optional_node("organization").where == "results[2].actions[1].organization"
