"""Stage mapping: Open States classifications, LegiScan codes, Congress actions and the end of sessions."""

import random
from datetime import date

import pytest

from legislation.choices import Stage
from legislation.sources.records import ActionRecord, StageResult
from legislation.stages import (
    apply_session_end,
    congress_end_date,
    is_unicameral,
    milestone_dates_from_openstates,
    stage_from_congress,
    stage_from_legiscan,
    stage_from_openstates,
)

D = date(2021, 1, 1)


def day(n: int) -> date:
    return date(2021, 1, n)


def act(n: int, *classification: str, chamber: str = "lower", order: int | None = None) -> ActionRecord:
    return ActionRecord(order if order is not None else n, day(n), "", chamber, "", classification)


def result(stage: str, stage_day: int | None, furthest: str, furthest_day: int | None) -> StageResult:
    return StageResult(
        stage, day(stage_day) if stage_day else None, furthest, day(furthest_day) if furthest_day else None
    )


TO_GOVERNOR = [
    act(1, "introduction", "referral-committee"),
    act(5, "committee-passage-favorable"),
    act(8, "passage", "reading-3"),
    act(9, "introduction", "referral-committee", chamber="upper"),
    act(15, "passage", chamber="upper"),
    act(16, "executive-receipt", chamber="executive"),
]


# --- Open States -------------------------------------------------------------------------------------------


def test_no_actions_is_introduced_with_unknown_date() -> None:
    assert stage_from_openstates([]) == StageResult("introduced", None, "introduced", None)


def test_introduction_then_referral_is_in_committee() -> None:
    actions = [act(1, "introduction"), act(2, "referral-committee")]
    assert stage_from_openstates(actions) == result("in_committee", 2, "in_committee", 2)


def test_committee_passage_without_referral_still_counts_in_committee() -> None:
    assert stage_from_openstates([act(3, "committee-passage")]).stage == "in_committee"


def test_filing_before_session_start_is_prefiled() -> None:
    actions = [act(1, "filing")]
    assert stage_from_openstates(actions, session_start=day(10)) == result("prefiled", 1, "prefiled", 1)


def test_filing_without_known_session_start_counts_as_introduced() -> None:
    assert stage_from_openstates([act(1, "filing")]).stage == "introduced"
    assert stage_from_openstates([act(12, "filing")], session_start=day(10)).stage == "introduced"


def test_passage_in_one_chamber_is_passed_origin() -> None:
    assert stage_from_openstates(TO_GOVERNOR[:3]) == result("passed_origin", 8, "passed_origin", 8)


def test_passage_in_both_chambers_is_passed_legislature() -> None:
    assert stage_from_openstates(TO_GOVERNOR[:5]) == result("passed_legislature", 15, "passed_legislature", 15)


def test_executive_receipt_is_passed_legislature() -> None:
    actions = [act(1, "introduction"), act(4, "executive-receipt", chamber="executive")]
    assert stage_from_openstates(actions) == result("passed_legislature", 4, "passed_legislature", 4)


def test_enrolled_is_passed_legislature() -> None:
    assert stage_from_openstates([act(4, "enrolled")]).stage == "passed_legislature"


def test_unicameral_passage_is_passed_legislature() -> None:
    actions = [act(1, "introduction", chamber="legislature"), act(6, "passage", chamber="legislature")]
    assert stage_from_openstates(actions, unicameral=True) == result("passed_legislature", 6, "passed_legislature", 6)


def test_passage_with_unknown_chamber_counts_only_as_first_chamber() -> None:
    actions = [act(6, "passage", chamber=""), act(9, "passage", chamber="")]
    assert stage_from_openstates(actions).stage == "passed_origin"


def test_signed_bill_is_enacted() -> None:
    actions = [*TO_GOVERNOR, act(20, "executive-signature", chamber="executive")]
    assert stage_from_openstates(actions) == result("enacted", 20, "enacted", 20)


def test_enacted_without_signature_is_enacted() -> None:
    actions = [*TO_GOVERNOR, act(25, "became-law", chamber="executive")]
    assert stage_from_openstates(actions) == result("enacted", 25, "enacted", 25)


def test_vetoed_bill_is_vetoed_having_passed_the_legislature() -> None:
    actions = [*TO_GOVERNOR, act(20, "executive-veto", chamber="executive")]
    assert stage_from_openstates(actions) == result("vetoed", 20, "passed_legislature", 15)


def test_veto_without_listed_passages_still_shows_the_legislature_passed_it() -> None:
    actions = [act(1, "introduction"), act(20, "executive-veto", chamber="executive")]
    assert stage_from_openstates(actions) == result("vetoed", 20, "passed_legislature", 20)


def test_veto_overridden_in_both_chambers_is_enacted() -> None:
    actions = [
        *TO_GOVERNOR,
        act(20, "executive-veto", chamber="executive"),
        act(22, "veto-override-passage", chamber="lower"),
        act(23, "veto-override-passage", chamber="upper"),
    ]
    assert stage_from_openstates(actions) == result("enacted", 23, "enacted", 23)


def test_veto_override_in_one_chamber_only_stays_vetoed() -> None:
    actions = [*TO_GOVERNOR, act(20, "executive-veto", chamber="executive"), act(22, "veto-override-passage")]
    assert stage_from_openstates(actions) == result("vetoed", 20, "passed_legislature", 15)


def test_veto_override_without_a_chamber_is_enacted() -> None:
    actions = [*TO_GOVERNOR, act(20, "executive-veto"), act(22, "veto-override-passage", chamber="legislature")]
    assert stage_from_openstates(actions).stage == "enacted"


def test_failed_override_keeps_the_veto_and_its_date() -> None:
    actions = [
        *TO_GOVERNOR,
        act(20, "executive-veto", chamber="executive"),
        act(22, "veto-override-passage", chamber="lower"),
        act(23, "veto-override-failure", chamber="upper"),
    ]
    assert stage_from_openstates(actions) == result("vetoed", 20, "passed_legislature", 15)


def test_failed_in_committee_is_failed_and_shows_it_reached_committee() -> None:
    actions = [act(1, "introduction", "referral-committee"), act(9, "committee-failure")]
    assert stage_from_openstates(actions) == result("failed", 9, "in_committee", 1)


def test_failed_floor_vote_is_failed() -> None:
    actions = [*TO_GOVERNOR[:3], act(9, "introduction", chamber="upper"), act(12, "failure", chamber="upper")]
    assert stage_from_openstates(actions) == result("failed", 12, "passed_origin", 8)


def test_failed_vote_reconsidered_and_passed_is_passed_origin() -> None:
    actions = [act(1, "introduction"), act(8, "failure", order=8), act(8, "passage", order=9)]
    assert stage_from_openstates(actions) == result("passed_origin", 8, "passed_origin", 8)


def test_withdrawn_bill_is_withdrawn() -> None:
    actions = [act(1, "introduction", "referral-committee"), act(4, "withdrawal")]
    assert stage_from_openstates(actions) == result("withdrawn", 4, "in_committee", 1)


def test_withdrawn_from_committee_and_re_referred_is_pending() -> None:
    actions = [act(1, "referral-committee"), act(4, "withdrawal", "referral-committee")]
    assert stage_from_openstates(actions).stage == "in_committee"


def test_line_item_veto_does_not_undo_enactment() -> None:
    actions = [*TO_GOVERNOR, act(20, "executive-signature", "executive-veto-line-item", chamber="executive")]
    assert stage_from_openstates(actions).stage == "enacted"


def test_nothing_after_enactment_changes_the_stage() -> None:
    actions = [*TO_GOVERNOR, act(20, "became-law"), act(25, "withdrawal"), act(26, "failure")]
    assert stage_from_openstates(actions) == result("enacted", 20, "enacted", 20)


def test_actions_are_read_by_date_then_order_whatever_their_listing() -> None:
    actions = list(reversed([*TO_GOVERNOR, act(20, "executive-veto")]))
    assert stage_from_openstates(actions) == result("vetoed", 20, "passed_legislature", 15)


def test_milestone_dates_are_when_each_milestone_first_became_the_furthest() -> None:
    actions = [*TO_GOVERNOR, act(20, "executive-signature", chamber="executive"), act(25, "failure")]
    assert milestone_dates_from_openstates(actions) == {
        "in_committee": day(1),  # introduced on the same action: no date of its own
        "passed_origin": day(8),
        "passed_legislature": day(15),
        "enacted": day(20),
    }
    prefiled = [act(1, "filing"), act(9, "introduction"), act(10, "referral-committee")]
    assert milestone_dates_from_openstates(prefiled, session_start=day(5)) == {
        "prefiled": day(1),
        "introduced": day(9),
        "in_committee": day(10),
    }


def _replayed_milestone_dates(actions: list[ActionRecord], **options: object) -> dict[str, date | None]:
    """The definition: the furthest stage after each classified action (every prefix through the machine)."""
    ordered = sorted(actions, key=lambda action: (action.date or date.max, action.order))
    dates: dict[str, date | None] = {}
    for end, action in enumerate(ordered, start=1):
        if action.classification:
            replayed = stage_from_openstates(ordered[:end], **options)
            dates.setdefault(replayed.furthest_stage, replayed.furthest_date)
    return dates


@pytest.mark.parametrize("seed", range(40))
def test_milestone_dates_in_one_pass_equal_replaying_every_prefix(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311  (test data, reproducible)
    kinds = [*_KINDS, "", ""]
    actions = [
        ActionRecord(
            order,
            day(rng.randint(1, 28)) if rng.random() > 0.1 else None,
            "",
            rng.choice(["lower", "upper", "executive", ""]),
            "",
            tuple(kind for kind in rng.sample(kinds, rng.randint(1, 2)) if kind),
        )
        for order in range(rng.randint(0, 14))
    ]
    options = {
        "unicameral": rng.random() < 0.2,
        "bill_classification": (rng.choice(["bill", "resolution", "concurrent resolution"]),),
        "session_start": day(rng.randint(1, 10)) if rng.random() < 0.5 else None,
    }
    assert milestone_dates_from_openstates(actions, **options) == _replayed_milestone_dates(actions, **options)


_KINDS = (
    "introduction",
    "filing",
    "referral-committee",
    "committee-passage",
    "committee-failure",
    "passage",
    "failure",
    "withdrawal",
    "enrolled",
    "executive-receipt",
    "executive-veto",
    "veto-override-passage",
    "veto-override-failure",
    "executive-signature",
    "became-law",
)


def test_unknown_classifications_are_ignored() -> None:
    assert stage_from_openstates([act(1, "introduction"), act(2, "amendment-passage", "no-such-thing")]).stage == (
        "introduced"
    )


def test_adopted_simple_resolution_is_enacted() -> None:
    actions = [act(1, "introduction"), act(3, "passage")]
    assert stage_from_openstates(actions, bill_classification=["resolution"]) == result("enacted", 3, "enacted", 3)


def test_concurrent_resolution_needs_both_chambers_but_no_governor() -> None:
    kinds = ["concurrent resolution"]
    assert stage_from_openstates(TO_GOVERNOR[:3], bill_classification=kinds).stage == "passed_origin"
    assert stage_from_openstates(TO_GOVERNOR[:5], bill_classification=kinds) == result("enacted", 15, "enacted", 15)


@pytest.mark.parametrize(
    ("code", "expected"), [("ne", True), ("DC", True), ("gu", True), ("pr", False), ("ca", False)]
)
def test_unicameral_jurisdictions(code: str, expected: bool) -> None:
    assert is_unicameral(code) is expected


# --- LegiScan ----------------------------------------------------------------------------------------------

AK_HB1_PROGRESS = [
    (date(2011, 1, 18), 1),
    (date(2011, 1, 18), 9),
    (date(2011, 3, 16), 11),
    (date(2011, 4, 7), 10),
    (date(2011, 4, 11), 2),
    (date(2011, 4, 12), 9),
]


def test_legiscan_engrossed_is_passed_origin_despite_later_referral() -> None:
    got = stage_from_legiscan(2, date(2011, 4, 11), AK_HB1_PROGRESS)
    assert got == StageResult("passed_origin", date(2011, 4, 11), "passed_origin", date(2011, 4, 11))


def test_legiscan_status_as_string_is_accepted() -> None:
    assert stage_from_legiscan("4", D) == StageResult("enacted", D, "enacted", D)


def test_legiscan_progress_without_introduced_and_out_of_order() -> None:
    progress = [(day(20), 3), (day(5), 9), (day(12), 2), (day(14), 2)]
    got = stage_from_legiscan(3, day(20), progress)
    assert got == result("passed_legislature", 20, "passed_legislature", 20)
    got = stage_from_legiscan(2, day(14), [(day(20), 9), (day(12), 2), (day(5), 9)])
    assert got == result("passed_origin", 12, "passed_origin", 12)


def test_legiscan_status_without_progress_uses_the_status_date() -> None:
    assert stage_from_legiscan(1, day(3)) == result("introduced", 3, "introduced", 3)


def test_legiscan_vetoed_shows_it_passed_the_legislature() -> None:
    got = stage_from_legiscan(5, day(20), [(day(1), 1), (day(15), 3), (day(20), 5)])
    assert got == result("vetoed", 20, "passed_legislature", 15)


def test_legiscan_override_event_makes_a_vetoed_bill_enacted() -> None:
    got = stage_from_legiscan(5, day(20), [(day(15), 3), (day(20), 5), (day(25), 7)])
    assert got == result("enacted", 25, "enacted", 25)


def test_legiscan_chaptered_event_makes_enacted_even_when_status_lags() -> None:
    assert stage_from_legiscan(3, day(15), [(day(15), 3), (day(18), 8)]).stage == "enacted"


def test_legiscan_failed_in_committee() -> None:
    got = stage_from_legiscan(6, day(9), [(day(1), 1), (day(2), 9), (day(9), 11)])
    assert got == result("failed", 9, "in_committee", 2)


def test_legiscan_status_zero_with_nothing_known_is_prefiled() -> None:
    assert stage_from_legiscan(0, None) == StageResult("prefiled", None, "prefiled", None)
    assert stage_from_legiscan("0", None, [(day(1), 12)]) == result("prefiled", 1, "prefiled", 1)


def test_legiscan_status_zero_with_recorded_actions_is_introduced() -> None:
    history = [ActionRecord(0, day(4), "Refer to Committee", "", ""), ActionRecord(1, day(2), "Offered", "", "")]
    assert stage_from_legiscan(0, None, (), history) == result("introduced", 2, "introduced", 2)


def test_legiscan_status_zero_with_progress_uses_it() -> None:
    assert stage_from_legiscan(0, None, [(day(1), 1), (day(3), 9)]) == result("in_committee", 3, "in_committee", 3)


@pytest.mark.parametrize("status", [7, "x", -1])
def test_legiscan_unknown_status_is_refused(status: object) -> None:
    with pytest.raises(ValueError, match=r"status|invalid literal"):
        stage_from_legiscan(status, None)  # type: ignore[arg-type]


# --- Congress ----------------------------------------------------------------------------------------------


def test_congress_laws_prove_enactment_when_actions_stop_short() -> None:
    actions = [act(1, "introduction"), act(8, "passage", chamber="lower"), act(9, "passage", chamber="upper")]
    got = stage_from_congress(actions, [{"type": "Public Law", "number": "117-1"}])
    assert got == result("enacted", 9, "enacted", 9)


def test_congress_simple_resolution_agreed_in_one_chamber_is_enacted() -> None:
    actions = [act(1, "introduction", chamber="upper"), act(2, "passage", chamber="upper")]
    assert stage_from_congress(actions, bill_type="sres") == result("enacted", 2, "enacted", 2)
    assert stage_from_congress(actions, bill_type="s").stage == "passed_origin"


# --- End of session ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["prefiled", "introduced", "in_committee", "passed_origin", "passed_legislature"])
def test_pending_bill_dies_when_its_session_ends(stage: str) -> None:
    got = apply_session_end(StageResult(stage, D, stage, D), session_ended=True, carries_over=False, end_date=day(30))
    assert got == StageResult("died", day(30), stage, D)


def test_pending_bill_is_carried_over_where_bills_carry_over() -> None:
    pending = StageResult("in_committee", D, "in_committee", D)
    got = apply_session_end(pending, session_ended=True, carries_over=True, end_date=day(30))
    assert got == StageResult("carried_over", day(30), "in_committee", D)


@pytest.mark.parametrize("stage", ["enacted", "vetoed", "failed", "withdrawn", "died"])
def test_session_end_leaves_final_stages_alone(stage: str) -> None:
    final = StageResult(stage, D, "passed_legislature", D)
    assert apply_session_end(final, session_ended=True, carries_over=False, end_date=day(30)) == final


def test_session_not_over_changes_nothing() -> None:
    pending = StageResult("introduced", D, "introduced", D)
    assert apply_session_end(pending, session_ended=False, carries_over=False, end_date=None) == pending


def test_congress_end_dates() -> None:
    assert congress_end_date(117) == date(2023, 1, 3)
    assert congress_end_date(119) == date(2027, 1, 3)


def test_stage_values_are_the_contract_vocabulary() -> None:
    got = stage_from_openstates([*TO_GOVERNOR, act(20, "executive-signature")])
    assert got.stage in Stage.values
    assert type(got.stage) is str
