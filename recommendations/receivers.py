"""Receivers of other apps' signals (connected in RecommendationsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Subquery
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.text import Truncator
from simple_history.signals import pre_create_historical_record

from legislation.signals import bills_stage_changed

from .services import progress_recompute_for_bills


@receiver(bills_stage_changed, dispatch_uid="recommendations.progress_after_stage_change")
def progress_after_stage_change(sender: object, *, bill_ids: list[int], **kwargs: Any) -> None:
    """An import moved bills' stages: progress follows wherever those bills are linked."""
    progress_recompute_for_bills(bill_ids=bill_ids)


# Why a staff write was made, for its history row: the object's own reason (a link's rationale, a progress review's
# reason, a triage note) unless the writer gave one (`instance._change_reason`, simple-history's own hook).
WHY_FIELDS = ("proposed_reason", "reason", "rationale", "review_note", "note")
HISTORY_VERBS = {"+": "created", "~": "changed", "-": "deleted"}


@receiver(pre_create_historical_record, dispatch_uid="recommendations.history_change_reason")
def history_change_reason(sender: type, *, instance: Any, history_instance: Any, **kwargs: Any) -> None:
    if history_instance.history_change_reason:
        return
    if getattr(instance, "basis", "") == "computed":
        why = "computed from the links by the progress rule"
    else:
        why = next((text for name in WHY_FIELDS if (text := getattr(instance, name, "") or "")), "")
    verb = HISTORY_VERBS.get(history_instance.history_type, "changed")
    limit = history_instance._meta.get_field("history_change_reason").max_length
    history_instance.history_change_reason = Truncator(f"{verb}: {why}" if why else verb).chars(limit or 100)


# --- The links' copy of their recommendation's place in the report (BillLink.position) ---------------------------


def links_position_refresh(links: Any) -> int:
    """Set `position` on these links from their recommendations (after the report's order changed)."""
    from .models import Recommendation

    position = Recommendation.objects.with_position().filter(pk=OuterRef("recommendation_id")).values("position")
    return links.update(position=Subquery(position[:1]))


@receiver(post_save, sender="recommendations.Recommendation", dispatch_uid="recommendations.links_position_rec")
def links_position_after_recommendation(sender: type, *, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created:  # a new recommendation has no links yet
        links_position_refresh(instance.links.all())


@receiver(post_save, sender="recommendations.Audience", dispatch_uid="recommendations.links_position_audience")
def links_position_after_audience(sender: type, *, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created:
        from .models import BillLink

        links_position_refresh(BillLink.objects.filter(recommendation__audience=instance))
