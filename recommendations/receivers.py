"""Receivers of other apps' signals (connected in RecommendationsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from legislation.signals import bills_stage_changed

from .services import progress_recompute_for_bills


@receiver(bills_stage_changed, dispatch_uid="recommendations.progress_after_stage_change")
def progress_after_stage_change(sender: object, *, bill_ids: list[int], **kwargs: Any) -> None:
    """An import moved bills' stages: progress follows wherever those bills are linked."""
    progress_recompute_for_bills(bill_ids=bill_ids)
