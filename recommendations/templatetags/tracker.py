"""Template filters and tags every page shares: labels of the vocabularies, bill paths, the stage path.

Templates show values the views gathered; these only turn codes into words and paths (no queries).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django import template
from django.utils import dateformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from legislation.choices import MILESTONES, Source, Stage
from legislation.models import bill_page_path

from ..models import Effect, MeasureKind, MeasureStatus, ProgressStatus, measure_page_path

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


@register.filter
def measure_status_label(value: str | None) -> str:
    return _label(MeasureStatus, value)


@register.filter
def measure_kind_label(value: str | None) -> str:
    return _label(MeasureKind, value)


# How the progress rule counts a measure of each status (README, Method page): as a bill at that stage would.
MEASURE_COUNTS_AS = {
    MeasureStatus.PROPOSED: "a pending bill",
    MeasureStatus.ADOPTED: "an enacted bill",
    MeasureStatus.IN_EFFECT: "an enacted bill",
    MeasureStatus.RESCINDED: "a failed bill",
    MeasureStatus.STRUCK_DOWN: "a failed bill",
}


@register.filter
def measure_counts_as(value: str | None) -> str:
    return MEASURE_COUNTS_AS.get(value, "nothing")


@register.simple_tag
def bill_path(jurisdiction: str, session: str, identifier: str) -> str:
    """`{% bill_path row.jurisdiction row.session row.identifier %}` for rows that are not Bill objects."""
    return bill_page_path(jurisdiction=jurisdiction, session=session, identifier=identifier)


@register.simple_tag
def measure_path(jurisdiction: str, pk: int, title: str) -> str:
    """`{% measure_path row.jurisdiction row.measure row.measure_title %}` for rows that are not Measure objects."""
    return measure_page_path(jurisdiction=jurisdiction, pk=pk, title=title)


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


STOPPED = frozenset({Stage.VETOED, Stage.FAILED, Stage.WITHDRAWN, Stage.DIED})


@register.simple_tag
def stage_progress(furthest_stage: str, stage: str, dates: Mapping[str, date | None] | None = None) -> SafeString:
    """`{% stage_progress furthest_stage stage dates %}`: a bill's stage bar, the milestones of `stage_steps` as an
    ordered list (reached ones marked, the furthest as the current step, dates where known, "not reached" for
    screen readers), stopped when the bill no longer moves.

    Written out here rather than in a template because lists draw one bar per bill: a template loop over the steps
    cost more than the rest of a bill's row.
    """
    items = format_html_join(
        "",
        '<li class="{}{}"{}><span class="step-label">{}</span>{}{}</li>',
        (
            (
                "reached" if step["reached"] else "",
                " current" if step["current"] else "",
                mark_safe(' aria-current="step"') if step["current"] else "",
                step["label"],
                format_html(' <time datetime="{}">{}</time>', step["date"].isoformat(), date_format(step["date"]))
                if step["date"]
                else "",
                mark_safe('<span class="visually-hidden"> (not reached)</span>') if not step["reached"] else "",
            )
            for step in stage_steps(furthest_stage, stage, dates)
        ),
    )
    return format_html(
        '<ol class="stage-progress{}" aria-label="Furthest stage reached: {}">\n  {}\n</ol>',
        " stopped" if stage in STOPPED else "",
        stage_label(furthest_stage),
        items,
    )


def date_format(value: date) -> str:
    """A date as pages write it: Nov 30, 2026 (the `date:"M j, Y"` of the templates)."""
    return dateformat.format(value, "M j, Y")
