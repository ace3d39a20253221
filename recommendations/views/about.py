"""The method page (`/about/`): how progress is judged (with worked examples computed by the rule itself), what
each stage and effect means, where the data comes from and under which terms, how fresh it is, what the demo
snapshot is, what is still to be transcribed, and how to cite and reuse the data."""

from __future__ import annotations

import functools
import json
import re
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from api.attribution import CC_BY_URL, LEGISCAN_ATTRIBUTION, LEGISCAN_URL
from legislation.choices import Stage
from legislation.selectors import data_freshness, demo_snapshot

from ..demo import MEASURES_FILE
from ..models import Effect
from ..selectors import recommendation_list_sub_items_pending, report_current
from ..services import progress_status_from_links

# What each stage means (DESIGN.md, "Stage"); the labels come from legislation.choices.Stage.
STAGE_MEANINGS = {
    Stage.PREFILED: "Filed before its session began.",
    Stage.INTRODUCED: "Introduced (or filed) in its session: read for the first time, or referred.",
    Stage.IN_COMMITTEE: "Referred to a committee, or acted on by one.",
    Stage.PASSED_ORIGIN: "Passed the chamber where it was introduced.",
    Stage.PASSED_LEGISLATURE: "Passed both chambers (or the only one), including enrolled and sent to the governor "
    "or the President.",
    Stage.ENACTED: "Signed, became law without a signature, or passed over a veto.",
    Stage.VETOED: "Vetoed, and the veto stands.",
    Stage.FAILED: "Lost a floor vote or failed in committee.",
    Stage.WITHDRAWN: "Withdrawn by its sponsor.",
    Stage.DIED: "Its session ended without final action.",
    Stage.CARRIED_OVER: "Still pending when its session ended, carried over to the next session of the same "
    "legislature.",
}

EFFECT_MEANINGS = {
    Effect.ADVANCES: "The bill does what the recommendation asks.",
    Effect.PARTIALLY_ADVANCES: "The bill does part of what the recommendation asks.",
    Effect.RELATED: "The bill bears on the subject but neither advances nor undercuts the recommendation; it does "
    "not count towards progress.",
    Effect.REGRESSES: "The bill goes the other way: for the sentencing recommendation, new drug-induced homicide "
    "laws, new mandatory minimums or harsher fentanyl penalties.",
}

# Worked examples of the progress rule: made-up sets of linked bills in one jurisdiction, each (effect, stage,
# date the stage was reached). The status shown beside each is computed by the rule itself, so they cannot drift.
EXAMPLES: list[tuple[str, list[tuple[str, str, date | None]]]] = [
    ("One advancing bill, in committee.", [(Effect.ADVANCES, Stage.IN_COMMITTEE, date(2025, 2, 1))]),
    (
        "An advancing bill enacted in 2021; a regressing bill introduced in 2025 is pending.",
        [
            (Effect.ADVANCES, Stage.ENACTED, date(2021, 6, 1)),
            (Effect.REGRESSES, Stage.INTRODUCED, date(2025, 1, 15)),
        ],
    ),
    (
        "An advancing bill enacted in 2019, then a regressing bill enacted in 2023.",
        [(Effect.ADVANCES, Stage.ENACTED, date(2019, 5, 1)), (Effect.REGRESSES, Stage.ENACTED, date(2023, 6, 1))],
    ),
    (
        "The same two, and an advancing bill enacted in 2025 that undoes the 2023 law.",
        [
            (Effect.ADVANCES, Stage.ENACTED, date(2019, 5, 1)),
            (Effect.REGRESSES, Stage.ENACTED, date(2023, 6, 1)),
            (Effect.ADVANCES, Stage.ENACTED, date(2025, 4, 1)),
        ],
    ),
    (
        "Only a partially advancing bill was enacted.",
        [(Effect.PARTIALLY_ADVANCES, Stage.ENACTED, date(2024, 3, 1))],
    ),
    (
        "Two advancing bills: one vetoed, one died when its session ended.",
        [(Effect.ADVANCES, Stage.VETOED, date(2022, 9, 30)), (Effect.ADVANCES, Stage.DIED, date(2024, 1, 1))],
    ),
    ("Only a related bill, enacted.", [(Effect.RELATED, Stage.ENACTED, date(2024, 3, 1))]),
]

_CODE = re.compile(r"`([^`]+)`")


def text_parts(text: str) -> list[dict[str, Any]]:
    """Text with Markdown code spans (`sources`) split out, so the template shows them as code, not backticks."""
    parts = _CODE.split(text)
    return [{"text": part, "code": index % 2 == 1} for index, part in enumerate(parts) if part]


@functools.cache
def demo_measures_listed() -> list[dict[str, Any]]:
    """The demo measures as the About page lists them: each with its jurisdiction, status and date, and the sources
    its facts were checked against (recommendations/data/demo_measures.json, read once)."""
    payload = json.loads(MEASURES_FILE.read_text(encoding="utf-8"))
    names = {row["code"]: row["name"] for row in payload["jurisdictions"]}
    return [
        {
            "title": row["title"],
            "jurisdiction": names.get(row["jurisdiction"], row["jurisdiction"].upper()),
            "status": row["status"],
            "date": date.fromisoformat(row["date"]) if row.get("date") else None,
            "sources": [source["url"] for source in row["sources"]],
        }
        for row in payload["measures"]
    ]


def about_page(request: HttpRequest) -> HttpResponse:
    snapshot = demo_snapshot()
    examples = [
        {
            "description": description,
            "bills": [{"effect": effect, "stage": stage, "date": on} for effect, stage, on in links],
            "status": progress_status_from_links(links),
        }
        for description, links in EXAMPLES
    ]
    return render(
        request,
        "recommendations/about.html",
        {
            "report": report_current(),
            "examples": examples,
            "stages": [{"stage": stage.value, "meaning": STAGE_MEANINGS[stage]} for stage in Stage],
            "effects": [{"effect": effect.value, "meaning": EFFECT_MEANINGS[effect]} for effect in Effect],
            "freshness": data_freshness(),
            "snapshot": snapshot,
            "snapshot_description": text_parts(snapshot.description) if snapshot else [],
            "snapshot_statement": text_parts(snapshot.sources_statement) if snapshot else [],
            "demo_measures": demo_measures_listed() if snapshot else [],
            "pending": recommendation_list_sub_items_pending(),
            "legiscan_attribution": LEGISCAN_ATTRIBUTION,
            "legiscan_url": LEGISCAN_URL,
            "cc_by_url": CC_BY_URL,
        },
    )
