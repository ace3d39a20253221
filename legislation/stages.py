"""Stage of a bill, derived from what its source says happened (DESIGN.md, "Stage").

Pure functions, one per source vocabulary, each returning a :class:`StageResult`: the current ``stage`` and the
``furthest_stage`` reached on the path prefiled -> introduced -> in_committee -> passed_origin ->
passed_legislature -> enacted, each with the date it was first reached.

Open States' action classifications (openstates-core ``openstates/data/common.py``) are the common language:
``sources/congress.py`` and ``sources/legiscan.py`` translate their actions into it, so one state machine,
:func:`stage_from_openstates`, serves every source that has classified actions (and the importer can recompute a
stage from stored actions). LegiScan's own ``status``/``progress`` codes are richer than its history text, so
:func:`stage_from_legiscan` maps those codes directly.

None of these functions knows whether the session is over; :func:`apply_session_end` adds that afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

from legislation.choices import MILESTONES, PENDING_STAGES, Stage
from legislation.sources.records import ActionRecord, StageResult

__all__ = [
    "UNICAMERAL_JURISDICTIONS",
    "ActionLike",
    "StageResult",
    "apply_session_end",
    "congress_end_date",
    "is_unicameral",
    "milestone_dates_from_openstates",
    "stage_from_congress",
    "stage_from_legiscan",
    "stage_from_openstates",
]

_RANK = {stage: rank for rank, stage in enumerate(MILESTONES)}

# Legislatures with a single chamber: Nebraska, the Council of the District of Columbia, and the legislatures of
# Guam and the US Virgin Islands. (Puerto Rico, American Samoa and the Northern Mariana Islands have two.)
UNICAMERAL_JURISDICTIONS = frozenset({"ne", "dc", "gu", "vi"})

# Open States bill classifications of measures that one chamber adopts alone, and of those no executive signs.
# Their final adoption is their enactment: otherwise an adopted resolution would sit at passed_legislature and
# be called "died" when the session ends.
_ONE_CHAMBER_MEASURES = frozenset({"resolution", "memorial", "commemoration"})
_NO_EXECUTIVE_MEASURES = _ONE_CHAMBER_MEASURES | {"concurrent resolution", "concurrent memorial"}

# Congress bill types in the Open States measure vocabulary.
_CONGRESS_MEASURES = {
    "hr": "bill",
    "s": "bill",
    "hjres": "joint resolution",
    "sjres": "joint resolution",
    "hconres": "concurrent resolution",
    "sconres": "concurrent resolution",
    "hres": "resolution",
    "sres": "resolution",
}

_CHAMBERS = frozenset({"upper", "lower"})

# Classifications that show a bill at (at least) a milestone. Readings, generic referrals and receipts only prove
# the bill was introduced: a generic "referral" is as often to a calendar as to a committee.
_MILESTONE_OF = {
    "introduction": Stage.INTRODUCED,
    "reading-1": Stage.INTRODUCED,
    "reading-2": Stage.INTRODUCED,
    "reading-3": Stage.INTRODUCED,
    "referral": Stage.INTRODUCED,
    "receipt": Stage.INTRODUCED,
    "referral-committee": Stage.IN_COMMITTEE,
    "committee-passage": Stage.IN_COMMITTEE,
    "committee-passage-favorable": Stage.IN_COMMITTEE,
    "committee-passage-unfavorable": Stage.IN_COMMITTEE,
    "committee-failure": Stage.IN_COMMITTEE,
    "enrolled": Stage.PASSED_LEGISLATURE,
    "executive-receipt": Stage.PASSED_LEGISLATURE,
    # A veto is only possible once the legislature has passed the bill, even when its passages are not listed.
    "executive-veto": Stage.PASSED_LEGISLATURE,
    "executive-signature": Stage.ENACTED,
    "became-law": Stage.ENACTED,
}


class ActionLike(Protocol):
    """What the stage machine reads from an action: ActionRecord, or a stored BillAction row."""

    @property
    def order(self) -> int: ...

    @property
    def date(self) -> date | None: ...

    @property
    def chamber(self) -> str: ...

    @property
    def classification(self) -> Sequence[str]: ...


def is_unicameral(jurisdiction: str) -> bool:
    return jurisdiction.lower() in UNICAMERAL_JURISDICTIONS


@dataclass
class _Progress:
    """Milestones reached (first date each) and the terminal outcome (failed, withdrawn, vetoed), if any."""

    reached: dict[str, date | None] = field(default_factory=dict)
    outcome: tuple[str, date | None] | None = None

    @property
    def enacted(self) -> bool:
        return Stage.ENACTED in self.reached

    def reach(self, milestone: str, on: date | None) -> None:
        """Record a milestone; any sign of movement revives a failed or withdrawn bill (votes get reconsidered,
        bills withdrawn from one committee get re-referred), but only enactment undoes a veto."""
        self.reached.setdefault(milestone, on)
        if self.outcome and (self.outcome[0] != Stage.VETOED or milestone == Stage.ENACTED):
            self.outcome = None

    def end(self, stage: str, on: date | None) -> None:
        if self.enacted:
            return
        if stage == Stage.VETOED or not (self.outcome and self.outcome[0] == Stage.VETOED):
            self.outcome = (stage, on)

    def furthest(self) -> tuple[str, date | None]:
        if not self.reached:
            # The source lists the bill, so it was at least introduced; when, it does not say.
            return Stage.INTRODUCED, None
        milestone = max(self.reached, key=_RANK.__getitem__)
        return milestone, self.reached[milestone]

    def result(self) -> StageResult:
        furthest, furthest_date = self.furthest()
        stage, stage_date = self.outcome or (furthest, furthest_date)
        return StageResult(str(stage), stage_date, str(furthest), furthest_date)


def _chronological(actions: Iterable[ActionLike]) -> list[ActionLike]:
    """By date, then the source's order; undated actions last, since nothing says when they happened."""
    return sorted(actions, key=lambda action: (action.date or date.max, action.order))


def stage_from_openstates(
    actions: Iterable[ActionLike],
    *,
    unicameral: bool = False,
    bill_classification: Sequence[str] = ("bill",),
    session_start: date | None = None,
) -> StageResult:
    """The stage of a bill from its actions' Open States classifications.

    - enacted: ``executive-signature``, ``became-law`` (law without signature), or ``veto-override-passage`` in
      both chambers (one suffices in a unicameral legislature, or when the source does not say which chamber
      overrode). One chamber's override vote alone does not make law. Nothing after enactment changes the stage;
      ``executive-veto-line-item`` is ignored because the rest of the bill still becomes law.
    - vetoed: ``executive-veto``, unless later overridden or signed; ``veto-override-failure`` keeps it vetoed
      (the veto stands) rather than calling it failed.
    - failed: ``failure`` (a floor vote lost) or ``committee-failure``; withdrawn: ``withdrawal``. Both are undone
      by any later milestone action, because lost votes get reconsidered and withdrawn bills re-referred.
    - passed_legislature: ``passage`` in both chambers (or once where one chamber is enough: a unicameral
      legislature or a simple resolution), ``enrolled`` or ``executive-receipt``. A passage whose chamber is
      unknown counts only as passing the first chamber.
    - passed_origin: one ``passage``. in_committee: a committee referral or committee action.
    - introduced: ``introduction``, readings, generic referral or receipt; ``filing`` too, unless it is dated
      before ``session_start`` (when known), which makes it prefiled.

    Measures no executive signs (simple and concurrent resolutions, memorials) are enacted when adopted.
    With no informative action the bill is taken as introduced, date unknown.
    """
    machine = _openstates_machine(
        unicameral=unicameral, bill_classification=bill_classification, session_start=session_start
    )
    for action in _chronological(actions):
        if machine.progress.enacted:
            break
        machine.apply(action)
    return machine.progress.result()


def milestone_dates_from_openstates(
    actions: Iterable[ActionLike],
    *,
    unicameral: bool = False,
    bill_classification: Sequence[str] = ("bill",),
    session_start: date | None = None,
) -> dict[str, date | None]:
    """The date on which each milestone first became the furthest reached, as :func:`stage_from_openstates` would
    give it after each classified action of the bill in turn (a bill's stage bar), in one pass over the actions.

    A milestone reached together with a higher one by the same action is left out (it was never the furthest on
    its own); so is any milestone after enactment, where the stage machine stops.
    """
    machine = _openstates_machine(
        unicameral=unicameral, bill_classification=bill_classification, session_start=session_start
    )
    dates: dict[str, date | None] = {}
    for action in _chronological(actions):
        if machine.progress.enacted:
            break
        machine.apply(action)
        if action.classification:
            furthest, on = machine.progress.furthest()
            dates.setdefault(furthest, on)
    return dates


def _openstates_machine(
    *, unicameral: bool, bill_classification: Sequence[str], session_start: date | None
) -> _OpenStatesMachine:
    kinds = frozenset(bill_classification)
    return _OpenStatesMachine(
        one_chamber=unicameral or (bool(kinds) and kinds <= _ONE_CHAMBER_MEASURES),
        needs_executive=not (kinds and kinds <= _NO_EXECUTIVE_MEASURES),
        session_start=session_start,
    )


@dataclass
class _OpenStatesMachine:
    """The rules of :func:`stage_from_openstates`, applied one action at a time."""

    one_chamber: bool
    needs_executive: bool
    session_start: date | None
    progress: _Progress = field(default_factory=_Progress)
    passed: set[str] = field(default_factory=set)  # chambers that passed the bill
    overridden: set[str] = field(default_factory=set)  # chambers that voted to override a veto

    def apply(self, action: ActionLike) -> None:
        for kind in action.classification:
            self.apply_kind(kind, action.date, action.chamber)
        if not self.needs_executive and Stage.PASSED_LEGISLATURE in self.progress.reached:
            self.progress.reach(Stage.ENACTED, self.progress.reached[Stage.PASSED_LEGISLATURE])

    def apply_kind(self, kind: str, on: date | None, chamber: str) -> None:
        progress = self.progress
        if kind in _MILESTONE_OF:
            progress.reach(_MILESTONE_OF[kind], on)
        if kind == "filing":
            prefiled = self.session_start is not None and on is not None and on < self.session_start
            progress.reach(Stage.PREFILED if prefiled else Stage.INTRODUCED, on)
        elif kind == "passage":
            progress.reach(Stage.PASSED_ORIGIN, on)
            if self.all_chambers(self.passed, chamber):
                progress.reach(Stage.PASSED_LEGISLATURE, on)
        elif kind == "veto-override-passage":
            if chamber not in _CHAMBERS or self.all_chambers(self.overridden, chamber):
                progress.reach(Stage.ENACTED, on)
        elif kind in ("failure", "committee-failure"):
            progress.end(Stage.FAILED, on)
        elif kind == "withdrawal":
            progress.end(Stage.WITHDRAWN, on)
        elif kind == "executive-veto" or (kind == "veto-override-failure" and progress.outcome is None):
            progress.end(Stage.VETOED, on)

    def all_chambers(self, done: set[str], chamber: str) -> bool:
        """Add ``chamber`` to ``done``; True once every chamber that must act has (an unknown one never counts
        as the second)."""
        if chamber in _CHAMBERS:
            done.add(chamber)
        return self.one_chamber or done >= _CHAMBERS


def stage_from_congress(
    actions: Iterable[ActionLike],
    laws: Sequence[object] = (),
    *,
    bill_type: str = "hr",
) -> StageResult:
    """The stage of a bill in Congress from its actions, classified by ``sources.congress.classify_action``.

    Library of Congress action codes and action types are mapped to Open States classifications there; here the
    bill type says how many chambers must act (``hres``/``sres``: one) and whether the President signs
    (not for resolutions). A non-empty ``laws`` list is proof of enactment even when the actions are incomplete;
    the enactment date is then the last action's date, which on Congress.gov is the "Became Public Law" entry.
    """
    actions = _chronological(actions)
    measure = _CONGRESS_MEASURES.get(bill_type.lower(), "bill")
    result = stage_from_openstates(actions, bill_classification=(measure,))
    if not laws or result.stage == Stage.ENACTED:
        return result
    dates = [action.date for action in actions if action.date]
    enacted_on = max(dates) if dates else None
    return StageResult(Stage.ENACTED, enacted_on, Stage.ENACTED, enacted_on)


# LegiScan status (manual v1.85 "Status / Progress"): 0 N/A (pre-filed or pre-introduction), 1 Introduced,
# 2 Engrossed, 3 Enrolled, 4 Passed, 5 Vetoed, 6 Failed.
_LEGISCAN_STATUS_MILESTONE = {
    1: Stage.INTRODUCED,
    2: Stage.PASSED_ORIGIN,  # engrossed: passed its chamber of origin
    3: Stage.PASSED_LEGISLATURE,  # enrolled: passed both, on its way to the executive
    4: Stage.ENACTED,  # "Passed": became law, or adopted for a resolution
    5: Stage.PASSED_LEGISLATURE,  # vetoed: it had passed the legislature
}
# Progress events add 7 Override, 8 Chaptered, 9 Refer, 10 Report Pass, 11 Report DNP, 12 Draft.
_LEGISCAN_EVENT_MILESTONE = {
    **_LEGISCAN_STATUS_MILESTONE,
    7: Stage.ENACTED,  # veto overridden
    8: Stage.ENACTED,
    9: Stage.IN_COMMITTEE,
    10: Stage.IN_COMMITTEE,
    11: Stage.IN_COMMITTEE,
    12: Stage.PREFILED,
}
_LEGISCAN_OUTCOME = {5: Stage.VETOED, 6: Stage.FAILED}


def stage_from_legiscan(
    status: int | str,
    status_date: date | None,
    progress: Iterable[tuple[date | None, int]] = (),
    history: Sequence[ActionRecord] = (),
) -> StageResult:
    """The stage of a LegiScan bill from its ``status``, ``status_date`` and ``progress`` (date, event) pairs.

    ``progress`` is neither complete nor in order (a bill may have no "introduced" event; AK HB 1 2011 runs 1, 9,
    11, 10, 2, 9), so the furthest milestone is the highest any event or the status shows, dated by its earliest
    event, or by ``status_date`` when only the status shows it. The stage is LegiScan's status: vetoed (5) and
    failed (6) as such, a pending status as the furthest milestone; an enacting event (Passed, Override,
    Chaptered) wins over a lagging status.

    Status 0 is "N/A": the manual calls it pre-filed, but real data use it for measures whose status LegiScan
    does not track (28 Ohio resolutions with referrals and committee reports). So status 0 is prefiled only when
    nothing else is known; with progress events their furthest milestone is used, and with recorded actions
    (``history``) the bill counts as introduced on the earliest action's date.
    """
    code = int(status)
    if not 0 <= code <= 6:
        raise ValueError(f"unknown LegiScan status {status!r}")
    reached: dict[str, date | None] = {}
    for on, event in sorted(progress, key=lambda pair: pair[0] or date.max):
        if event in _LEGISCAN_EVENT_MILESTONE:
            reached.setdefault(_LEGISCAN_EVENT_MILESTONE[event], on)
    if code in _LEGISCAN_STATUS_MILESTONE:
        reached.setdefault(_LEGISCAN_STATUS_MILESTONE[code], status_date)
    if code == 0 and not reached:
        action_dates = [action.date for action in history if action.date]
        if history:
            reached[Stage.INTRODUCED] = min(action_dates, default=None)
        else:
            reached[Stage.PREFILED] = status_date
    furthest = _Progress(reached=reached)
    if code in _LEGISCAN_OUTCOME and not furthest.enacted:
        furthest.outcome = (_LEGISCAN_OUTCOME[code], status_date)
    return furthest.result()


def apply_session_end(
    result: StageResult,
    *,
    session_ended: bool,
    carries_over: bool,
    end_date: date | None,
) -> StageResult:
    """A pending bill whose session has ended died then, or was carried over where the legislature carries bills
    into the next session of the same term. Enacted, vetoed, failed and withdrawn bills keep their stage, and
    the furthest milestone never changes."""
    if not session_ended or result.stage not in PENDING_STAGES:
        return result
    stage = Stage.CARRIED_OVER if carries_over else Stage.DIED
    return replace(result, stage=stage, stage_date=end_date)


def congress_end_date(congress: int) -> date:
    """The nth Congress ends at noon on January 3 of year 1789 + 2n: the 117th on 2023-01-03.

    That is the 20th Amendment's date, which holds from the 73rd Congress on; earlier Congresses ended in March.
    """
    return date(1789 + 2 * congress, 1, 3)
