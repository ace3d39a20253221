"""Template filters and tags every page shares: labels of the vocabularies, bill paths, the stage path.

Templates show values the views gathered; these only turn codes into words and paths (no queries).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django import template

from legislation.choices import MILESTONES, Source, Stage
from legislation.models import bill_page_path

from ..models import Effect, ProgressStatus

register = template.Library()


def _label(choices: type, value: str | None) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value or ""


@register.filter
def status_label(value: str | None) -> str:
    return _label(ProgressStatus, value)


@register.filter
def stage_label(value: str | None) -> str:
    return _label(Stage, value)


@register.filter
def effect_label(value: str | None) -> str:
    return _label(Effect, value)


@register.filter
def source_label(value: str | None) -> str:
    return _label(Source, value)


@register.simple_tag
def bill_path(jurisdiction: str, session: str, identifier: str) -> str:
    """`{% bill_path row.jurisdiction row.session row.identifier %}` for rows that are not Bill objects."""
    return bill_page_path(jurisdiction=jurisdiction, session=session, identifier=identifier)


@register.simple_tag
def stage_steps(
    furthest_stage: str, stage: str, dates: Mapping[str, date | None] | None = None
) -> list[dict[str, Any]]:
    """The milestones prefiled -> enacted, each marked reached (up to the furthest stage), with its date if known.

    A bill that was never prefiled starts at `introduced`: prefiling is shown only when the bill reached it first.
    """
    dates = dates or {}
    steps = list(MILESTONES if furthest_stage == Stage.PREFILED or dates.get(Stage.PREFILED) else MILESTONES[1:])
    furthest = MILESTONES.index(furthest_stage) if furthest_stage in MILESTONES else -1
    return [
        {
            "stage": step,
            "label": Stage(step).label,
            "reached": MILESTONES.index(step) <= furthest,
            "current": step == furthest_stage,
            "date": dates.get(step),
        }
        for step in steps
    ]
