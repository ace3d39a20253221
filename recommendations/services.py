"""Writes to the recommendations app: seeding the report, measures, linking bills and measures, computing progress,
staff overrides and their four-eyes review.

Review (`REVIEW_REQUIRED`, default true): a link, a measure or a progress override written by a person is stored
`pending` (`submit_for_review`) and is neither public nor counted until a Reviewer other than its author approves
it (`review`). Writes without a user (commands, data loads) are not reviewed: a new object is stored `approved`,
and an update leaves the review as it was, so that a re-load never approves (or hides) what staff wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.text import Truncator

from legislation.choices import PENDING_STAGES, Stage
from legislation.models import Bill, Jurisdiction
from legislation.services import SeedCounts

from .models import (
    Audience,
    BillLink,
    Effect,
    Measure,
    MeasureStatus,
    Progress,
    ProgressBasis,
    ProgressStatus,
    Recommendation,
    Report,
    Reviewed,
    ReviewStatus,
    TriageCandidate,
    TriageStatus,
)

REPORT_FILE = Path(__file__).resolve().parent / "data" / "report.yaml"
PENDING_NOTE = " [Sub-items pending: the report lists them in the full PDF; they are not yet transcribed.]"


def _clean(text: str) -> str:
    """YAML folded scalars end with a newline; the report's words do not."""
    return " ".join(text.split())


def report_seed(*, path: Path = REPORT_FILE) -> SeedCounts:
    """The report, its audiences and recommendations from the data file (`recommendations_load`). Idempotent."""
    return recommendations_load(path=path).counts


@dataclass
class RecommendationsLoad:
    """What a load did (or, in a dry run, would do): counts, and one line per created or updated row."""

    counts: SeedCounts = field(default_factory=SeedCounts)
    changes: list[str] = field(default_factory=list)
    dry_run: bool = False


class _DryRun(Exception):
    """Raised to roll a dry run back once its changes are known."""


def recommendations_load(
    *, path: Path, dry_run: bool = False, user: AbstractBaseUser | None = None
) -> RecommendationsLoad:
    """Add or update the report, its audiences, recommendations and their sub-items from a file in `report.yaml`'s
    format, matched on slugs and codes (`manage.py seed` and `manage.py load_recommendations`). Idempotent.

    Text is stored exactly as quoted in the file; nothing is added to it. A recommendation's sub-items (the
    report's list items) are its `items`, each with `code`, `text` (verbatim), `page`, `evidence` and `verified`
    (`title` is optional: the start of the text by default). Rows the file does not name are left alone, never
    deleted. `sub_items_pending` is cleared once a recommendation has sub-items (from this file or added in the
    admin). Every write is kept in the history (attributed to `user` when given). A dry run computes everything
    the same way, then rolls back: its `changes` are what a real load would write.
    """
    result = RecommendationsLoad(dry_run=dry_run)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        with transaction.atomic():
            _load_report(data, result, user)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result


def _logged_upsert(
    model: type, *, lookup: dict, values: dict, label: str, result: RecommendationsLoad, user: AbstractBaseUser | None
) -> Any:
    """`upsert`, with a line for the load's report naming what changed, and the writer in the history."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean(validate_constraints=False)
        obj._history_user = user
        obj.save()
        result.counts += SeedCounts(created=1)
        result.changes.append(f"create {label}")
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        result.counts += SeedCounts(unchanged=1)
        return obj
    for name in changed:
        setattr(obj, name, values[name])
    obj._history_user = user
    obj.save(update_fields=changed)
    result.counts += SeedCounts(updated=1)
    result.changes.append(f"update {label}: {', '.join(changed)}")
    return obj


def _item_title(item: dict) -> str:
    """A sub-item's title: the file's, or the start of its verbatim text (never new words)."""
    if item.get("title"):
        return str(item["title"])
    return Truncator(_clean(item["text"])).words(12, truncate="…")[:300]


def _load_report(data: dict, result: RecommendationsLoad, user: AbstractBaseUser | None) -> None:
    meta = data["report"]
    report = _logged_upsert(
        Report,
        lookup={"slug": meta["slug"]},
        values={
            "title": meta["title"],
            "publisher": meta["publisher"],
            "published": meta["published"],
            "pages": meta.get("pages"),
            "url": meta["url"],
            "recommendations_pages": str(meta.get("recommendations_pages", "")),
            "principle": _clean(meta.get("principle", "")),
        },
        label=f"report {meta['slug']}",
        result=result,
        user=user,
    )
    pages = str(meta.get("recommendations_pages", ""))
    for audience_data in data["audiences"]:
        audience = _logged_upsert(
            Audience,
            lookup={"report": report, "slug": audience_data["slug"]},
            values={"name": audience_data["name"], "order": audience_data["order"]},
            label=f"audience {audience_data['slug']}",
            result=result,
            user=user,
        )
        for order, rec in enumerate(audience_data.get("recommendations", []), start=1):
            items = rec.get("items") or []
            # Pending until the list items exist, however they were added (this file or the admin).
            has_items = bool(items) or (
                report.pk is not None
                and Recommendation.objects.filter(parent__report=report, parent__code=rec["code"]).exists()
            )
            recommendation = _logged_upsert(
                Recommendation,
                lookup={"report": report, "code": rec["code"]},
                values={
                    "audience": audience,
                    "parent": None,
                    "title": rec["title"],
                    "text": _clean(rec["text"]),
                    "page": str(rec.get("page", pages)),
                    "evidence_level": rec.get("evidence", "S"),
                    "verified": bool(rec.get("verified", False)),
                    "sub_items_pending": bool(rec.get("sub_items_pending", False)) and not has_items,
                    "order": order,
                },
                label=f"recommendation {rec['code']}",
                result=result,
                user=user,
            )
            for item_order, item in enumerate(items, start=1):
                _logged_upsert(
                    Recommendation,
                    lookup={"report": report, "code": item["code"]},
                    values={
                        "audience": audience,
                        "parent": recommendation,
                        "title": _item_title(item),
                        "text": _clean(item["text"]),
                        "page": str(item.get("page", "")),
                        "evidence_level": item.get("evidence", "S"),
                        "verified": bool(item.get("verified", False)),
                        "sub_items_pending": False,
                        "order": item_order,
                    },
                    label=f"sub-item {item['code']} of {rec['code']}",
                    result=result,
                    user=user,
                )


# --- Review -----------------------------------------------------------------------------------------------------

# Saves that only record a proposal waiting for review carry this history reason (`HISTORY_PROPOSAL`), so that the
# public changefeed can leave them out: nothing public changed.
HISTORY_PROPOSAL = "proposal"


def review_required(user: AbstractBaseUser | None) -> bool:
    """Whether a write by `user` waits for review: every person's write does while REVIEW_REQUIRED is on."""
    return bool(settings.REVIEW_REQUIRED) and user is not None


def submit_for_review(obj: Reviewed, *, user: AbstractBaseUser | None, created: bool) -> None:
    """Set the review fields of an object about to be saved by `user` (not saved here)."""
    if user is None:
        if created:
            obj.review_status = ReviewStatus.APPROVED
        return
    obj.submitted_by, obj.submitted_at = user, timezone.now()
    obj.reviewed_by, obj.reviewed_at, obj.review_note = None, None, ""
    obj.review_status = ReviewStatus.PENDING if review_required(user) else ReviewStatus.APPROVED


REVIEW_DECISIONS = {"approve": ReviewStatus.APPROVED, "reject": ReviewStatus.REJECTED}


@transaction.atomic
def review(*, obj: BillLink | Measure | Progress, user: AbstractBaseUser, decision: str, note: str = "") -> Reviewed:
    """Approve or reject a pending link, measure or progress override (the four-eyes review).

    Needs the model's `review_<model>` permission (Reviewers) and a reviewer who is not the author
    (`submitted_by`): both refused with PermissionDenied. Only a pending object can be reviewed (ValidationError
    otherwise). Approving a progress override makes its proposal the public status; approving a link or a measure
    makes it public and counted. Progress is recomputed where the object bears, and the decision is kept in the
    object's history (who, when, the note).
    """
    if decision not in REVIEW_DECISIONS:
        raise ValidationError({"decision": f"Decide approve or reject, not {decision!r}."})
    if not user.has_perm(f"{obj._meta.app_label}.review_{obj._meta.model_name}"):
        raise PermissionDenied("Reviewing needs the Reviewers' permission.")
    obj = type(obj).objects.select_for_update().get(pk=obj.pk)
    if obj.submitted_by_id is not None and obj.submitted_by_id == user.pk:
        raise PermissionDenied("A change is reviewed by someone other than its author.")
    if obj.review_status != ReviewStatus.PENDING:
        raise ValidationError({"decision": f"Only a pending change can be reviewed; this one is {obj.review_status}."})
    now = timezone.now()
    obj.review_status = REVIEW_DECISIONS[decision]
    obj.reviewed_by, obj.reviewed_at, obj.review_note = user, now, note
    if isinstance(obj, Progress) and decision == "approve":
        obj.status, obj.basis = obj.proposed_status, ProgressBasis.REVIEWED
        obj.reason, obj.evidence_url = obj.proposed_reason, obj.proposed_evidence_url
        obj.updated_by, obj.updated_at = obj.submitted_by, now
    obj.full_clean()
    obj._history_user = user
    obj._change_reason = f"{decision}d: {note}" if note else f"{decision}d"
    obj.save()
    _recompute_after(obj)
    return obj


def _recompute_after(obj: Model) -> None:
    """Progress follows a link or a measure wherever it bears (a progress override decides itself)."""
    if isinstance(obj, BillLink):
        progress_recompute(recommendation=obj.recommendation, jurisdiction=obj.jurisdiction)
    elif isinstance(obj, Measure):
        progress_recompute_for_measure(measure=obj)


# --- Measures ---------------------------------------------------------------------------------------------------

MEASURE_FIELDS = ("kind", "title", "summary", "status", "date", "url", "evidence_url")


@transaction.atomic
def measure_create(*, jurisdiction: Jurisdiction, user: AbstractBaseUser | None = None, **values: object) -> Measure:
    """A measure (validated, pending review when a person writes it); progress follows wherever it is linked."""
    unknown = set(values) - set(MEASURE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown measure fields: {sorted(unknown)}")
    measure = Measure(jurisdiction=jurisdiction, created_by=user, **values)
    submit_for_review(measure, user=user, created=True)
    measure.full_clean()
    measure._history_user = user
    measure.save()
    return measure


@transaction.atomic
def measure_update(*, measure: Measure, user: AbstractBaseUser | None = None, **values: object) -> tuple[Measure, str]:
    """Change a measure's fields; says `update` or `noop`. A person's change waits for review again (the measure
    leaves the public pages and progress until approved); a command's keeps the review as it was."""
    unknown = set(values) - set(MEASURE_FIELDS) - {"jurisdiction"}
    if unknown:
        raise TypeError(f"Unknown measure fields: {sorted(unknown)}")
    changed = [name for name, value in values.items() if getattr(measure, name) != value]
    if not changed:
        return measure, "noop"
    previous_jurisdiction = measure.jurisdiction
    for name in changed:
        setattr(measure, name, values[name])
    measure.updated_at = timezone.now()
    submit_for_review(measure, user=user, created=False)
    measure.full_clean()
    measure._history_user = user
    measure.save()
    progress_recompute_for_measure(measure=measure, also=previous_jurisdiction)
    return measure, "update"


@transaction.atomic
def measure_upsert(
    *, jurisdiction: Jurisdiction, kind: str, title: str, user: AbstractBaseUser | None = None, **values: object
) -> tuple[Measure, str]:
    """A measure by its natural key (jurisdiction, kind, title): created, updated or left as it is
    (`insert` / `update` / `noop`), for data loads."""
    measure = Measure.objects.filter(jurisdiction=jurisdiction, kind=kind, title=title).first()
    if measure is None:
        return measure_create(jurisdiction=jurisdiction, kind=kind, title=title, user=user, **values), "insert"
    return measure_update(measure=measure, user=user, **values)


@transaction.atomic
def measure_delete(*, measure: Measure, user: AbstractBaseUser | None = None) -> None:
    """Delete a measure that no link uses (links protect it); kept in its history."""
    measure._history_user = user
    measure.delete()


def progress_recompute_for_measure(*, measure: Measure, also: Jurisdiction | None = None) -> int:
    """Recompute progress for every recommendation the measure is linked to, in its jurisdiction (and in `also`,
    where it was before a move)."""
    jurisdictions = {measure.jurisdiction_id: measure.jurisdiction}
    if also is not None:
        jurisdictions[also.pk] = also
    count = 0
    for recommendation in Recommendation.objects.filter(links__measure=measure).distinct():
        for jurisdiction in jurisdictions.values():
            progress_recompute(recommendation=recommendation, jurisdiction=jurisdiction)
            count += 1
    return count


# --- Links ------------------------------------------------------------------------------------------------------


def _subject(bill: Bill | None, measure: Measure | None) -> Bill | Measure:
    if (bill is None) == (measure is None):
        raise ValidationError({"non_field_errors": "Link a bill or a measure: exactly one of the two."})
    return bill or measure


@transaction.atomic
def bill_link_create(
    *,
    recommendation: Recommendation,
    bill: Bill | None = None,
    measure: Measure | None = None,
    effect: str,
    rationale: str,
    evidence_url: str = "",
    user: AbstractBaseUser | None = None,
) -> BillLink:
    """Link a bill or a measure (exactly one) to a recommendation (validated; pending review when a person links),
    then recompute progress where the bill or measure is."""
    subject = _subject(bill, measure)
    link = BillLink(
        recommendation=recommendation,
        bill=bill,
        measure=measure,
        effect=effect,
        rationale=rationale,
        evidence_url=evidence_url,
        created_by=user,
    )
    submit_for_review(link, user=user, created=True)
    link.full_clean()
    link._history_user = user  # simple_history attributes the change to this user outside a request
    link.save()
    progress_recompute(recommendation=recommendation, jurisdiction=subject.jurisdiction)
    return link


@transaction.atomic
def bill_link_upsert(
    *,
    recommendation: Recommendation,
    bill: Bill | None = None,
    measure: Measure | None = None,
    effect: str,
    rationale: str,
    evidence_url: str = "",
    user: AbstractBaseUser | None = None,
) -> tuple[BillLink, str]:
    """Create a link, or update the existing one's effect and reasons; says `insert`, `update` or `noop`. A person's
    update waits for review again; a command's keeps the review as it was."""
    subject = _subject(bill, measure)
    lookup = {"bill": bill} if bill is not None else {"measure": measure}
    link = BillLink.objects.filter(recommendation=recommendation, **lookup).first()
    if link is None:
        return bill_link_create(
            recommendation=recommendation,
            bill=bill,
            measure=measure,
            effect=effect,
            rationale=rationale,
            evidence_url=evidence_url,
            user=user,
        ), "insert"
    values = {"effect": effect, "rationale": rationale, "evidence_url": evidence_url}
    changed = [name for name, value in values.items() if getattr(link, name) != value]
    if not changed:
        return link, "noop"
    for name in changed:
        setattr(link, name, values[name])
    submit_for_review(link, user=user, created=False)
    link.full_clean()
    link._history_user = user
    link.save()
    progress_recompute(recommendation=recommendation, jurisdiction=subject.jurisdiction)
    return link, "update"


@transaction.atomic
def bill_link_delete(*, link: BillLink, user: AbstractBaseUser | None = None) -> None:
    """Unlink a bill or measure (kept in the link's history, attributed to the user), then recompute progress."""
    recommendation, jurisdiction = link.recommendation, link.jurisdiction
    link._history_user = user
    link.delete()
    progress_recompute(recommendation=recommendation, jurisdiction=jurisdiction)


# --- Progress ---------------------------------------------------------------------------------------------------

ADVANCING = frozenset({Effect.ADVANCES, Effect.PARTIALLY_ADVANCES})
STOPPED = frozenset({Stage.FAILED, Stage.VETOED, Stage.DIED, Stage.WITHDRAWN})
# A measure counts in the rule as a bill at this stage: adopted or in effect as enacted, proposed as pending,
# rescinded or struck down as failed.
MEASURE_STAGES: dict[str, str] = {
    MeasureStatus.PROPOSED: Stage.INTRODUCED,
    MeasureStatus.ADOPTED: Stage.ENACTED,
    MeasureStatus.IN_EFFECT: Stage.ENACTED,
    MeasureStatus.RESCINDED: Stage.FAILED,
    MeasureStatus.STRUCK_DOWN: Stage.FAILED,
}


def progress_status_from_links(links: Iterable[tuple[str, str, date | None]]) -> str:
    """The progress rule: one status from the (effect, stage, stage_date) of every linked bill and measure in a
    jurisdiction. Only approved links (of approved measures) count. A measure counts as a bill (MEASURE_STAGES): an
    adopted or in-effect measure as an enacted bill (on the measure's date), a proposed one as a pending bill, a
    rescinded or struck-down one as a failed bill.

    In order of precedence:
    1. `regressed`: the most recent enactment among linked bills is a regressing one (an advancing law enacted
       later undoes it, and the status is decided by the rules below);
    2. `at_risk`: a regressing bill is pending, whatever else happened, so threats show as prominently as progress;
    3. `achieved`: an advancing bill was enacted; `partial` when every enacted one only partially advances;
    4. `in_progress`: an advancing bill is pending;
    5. `stalled`: advancing bills were filed but all failed, were vetoed, withdrawn or died;
    6. `no_action`: nothing linked advances or regresses (links marked `related` do not count).
    """
    links = [(effect, stage, date) for effect, stage, date in links if effect != Effect.RELATED]
    enacted = [(date, effect) for effect, stage, date in links if stage == Stage.ENACTED]
    # Undated enactments sort first; on the same date a regression wins, so a loss is never hidden by a tie.
    latest_enacted = max(enacted, key=lambda item: (item[0] or date.min, item[1] == Effect.REGRESSES), default=None)
    if latest_enacted and latest_enacted[1] == Effect.REGRESSES:
        return ProgressStatus.REGRESSED
    if any(effect == Effect.REGRESSES and stage in PENDING_STAGES for effect, stage, _ in links):
        return ProgressStatus.AT_RISK
    enacted_advancing = {effect for _, effect in enacted if effect in ADVANCING}
    if Effect.ADVANCES in enacted_advancing:
        return ProgressStatus.ACHIEVED
    if enacted_advancing:
        return ProgressStatus.PARTIAL
    advancing_stages = [stage for effect, stage, _ in links if effect in ADVANCING]
    if any(stage in PENDING_STAGES for stage in advancing_stages):
        return ProgressStatus.IN_PROGRESS
    if advancing_stages and all(stage in STOPPED for stage in advancing_stages):
        return ProgressStatus.STALLED
    return ProgressStatus.NO_ACTION


def link_facts(*, recommendation: Recommendation, jurisdiction: Jurisdiction) -> list[tuple[str, str, date | None]]:
    """(effect, stage, date) of the public links of one recommendation in one jurisdiction, a measure's status read
    as a stage (MEASURE_STAGES): what the progress rule counts. One query."""
    rows = (
        BillLink.objects.public()
        .in_jurisdiction(jurisdiction)
        .filter(recommendation=recommendation)
        .values_list("effect", "bill__stage", "bill__stage_date", "measure__status", "measure__date")
    )
    return [
        (effect, MEASURE_STAGES[status], measure_date) if status else (effect, stage, stage_date)
        for effect, stage, stage_date, status, measure_date in rows
    ]


@transaction.atomic
def progress_recompute(*, recommendation: Recommendation, jurisdiction: Jurisdiction) -> Progress | None:
    """Apply the progress rule for one recommendation in one jurisdiction.

    A staff-reviewed status stays as reviewed; only its `computed_status` follows the links, so reviewers can see
    when the data has moved away from their decision. Writes nothing (and no history) when nothing changed.
    """
    computed = progress_status_from_links(link_facts(recommendation=recommendation, jurisdiction=jurisdiction))
    progress = Progress.objects.select_for_update().filter(
        recommendation=recommendation, jurisdiction=jurisdiction
    ).first()
    if progress is None:
        if computed == ProgressStatus.NO_ACTION:
            return None
        return Progress.objects.create(
            recommendation=recommendation, jurisdiction=jurisdiction, status=computed, computed_status=computed
        )
    follows_rule = progress.basis == ProgressBasis.COMPUTED
    if progress.computed_status == computed and (not follows_rule or progress.status == computed):
        return progress
    progress.computed_status = computed
    if follows_rule:
        progress.status = computed
    progress.updated_at = timezone.now()
    progress.updated_by = None
    progress.save()
    return progress


def progress_recompute_for_bills(*, bill_ids: Iterable[int]) -> int:
    """Recompute progress wherever the given bills are linked (after an import moved their stage)."""
    pairs = (
        BillLink.objects.filter(bill_id__in=list(bill_ids))
        .order_by()  # the model's ordering would defeat distinct()
        .values_list("recommendation_id", "bill__jurisdiction_id")
        .distinct()
    )
    count = 0
    for recommendation_id, jurisdiction_id in pairs:
        progress_recompute(
            recommendation=Recommendation.objects.get(pk=recommendation_id),
            jurisdiction=Jurisdiction.objects.get(pk=jurisdiction_id),
        )
        count += 1
    return count


@transaction.atomic
def progress_review(
    *,
    recommendation: Recommendation,
    jurisdiction: Jurisdiction,
    status: str,
    reason: str,
    evidence_url: str,
    user: AbstractBaseUser,
) -> Progress:
    """Staff override of a computed status: needs a reason and an evidence URL, and is kept in history.

    Under review (`review_required`) the override is stored as a proposal (`proposed_*`, `review_status: pending`)
    and the public status changes only when another person approves it (`review`); otherwise it applies at once.
    """
    progress, _ = Progress.objects.select_for_update().get_or_create(
        recommendation=recommendation, jurisdiction=jurisdiction
    )
    submit_for_review(progress, user=user, created=False)
    progress.proposed_status, progress.proposed_reason, progress.proposed_evidence_url = status, reason, evidence_url
    if progress.review_status == ReviewStatus.PENDING:
        errors = {
            name: "This field is required."
            for name, value in (("reason", reason), ("evidence_url", evidence_url))
            if not value
        }
        if errors:
            raise ValidationError(errors)
        progress._change_reason = f"{HISTORY_PROPOSAL}: {reason}"
    else:
        progress.status = status
        progress.basis = ProgressBasis.REVIEWED
        progress.reason = reason
        progress.evidence_url = evidence_url
        progress.updated_by = user
        progress.updated_at = timezone.now()
    progress.full_clean()
    progress._history_user = user
    progress.save()
    return progress


# --- Triage -----------------------------------------------------------------------------------------------------

DECISIONS = (TriageStatus.ACCEPTED, TriageStatus.REJECTED)


@transaction.atomic
def triage_decide(
    *,
    candidate: TriageCandidate,
    status: str,
    user: AbstractBaseUser | None = None,
    note: str | None = None,
    effect: str = "",
    rationale: str = "",
    evidence_url: str = "",
) -> tuple[TriageCandidate, BillLink | None]:
    """Decide on a bill that discovery found for a recommendation: `accepted` or `rejected` (discovery never queues
    a rejected bill again). Accepting with an `effect` also links the bill to the recommendation through
    `bill_link_create` (same validation, history and progress recompute), in the same transaction: a link that
    fails validation leaves the candidate as it was. The decision is kept in the candidate's history."""
    if status not in DECISIONS:
        raise ValidationError({"status": f"Decide {' or '.join(DECISIONS)}, not {status!r}."})
    if effect and status != TriageStatus.ACCEPTED:
        raise ValidationError({"effect": "Only an accepted bill is linked."})
    link = None
    if effect:
        link = bill_link_create(
            recommendation=candidate.recommendation,
            bill=candidate.bill,
            effect=effect,
            rationale=rationale,
            evidence_url=evidence_url,
            user=user,
        )
    candidate.status, candidate.decided_by, candidate.decided_at = status, user, timezone.now()
    if note is not None:
        candidate.note = note
    candidate.full_clean()
    candidate._history_user = user
    candidate.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return candidate, link
