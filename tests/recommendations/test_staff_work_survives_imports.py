"""Imports never overwrite staff work: a bill's editorial fields, its links (approved, pending and rejected), a
measure in its jurisdiction with its link, reviews and a reviewed progress override all survive re-importing the bill
from each of the three sources, unchanged or changed at the source (real payloads from tests/fixtures/)."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from legislation.importers import import_files
from legislation.models import Bill
from recommendations.models import (
    BillLink,
    Measure,
    MeasureKind,
    MeasureStatus,
    Progress,
    ProgressStatus,
    Recommendation,
)
from recommendations.services import bill_link_create, measure_create, progress_review, review
from tests.factories import UserFactory
from tests.legislation.importers.payloads import AK_HB1, MA_HD6143, S1947

pytestmark = pytest.mark.usefixtures("seeded")

TODAY = date(2026, 11, 27)


def renamed(path: Path, directory: Path) -> Path:
    """The same payload with the bill's title changed at the source."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    bill = payload.get("bill", payload)
    bill["title"] = f"{bill['title']} (amended title)"
    target = directory / path.name
    target.write_text(json.dumps(payload), encoding="utf-8")
    return target


SOURCES = {
    "openstates": ("openstates", [MA_HD6143]),
    "legiscan": ("legiscan", [AK_HB1]),
    "congress": ("congress", S1947),
}


def staff(name: str, group: str):
    user = UserFactory(username=name)
    user.groups.add(Group.objects.get(name=group))
    return user


def staff_work(bill: Bill) -> dict:
    """Everything staff wrote about the bill and its jurisdiction."""
    links = BillLink.objects.values_list(
        "id",
        "recommendation__code",
        "bill_id",
        "measure_id",
        "effect",
        "rationale",
        "evidence_url",
        "review_status",
        "submitted_by__username",
        "reviewed_by__username",
        "review_note",
    )
    measures = Measure.objects.values_list("id", "title", "status", "review_status", "reviewed_by__username", "url")
    overrides = Progress.objects.filter(basis="reviewed").values_list(
        "recommendation__code", "jurisdiction__code", "status", "reason", "evidence_url", "reviewed_by__username"
    )
    return {
        "bill": Bill.objects.filter(pk=bill.pk).values("popular_title", "staff_notes").get(),
        "links": sorted(links),
        "measures": list(measures),
        "progress": sorted(overrides),
        "history": (BillLink.history.count(), Measure.history.count(), Progress.history.count()),
    }


@pytest.mark.parametrize(("source", "paths"), SOURCES.values(), ids=SOURCES.keys())
def test_reimports_leave_staff_work_alone(tmp_path: Path, source: str, paths: list[Path]) -> None:
    import_files(source=source, paths=paths, today=TODAY)
    bill = Bill.objects.get()
    Bill.objects.filter(pk=bill.pk).update(popular_title="A name people use", staff_notes="Checked the text.")
    editor, reviewer = staff("editor", "Editors"), staff("reviewer", "Reviewers")
    pm1, sp1, pp1, pp2 = (Recommendation.objects.get(code=code) for code in ("PM-1", "SP-1", "PP-1", "PP-2"))
    approved = bill_link_create(recommendation=pm1, bill=bill, effect="regresses", rationale="Penalty.", user=editor)
    review(obj=approved, user=reviewer, decision="approve", note="Read the bill.")
    bill_link_create(recommendation=sp1, bill=bill, effect="advances", rationale="Why.", user=editor)
    rejected = bill_link_create(recommendation=pp1, bill=bill, effect="related", rationale="Weak.", user=editor)
    review(obj=rejected, user=reviewer, decision="reject", note="Not about sales.")
    measure = measure_create(
        jurisdiction=bill.jurisdiction,
        kind=MeasureKind.PROSECUTOR_POLICY,
        title="A charging policy",
        status=MeasureStatus.IN_EFFECT,
        url="https://example.org/policy",
        user=editor,
    )
    review(obj=measure, user=reviewer, decision="approve")
    bill_link_create(recommendation=pp2, measure=measure, effect="advances", rationale="Why.")
    override = progress_review(
        recommendation=pm1,
        jurisdiction=bill.jurisdiction,
        status=ProgressStatus.PARTIAL,
        reason="A court narrowed the law.",
        evidence_url="https://example.org/ruling",
        user=editor,
    )
    review(obj=override, user=reviewer, decision="approve")
    before = staff_work(bill)
    assert len(before["progress"]) == 1
    assert len(before["links"]) == 4

    unchanged = import_files(source=source, paths=paths, today=TODAY)
    assert unchanged.inserted == 0
    assert staff_work(bill) == before

    changed_paths = [renamed(path, tmp_path) if path == paths[0] else path for path in copy.copy(paths)]
    changed = import_files(source=source, paths=changed_paths, today=TODAY)
    assert (changed.inserted, changed.updated) == (0, 1)
    assert Bill.objects.get().title.endswith("(amended title)")
    assert staff_work(bill) == before
