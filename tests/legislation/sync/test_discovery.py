"""Discovery: saved searches fill the triage queue and never link."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from legislation.models import Bill, ImportRunStatus
from recommendations.discovery import discovery_run, full_text_query, title_matches
from recommendations.models import BillLink, SavedSearch, TriageCandidate, TriageStatus
from tests.factories import BillLinkFactory, RecommendationFactory


@pytest.fixture
def search(db: None) -> SavedSearch:
    return SavedSearch.objects.create(
        recommendation=RecommendationFactory(), keywords="fentanyl\ndrug-induced homicide", sources=[]
    )


def test_open_states_search_queues_found_bills_and_links_nothing(fake, demo_bills, search):
    search.jurisdictions.set([])
    linked = Bill.objects.get(jurisdiction__code="tx", identifier="HB 6")
    BillLinkFactory(recommendation=search.recommendation, bill=linked)
    links = BillLink.objects.count()
    run = discovery_run(search=search, source="openstates")
    assert run.status == ImportRunStatus.SUCCEEDED, run.errors
    assert run.requests == 1
    assert fake.log[0]["query"]["q"] == ['fentanyl OR "drug-induced homicide"']
    queued = set(TriageCandidate.objects.values_list("bill__identifier", flat=True))
    assert {"AB 701", "HR 27", "S 331"} <= queued  # "Controlled substances: fentanyl.", "HALT Fentanyl Act"
    assert "HB 6" not in queued  # already linked to the recommendation
    assert BillLink.objects.count() == links
    assert all(candidate.status == TriageStatus.PENDING for candidate in TriageCandidate.objects.all())


def test_running_again_adds_nothing_and_keeps_rejections(fake, demo_bills, search):
    discovery_run(search=search, source="openstates")
    count = TriageCandidate.objects.count()
    rejected = TriageCandidate.objects.first()
    rejected.status = TriageStatus.REJECTED
    rejected.save()
    discovery_run(search=search, source="openstates")
    assert TriageCandidate.objects.count() == count
    rejected.refresh_from_db()
    assert rejected.status == TriageStatus.REJECTED


def test_search_per_jurisdiction(fake, demo_bills, search):
    from legislation.models import Jurisdiction

    search.jurisdictions.set(Jurisdiction.objects.filter(code__in=["ca", "tx"]))
    run = discovery_run(search=search, source="openstates")
    assert run.requests == 2
    assert [entry["query"]["jurisdiction"] for entry in fake.log] == [
        ["ocd-jurisdiction/country:us/state:ca/government"],
        ["ocd-jurisdiction/country:us/state:tx/government"],
    ]
    queued = set(TriageCandidate.objects.values_list("bill__jurisdiction__code", "bill__identifier"))
    assert queued == {("ca", "AB 701"), ("tx", "HB 6"), ("tx", "HB 362")}  # the matches there, none elsewhere


def test_legiscan_search_fetches_only_new_bills(fake, jurisdictions, search):
    fake.legiscan_search_hits = [
        {"relevance": 100, "bill_id": 230084, "change_hash": "38558907f12c02a238b1cd43d2a37393"}
    ]
    run = discovery_run(search=search, source="legiscan")
    assert (fake.count("legiscan", "getSearchRaw"), fake.count("legiscan", "getBill")) == (1, 1)
    assert run.inserted == 1
    candidate = TriageCandidate.objects.get()
    assert candidate.bill.identifier == "HB 1"
    assert candidate.source == "legiscan"
    fake.reset_counts()
    discovery_run(search=search, source="legiscan")
    assert fake.count("legiscan", "getBill") == 0  # stored now: no detail request


def test_legiscan_search_fetches_at_most_discovery_max_new_bills_a_run(fake, jurisdictions, search, settings):
    settings.DISCOVERY_MAX_NEW_BILLS = 2
    template = fake.legiscan_bills["230084"]
    for n in (1, 2, 3):  # three bills the tracker does not store yet: HB 10, HB 20, HB 30
        bill = copy.deepcopy(template) | {"bill_id": 900000 + n, "bill_number": f"HB{n}0"}
        fake.legiscan_bills[str(bill["bill_id"])] = bill
    fake.legiscan_search_hits = [
        {"relevance": relevance, "bill_id": bill_id, "change_hash": "0" * 32}
        for relevance, bill_id in ((50, 900001), (90, 900002), (70, 900003))
    ]
    run = discovery_run(search=search, source="legiscan")
    assert fake.count("legiscan", "getBill") == 2
    assert run.inserted == 2
    assert "1 more new bills left for the next runs" in run.note
    assert set(TriageCandidate.objects.values_list("bill__identifier", flat=True)) == {"HB 20", "HB 30"}  # best
    fake.reset_counts()
    discovery_run(search=search, source="legiscan")  # the next run fetches the one left
    assert fake.count("legiscan", "getBill") == 1
    assert TriageCandidate.objects.count() == 3


def test_congress_matches_titles_of_updated_bills(fake, jurisdictions, search):
    search.keywords = "octopus"
    search.save()
    fake.congress[(119, "s", 1947)]["entry"]["updateDate"] = date.today().isoformat()  # in the window
    run = discovery_run(search=search, source="congress")
    assert run.status == ImportRunStatus.SUCCEEDED, run.errors
    assert TriageCandidate.objects.get().bill.identifier == "S 1947"
    assert fake.count("congress", "bill") == 1


def test_query_and_title_matching():
    assert full_text_query(["fentanyl", "drug induced homicide"]) == 'fentanyl OR "drug induced homicide"'
    assert title_matches("HALT Fentanyl Act", ["fentanyl"])
    assert title_matches("Drug-induced homicide; penalties", ["drug induced homicide"])
    assert not title_matches("Fentanylate study", ["fentanyl"])
