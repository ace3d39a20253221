"""Progress follows the stages an import or the daily session-end check moves (legislation.signals.bills_stage_changed,
received here)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from legislation.choices import Stage
from legislation.importers import import_files
from legislation.models import Bill
from legislation.sync import sessions_close
from recommendations.models import Progress
from recommendations.services import bill_link_create
from tests.factories import BillFactory, LegislativeSessionFactory, RecommendationFactory
from tests.legislation.importers.payloads import action, demo_bill, page, write_json

pytestmark = pytest.mark.usefixtures("seeded")


def test_import_that_enacts_a_linked_bill_moves_progress(tmp_path: Path) -> None:
    path = write_json(tmp_path / "hr27.json", page(demo_bill("us", "HR 27")))
    import_files(source="openstates", paths=[path], today=date(2026, 11, 27))
    bill = Bill.objects.get()
    recommendation = RecommendationFactory()
    bill_link_create(recommendation=recommendation, bill=bill, effect="advances", rationale="Test link.")
    progress = Progress.objects.get(recommendation=recommendation, jurisdiction=bill.jurisdiction)
    assert progress.status == "in_progress"

    enacted = demo_bill("us", "HR 27")
    order = len(enacted["actions"])
    enacted["actions"] += [
        action(order, "2025-03-14", "upper", "Passed Senate without amendment", "passage"),
        action(order + 1, "2025-03-20", "executive", "Signed by President", "executive-signature"),
    ]
    import_files(source="openstates", paths=[write_json(path, page(enacted))], today=date(2026, 11, 27))
    progress.refresh_from_db()
    assert progress.status == "achieved"


def test_session_end_check_that_lets_the_only_advancing_bill_die_makes_progress_stalled() -> None:
    session = LegislativeSessionFactory(identifier="2025", end_date=date(2025, 12, 31))
    bill = BillFactory(jurisdiction=session.jurisdiction, session=session, stage=Stage.IN_COMMITTEE)
    recommendation = RecommendationFactory()
    bill_link_create(recommendation=recommendation, bill=bill, effect="advances", rationale="Test link.")
    progress = Progress.objects.get(recommendation=recommendation, jurisdiction=bill.jurisdiction)
    assert progress.status == "in_progress"

    [run] = sessions_close(today=date(2026, 1, 5))
    bill.refresh_from_db()
    progress.refresh_from_db()
    assert (run.updated, bill.stage) == (1, Stage.DIED)
    assert progress.status == "stalled"
