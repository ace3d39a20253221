"""merge_sessions on a database where the same session and bill were stored once per source (as imports did before
sessions were matched across sources): dry run, then real; counts, links and history."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command

from legislation.importers.files import import_files
from legislation.models import (
    Bill,
    BillExternalId,
    LegislativeSession,
    SessionExternalId,
    SessionMatchReview,
    StageChange,
)
from legislation.services import jurisdictions_seed
from recommendations.models import BillLink
from tests.factories import BillLinkFactory, RecommendationFactory

from .importers.payloads import S1947, demo_bill, page, write_json
from .importers.test_identity import TODAY, legiscan_bill, legiscan_s1947, openstates_s1947

pytestmark = pytest.mark.django_db


def import_as_before(source: str, paths: list[Path]) -> None:
    """An import with the old behaviour: every source's session stands alone (no matching across sources)."""
    with mock.patch("legislation.importers.sessions.session_candidates", return_value=[]):
        import_files(source=source, paths=paths, today=TODAY)


@pytest.fixture
def duplicated(tmp_path: Path) -> dict[str, Bill]:
    jurisdictions_seed()
    import_as_before("openstates", [write_json(tmp_path / "os.json", page(openstates_s1947()))])
    import_as_before("legiscan", [write_json(tmp_path / "ls.json", legiscan_s1947())])
    import_as_before("congress", S1947)
    # Sessions stored before sources' ids were kept: none recorded (the merge finds their sources from the bills).
    SessionExternalId.objects.filter(source="legiscan").delete()
    bills = {bill.external_ids.get().source: bill for bill in Bill.objects.all()}
    assert set(bills) == {"openstates", "legiscan", "congress"}
    return bills


def counts() -> tuple[int, ...]:
    return (
        LegislativeSession.objects.filter(jurisdiction__code="us").count(),
        Bill.objects.count(),
        BillExternalId.objects.count(),
        StageChange.objects.count(),
        BillLink.objects.count(),
        BillLink.history.count(),
    )


def test_merge_sessions_dry_run_then_real(duplicated: dict[str, Bill]) -> None:
    # Three sessions of the 119th Congress (119, 2199 and 119-congress), each with its copy of S 1947.
    recommendation = RecommendationFactory()
    other = RecommendationFactory()
    BillLinkFactory(recommendation=recommendation, bill=duplicated["legiscan"], rationale="from LegiScan's copy")
    BillLinkFactory(recommendation=other, bill=duplicated["openstates"], rationale="kept")
    BillLinkFactory(recommendation=other, bill=duplicated["legiscan"], rationale="twin of a kept link")
    before = counts()
    assert before[:2] == (3, 3)

    out = StringIO()
    call_command("merge_sessions", "--dry-run", stdout=out)
    assert "dry run: 2 sessions merged" in out.getvalue()
    assert counts() == before

    call_command("merge_sessions", stdout=out)
    sessions, bills, ids, changes, links, history = counts()
    assert (sessions, bills) == (1, 1)
    bill = Bill.objects.get()
    assert set(bill.external_ids.values_list("source", flat=True)) == {"openstates", "legiscan", "congress"}
    assert ids == before[2]
    assert changes == before[3]  # every stage change kept (the merged stage is the furthest: no new change)
    assert bill.stage == "in_committee"
    assert bill.actions.count() == 2  # the richer list
    # The link only the LegiScan copy had moved; the twin of an existing link was deleted, with a history row.
    assert BillLink.objects.get(recommendation=recommendation).bill == bill
    # Both copies were linked to `other`: one link stays, the other is deleted and described in the run's note.
    kept = BillLink.objects.get(recommendation=other)
    dropped = ({"kept", "twin of a kept link"} - {kept.rationale}).pop()
    assert dropped in out.getvalue()
    assert links == before[4] - 1
    assert history == before[5] + 1
    assert set(BillLink.history.values_list("bill_id", flat=True)) == {bill.pk}
    session = bill.session
    assert session.identifier == "119"
    assert set(session.external_ids.values_list("source", "external_id")) == {
        ("openstates", "119"),
        ("congress", "119"),
        ("legiscan", "2199"),
    }

    again = StringIO()
    call_command("merge_sessions", stdout=again)
    assert "0 sessions merged" in again.getvalue()


def test_staff_decision_merges_a_reviewed_session_into_the_chosen_one(tmp_path: Path) -> None:
    jurisdictions_seed()
    la = demo_bill("la", "HB 158")
    import_files(source="openstates", paths=[write_json(tmp_path / "la.json", page(la))], today=TODAY)
    regular = LegislativeSession.objects.get(jurisdiction__code="la", identifier="2021")
    LegislativeSession.objects.create(jurisdiction=regular.jurisdiction, identifier="2021v")
    session = {"session_id": 1780, "session_name": "2021 Regular Session", "year_start": 2021, "year_end": 2021}
    payload = legiscan_bill(
        state="la", number="HB158", bill_id=1400158, session=session, history=[("2021-04-12", "Prefiled.")]
    )
    import_files(source="legiscan", paths=[write_json(tmp_path / "ls.json", payload)], today=TODAY)
    review = SessionMatchReview.objects.get()
    assert Bill.objects.count() == 2

    call_command("merge_sessions", "--session", str(review.session_id), "--into", str(regular.pk), stdout=StringIO())
    bill = Bill.objects.get()
    assert bill.session == regular
    assert set(bill.external_ids.values_list("source", flat=True)) == {"openstates", "legiscan"}
    review.refresh_from_db()
    assert (review.session, review.status) == (regular, "resolved")
