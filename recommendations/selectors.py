"""Reads of the recommendations app, shaped for pages and the API."""

from __future__ import annotations

from django.db.models import Prefetch

from .models import Audience, Recommendation, Report


def report_current() -> Report | None:
    """The report the tracker follows (the newest if there are several), with audiences and recommendations."""
    return (
        Report.objects.prefetch_related(
            Prefetch(
                "audiences",
                queryset=Audience.objects.order_by("order").prefetch_related(
                    Prefetch(
                        "recommendations",
                        queryset=Recommendation.objects.top_level().order_by("order").prefetch_related("children"),
                    )
                ),
            )
        )
        .order_by("-published")
        .first()
    )
