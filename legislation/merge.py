"""Sessions and bills stored twice (once per source, before sessions were matched across sources), merged into one.

`sessions_merge` finds, in each jurisdiction, the sessions that the matching rule of the importers
(`legislation.importers.sessions`) says are one: the same years and kind, reported by different sources. A
session's sources are its SessionExternalIds, or for a session stored before those existed, the sources of its
bills' ids. A group where one source appears twice (two special sessions of a year, a veto session) is not
merged: it goes to staff as a SessionMatchReview, as the importers do.

Each group merges into one surviving session (named by the preferred source's identifier, `IDENTIFIER_PREFERENCE`,
then the one with more bills). Every bill of the other sessions moves to the survivor; when the survivor already
has a bill with the same identifier, the two bills merge (`bill_merge`): external ids, the richer action and
sponsor lists, the union of source links, every stage change (history), and every other row that points to the bill
(links to recommendations and their history, triage candidates, whatever apps add later) move to the surviving
bill by their foreign key, so new fields come along. A row that cannot move because the survivor already has its
twin (a recommendation linked to both bills) is deleted through the ORM (its history records the deletion) and
described in full in the run's note. The stage is the furthest evidence of the two; editorial fields are filled
where blank, and differing staff notes are kept both. Nothing else is lost.

The whole merge runs in one transaction and is recorded as an ImportRun (scope `sessions:merge`); a dry run does
the same work and rolls it back, so its counts are exact.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from legislation.choices import MILESTONES, Source
from legislation.importers.identity import text_source
from legislation.importers.sessions import IDENTIFIER_PREFERENCE, stored_years
from legislation.models import (
    Bill,
    BillAction,
    BillExternalId,
    BillSource,
    BillSponsorship,
    ImportRun,
    ImportRunStatus,
    Jurisdiction,
    LegislativeSession,
    SessionExternalId,
    SessionMatchReview,
    StageChange,
)
from legislation.signals import bills_stage_changed_send

__all__ = ["MergeReport", "bill_merge", "sessions_merge"]

_MILESTONE_RANK = {stage: rank for rank, stage in enumerate(MILESTONES)}
_STAGE_FIELDS = ("stage", "stage_date", "furthest_stage", "furthest_stage_date")
_TEXT_FIELDS = ("source_identifier", "title", "summary", "classification", "subjects", "url")
# Rows the merge handles itself; every other relation to Bill moves by its foreign key.
_OWN = {BillAction, BillSponsorship, BillSource, BillExternalId, StageChange}


@dataclass
class MergeReport:
    sessions_merged: int = 0
    bills_moved: int = 0
    bills_merged: int = 0
    rows_moved: int = 0
    rows_dropped: list[str] = field(default_factory=list)
    reviews: int = 0
    run: ImportRun | None = None


def _session_sources(sessions: list[LegislativeSession]) -> dict[int, set[str]]:
    ids = [session.pk for session in sessions]
    sources: dict[int, set[str]] = defaultdict(set)
    for session_id, source in SessionExternalId.objects.filter(session_id__in=ids).values_list("session_id", "source"):
        sources[session_id].add(source)
    legacy = [pk for pk in ids if pk not in sources]
    for session_id, source in (
        BillExternalId.objects.filter(bill__session_id__in=legacy).values_list("bill__session_id", "source").distinct()
    ):
        sources[session_id].add(source)
    return sources


def _groups(jurisdiction: Jurisdiction, report: MergeReport) -> list[list[LegislativeSession]]:
    """The groups of this jurisdiction's sessions that are one session (see the module docstring)."""
    sessions = list(LegislativeSession.objects.filter(jurisdiction=jurisdiction))
    sources = _session_sources(sessions)
    clusters: dict[tuple[int, str], list[LegislativeSession]] = defaultdict(list)
    for session in sessions:
        start, _ = stored_years(session, jurisdiction.code)
        if start and len(sources.get(session.pk, ())) == 1:
            clusters[(start, session.classification)].append(session)
    groups = []
    for cluster in clusters.values():
        kinds = [next(iter(sources[session.pk])) for session in cluster]
        ends = {stored_years(session, jurisdiction.code)[1] for session in cluster} - {None}
        if len(set(kinds)) < 2 or len(ends) > 1:
            continue
        if len(set(kinds)) < len(kinds):
            report.reviews += _review(jurisdiction, cluster, sources)
            continue
        groups.append(cluster)
    return groups


def _review(jurisdiction: Jurisdiction, cluster: list[LegislativeSession], sources: dict[int, set[str]]) -> int:
    created = 0
    for session in cluster:
        source = next(iter(sources[session.pk]))
        review, made = SessionMatchReview.objects.get_or_create(
            jurisdiction=jurisdiction,
            source=source,
            external_id=session.identifier,
            defaults={"session": session, "reason": "merge_sessions: a source reports two sessions with these years"},
        )
        if made:
            review.candidates.set([other for other in cluster if other.pk != session.pk])
            created += 1
    return created


def _survivor(group: list[LegislativeSession], sources: dict[int, set[str]]) -> LegislativeSession:
    counts = dict(
        Bill.objects.filter(session__in=group).values_list("session_id").annotate(n=models.Count("pk")).order_by()
    )
    return min(
        group,
        key=lambda session: (
            IDENTIFIER_PREFERENCE.index(next(iter(sources[session.pk]))),
            -counts.get(session.pk, 0),
            session.pk,
        ),
    )


def _ensure_external_ids(group: list[LegislativeSession], sources: dict[int, set[str]]) -> None:
    for session in group:
        if len(sources.get(session.pk, ())) == 1 and not SessionExternalId.objects.filter(session=session).exists():
            SessionExternalId.objects.get_or_create(
                jurisdiction_id=session.jurisdiction_id,
                source=next(iter(sources[session.pk])),
                external_id=session.identifier,
                defaults={"session": session},
            )


def _evidence(bill: Bill) -> tuple:
    return (
        _MILESTONE_RANK.get(bill.furthest_stage, -1),
        bill.latest_action_date or date.min,
        bill.stage_date or date.min,
    )


def _move_related(loser: Bill, survivor: Bill, report: MergeReport) -> None:
    """Every row of another model that points to `loser` now points to `survivor` (see the module docstring)."""
    relations = [
        relation
        for relation in Bill._meta.get_fields(include_hidden=True)
        if relation.auto_created and not relation.concrete and relation.related_model not in _OWN
    ]
    # History tables (simple-history: no database constraint) last, so the deletion of a twin is moved too.
    for relation in sorted(relations, key=lambda relation: not relation.field.db_constraint):
        model, name = relation.related_model, relation.field.name
        for row in model._default_manager.filter(**{name: loser}):
            try:
                with transaction.atomic():
                    model._default_manager.filter(pk=row.pk).update(**{name: survivor})
                report.rows_moved += 1
            except IntegrityError:
                report.rows_dropped.append(f"{model._meta.label} {model_to_dict(row)}")
                row.delete()


def bill_merge(*, loser: Bill, survivor: Bill, run: ImportRun, report: MergeReport) -> bool:
    """Merge `loser` into `survivor` (the same bill stored twice); True when the survivor's stage moved."""
    loser_sources = set(BillExternalId.objects.filter(bill=loser).values_list("source", flat=True))
    for external in BillExternalId.objects.filter(bill=loser):
        if BillExternalId.objects.filter(bill=survivor, source=external.source).exists():
            report.rows_dropped.append(f"legislation.BillExternalId {external.source}:{external.external_id}")
            external.delete()
        else:
            BillExternalId.objects.filter(pk=external.pk).update(bill=survivor)
    for model in (BillAction, BillSponsorship):
        if model.objects.filter(bill=loser).count() > model.objects.filter(bill=survivor).count():
            model.objects.filter(bill=survivor).delete()
            model.objects.filter(bill=loser).update(bill=survivor)
    known = set(BillSource.objects.filter(bill=survivor).values_list("url", flat=True))
    BillSource.objects.filter(bill=loser).exclude(url__in=known).update(bill=survivor)
    StageChange.objects.filter(bill=loser).update(bill=survivor)
    _move_related(loser, survivor, report)

    before = survivor.stage
    if _evidence(loser) > _evidence(survivor):
        for name in (*_STAGE_FIELDS, "latest_action_date", "latest_action_description"):
            setattr(survivor, name, getattr(loser, name))
    firsts = [value for value in (survivor.first_action_date, loser.first_action_date) if value]
    survivor.first_action_date = min(firsts, default=None)
    sources = set(BillExternalId.objects.filter(bill=survivor).values_list("source", flat=True))
    preferred_is_loser = bool(sources) and text_source(survivor.jurisdiction.code, sources) in loser_sources
    for name in _TEXT_FIELDS:
        if getattr(survivor, name) in ("", None, []) or (preferred_is_loser and getattr(loser, name)):
            setattr(survivor, name, getattr(loser, name))
    if not survivor.popular_title:
        survivor.popular_title = loser.popular_title
    if loser.staff_notes and loser.staff_notes not in survivor.staff_notes:
        survivor.staff_notes = "\n\n".join(note for note in (survivor.staff_notes, loser.staff_notes) if note)
    survivor.content_hash = ""  # the next import of any source rewrites it
    survivor.updated_at = timezone.now()
    survivor.save()
    loser.delete()
    if survivor.stage != before:
        StageChange.objects.create(
            bill=survivor,
            from_stage=before,
            to_stage=survivor.stage,
            date=survivor.stage_date,
            source=run.source,
            import_run=run,
        )
        return True
    return False


def _session_merge(
    *, survivor: LegislativeSession, loser: LegislativeSession, run: ImportRun, report: MergeReport
) -> list[int]:
    moved: list[int] = []
    SessionExternalId.objects.filter(session=loser).update(session=survivor)
    SessionMatchReview.objects.filter(session=loser).update(session=survivor, status="resolved")
    twins = {bill.identifier: bill for bill in Bill.objects.filter(session=survivor)}
    for bill in Bill.objects.filter(session=loser).select_related("jurisdiction"):
        twin = twins.get(bill.identifier)
        if twin is None:
            Bill.objects.filter(pk=bill.pk).update(session=survivor)
            report.bills_moved += 1
            moved.append(bill.pk)
            continue
        bill_merge(loser=bill, survivor=twin, run=run, report=report)
        report.bills_merged += 1
        moved.append(twin.pk)
    for name in ("name", "start_date", "end_date", "year_start", "year_end"):
        if getattr(survivor, name) in ("", None):
            setattr(survivor, name, getattr(loser, name))
    survivor.ended = survivor.ended or loser.ended
    survivor.save()
    loser.delete()
    report.sessions_merged += 1
    return moved


def _name_by_preferred_source(session: LegislativeSession) -> None:
    """The merged session takes the identifier of its preferred source (as the importers name sessions)."""
    ids = dict(SessionExternalId.objects.filter(session=session).values_list("source", "external_id"))
    preferred = next((ids[source] for source in IDENTIFIER_PREFERENCE if source in ids), session.identifier)
    taken = LegislativeSession.objects.filter(jurisdiction_id=session.jurisdiction_id, identifier=preferred)
    if preferred != session.identifier and not taken.exists():
        session.identifier = preferred
        session.save(update_fields=["identifier"])


def sessions_merge(
    *, dry_run: bool = False, jurisdiction: str | None = None, pair: tuple[int, int] | None = None
) -> MergeReport:
    """Merge every group of sessions stored once per source (see the module docstring); with `dry_run`, report
    what would be done and write nothing. `pair` (session id, into session id) is a staff decision (a
    SessionMatchReview): that one session merges into the other, of the same jurisdiction, and nothing else."""
    report = MergeReport()
    places = Jurisdiction.objects.all()
    if jurisdiction:
        places = places.filter(code=jurisdiction.lower())
    moved: list[int] = []
    with transaction.atomic():
        run = ImportRun.objects.create(source=Source.OPENSTATES, scope="sessions:merge")
        groups: list[tuple[list[LegislativeSession], LegislativeSession | None]] = []
        if pair:
            loser, survivor = (LegislativeSession.objects.get(pk=pk) for pk in pair)
            if loser.jurisdiction_id != survivor.jurisdiction_id:
                raise ValueError("sessions of different jurisdictions are never one session")
            groups.append(([survivor, loser], survivor))
        else:
            groups.extend((group, None) for place in places for group in _groups(place, report))
        for group, chosen in groups:
            sources = _session_sources(group)
            _ensure_external_ids(group, sources)
            survivor = chosen or _survivor(group, sources)
            run.source = next(iter(sources.get(survivor.pk) or {Source.OPENSTATES}))
            for loser in group:
                if loser.pk != survivor.pk:
                    moved += _session_merge(survivor=survivor, loser=loser, run=run, report=report)
            _name_by_preferred_source(survivor)
        run.status = ImportRunStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.updated = report.bills_moved + report.bills_merged
        run.note = (
            f"{report.sessions_merged} sessions merged; {report.bills_moved} bills moved, {report.bills_merged} "
            f"merged into their twin; {report.rows_moved} linked rows moved; {report.reviews} sent to staff"
        )
        if report.rows_dropped:
            run.note += "; rows whose twin the survivor already had, deleted: " + " | ".join(report.rows_dropped)
        run.save()
        report.run = run
        if dry_run:
            transaction.set_rollback(True)
    if not dry_run and moved:
        bills_stage_changed_send(sender=LegislativeSession, bill_ids=sorted(set(moved)), import_run=run)
    return report
