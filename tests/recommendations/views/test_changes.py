"""The changes page: each change in words, regressions flagged in text, newest first, filters, older pages, CSV and
API links, bad filters as messages (never a 500), and a query budget that does not grow with the feed."""

import csv
import datetime
import io
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from legislation.choices import Stage
from legislation.models import Bill, Jurisdiction, StageChange
from recommendations.models import Recommendation
from recommendations.selectors import change_list, change_list_recent
from recommendations.services import bill_link_create, progress_recompute
from tests.factories import BillFactory

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.datetime(2025, 3, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _no_cached_pages():
    """Pages are cached on the data version in Redis, which outlives each test's transaction."""
    cache.clear()
    yield
    cache.clear()


def make_world() -> dict[str, Bill]:
    """Changes of both kinds in California and New York (needs `seeded`):

    - CA AB 123 (linked as advancing PM-1) moved from In committee to Died, so PM-1 in California went from In
      progress to Stalled;
    - NY S 756, pending, is linked as regressing PP-1: PP-1 in New York is At risk;
    - NY S 900, enacted, is linked as regressing SP-1: SP-1 in New York Regressed.
    Stage changes were seen in March 2025; progress changed now.
    """
    california, new_york = Jurisdiction.objects.get(code="ca"), Jurisdiction.objects.get(code="ny")
    ab123 = BillFactory(
        jurisdiction=california,
        identifier="AB 123",
        title="An act relating to sentencing",
        stage=Stage.IN_COMMITTEE,
        furthest_stage=Stage.IN_COMMITTEE,
    )
    bill_link_create(
        recommendation=Recommendation.objects.get(code="PM-1"), bill=ab123, effect="advances", rationale="Cuts."
    )
    StageChange.objects.create(
        bill=ab123,
        from_stage=Stage.IN_COMMITTEE,
        to_stage=Stage.DIED,
        date=datetime.date(2025, 2, 28),
        source="openstates",
        seen_at=LONG_AGO,
    )
    ab123.stage = Stage.DIED
    ab123.save()
    progress_recompute(recommendation=Recommendation.objects.get(code="PM-1"), jurisdiction=california)
    s756 = BillFactory(jurisdiction=new_york, identifier="S 756", title="Relates to fentanyl penalties")
    StageChange.objects.create(
        bill=s756,
        from_stage="",
        to_stage=Stage.INTRODUCED,
        date=datetime.date(2025, 1, 15),
        source="legiscan",
        seen_at=LONG_AGO - datetime.timedelta(days=1),
    )
    bill_link_create(
        recommendation=Recommendation.objects.get(code="PP-1"), bill=s756, effect="regresses", rationale="Raises."
    )
    s900 = BillFactory(
        jurisdiction=new_york,
        identifier="S 900",
        title="Relates to drug-induced homicide",
        stage=Stage.ENACTED,
        furthest_stage=Stage.ENACTED,
    )
    bill_link_create(
        recommendation=Recommendation.objects.get(code="SP-1"), bill=s900, effect="regresses", rationale="New crime."
    )
    return {"ab123": ab123, "s756": s756, "s900": s900}


def make_stage_changes(count: int, *, identifier: str = "HB 6") -> None:
    """`count` stage changes of a Texas bill, a minute apart."""
    bill = BillFactory(jurisdiction=Jurisdiction.objects.get(code="tx"), identifier=identifier)
    stages = [Stage.INTRODUCED, Stage.IN_COMMITTEE]
    StageChange.objects.bulk_create(
        StageChange(
            bill=bill,
            from_stage=stages[index % 2],
            to_stage=stages[(index + 1) % 2],
            source="openstates",
            seen_at=LONG_AGO + datetime.timedelta(minutes=index),
        )
        for index in range(count)
    )


def words(response) -> str:
    return " ".join(response.content.decode().split())


def summaries(response) -> list[str]:
    """The 'What happened' cells, flag included, in page order, as plain text."""
    cells = re.findall(r'<tr> <th scope="row">.*?</th> <td>(.*?)</td>', words(response))
    return [re.sub(r"<[^>]+>", "", cell.split("<br>")[0]).strip() for cell in cells]


def test_changes_in_words_newest_first_with_regressions_flagged(client, seeded):
    world = make_world()
    response = client.get("/changes/")
    assert response.status_code == 200
    rows = summaries(response)
    assert rows == [
        "Regression: SP-1 in New York: first status Regressed",
        "At risk: PP-1 in New York: first status At risk",
        "PM-1 in California: from In progress to Stalled",
        "PM-1 in California: first status In progress",
        "CA AB 123 moved from In committee to Died",
        "NY S 756 first recorded as Introduced",
    ]
    html = words(response)
    assert '<strong class="change-regression">Regression:</strong>' in html
    assert '<strong class="change-regression">At risk:</strong>' in html
    # Each row links to the bill, the jurisdiction and the recommendation.
    assert f'<a href="{world["ab123"].get_absolute_url()}">CA AB 123 moved' in html
    assert 'href="/jurisdictions/ny/"' in html
    assert '<a href="/recommendations/PM-1/">PM-1 in California' in html
    assert 'Reached on <time datetime="2025-02-28">' in html
    assert "Seen in LegiScan." in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            {"jurisdiction": "ny"},
            [
                "Regression: SP-1 in New York: first status Regressed",
                "At risk: PP-1 in New York: first status At risk",
                "NY S 756 first recorded as Introduced",
            ],
        ),
        ({"jurisdiction": "CA", "kind": "stage"}, ["CA AB 123 moved from In committee to Died"]),
        (
            {"kind": "progress", "jurisdiction": "ca"},
            ["PM-1 in California: from In progress to Stalled", "PM-1 in California: first status In progress"],
        ),
        (
            # A recommendation: its progress changes and the stage changes of the bills linked to it.
            {"recommendation": "PM-1"},
            [
                "PM-1 in California: from In progress to Stalled",
                "PM-1 in California: first status In progress",
                "CA AB 123 moved from In committee to Died",
            ],
        ),
        ({"recommendation": "PP-1", "kind": "stage"}, ["NY S 756 first recorded as Introduced"]),
        ({"since": "2025-03-01", "kind": "stage"}, ["CA AB 123 moved from In committee to Died"]),
        ({"since": "2099-01-01"}, []),
    ],
)
def test_filters(client, seeded, query, expected):
    make_world()
    response = client.get("/changes/", query)
    assert response.status_code == 200
    assert summaries(response) == expected
    if not expected:
        assert "No change matches these filters." in words(response)


def test_since_keeps_what_changed_that_day_and_after(client, seeded):
    make_world()
    today = timezone.now().date().isoformat()
    rows = summaries(client.get("/changes/", {"since": today}))
    assert len(rows) == 4
    assert not any("moved from" in row or "first recorded" in row for row in rows)


def test_older_pages_follow_without_gaps_or_repeats(client, seeded):
    make_stage_changes(60)
    first = client.get("/changes/")
    first_rows = summaries(first)
    assert len(first_rows) == 50
    older = re.search(r'href="([^"]+)" rel="next">Older changes', first.content.decode())
    assert older
    second = client.get(older.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    assert len(summaries(second)) == 10
    assert "Newest changes" in words(second)
    assert 'rel="next">Older changes' not in words(second)
    times = re.findall(r'<th scope="row"><time datetime="([^"]+)"', first.content.decode() + second.content.decode())
    assert len(set(times)) == 60  # every change once (they are a minute apart)
    assert times == sorted(times, reverse=True)


def test_csv_has_the_rows_and_api_link_the_same_filters(client, seeded):
    make_world()
    response = client.get("/changes/", {"jurisdiction": "ny", "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["summary"] for row in rows] == [
        "SP-1 in New York: first status Regressed",
        "PP-1 in New York: first status At risk",
        "NY S 756 first recorded as Introduced",
    ]
    assert [row["flag"] for row in rows] == ["Regression", "At risk", ""]
    html = client.get("/changes/", {"jurisdiction": "ny", "kind": "stage", "since": "2025-01-01"}).content.decode()
    assert "?jurisdiction=ny&amp;kind=stage&amp;since=2025-01-01&amp;format=csv" in html
    assert 'href="/api/v1/changes/?since=2025-01-01T00%3A00%3A00Z&amp;kind=stage&amp;jurisdiction=ny"' in html


def test_api_link_is_left_out_when_the_api_cannot_filter_the_same_way(client, seeded):
    make_world()
    html = client.get("/changes/", {"recommendation": "PM-1"}).content.decode()
    assert "/api/v1/changes/" not in html
    assert "format=csv" in html


@pytest.mark.parametrize(
    "query",
    [
        {"since": "2025-13-45"},
        {"since": "yesterday"},
        {"since": "2025-01-01\x00"},
        {"jurisdiction": "zz"},
        {"jurisdiction": "c\x00a"},
        {"recommendation": "XX-9"},
        {"kind": "votes"},
        {"before": "not-a-position"},
        {"before": "2025-01-01T00:00:00|stage|1"},  # no time zone
        {"before": "2025-01-01T00:00:00+00:00|votes|1"},
        {"since": "x" * 10_000},
    ],
)
def test_bad_filters_are_a_message_not_a_500(client, seeded, query):
    response = client.get("/changes/", query)
    assert response.status_code == 400
    html = words(response)
    assert "These filters cannot be used" in html
    assert "See the newest changes" in html


def test_empty_feed_says_so(client, seeded):
    html = words(client.get("/changes/"))
    assert "No change has been recorded yet" in html


def test_queries_do_not_grow_with_the_number_of_changes(client, seeded, django_assert_num_queries):
    make_stage_changes(1)
    # Jurisdictions and recommendations for the filters, one query per kind of change (stage, progress,
    # measure), freshness and the demo notice.
    with django_assert_num_queries(7):
        assert len(summaries(client.get("/changes/"))) == 1
    make_stage_changes(49, identifier="HB 7")
    with django_assert_num_queries(7):
        assert len(summaries(client.get("/changes/", {"kind": ""}))) == 50


def test_a_jurisdiction_s_changes_are_read_by_its_id_not_through_its_code(seeded):
    """The stage changes' query names the jurisdiction's id, so PostgreSQL plans it with that id's statistics (a
    legislature with one bill is read through its bills, not by walking the whole feed)."""
    make_world()
    california = Jurisdiction.objects.get(code="ca")
    with CaptureQueriesContext(connection) as context:
        rows = change_list_recent(jurisdictions=["ca"]).rows
    assert {row["jurisdiction"] for row in rows} == {"ca"}
    stage_query = next(query["sql"] for query in context.captured_queries if "legislation_stagechange" in query["sql"])
    assert f'"legislation_bill"."jurisdiction_id" IN ({california.pk})' in stage_query
    assert '"legislation_jurisdiction"."code" IN' not in stage_query


def test_both_feeds_list_a_jurisdiction_s_changes_alike_and_an_unknown_code_has_none(seeded):
    make_world()
    newest_first = change_list_recent(jurisdictions=["ny"]).rows
    oldest_first = change_list(jurisdictions=["ny"])
    assert [row["id"] for row in newest_first] == [row["id"] for row in reversed(oldest_first)]
    assert len(newest_first) == 3
    assert change_list_recent(jurisdictions=[Jurisdiction.objects.get(code="ny")]).rows == newest_first
    with CaptureQueriesContext(connection) as context:
        assert change_list(jurisdictions=["zz"]) == []
        assert change_list_recent(jurisdictions=["zz"]).rows == []
    assert len(context.captured_queries) == 2  # the codes only
