"""Reads of the recommendations app, shaped for pages and the API."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from legislation.choices import Stage
from legislation.models import Bill, Jurisdiction, LegislativeSession, StageChange
from tracker.db import fetch_query, fetch_shaped
from tracker.paging import total_of

from .models import (
    Audience,
    BillLink,
    Effect,
    Measure,
    Progress,
    ProgressStatus,
    Recommendation,
    Report,
    ReviewStatus,
    TriageCandidate,
)
from .services import HISTORY_PROPOSAL


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
    """Recommendations with their link count, in a fixed number of queries; `detail` adds each link with its bill
    and each jurisdiction's progress (a list's summaries come from `progress_counts`)."""
    links_count = (
        BillLink.objects.public()
        .filter(recommendation=OuterRef("pk"))
        .order_by()
        .values("recommendation")
        .annotate(count=Count("id"))
        .values("count")
    )
    queryset = Recommendation.objects.for_display().annotate(
        links_count=Coalesce(Subquery(links_count, output_field=IntegerField()), 0)
    )
    if detail:
        progress = Progress.objects.select_related("jurisdiction").order_by("jurisdiction__code")
        queryset = queryset.prefetch_related(Prefetch("progress", queryset=progress))
        links = (
            BillLink.objects.public()
            .select_related("bill__jurisdiction", "bill__session", "measure__jurisdiction")
            .order_by("bill__jurisdiction__code", "bill__session__identifier", "bill__identifier", "measure_id")
        )
        queryset = queryset.prefetch_related(Prefetch("links", queryset=links))
    return queryset


def jurisdiction_progress() -> Prefetch:
    """The progress rows of a jurisdiction, per recommendation in the report's order (its detail)."""
    queryset = Progress.objects.order_by("recommendation__audience__order", "recommendation__order")
    return Prefetch("progress", queryset=queryset.select_related("recommendation"))


def progress_counts(*, by: str) -> dict[int, dict[str, int]]:
    """How many progress rows have each status, per recommendation (`by="recommendation"`) or per jurisdiction
    (`by="jurisdiction"`): one grouped query of at most (rows x statuses), where a list's summaries used to load
    every progress row as a model (400 rows and their jurisdictions for the recommendations list: most of its
    time)."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = Progress.objects.order_by().values_list(f"{by}_id", "status").annotate(count=Count("id"))
    for key, status, count in fetch_query(rows):
        counts[key][status] = count
    return counts


# The people of a review, shown by username in the API.
REVIEWERS = ("submitted_by", "reviewed_by")


def bill_link_list(*, public: bool = True) -> QuerySet[BillLink]:
    """Links of bills and measures in the report's order; `public` keeps the approved ones (staff see all)."""
    links = BillLink.objects.public() if public else BillLink.objects.all()
    return (
        links.for_list()
        .select_related(*REVIEWERS)
        # The report's order (audience, then recommendation) as the links keep it: an index serves this order.
        .order_by("position", "bill_id", "measure_id", "id")
    )


def measure_list(*, public: bool = True, detail: bool = False) -> QuerySet[Measure]:
    """Measures, newest first by date; `public` keeps the approved ones (staff see all); `detail` adds their links
    (public ones only when `public`) with their recommendations."""
    measures = Measure.objects.public() if public else Measure.objects.all()
    measures = measures.for_list().select_related(*REVIEWERS)
    measures = measures.order_by("jurisdiction__code", F("date").desc(nulls_last=True), "id")
    if detail:
        links = BillLink.objects.public() if public else BillLink.objects.all()
        measures = measures.prefetch_related(
            Prefetch(
                "links",
                queryset=links.select_related("recommendation", *REVIEWERS).order_by("recommendation__code", "id"),
            )
        )
    return measures


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One change waiting for review: `kind` (`link`, `measure` or `progress`), the object, its author and when it
    was submitted."""

    kind: str
    obj: BillLink | Measure | Progress
    submitted_by: Any
    submitted_at: datetime | None


def review_queue() -> list[ReviewItem]:
    """Everything waiting for review, oldest first: links (with their recommendation, bill or measure), measures
    (with their jurisdiction) and progress overrides (with their recommendation and jurisdiction). Three
    queries."""
    sets = (
        ("link", BillLink.objects.pending_review().for_list().select_related("submitted_by")),
        ("measure", Measure.objects.pending_review().for_list().select_related("submitted_by")),
        (
            "progress",
            Progress.objects.pending_review().select_related("recommendation", "jurisdiction", "submitted_by"),
        ),
    )
    items = [ReviewItem(kind, obj, obj.submitted_by, obj.submitted_at) for kind, queryset in sets for obj in queryset]
    return sorted(items, key=lambda item: (item.submitted_at is None, item.submitted_at or timezone.now(), item.kind))


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
    return Progress.objects.select_related("recommendation", "jurisdiction", *REVIEWERS).order_by(
        "recommendation__audience__order", "recommendation__order", "jurisdiction__code"
    )


# --- Dashboards: where the recommendations stand, by jurisdiction and over time ---------------------------------

# Statuses in bars, legends and tables: from done to undone, then nothing.
STATUS_ORDER: tuple[str, ...] = (
    ProgressStatus.ACHIEVED,
    ProgressStatus.PARTIAL,
    ProgressStatus.IN_PROGRESS,
    ProgressStatus.STALLED,
    ProgressStatus.AT_RISK,
    ProgressStatus.REGRESSED,
    ProgressStatus.NO_ACTION,
)
# The overall map shows each jurisdiction by its most pressing status, in this precedence: losses and threats
# first (the tracker shows them as prominently as progress), then what was won, then what is still moving.
PRESSING_ORDER: tuple[str, ...] = (
    ProgressStatus.REGRESSED,
    ProgressStatus.AT_RISK,
    ProgressStatus.ACHIEVED,
    ProgressStatus.PARTIAL,
    ProgressStatus.IN_PROGRESS,
    ProgressStatus.STALLED,
    ProgressStatus.NO_ACTION,
)
THREATS = frozenset({ProgressStatus.REGRESSED, ProgressStatus.AT_RISK})


@dataclass(frozen=True, slots=True)
class StatusCount:
    """How many places (or recommendations) have a status; `start` is the sum of the counts before it in
    STATUS_ORDER, so that a stacked bar draws each segment from `start` to `start + count`."""

    status: str
    label: str
    count: int
    start: int


def status_counts(statuses: Iterable[str], *, total: int) -> list[StatusCount]:
    """How many of `total` places have each status, in STATUS_ORDER; places without a status are `no_action`."""
    counter = Counter(status for status in statuses if status != ProgressStatus.NO_ACTION)
    counter[ProgressStatus.NO_ACTION] = max(total - sum(counter.values()), 0)
    counts, start = [], 0
    for status in STATUS_ORDER:
        counts.append(StatusCount(status, ProgressStatus(status).label, counter[status], start))
        start += counter[status]
    return counts


def most_pressing(counts: Iterable[StatusCount]) -> str:
    """The first status in PRESSING_ORDER that has a count."""
    present = {item.status for item in counts if item.count}
    return next((status for status in PRESSING_ORDER if status in present), ProgressStatus.NO_ACTION)


def recommendation_list_current() -> list[Recommendation]:
    """The current report's recommendations and their sub-items, in the report's order (each sub-item after its
    recommendation), with audience and parent. One query."""
    current = Report.objects.order_by("-published").values("pk")[:1]
    recommendations = list(
        Recommendation.objects.filter(report=Subquery(current)).select_related("audience", "parent", "report")
    )

    def position(recommendation: Recommendation) -> tuple[int, int, bool, int]:
        top = recommendation.parent or recommendation
        return (recommendation.audience.order, top.order, recommendation.parent_id is not None, recommendation.order)

    return sorted(recommendations, key=position)


def recommendation_get(*, code: str) -> Recommendation | None:
    """A recommendation (or sub-item) by its code, in the newest report that has it, with what its page shows."""
    return (
        Recommendation.objects.select_related("audience", "report", "parent")
        .prefetch_related(Prefetch("children", queryset=Recommendation.objects.order_by("order")))
        .filter(code=code)
        .order_by("-report__published")
        .first()
    )


@dataclass(frozen=True, slots=True)
class ProgressGrid:
    """Where some recommendations stand in every legislature (states, DC, territories, Congress). A pair without a
    Progress row has no action."""

    jurisdictions: list[Jurisdiction]
    cells: dict[tuple[int, int], Progress]

    def get(self, recommendation_id: int, jurisdiction_id: int) -> Progress | None:
        return self.cells.get((recommendation_id, jurisdiction_id))

    def status(self, recommendation_id: int, jurisdiction_id: int) -> str:
        progress = self.get(recommendation_id, jurisdiction_id)
        return progress.status if progress else ProgressStatus.NO_ACTION

    def recommendation_counts(self, recommendation_id: int) -> list[StatusCount]:
        """Jurisdictions per status for one recommendation, nationwide."""
        statuses = [progress.status for (rec_id, _), progress in self.cells.items() if rec_id == recommendation_id]
        return status_counts(statuses, total=len(self.jurisdictions))

    def jurisdiction_counts(self, jurisdiction_id: int, *, recommendations: int) -> list[StatusCount]:
        """Recommendations per status in one jurisdiction, out of `recommendations`."""
        statuses = [progress.status for (_, j_id), progress in self.cells.items() if j_id == jurisdiction_id]
        return status_counts(statuses, total=recommendations)


def progress_grid(*, recommendations: Iterable[Recommendation]) -> ProgressGrid:
    """The status of these recommendations in every legislature, the legislatures by name. Two queries."""
    jurisdictions = list(Jurisdiction.objects.legislatures().order_by("name"))
    rows = Progress.objects.filter(
        recommendation_id__in=[recommendation.pk for recommendation in recommendations],
        jurisdiction_id__in=[jurisdiction.pk for jurisdiction in jurisdictions],
    )
    return ProgressGrid(jurisdictions, {(row.recommendation_id, row.jurisdiction_id): row for row in rows})


@dataclass(frozen=True, slots=True)
class MonthStanding:
    month: date  # its first day
    counts: list[StatusCount]


def progress_by_month(
    *, recommendation: Recommendation, jurisdictions: Sequence[Jurisdiction], today: date | None = None
) -> list[MonthStanding]:
    """How many of `jurisdictions` had each status for `recommendation` at the end of each month, from the month of
    its first recorded progress to this month, from the progress history (a deleted row counts as no action).
    One query."""
    rows = list(
        Progress.history.filter(
            recommendation_id=recommendation.pk,
            jurisdiction_id__in=[jurisdiction.pk for jurisdiction in jurisdictions],
        )
        .order_by("history_date", "history_id")
        .values_list("id", "history_date", "history_type", "status")
    )
    if not rows:
        return []
    today = today or timezone.localdate()
    month = timezone.localtime(rows[0][1]).date().replace(day=1)
    statuses: dict[int, str] = {}
    standings, index = [], 0
    while month <= today:
        following = (month + timedelta(days=32)).replace(day=1)
        end = timezone.make_aware(datetime.combine(following, time.min))
        while index < len(rows) and rows[index][1] < end:
            pk, _, history_type, status = rows[index]
            if history_type == "-":
                statuses.pop(pk, None)
            else:
                statuses[pk] = status
            index += 1
        standings.append(MonthStanding(month, status_counts(statuses.values(), total=len(jurisdictions))))
        month = following
    return standings


def recommendation_links(*, recommendation: Recommendation) -> QuerySet[BillLink]:
    """The links of one recommendation with their bills, most recent action first (filter it with BillLinkFilter)."""
    return (
        BillLink.objects.public()
        .for_list()
        .filter(recommendation=recommendation, bill__isnull=False)
        .order_by(F("bill__latest_action_date").desc(nulls_last=True), "bill__jurisdiction__code", "bill_id")
    )


@dataclass(frozen=True, slots=True)
class LinkPage:
    """One page of a table of linked bills: its rows (plain dicts of LINK_ROW_FIELDS) and the links in all pages."""

    rows: list[dict[str, Any]]
    total: int


LINK_ROW_FIELDS = (
    "id",
    "effect",
    "rationale",
    "bill__identifier",
    "bill__title",
    "bill__popular_title",
    "bill__stage",
    "bill__furthest_stage",
    "bill__latest_action_date",
    "bill__latest_action_description",
    "bill__jurisdiction__code",
    "bill__jurisdiction__name",
    "bill__session__identifier",
    "bill__session__name",
)


def link_page(*, links: QuerySet[BillLink], number: int, size: int) -> LinkPage:
    """Page `number` (from 1) of `links` (`recommendation_links`, filtered) in their order, `size` rows of the
    fields a table of bills shows, with how many links all pages hold (`tracker.paging.page_with_total`: one
    query, its total a scalar subquery counted once, not a window over every matching link; a count besides only
    for a page past the last one)."""
    start = (number - 1) * size
    counted = links.order_by().annotate(total=Func("id", function="COUNT")).values("total")
    rows = list(links.values(*LINK_ROW_FIELDS, total=Subquery(counted))[start : start + size])
    total = rows[0]["total"] if rows else total_of(rows, matching=links, start=start, size=size)
    for row in rows:
        del row["total"]
    return LinkPage(rows, total)


def link_filter_options(*, recommendation: Recommendation) -> dict[str, list[tuple[str, str]]]:
    """The values the filters of a recommendation's bills can take, as (value, label): the jurisdictions,
    sessions, stages and effects of its linked bills. One query (of their distinct combinations)."""
    rows = (
        BillLink.objects.public()
        .filter(recommendation=recommendation, bill__isnull=False)
        .order_by()
        .values_list(
            "bill__jurisdiction__code",
            "bill__jurisdiction__name",
            "bill__session__identifier",
            "bill__session__name",
            "bill__stage",
            "effect",
        )
        .distinct()
    )
    jurisdictions, sessions, stages, effects = {}, {}, set(), set()
    for code, name, session, session_name, stage, effect in rows:
        jurisdictions[code] = name
        sessions.setdefault(session, set()).add(f"{code.upper()} {session_name or session}")
        stages.add(stage)
        effects.add(effect)
    return {
        "jurisdiction": sorted(jurisdictions.items(), key=lambda item: item[1]),
        "session": sorted(
            ((session, f"{session} ({', '.join(sorted(names))})") for session, names in sessions.items()),
            reverse=True,
        ),
        "stage": [(stage.value, stage.label) for stage in Stage if stage in stages],
        "effect": [(effect.value, effect.label) for effect in Effect if effect in effects],
    }


def progress_for_jurisdiction(*, jurisdiction: Jurisdiction) -> dict[int, Progress]:
    """The progress rows of one jurisdiction by recommendation id. One query."""
    return {row.recommendation_id: row for row in Progress.objects.filter(jurisdiction=jurisdiction).order_by()}


@dataclass(frozen=True, slots=True)
class JurisdictionLinks:
    """The links of the bills of one jurisdiction, by recommendation id: `links` (at most the number asked for
    each, or all) and `totals` (how many there are in all)."""

    links: dict[int, list[BillLink]]
    totals: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def jurisdiction_links(*, jurisdiction: Jurisdiction, per_recommendation: int | None = None) -> JurisdictionLinks:
    """The links of the bills of one jurisdiction, for each recommendation the bills linked as regressing first,
    then the most recently active, at most `per_recommendation` of them (None: all), with how many there are.
    One query (a window ranks and counts each recommendation's links); no child rows of the bills."""
    order = [
        Case(When(effect=Effect.REGRESSES, then=Value(0)), default=Value(1)).asc(),
        F("bill__latest_action_date").desc(nulls_last=True),
        F("bill_id").asc(),
    ]
    queryset = (
        BillLink.objects.public()
        .for_list()
        .filter(bill__jurisdiction=jurisdiction)
        .annotate(
            rank=Window(RowNumber(), partition_by=F("recommendation_id"), order_by=order),
            total=Window(Count("id"), partition_by=F("recommendation_id")),
        )
        .order_by("recommendation_id", "rank")
    )
    if per_recommendation is not None:
        queryset = queryset.filter(rank__lte=per_recommendation)
    links: dict[int, list[BillLink]] = {}
    totals: dict[int, int] = {}
    for link in queryset:
        links.setdefault(link.recommendation_id, []).append(link)
        totals[link.recommendation_id] = link.total
    return JurisdictionLinks(links, totals)


def jurisdiction_sessions(*, jurisdiction: Jurisdiction) -> list[tuple[LegislativeSession, bool]]:
    """The jurisdiction's sessions, newest first, each with whether it is over (`LegislativeSession.is_over`,
    judged against its siblings loaded once). One query."""
    sessions = list(LegislativeSession.objects.filter(jurisdiction=jurisdiction))
    return [(session, session.is_over(siblings=sessions)) for session in sessions]


def change_list_latest(
    *, jurisdictions: Iterable[str | Jurisdiction] = (), limit: int = 10, threats_first: bool = True
) -> list[dict[str, Any]]:
    """The latest changes (newest first, `change_list_recent`), threats first unless `threats_first` is false: each
    row says `threat` when it is a progress change to regressed or at risk, or a stage change of a bill linked as
    regressing. Three queries."""
    rows = change_list_recent(jurisdictions=jurisdictions, limit=limit).rows
    return change_rows_threats_first(rows) if threats_first else change_rows_mark_threats(rows)


def change_rows_mark_threats(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Set `threat` on each changefeed row: a progress change to regressed or at risk, or a stage change of a bill
    linked as regressing, or a change of a measure linked as regressing. One query."""
    bill_ids = {row["bill"] for row in rows if row["kind"] == "stage"}
    measure_ids = {row["measure"] for row in rows if row["kind"] == "measure"}
    regressing = BillLink.objects.public().filter(
        Q(bill_id__in=bill_ids) | Q(measure_id__in=measure_ids), effect=Effect.REGRESSES
    )
    bills, measures = set(), set()
    for bill_id, measure_id in regressing.order_by().values_list("bill_id", "measure_id"):
        bills.add(bill_id)
        measures.add(measure_id)
    for row in rows:
        row["threat"] = (
            row["to_status"] in THREATS
            or (row["kind"] == "stage" and row["bill"] in bills)
            or (row["kind"] == "measure" and row["measure"] in measures)
        )
    return rows


def change_rows_threats_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with `threat` set (`change_rows_mark_threats`), setbacks first, each group in its former order:
    the order of the home page and of alerts."""
    return sorted(change_rows_mark_threats(rows), key=lambda row: not row["threat"])


# --- The changefeed ---------------------------------------------------------------------------------------------

CHANGE_KINDS = ("measure", "progress", "stage")  # in feed order when two changes share a time


@dataclass(frozen=True, slots=True)
class ChangePosition:
    """A place in the feed: changes are ordered by (time, kind, id)."""

    at: datetime
    kind: str
    id: int


def _beyond(
    kind: str, position: ChangePosition | None, time_field: str, id_field: str, *, backwards: bool = False
) -> Q:
    """Changes of `kind` that come after `position` in feed order (time, kind, id), or before it (`backwards`, for
    reading the feed newest first)."""
    if position is None:
        return Q()
    strict, inclusive = ("lt", "lte") if backwards else ("gt", "gte")
    if kind != position.kind:
        # At the position's very time, a kind that sorts beyond the position's kind is beyond it too.
        beyond_at_same_time = kind < position.kind if backwards else kind > position.kind
        return Q(**{f"{time_field}__{inclusive if beyond_at_same_time else strict}": position.at})
    return Q(**{f"{time_field}__{strict}": position.at}) | Q(
        **{time_field: position.at, f"{id_field}__{strict}": position.id}
    )


def change_list(
    *,
    after: ChangePosition | None = None,
    since: datetime | None = None,
    kinds: Iterable[str] = CHANGE_KINDS,
    jurisdictions: Iterable[str | Jurisdiction] = (),
    recommendation: str | None = None,
    bill: int | None = None,
    measure: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Stage changes of bills and changes of progress, oldest first, after a position or since a time (the API's
    changefeed). `recommendation`, `bill` and `measure` narrow it as in `change_list_recent` (a webhook that names
    its targets).

    Each kind is read with its own indexed, limited query and the two are merged (`_change_rows`), so a page costs
    two queries however long the feed is (three with jurisdiction codes). Rows are flat dicts with every field of
    both kinds (None where it does not apply).
    """
    rows = _change_rows(
        position=after,
        newest_first=False,
        since=since,
        kinds=kinds,
        jurisdictions=jurisdictions,
        recommendation=recommendation,
        bill=bill,
        measure=measure,
        limit=limit,
    )
    return rows[:limit]


@dataclass(frozen=True, slots=True)
class ChangePage:
    """A page of the changefeed, newest first; `older` is where the next (older) page starts, None on the last."""

    rows: list[dict[str, Any]]
    older: ChangePosition | None


def change_list_recent(
    *,
    before: ChangePosition | None = None,
    since: datetime | None = None,
    kinds: Iterable[str] = CHANGE_KINDS,
    jurisdictions: Iterable[str | Jurisdiction] = (),
    recommendation: str | None = None,
    bill: int | None = None,
    measure: int | None = None,
    limit: int = 50,
) -> ChangePage:
    """The changefeed of `change_list`, newest first, for pages and Atom feeds: read back from `before` (a row's
    position, for the next page) down to `since`.

    `recommendation` (a code) keeps its progress changes and the stage changes of the bills linked to it; `bill`
    (an id) the stage changes of that bill, `measure` (an id) the changes of that measure (alerts on one). Rows
    have the fields of `change_list` and, for writing them out in words, `jurisdiction_name`, `bill_title` and
    `recommendation_title`. Two queries (one per kind, each limited) whatever the length of the feed, three with
    jurisdiction codes.
    """
    rows = _change_rows(
        position=before,
        newest_first=True,
        since=since,
        kinds=kinds,
        jurisdictions=jurisdictions,
        recommendation=recommendation,
        bill=bill,
        measure=measure,
        limit=limit + 1,
    )
    older = None
    if len(rows) > limit:
        last = rows[limit - 1]
        older = ChangePosition(at=last["at"], kind=last["kind"], id=last["pk"])
    return ChangePage(rows=rows[:limit], older=older)


def _change_rows(
    *,
    position: ChangePosition | None,
    newest_first: bool,
    since: datetime | None,
    kinds: Iterable[str],
    jurisdictions: Iterable[str | Jurisdiction],
    recommendation: str | None = None,
    bill: int | None = None,
    measure: int | None = None,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to `limit` changes of each kind in `kinds` beyond `position` (after it, or before it when `newest_first`),
    merged in feed order (newest first or oldest first): the query of both changefeeds.

    `jurisdictions` are codes or Jurisdiction objects. Codes are turned into ids first (one query; objects cost
    none) so that the database plans the stage changes' query with the statistics of those ids: the changes of a
    legislature with few bills are read through its bills (index on StageChange bill, seen_at, id), those of a
    large one by walking the feed by time until enough are its own, each the cheap way. A filter on the
    jurisdiction's code is planned for an average legislature, and for one with a single bill walked every change.

    Each kind's query is compiled once per shape and process and prepared (`tracker.db.fetch_shaped`): building
    and compiling them cost more than running them.
    """
    kinds, jurisdictions = set(kinds), list(jurisdictions)
    if bill is not None:
        kinds &= {"stage"}  # a bill has stage changes only
    if measure is not None:
        kinds &= {"measure"}
    jurisdiction_ids = [item.pk for item in jurisdictions if isinstance(item, Jurisdiction)]
    codes = [item for item in jurisdictions if not isinstance(item, Jurisdiction)]
    if codes:
        jurisdiction_ids += Jurisdiction.objects.filter(code__in=codes).values_list("pk", flat=True)
    if jurisdictions and not jurisdiction_ids:
        return []
    # Prepared (planned once per connection) unless they filter by legislature, whose best plan depends on it.
    prepare = not jurisdictions
    given: dict[str, Any] = {}  # the values the kinds' queries share (the shape of each says which are given)
    if since:
        given["since"] = since
    if jurisdictions:
        given["jurisdiction_ids"] = list(jurisdiction_ids)
    if recommendation:
        given["recommendation"] = recommendation
    shape = (newest_first, position.kind if position else None, limit)
    rows: list[dict[str, Any]] = []
    if "stage" in kinds:
        values = {**_position_values("stage", position), **given, **({"bill": bill} if bill is not None else {})}
        for row in fetch_shaped(
            ("changes:stage", *shape),
            lambda values: _stage_change_query(values, newest_first=newest_first, position=position, limit=limit),
            values,
            prepare=prepare,
        ):
            rows.append(
                _change_row(
                    kind="stage",
                    pk=row["id"],
                    at=row["seen_at"],
                    jurisdiction=row["bill__jurisdiction__code"],
                    jurisdiction_name=row["bill__jurisdiction__name"],
                    bill=row["bill_id"],
                    bill_title=row["bill__title"],
                    session=row["bill__session__identifier"],
                    identifier=row["bill__identifier"],
                    from_stage=row["from_stage"],
                    to_stage=row["to_stage"],
                    stage_date=row["date"],
                    source=row["source"],
                )
            )
    if "progress" in kinds:
        for row in fetch_shaped(
            ("changes:progress", *shape),
            lambda values: _progress_change_query(values, newest_first=newest_first, position=position, limit=limit),
            {**_position_values("progress", position), **given},
            prepare=prepare,
        ):
            rows.append(
                _change_row(
                    kind="progress",
                    pk=row["history_id"],
                    at=row["history_date"],
                    jurisdiction=row["jurisdiction__code"],
                    jurisdiction_name=row["jurisdiction__name"],
                    recommendation=row["recommendation_id"],
                    recommendation_code=row["recommendation__code"],
                    recommendation_title=row["recommendation__title"],
                    from_status=row["from_status"],
                    to_status=row["status"],
                    basis=row["basis"],
                    reason=row["reason"],
                    evidence_url=row["evidence_url"],
                )
            )
    if "measure" in kinds:
        values = {**_position_values("measure", position), **given}
        if measure is not None:
            values["measure"] = measure
        for row in fetch_shaped(
            ("changes:measure", *shape),
            lambda values: _measure_change_query(values, newest_first=newest_first, position=position, limit=limit),
            values,
            prepare=prepare,
        ):
            rows.append(
                _change_row(
                    kind="measure",
                    pk=row["history_id"],
                    at=row["history_date"],
                    jurisdiction=row["jurisdiction__code"],
                    jurisdiction_name=row["jurisdiction__name"],
                    measure=row["id"],
                    measure_kind=row["kind"],
                    measure_title=row["title"],
                    measure_url=row["url"],
                    from_measure_status=row["from_status"],
                    to_measure_status=row["status"],
                    measure_date=row["date"],
                    evidence_url=row["evidence_url"],
                )
            )
    rows.sort(key=lambda row: (row["at"], row["kind"], row["pk"]), reverse=newest_first)
    return rows


def _position_values(kind: str, position: ChangePosition | None) -> dict[str, Any]:
    """The values of `position` that a query of `kind` compares with (`_beyond`): its time, and its id when the
    position is a change of that kind."""
    if position is None:
        return {}
    return {"at": position.at, **({"id": position.id} if position.kind == kind else {})}


def _position_of(values: Mapping[str, Any], position: ChangePosition | None) -> ChangePosition | None:
    """`position` with the time and id of `values` (markers while `fetch_shaped` compiles)."""
    if position is None:
        return None
    return ChangePosition(at=values["at"], kind=position.kind, id=values.get("id", position.id))


def _previous_versions(history: QuerySet) -> QuerySet:
    """The versions in `history` of the outer query's object that come before its version, newest first (for a
    subquery: the status a change moved from)."""
    return history.filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id")),
        id=OuterRef("id"),
    ).order_by("-history_date", "-history_id")


def _in_time_order(
    changes: QuerySet,
    kind: str,
    values: Mapping[str, Any],
    position: ChangePosition | None,
    *,
    at: str,
    pk: str,
    newest_first: bool,
) -> QuerySet:
    """`changes` of `kind` beyond the position and at or after `since` (`values`), in the order of their time field
    `at` and id `pk`: newest first, or oldest."""
    changes = changes.filter(_beyond(kind, _position_of(values, position), at, pk, backwards=newest_first))
    if "since" in values:
        changes = changes.filter(**{f"{at}__gte": values["since"]})
    return changes.order_by(*((f"-{at}", f"-{pk}") if newest_first else (at, pk)))


def _stage_change_query(
    values: Mapping[str, Any], *, newest_first: bool, position: ChangePosition | None, limit: int
) -> QuerySet:
    """Stage changes beyond the position, by `values` (`since`, `jurisdiction_ids`, `recommendation`, `bill`)."""
    stage_changes = _in_time_order(
        StageChange.objects.all(), "stage", values, position, at="seen_at", pk="id", newest_first=newest_first
    )
    if "jurisdiction_ids" in values:
        stage_changes = stage_changes.filter(bill__jurisdiction_id__in=values["jurisdiction_ids"])
    if "recommendation" in values:
        linked = BillLink.objects.public().filter(recommendation__code=values["recommendation"]).values("bill_id")
        stage_changes = stage_changes.filter(bill_id__in=linked)
    if "bill" in values:
        stage_changes = stage_changes.filter(bill_id=values["bill"])
    return stage_changes.values(
        "id",
        "seen_at",
        "bill_id",
        "bill__jurisdiction__code",
        "bill__jurisdiction__name",
        "bill__session__identifier",
        "bill__identifier",
        "bill__title",
        "from_stage",
        "to_stage",
        "date",
        "source",
    )[:limit]


def _progress_change_query(
    values: Mapping[str, Any], *, newest_first: bool, position: ChangePosition | None, limit: int
) -> QuerySet:
    """Public changes of progress beyond the position, by `values` (`since`, `jurisdiction_ids`,
    `recommendation`), each with the status before it."""
    history = Progress.history.model
    previous = _previous_versions(history.objects.all())
    # A save that only records a proposal waiting for review changed nothing public.
    changes = _in_time_order(
        history.objects.exclude(history_change_reason__startswith=HISTORY_PROPOSAL),
        "progress",
        values,
        position,
        at="history_date",
        pk="history_id",
        newest_first=newest_first,
    )
    if "jurisdiction_ids" in values:
        changes = changes.filter(jurisdiction_id__in=values["jurisdiction_ids"])
    if "recommendation" in values:
        changes = changes.filter(recommendation__code=values["recommendation"])
    return changes.annotate(from_status=Subquery(previous.values("status")[:1])).values(
        "history_id",
        "history_date",
        "jurisdiction__code",
        "jurisdiction__name",
        "recommendation_id",
        "recommendation__code",
        "recommendation__title",
        "from_status",
        "status",
        "basis",
        "reason",
        "evidence_url",
    )[:limit]


def _measure_change_query(
    values: Mapping[str, Any], *, newest_first: bool, position: ChangePosition | None, limit: int
) -> QuerySet:
    """Changes of measures as the public saw them, beyond the position, by `values` (`since`, `jurisdiction_ids`,
    `recommendation`, `measure`): a measure's first approved version, and each later approved version whose
    status differs from the approved one before it (versions waiting for review, or rejected, were never
    public)."""
    history = Measure.history.model
    approved = history.objects.filter(review_status=ReviewStatus.APPROVED)
    previous = _previous_versions(approved)
    changes = _in_time_order(
        approved.exclude(history_type="-")
        .annotate(from_status=Subquery(previous.values("status")[:1]))
        .filter(Q(from_status__isnull=True) | ~Q(from_status=F("status"))),
        "measure",
        values,
        position,
        at="history_date",
        pk="history_id",
        newest_first=newest_first,
    )
    if "jurisdiction_ids" in values:
        changes = changes.filter(jurisdiction_id__in=values["jurisdiction_ids"])
    if "recommendation" in values:
        linked = BillLink.objects.public().filter(recommendation__code=values["recommendation"]).values("measure_id")
        changes = changes.filter(id__in=linked)
    if "measure" in values:
        changes = changes.filter(id=values["measure"])
    return changes.values(
        "history_id",
        "history_date",
        "id",
        "jurisdiction__code",
        "jurisdiction__name",
        "kind",
        "title",
        "url",
        "status",
        "from_status",
        "date",
        "evidence_url",
    )[:limit]


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
    "measure",
    "measure_kind",
    "measure_title",
    "measure_url",
    "from_measure_status",
    "to_measure_status",
    "measure_date",
)


def _change_row(*, kind: str, pk: int, at: datetime, **values: Any) -> dict[str, Any]:
    return {"id": f"{kind}-{pk}", "kind": kind, "pk": pk, "at": at, **dict.fromkeys(CHANGE_FIELDS), **values}


# --- Bill pages and search --------------------------------------------------------------------------------------


def bill_link_list_for_bill(*, bill: Bill) -> list[BillLink]:
    """The links of one bill (the recommendations it bears on, in the report's order), each annotated with
    `progress_status`: where that recommendation stands in the bill's jurisdiction (None when nothing is recorded).
    One query."""
    status = Progress.objects.filter(recommendation=OuterRef("recommendation"), jurisdiction=bill.jurisdiction_id)
    return list(
        BillLink.objects.public()
        .filter(bill=bill)
        .select_related("recommendation")
        .annotate(progress_status=Subquery(status.values("status")[:1]))
        .order_by("recommendation__audience__order", "recommendation__order", "id")
    )


def recommendation_search(*, text: str, limit: int = 100) -> list[Recommendation]:
    """Recommendations whose code, title or text contains `text` (any case), in the report's order. One query."""
    text = text.strip()
    if not text:
        return []
    matches = Q(code__icontains=text) | Q(title__icontains=text) | Q(text__icontains=text)
    return list(Recommendation.objects.for_display().filter(matches)[:limit])


def recommendation_options() -> list[tuple[str, str]]:
    """(code, "code title") of every recommendation, in the report's order: for filters."""
    return [
        (code, f"{code} {title}") for code, title in Recommendation.objects.for_display().values_list("code", "title")
    ]


def recommendation_list_sub_items_pending() -> list[Recommendation]:
    """Recommendations whose sub-items the report lists but the tracker has not transcribed yet, in the report's
    order. One query."""
    return list(Recommendation.objects.for_display().filter(sub_items_pending=True))
