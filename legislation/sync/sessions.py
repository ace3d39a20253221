"""Sessions that end: which tracked bills are still worth polling, and the daily sweep that lets pending bills die.

Bills are polled while their session is on, and through the governor's signing window after it ends: governors
sign and veto for weeks after sine die, so a bill that the sweep called ``died`` may still turn out enacted. Where
the state's window is known (``Jurisdiction.signing_window_days``, seeded from legislation/data/signing_windows.json)
and the session's end date too, polling goes on for that window plus ``SYNC_SIGNING_MARGIN_DAYS`` (sources report a
signature some days late); otherwise for ``SYNC_SESSION_GRACE_DAYS`` after the end date (or after the bill's latest
action, when the end date is unknown). Enacted bills are not polled: nothing can change their stage.

The sweep applies the session-end rule (``LegislativeSession.is_over``) to sessions whose pending bills have not been
moved yet, through the importer's ``sessions_end_apply`` (the same code an import runs when it closes a session),
so a session that ends by date alone, with no import to notice, is handled the same day. Like an import, it then
sends ``bills_stage_changed`` for the bills it moved, so progress is recomputed wherever they are linked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from legislation.choices import PENDING_STAGES, Source, Stage
from legislation.importers.bills import sessions_end_apply
from legislation.models import Bill, BillExternalId, ImportRun, ImportRunStatus, LegislativeSession
from legislation.signals import bills_stage_changed_send

# The source a closed session's runs are filed under, when its bills come from several.
_SOURCE_PREFERENCE = (Source.CONGRESS, Source.LEGISCAN, Source.OPENSTATES)


def bill_ids_to_poll(*, bill_ids: Collection[int], today: date | None = None) -> list[int]:
    """The bills among ``bill_ids`` a sync should still ask the sources about (see the module docstring)."""
    today = today or timezone.localdate()
    grace = timedelta(days=settings.SYNC_SESSION_GRACE_DAYS)
    margin = timedelta(days=settings.SYNC_SIGNING_MARGIN_DAYS)
    bills = list(
        Bill.objects.filter(pk__in=list(bill_ids))
        .exclude(stage=Stage.ENACTED)
        .values_list(
            "pk", "session_id", "session__end_date", "latest_action_date", "jurisdiction__signing_window_days"
        )
    )
    over = LegislativeSession.objects.filter(pk__in={bill[1] for bill in bills}).over_ids(today=today)

    def polled_until(end_date: date | None, latest_action: date | None, window: int | None) -> date:
        if end_date is not None and window is not None:
            return end_date + timedelta(days=window) + margin
        return (end_date or latest_action or date.min) + grace

    return sorted(
        pk
        for pk, session, end_date, latest_action, window in bills
        if session not in over or polled_until(end_date, latest_action, window) >= today
    )


def sessions_close(*, today: date | None = None) -> list[ImportRun]:
    """Move the pending bills of every session that is over to died (or carried over).

    One ImportRun (scope ``sessions:close``) per source whose sessions closed, so each StageChange names the source
    the session's bills come from; nothing is recorded on the (usual) days when no session closes. Receivers of
    ``bills_stage_changed`` hear of the moved bills once each run is recorded.
    """
    today = today or timezone.localdate()
    candidates = LegislativeSession.objects.filter(bills__stage__in=PENDING_STAGES).distinct()
    over = candidates.over_ids(today=today)
    if not over:
        return []
    sources: dict[int, set[str]] = defaultdict(set)
    for session_id, source in (
        BillExternalId.objects.filter(bill__session_id__in=over).values_list("bill__session_id", "source").distinct()
    ):
        sources[session_id].add(source)
    by_source: dict[str, list[int]] = defaultdict(list)
    for session_id in sorted(over):
        found = sources.get(session_id, set())
        by_source[next((source for source in _SOURCE_PREFERENCE if source in found), Source.OPENSTATES)].append(
            session_id
        )
    runs = []
    for source, session_ids in sorted(by_source.items()):
        run = ImportRun.objects.create(source=source, scope="sessions:close")
        moved = sessions_end_apply(session_ids=session_ids, import_run=run, today=today)
        run.status = ImportRunStatus.SUCCEEDED
        run.updated = len(moved)
        run.finished_at = timezone.now()
        run.note = f"{len(session_ids)} sessions over; {len(moved)} pending bills moved to died or carried over"
        run.save()
        bills_stage_changed_send(sender=LegislativeSession, bill_ids=moved, import_run=run)
        runs.append(run)
    return runs
