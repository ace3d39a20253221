"""Writes to the recommendations app: seeding the report, linking bills, computing and reviewing progress."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import yaml
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from legislation.choices import PENDING_STAGES, Stage
from legislation.models import Bill, Jurisdiction
from legislation.services import SeedCounts, upsert

from .models import (
    Audience,
    BillLink,
    Effect,
    Progress,
    ProgressBasis,
    ProgressStatus,
    Recommendation,
    Report,
    TriageCandidate,
    TriageStatus,
)

REPORT_FILE = Path(__file__).resolve().parent / "data" / "report.yaml"
PENDING_NOTE = " [Sub-items pending: the report lists them in the full PDF; they are not yet transcribed.]"


def _clean(text: str) -> str:
    """YAML folded scalars end with a newline; the report's words do not."""
    return " ".join(text.split())


@transaction.atomic
def report_seed(*, path: Path = REPORT_FILE) -> SeedCounts:
    """The report, its audiences and recommendations from the data file, matched on slugs and codes. Idempotent.

    Text is stored exactly as quoted in the file; nothing is added to it. Recommendations whose sub-items are not
    transcribed carry `sub_items_pending`, and the pages say so.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    meta = data["report"]
    report, counts = upsert(
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
    )
    for audience_data in data["audiences"]:
        audience, result = upsert(
            Audience,
            lookup={"report": report, "slug": audience_data["slug"]},
            values={"name": audience_data["name"], "order": audience_data["order"]},
        )
        counts += result
        for order, rec in enumerate(audience_data["recommendations"], start=1):
            _, result = upsert(
                Recommendation,
                lookup={"report": report, "code": rec["code"]},
                values={
                    "audience": audience,
                    "title": rec["title"],
                    "text": _clean(rec["text"]),
                    "page": str(meta.get("recommendations_pages", "")),
                    "evidence_level": rec.get("evidence", "S"),
                    "verified": bool(rec.get("verified", False)),
                    "sub_items_pending": bool(rec.get("sub_items_pending", False)),
                    "order": order,
                },
            )
            counts += result
    return counts


# --- Links ------------------------------------------------------------------------------------------------------


@transaction.atomic
def bill_link_create(
    *,
    recommendation: Recommendation,
    bill: Bill,
    effect: str,
    rationale: str,
    evidence_url: str = "",
    user: AbstractBaseUser | None = None,
) -> BillLink:
    """Link a bill to a recommendation (validated), then recompute progress where the bill is."""
    link = BillLink(
        recommendation=recommendation,
        bill=bill,
        effect=effect,
        rationale=rationale,
        evidence_url=evidence_url,
        created_by=user,
    )
    link.full_clean()
    link._history_user = user  # simple_history attributes the change to this user outside a request
    link.save()
    progress_recompute(recommendation=recommendation, jurisdiction=bill.jurisdiction)
    return link


@transaction.atomic
def bill_link_upsert(
    *,
    recommendation: Recommendation,
    bill: Bill,
    effect: str,
    rationale: str,
    evidence_url: str = "",
    user: AbstractBaseUser | None = None,
) -> tuple[BillLink, str]:
    """Create a link, or update the existing one's effect and reasons; says `insert`, `update` or `noop`."""
    link = BillLink.objects.filter(recommendation=recommendation, bill=bill).first()
    if link is None:
        return bill_link_create(
            recommendation=recommendation,
            bill=bill,
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
    link.full_clean()
    link._history_user = user
    link.save(update_fields=changed)
    progress_recompute(recommendation=recommendation, jurisdiction=bill.jurisdiction)
    return link, "update"


@transaction.atomic
def bill_link_delete(*, link: BillLink, user: AbstractBaseUser | None = None) -> None:
    """Unlink a bill (kept in the link's history, attributed to the user), then recompute progress where it is."""
    recommendation, jurisdiction = link.recommendation, link.bill.jurisdiction
    link._history_user = user
    link.delete()
    progress_recompute(recommendation=recommendation, jurisdiction=jurisdiction)


# --- Progress ---------------------------------------------------------------------------------------------------

ADVANCING = frozenset({Effect.ADVANCES, Effect.PARTIALLY_ADVANCES})
STOPPED = frozenset({Stage.FAILED, Stage.VETOED, Stage.DIED, Stage.WITHDRAWN})


def progress_status_from_links(links: Iterable[tuple[str, str, date | None]]) -> str:
    """The progress rule: one status from the (effect, stage, stage_date) of every linked bill in a jurisdiction.

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


@transaction.atomic
def progress_recompute(*, recommendation: Recommendation, jurisdiction: Jurisdiction) -> Progress | None:
    """Apply the progress rule for one recommendation in one jurisdiction.

    A staff-reviewed status stays as reviewed; only its `computed_status` follows the links, so reviewers can see
    when the data has moved away from their decision. Writes nothing (and no history) when nothing changed.
    """
    links = BillLink.objects.filter(recommendation=recommendation, bill__jurisdiction=jurisdiction).values_list(
        "effect", "bill__stage", "bill__stage_date"
    )
    computed = progress_status_from_links(links)
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
    """Staff override of a computed status: needs a reason and an evidence URL, and is kept in history."""
    progress, _ = Progress.objects.select_for_update().get_or_create(
        recommendation=recommendation, jurisdiction=jurisdiction
    )
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
