"""export_snapshot / import_snapshot: every kind of editorial row, exported, flushed, imported and exported again."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from legislation.choices import Source
from legislation.models import Bill, BillExternalId, Jurisdiction, LegislativeSession, SessionMatchReview
from recommendations import services
from recommendations.models import (
    BillLink,
    Effect,
    Measure,
    MeasureKind,
    MeasureStatus,
    Progress,
    ProgressStatus,
    Recommendation,
    SavedSearch,
    TriageCandidate,
    TriageStatus,
)
from recommendations.snapshot import HISTORY_MODELS, SnapshotError, export_snapshot, import_snapshot
from tests.factories import (
    BillFactory,
    JurisdictionFactory,
    LegislativeSessionFactory,
    RecommendationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def editorial() -> dict:
    """A database holding every kind of editorial row, written through the services where there is one."""
    author = UserFactory(username="author", is_staff=True, is_superuser=True)
    reviewer = UserFactory(username="reviewer", is_staff=True, is_superuser=True)
    state = JurisdictionFactory(code="zz", name="Zed", carries_over=True, carries_over_from="even")
    state.carries_over_source = "https://example.org/carryover"
    state.save()
    county = JurisdictionFactory(code="zz-county", name="Zed County", kind="county", ocd_id="", parent=state)
    session = LegislativeSessionFactory(jurisdiction=state, identifier="2025")
    other_session = LegislativeSessionFactory(jurisdiction=state, identifier="2025S1", name="Special")
    bill = BillFactory(jurisdiction=state, session=session, identifier="HB 1")
    BillExternalId.objects.create(bill=bill, source=Source.OPENSTATES, external_id="ocd-bill/zz-1")
    second = BillFactory(jurisdiction=state, session=session, identifier="SB 2", popular_title="The Second Act")
    second.staff_notes = "Watch the conference committee."
    second.save()
    third = BillFactory(jurisdiction=state, session=session, identifier="HB 3")

    recommendation = RecommendationFactory(code="PM-1")
    sub_item = Recommendation.objects.create(
        report=recommendation.report,
        audience=recommendation.audience,
        parent=recommendation,
        code="PM-1.a",
        title="A sub-item staff added",
        text="Verbatim text.",
    )
    link = services.bill_link_create(
        recommendation=recommendation, bill=bill, effect=Effect.ADVANCES, rationale="Cuts a minimum.", user=author
    )
    services.review(obj=link, user=reviewer, decision="approve", note="Checked the text.")
    measure = services.measure_create(
        jurisdiction=county,
        user=author,
        kind=MeasureKind.PROSECUTOR_POLICY,
        title="No cash bail for misdemeanours",
        status=MeasureStatus.IN_EFFECT,
        date=datetime.date(2025, 3, 1),
        url="https://example.org/policy",
    )
    services.review(obj=measure, user=reviewer, decision="reject", note="Source does not say so.")
    services.bill_link_create(
        recommendation=sub_item, measure=measure, effect=Effect.RELATED, rationale="Bail policy.", user=author
    )
    services.progress_review(
        recommendation=recommendation,
        jurisdiction=state,
        status=ProgressStatus.ACHIEVED,
        reason="Signed into law.",
        evidence_url="https://example.org/signed",
        user=author,
    )
    search = SavedSearch.objects.create(recommendation=recommendation, name="Bail", keywords="bail\nbond")
    search.jurisdictions.set([state])
    candidate = TriageCandidate.objects.create(recommendation=recommendation, bill=third, saved_search=search)
    services.triage_decide(candidate=candidate, status=TriageStatus.REJECTED, user=reviewer, note="Not on point.")
    review = SessionMatchReview.objects.create(
        jurisdiction=state, source=Source.LEGISCAN, external_id="2100", session=other_session, reason="Two fit."
    )
    review.candidates.set([session, other_session])
    return {"bill": bill, "state": state, "recommendation": recommendation}


def snapshot() -> list[str]:
    out = io.StringIO()
    export_snapshot(out)
    return out.getvalue().splitlines()


def flush_editorial() -> None:
    """What a database rebuilt from the sources lacks: everything people wrote."""
    TriageCandidate.objects.all().delete()
    SavedSearch.objects.all().delete()
    BillLink.objects.all().delete()
    Progress.objects.all().delete()
    Measure.objects.all().delete()
    SessionMatchReview.objects.all().delete()
    Recommendation.objects.filter(parent__isnull=False).delete()
    Jurisdiction.objects.filter(code="zz-county").delete()
    Jurisdiction.objects.filter(code="zz").update(carries_over=False, carries_over_from="", carries_over_source="")
    Bill.objects.update(popular_title="", staff_notes="")
    for model in HISTORY_MODELS.values():  # last: the deletions above write history rows too
        model.history.model.objects.all().delete()


def counts() -> dict[str, int]:
    models = [BillLink, Progress, Measure, SavedSearch, TriageCandidate, SessionMatchReview, Recommendation]
    out = {model.__name__: model.objects.count() for model in models}
    out |= {f"history:{name}": model.history.count() for name, model in HISTORY_MODELS.items()}
    return out


def test_round_trip_is_lossless(editorial: dict, tmp_path: Path) -> None:
    first = snapshot()
    kinds = {json.loads(line).get("type") for line in first[1:]}
    assert {"user", "jurisdiction", "recommendation", "measure", "bill", "billlink", "progress"} <= kinds
    assert {"savedsearch", "triagecandidate", "sessionmatchreview", "history", "end"} <= kinds
    before = counts()
    path = tmp_path / "snapshot.jsonl"
    call_command("export_snapshot", str(path), stdout=io.StringIO())

    flush_editorial()
    assert BillLink.objects.count() == 0
    assert Measure.history.count() == 0
    out = io.StringIO()
    call_command("import_snapshot", str(path), stdout=out)

    assert counts() == before
    assert snapshot()[1:] == first[1:]  # every record but the header's export time: byte-identical
    progress = Progress.objects.get(recommendation=editorial["recommendation"], jurisdiction=editorial["state"])
    assert progress.review_status == "pending"
    assert progress.proposed_status == ProgressStatus.ACHIEVED
    assert progress.submitted_by.username == "author"
    link = BillLink.objects.get(bill=editorial["bill"])
    assert link.reviewed_by.username == "reviewer"
    assert link.review_note == "Checked the text."
    # History keeps who, when and why.
    approved = link.history.filter(history_type="~").get()
    assert approved.history_user.username == "reviewer"
    assert approved.history_change_reason == "approved: Checked the text."
    assert Bill.objects.get(identifier="SB 2").popular_title == "The Second Act"
    assert Jurisdiction.objects.get(code="zz").carries_over_source == "https://example.org/carryover"


def test_second_import_changes_nothing(editorial: dict) -> None:
    document = "\n".join(snapshot())
    flush_editorial()
    first = import_snapshot(io.StringIO(document))
    assert first.created["billlink"] == 2
    assert first.created["history:billlink"] >= 3

    second = import_snapshot(io.StringIO(document))
    assert not second.changed, second.changes
    assert second.created == {}
    assert second.updated == {}


def test_import_into_the_same_database_changes_nothing(editorial: dict) -> None:
    before = counts()
    result = import_snapshot(io.StringIO("\n".join(snapshot())))
    assert not result.changed, result.changes
    assert counts() == before


def test_users_missing_here_are_created_inactive(editorial: dict) -> None:
    document = "\n".join(snapshot())
    flush_editorial()
    get_user_model().objects.filter(username="reviewer").delete()
    import_snapshot(io.StringIO(document))
    reviewer = get_user_model().objects.get(username="reviewer")
    assert not reviewer.is_active
    assert not reviewer.has_usable_password()
    assert BillLink.objects.get(bill=editorial["bill"]).reviewed_by == reviewer


def test_dry_run_writes_nothing_and_says_what_would_change(editorial: dict, tmp_path: Path) -> None:
    path = tmp_path / "snapshot.jsonl"
    path.write_text("\n".join(snapshot()) + "\n")
    flush_editorial()
    before = counts()
    out = io.StringIO()
    call_command("import_snapshot", str(path), "--dry-run", stdout=out)
    assert counts() == before
    assert Bill.objects.get(identifier="SB 2").popular_title == ""
    text = out.getvalue()
    assert "would create billlink PM-1 - ['zz', '2025', 'HB 1']" in text
    assert "would update bill zz 2025 SB 2: popular_title, staff_notes" in text
    assert "dry run: nothing written" in text


def test_a_missing_bill_refuses_the_import_with_its_name(editorial: dict) -> None:
    document = "\n".join(snapshot())
    flush_editorial()
    Bill.objects.filter(identifier="HB 3").delete()
    before = counts()
    with pytest.raises(SnapshotError) as error:
        import_snapshot(io.StringIO(document))
    assert "bill zz 2025 HB 3" in str(error.value)
    assert "import their bills first" in str(error.value)
    assert counts() == before  # nothing half-written
    assert Bill.objects.get(identifier="SB 2").popular_title == ""


def test_a_bill_renamed_is_found_by_its_external_id(editorial: dict) -> None:
    document = "\n".join(snapshot())
    flush_editorial()
    Bill.objects.filter(identifier="HB 1").update(identifier="HB 0001")
    import_snapshot(io.StringIO(document))
    assert BillLink.objects.filter(bill__identifier="HB 0001").exists()


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda lines: lines[:-1], "without its end record"),
        (lambda lines: [*lines[:5], "{not json", *lines[5:]], "not JSON"),
        (lambda lines: ['{"format": "something-else", "version": 1}', *lines[1:]], "not a tracker-editorial-snapshot"),
        (lambda lines: [lines[0].replace('"version":1', '"version":99'), *lines[1:]], "version 99"),
        (lambda lines: [*lines[:-1], '{"type": "billlink", "id": 1}', lines[-1]], "billlink record without"),
        (lambda lines: [*lines[:-1], '{"type": "nonsense"}', lines[-1]], "unknown record type"),
    ],
)
def test_a_malformed_file_is_refused_and_writes_nothing(editorial: dict, tmp_path: Path, mangle, message) -> None:
    lines = snapshot()
    flush_editorial()
    before = counts()
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(mangle(lines)) + "\n")
    with pytest.raises(CommandError) as error:
        call_command("import_snapshot", str(path), stdout=io.StringIO())
    assert message in str(error.value)
    assert "Nothing was written" in str(error.value)
    assert counts() == before
    assert not LegislativeSession.objects.filter(identifier="nonsense").exists()


def test_round_trip_into_bills_rebuilt_from_the_sources(editorial: dict) -> None:
    """The bills imported again (new ids, as in a database rebuilt from the sources): links find them by key."""
    first = snapshot()
    flush_editorial()
    rebuilt = []
    for bill in Bill.objects.order_by("identifier"):
        ids = list(bill.external_ids.values_list("source", "external_id"))
        rebuilt.append((bill.jurisdiction, bill.session, bill.identifier, ids, bill.pk))
        bill.delete()
    for jurisdiction, session, identifier, ids, old_pk in rebuilt:
        bill = BillFactory(jurisdiction=jurisdiction, session=session, identifier=identifier)
        assert bill.pk != old_pk
        for source, external_id in ids:
            BillExternalId.objects.create(bill=bill, source=source, external_id=external_id)

    import_snapshot(io.StringIO("\n".join(first)))
    assert snapshot()[1:] == first[1:]
    assert BillLink.objects.get(bill__identifier="HB 1").history.count() == 2
