"""One bill across sources: which source wins which field when a bill already holds another source's id.

A bill is one Bill whatever the number of sources that report it: sessions are matched across sources
(`legislation.importers.sessions.SessionCache`), so the natural key (jurisdiction, session, normalised identifier)
finds a bill another source imported, and the record's source id is added beside the others (BillExternalId).
When the bill already has an id from another source, the record does not simply overwrite it:

- stage (stage, furthest stage and their dates): the record wins only with further or newer legislative evidence,
  compared as (furthest milestone, latest action date, stage date); on a tie or less, the stored stage stands and
  the disagreement is logged on the ImportRun (so two sources never flip a bill back and forth);
- actions and sponsors: the richer list (more entries) wins; on a tie the stored list stands;
- source links: the union (each source's page stays listed);
- title, summary, classification, subjects, url, source_identifier: the preferred source among those the bill has
  (`TEXT_PREFERENCE`: Congress.gov for Congress, then Open States, then LegiScan) writes them; another source only
  fills blanks;
- first action date: the earliest known; latest action date and text: the later one (on a tie the stored one).

A bill with only this source's id is imported exactly as before (the source corrects itself).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from legislation.choices import MILESTONES, Source

__all__ = ["TEXT_PREFERENCE", "fields_reconciled", "rows_reconciled", "text_source"]

TEXT_PREFERENCE = (Source.CONGRESS, Source.OPENSTATES, Source.LEGISCAN)
STATE_TEXT_PREFERENCE = (Source.OPENSTATES, Source.LEGISCAN, Source.CONGRESS)

_RANK = {stage: rank for rank, stage in enumerate(MILESTONES)}
_STAGE_FIELDS = ("stage", "stage_date", "furthest_stage", "furthest_stage_date")
_TEXT = ("source_identifier", "title", "summary", "classification", "subjects", "url")


def text_source(jurisdiction: str, sources: set[str]) -> str:
    """The source whose text fields a bill with ids from `sources` shows."""
    order = TEXT_PREFERENCE if jurisdiction == "us" else STATE_TEXT_PREFERENCE
    return next(source for source in order if source in sources)


def _evidence(values: dict[str, Any]) -> tuple:
    return (
        _RANK.get(values["furthest_stage"], -1),
        values["latest_action_date"] or date.min,
        values["stage_date"] or date.min,
    )


def fields_reconciled(
    *, jurisdiction: str, source: str, other_sources: set[str], current: dict[str, Any], target: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """`target` (what the record says) with the fields it does not win put back to `current`; and a description of
    the stage conflict, "" when there is none."""
    result = dict(target)
    conflict = ""
    if _evidence(target) <= _evidence(current):
        if target["stage"] != current["stage"]:
            conflict = (
                f"{source} says {target['stage']} ({target['stage_date'] or 'no date'}), "
                f"stored {current['stage']} from {', '.join(sorted(other_sources))} kept (as far or further)"
            )
        for name in _STAGE_FIELDS:
            result[name] = current[name]
    if text_source(jurisdiction, other_sources | {source}) != source:
        for name in _TEXT:
            if current[name] not in ("", None, []):
                result[name] = current[name]
    firsts = [value for value in (current["first_action_date"], target["first_action_date"]) if value]
    result["first_action_date"] = min(firsts, default=None)
    if (target["latest_action_date"] or date.min) <= (current["latest_action_date"] or date.min):
        result["latest_action_date"] = current["latest_action_date"]
        result["latest_action_description"] = current["latest_action_description"]
    return result, conflict


def rows_reconciled(
    *,
    actions: tuple,
    sponsors: tuple,
    sources: tuple,
    stored_actions: list,
    stored_sponsors: list,
    stored_sources: list,
) -> tuple[tuple, tuple, tuple]:
    """Actions and sponsors: the richer list; source links: the stored ones and the record's new ones."""
    if len(actions) <= len(stored_actions):
        actions = tuple(stored_actions)
    if len(sponsors) <= len(stored_sponsors):
        sponsors = tuple(stored_sponsors)
    known = {url for url, _ in stored_sources}
    merged = tuple(stored_sources) + tuple(row for row in sources if row[0] not in known)
    return actions, sponsors, merged
