"""Atom feeds of changes: they parse as Atom, entries have plain titles (regressions say so first), absolute links,
unique ids and dates; per jurisdiction and per recommendation; unknown codes are 404s; queries do not grow."""

import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache

from legislation.models import Bill
from recommendations.models import Recommendation
from recommendations.services import bill_link_create
from tests.recommendations.views.test_changes import make_stage_changes, make_world

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def _no_cached_pages():
    cache.clear()
    yield
    cache.clear()


def parse(response) -> ET.Element:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 (our own answer)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title")
    assert feed.findtext(f"{ATOM}id")
    assert feed.findtext(f"{ATOM}updated")
    return feed


def entries(feed: ET.Element) -> list[dict[str, str]]:
    found = [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "id": entry.findtext(f"{ATOM}id"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "summary": entry.findtext(f"{ATOM}summary"),
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]
    for entry in found:
        assert entry["title"]
        assert entry["link"].startswith("http://testserver/")
        assert entry["updated"]
    assert len({entry["id"] for entry in found}) == len(found)
    return found


def test_changes_feed_has_every_change_in_plain_words(client, seeded):
    world = make_world()
    feed = parse(client.get("/feeds/changes/"))
    assert feed.find(f"{ATOM}link[@rel='alternate']").get("href") == "http://testserver/changes/"
    items = entries(feed)
    assert [item["title"] for item in items] == [
        "Regression: SP-1 in New York: first status Regressed",
        "At risk: PP-1 in New York: first status At risk",
        "PM-1 in California: from In progress to Stalled",
        "PM-1 in California: first status In progress",
        "CA AB 123 moved from In committee to Died",
        "NY S 756 first recorded as Introduced",
    ]
    assert items[0]["link"] == "http://testserver/recommendations/SP-1/"
    assert items[4]["link"] == f"http://testserver{world['ab123'].get_absolute_url()}"
    assert "Reached on February 28, 2025." in items[4]["summary"]
    assert items[4]["updated"].startswith("2025-03-01T12:00:00")


def test_jurisdiction_feed_has_its_changes_only(client, seeded):
    make_world()
    items = entries(parse(client.get("/feeds/jurisdictions/ca/")))
    assert [item["title"] for item in items] == [
        "PM-1 in California: from In progress to Stalled",
        "PM-1 in California: first status In progress",
        "CA AB 123 moved from In committee to Died",
    ]
    assert entries(parse(client.get("/feeds/jurisdictions/wy/"))) == []


def test_recommendation_feed_has_its_progress_and_its_bills(client, seeded):
    make_world()
    feed = parse(client.get("/feeds/recommendations/PP-1/"))
    assert feed.find(f"{ATOM}link[@rel='alternate']").get("href") == "http://testserver/recommendations/PP-1/"
    assert [item["title"] for item in entries(feed)] == [
        "At risk: PP-1 in New York: first status At risk",
        "NY S 756 first recorded as Introduced",
    ]


@pytest.mark.parametrize("path", ["/feeds/jurisdictions/zz/", "/feeds/recommendations/XX-9/"])
def test_unknown_code_is_404(client, seeded, path):
    assert client.get(path).status_code == 404


def link_related(bill: Bill) -> None:
    """Link a bill to PM-1, so that its stage changes are in PM-1's feed."""
    bill_link_create(
        recommendation=Recommendation.objects.get(code="PM-1"), bill=bill, effect="related", rationale="Related."
    )


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/feeds/changes/", 3),  # one query per kind of change (stage, progress, measure)
        ("/feeds/jurisdictions/tx/", 4),  # and the jurisdiction
        ("/feeds/recommendations/PM-1/", 5),  # and the recommendation with its sub-items
    ],
)
def test_queries_do_not_grow_with_the_number_of_changes(client, seeded, django_assert_num_queries, path, queries):
    make_stage_changes(1)
    if "PM-1" in path:
        link_related(Bill.objects.get(identifier="HB 6"))
    with django_assert_num_queries(queries):
        assert len(entries(parse(client.get(path)))) == 1
    cache.clear()
    make_stage_changes(49, identifier="HB 7")
    if "PM-1" in path:
        link_related(Bill.objects.get(identifier="HB 7"))
    with django_assert_num_queries(queries):
        assert len(entries(parse(client.get(path)))) == 50
