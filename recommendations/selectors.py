"""Reads of the recommendations app, shaped for pages and the API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from legislation.models import StageChange

from .models import Audience, BillLink, Progress, Recommendation, Report, TriageCandidate


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


# --- The API's reads --------------------------------------------------------------------------------------------


def recommendation_list(*, detail: bool = False) -> QuerySet[Recommendation]:
    """Recommendations with their link count and progress rows (for the summary), in a fixed number of queries;
    `detail` adds each link with its bill and each jurisdiction's progress."""
    links_count = (
        BillLink.objects.filter(recommendation=OuterRef("pk"))
        .order_by()
        .values("recommendation")
        .annotate(count=Count("id"))
        .values("count")
    )
    queryset = Recommendation.objects.for_display().annotate(
        links_count=Coalesce(Subquery(links_count, output_field=IntegerField()), 0)
    )
    progress = Progress.objects.select_related("jurisdiction").order_by("jurisdiction__code")
    queryset = queryset.prefetch_related(Prefetch("progress", queryset=progress))
    if detail:
        links = BillLink.objects.select_related("bill__jurisdiction", "bill__session").order_by(
            "bill__jurisdiction__code", "bill__session__identifier", "bill__identifier"
        )
        queryset = queryset.prefetch_related(Prefetch("links", queryset=links))
    return queryset


def jurisdiction_progress(*, detail: bool = False) -> Prefetch:
    """The progress rows of each jurisdiction, for its summary (and, in `detail`, per recommendation)."""
    queryset = Progress.objects.order_by("recommendation__audience__order", "recommendation__order")
    return Prefetch("progress", queryset=queryset.select_related("recommendation") if detail else queryset)


def bill_link_list() -> QuerySet[BillLink]:
    return BillLink.objects.for_list().order_by("recommendation__audience__order", "recommendation__order", "bill_id")


def triage_list() -> QuerySet[TriageCandidate]:
    """The triage queue, pending first, newest first; each candidate with the id of its link, if the bill has one."""
    link = BillLink.objects.filter(recommendation=OuterRef("recommendation"), bill=OuterRef("bill")).values("id")
    return (
        TriageCandidate.objects.for_list()
        .select_related("decided_by")
        .annotate(link_id=Subquery(link[:1]))
        .order_by("status", "-first_seen_at", "-id")
    )


def progress_list() -> QuerySet[Progress]:
    return Progress.objects.select_related("recommendation", "jurisdiction").order_by(
        "recommendation__audience__order", "recommendation__order", "jurisdiction__code"
    )


# --- The changefeed ---------------------------------------------------------------------------------------------

CHANGE_KINDS = ("progress", "stage")  # in feed order when two changes share a time


@dataclass(frozen=True, slots=True)
class ChangePosition:
    """A place in the feed: changes are ordered by (time, kind, id)."""

    at: datetime
    kind: str
    id: int


def _after(kind: str, position: ChangePosition | None, time_field: str, id_field: str) -> Q:
    if position is None:
        return Q()
    if kind > position.kind:
        return Q(**{f"{time_field}__gte": position.at})
    if kind < position.kind:
        return Q(**{f"{time_field}__gt": position.at})
    return Q(**{f"{time_field}__gt": position.at}) | Q(**{time_field: position.at, f"{id_field}__gt": position.id})


def change_list(
    *,
    after: ChangePosition | None = None,
    since: datetime | None = None,
    kinds: Iterable[str] = CHANGE_KINDS,
    jurisdictions: Iterable[str] = (),
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Stage changes of bills and changes of progress, oldest first, after a position or since a time.

    Each kind is read with its own indexed, limited query and the two are merged, so a page costs two queries
    however long the feed is. Rows are flat dicts with every field of both kinds (None where it does not apply).
    """
    kinds, jurisdictions = set(kinds), list(jurisdictions)
    rows: list[dict[str, Any]] = []
    if "stage" in kinds:
        stage_changes = StageChange.objects.filter(_after("stage", after, "seen_at", "id"))
        if since:
            stage_changes = stage_changes.filter(seen_at__gte=since)
        if jurisdictions:
            stage_changes = stage_changes.filter(bill__jurisdiction__code__in=jurisdictions)
        for row in stage_changes.order_by("seen_at", "id").values(
            "id",
            "seen_at",
            "bill_id",
            "bill__jurisdiction__code",
            "bill__session__identifier",
            "bill__identifier",
            "from_stage",
            "to_stage",
            "date",
            "source",
        )[:limit]:
            rows.append(
                _change_row(
                    kind="stage",
                    pk=row["id"],
                    at=row["seen_at"],
                    jurisdiction=row["bill__jurisdiction__code"],
                    bill=row["bill_id"],
                    session=row["bill__session__identifier"],
                    identifier=row["bill__identifier"],
                    from_stage=row["from_stage"],
                    to_stage=row["to_stage"],
                    stage_date=row["date"],
                    source=row["source"],
                )
            )
    if "progress" in kinds:
        history = Progress.history.model
        previous = history.objects.filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id")),
            id=OuterRef("id"),
        ).order_by("-history_date", "-history_id")
        progress_changes = history.objects.filter(_after("progress", after, "history_date", "history_id"))
        if since:
            progress_changes = progress_changes.filter(history_date__gte=since)
        if jurisdictions:
            progress_changes = progress_changes.filter(jurisdiction__code__in=jurisdictions)
        for row in (
            progress_changes.annotate(from_status=Subquery(previous.values("status")[:1]))
            .order_by("history_date", "history_id")
            .values(
                "history_id",
                "history_date",
                "jurisdiction__code",
                "recommendation_id",
                "recommendation__code",
                "from_status",
                "status",
                "basis",
                "reason",
                "evidence_url",
            )[:limit]
        ):
            rows.append(
                _change_row(
                    kind="progress",
                    pk=row["history_id"],
                    at=row["history_date"],
                    jurisdiction=row["jurisdiction__code"],
                    recommendation=row["recommendation_id"],
                    recommendation_code=row["recommendation__code"],
                    from_status=row["from_status"],
                    to_status=row["status"],
                    basis=row["basis"],
                    reason=row["reason"],
                    evidence_url=row["evidence_url"],
                )
            )
    rows.sort(key=lambda row: (row["at"], row["kind"], row["pk"]))
    return rows[:limit]


CHANGE_FIELDS = (
    "jurisdiction",
    "bill",
    "session",
    "identifier",
    "from_stage",
    "to_stage",
    "stage_date",
    "source",
    "recommendation",
    "recommendation_code",
    "from_status",
    "to_status",
    "basis",
    "reason",
    "evidence_url",
)


def _change_row(*, kind: str, pk: int, at: datetime, **values: Any) -> dict[str, Any]:
    return {"id": f"{kind}-{pk}", "kind": kind, "pk": pk, "at": at, **dict.fromkeys(CHANGE_FIELDS), **values}
