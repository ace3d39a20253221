"""Governors' signing windows: the researched table (legislation/data/signing_windows.json) and its seed."""

from __future__ import annotations

import json
import math
import re

import pytest

from legislation.models import Jurisdiction
from legislation.services import SIGNING_WINDOWS_FILE, SeedCounts, jurisdictions_seed, signing_windows_seed

DATA = json.loads(SIGNING_WINDOWS_FILE.read_text(encoding="utf-8"))


NUMBER_WORDS = {"ten": 10, "fourteen": 14, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "sixty": 60}


def stated_days(quote: str) -> int:
    """The longest period a passage states in days (a deadline after adjournment follows a shorter one in session),
    in calendar days: where the passage excludes Sundays, the calendar days that hold that many days without one."""
    numbers = [
        int(found) if found.isdigit() else NUMBER_WORDS[found.lower()]
        for found in re.findall(r"\b(\d+|[A-Za-z-]+) days?\b", quote)
        if found.isdigit() or found.lower() in NUMBER_WORDS
    ]
    days = max(numbers)
    return math.ceil(days * 7 / 6) if "Sunday" in quote else days


def test_every_window_has_its_source_and_the_passage_that_states_it() -> None:
    rows = DATA["jurisdictions"]
    assert len({row["code"] for row in rows}) == len(rows)
    for row in rows:
        assert row["source"].startswith(("http://", "https://")), row
        assert row["days"] == stated_days(row["quote"]), row


@pytest.mark.django_db
def test_seed_sets_the_known_windows_keeps_staff_edits_and_leaves_the_rest_unknown() -> None:
    jurisdictions_seed()  # seeds the windows too
    georgia = Jurisdiction.objects.get(code="ga")
    assert (georgia.signing_window_days, georgia.signing_window_source) == (
        40,
        "https://gov.georgia.gov/press-releases/2020-08-06/gov-kemp-issues-veto-and-signing-statements",
    )
    assert Jurisdiction.objects.get(code="fl").signing_window_days is None  # counted from presentation: unknown
    assert Jurisdiction.objects.exclude(signing_window_days=None).count() == len(DATA["jurisdictions"])
    assert signing_windows_seed() == SeedCounts(unchanged=len(DATA["jurisdictions"]))

    # Staff corrected Texas with a source of their own; a seed run leaves it, and restores an edit without one.
    Jurisdiction.objects.filter(code="tx").update(signing_window_days=21, signing_window_source="https://example.org/tx")
    Jurisdiction.objects.filter(code="mn").update(signing_window_days=99)
    assert signing_windows_seed() == SeedCounts(updated=1, unchanged=len(DATA["jurisdictions"]) - 1)
    assert Jurisdiction.objects.get(code="tx").signing_window_days == 21
    assert Jurisdiction.objects.get(code="mn").signing_window_days == 14
