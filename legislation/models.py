"""Jurisdictions, sessions and bills as the sources report them, and the record of every import.

Imported fields are written only by the importers; editorial fields (`popular_title`, `staff_notes`) only by staff,
so that a re-import never overwrites what people wrote.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from urllib.parse import quote

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS

from .choices import PENDING_STAGES, JurisdictionKind, Source, Stage


class JurisdictionQuerySet(models.QuerySet["Jurisdiction"]):
    def legislatures(self) -> JurisdictionQuerySet:
        """States, DC, territories and Congress: the places with bills."""
        return self.filter(
            kind__in=[
                JurisdictionKind.FEDERAL,
                JurisdictionKind.STATE,
                JurisdictionKind.DISTRICT,
                JurisdictionKind.TERRITORY,
            ]
        )


class Jurisdiction(models.Model):
    code = models.SlugField(
        max_length=60, unique=True, help_text="Lowercase postal code for states and territories (ca, dc, pr, us)."
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=JurisdictionKind.choices)
    # Prosecutors' offices (and some cities) have no Open Civic Data id: unique when present.
    ocd_id = models.CharField("OCD id", max_length=255, blank=True)
    # A county's state must not vanish under it: deleting a state with local jurisdictions is refused.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    unicameral = models.BooleanField(default=False, help_text="One chamber passes bills (Nebraska, DC council).")
    carries_over = models.BooleanField(
        default=False,
        help_text="Pending bills carry over to the next session of the same legislature instead of dying.",
    )
    carries_over_from = models.CharField(
        max_length=4,
        choices=[("odd", "Odd-numbered year"), ("even", "Even-numbered year")],
        blank=True,
        help_text="The year of a biennium bills carry over from (New Jersey and Virginia: even); blank: either.",
    )
    carries_over_source = models.URLField(
        max_length=500,
        blank=True,
        help_text="Where carries_over was verified (legislation/data/carryover.json); blank: not known.",
    )
    # How long the governor may still act on passed bills once the legislature adjourns sine die (a pocket veto or
    # a signature): bills are polled that long past their session's end. Null: not known (the sync's grace applies).
    signing_window_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Days after sine die the governor may still sign or veto bills (calendar days; Sundays "
        "included where the law excludes them). Blank: not known.",
    )
    signing_window_source = models.URLField(
        max_length=500,
        blank=True,
        help_text="Where the signing window was verified (legislation/data/signing_windows.json).",
    )

    objects = JurisdictionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["ocd_id"], condition=~Q(ocd_id=""), name="unique_ocd_id_when_present")
        ]

    def __str__(self) -> str:
        return self.name


class SessionClassification(models.TextChoices):
    PRIMARY = "primary", "Regular"
    SPECIAL = "special", "Special"


_DIGITS = re.compile(r"(\d+)")


def _identifier_key(identifier: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order of session identifiers: numbers compare as numbers (88 < 881, 2021 < 2021v)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.lower()) for part in _DIGITS.split(identifier) if part)


def _same_naming_scheme(first: str, second: str) -> bool:
    """Identifiers can be ordered when their leading numbers have as many digits (2017-2018 / 2019-2020, 187th /
    191st) or one extends the other (88 / 881, 2021 / 2021v). A LegiScan session id (1646) and an Open States
    identifier (133) in the same state are different schemes, and neither says which session came later."""
    numbers = (_DIGITS.search(first), _DIGITS.search(second))
    if not all(numbers):
        return False
    return first.startswith(second) or second.startswith(first) or len(numbers[0][1]) == len(numbers[1][1])


class LegislativeSessionQuerySet(models.QuerySet["LegislativeSession"]):
    def over_ids(self, *, today: datetime.date | None = None) -> set[int]:
        """Ids of the sessions in this queryset that are over (see LegislativeSession.is_over)."""
        sessions = list(self)
        siblings = list(
            LegislativeSession.objects.filter(jurisdiction_id__in={session.jurisdiction_id for session in sessions})
        )
        return {session.pk for session in sessions if session.is_over(siblings=siblings, today=today)}


class LegislativeSession(models.Model):
    # Sessions exist only inside their jurisdiction; a jurisdiction with bills is protected by Bill.jurisdiction.
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="sessions")
    identifier = models.CharField(max_length=100, help_text="As the sources name it: 20232024, 88, 118, 2024R1.")
    name = models.CharField(max_length=200, blank=True)
    classification = models.CharField(
        max_length=20, choices=SessionClassification.choices, default=SessionClassification.PRIMARY
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    ended = models.BooleanField(default=False, help_text="Adjourned sine die, as reported by a source.")
    # The years a session spans, as a source states them (LegiScan year_start/year_end) or read from its dates;
    # sessions of different sources are matched on them (legislation/importers/sessions.py, `session_match`).
    year_start = models.PositiveSmallIntegerField(null=True, blank=True)
    year_end = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = LegislativeSessionQuerySet.as_manager()

    class Meta:
        ordering = ["jurisdiction", "-start_date", "-identifier"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "identifier"], name="unique_session_per_jurisdiction")
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction.code.upper()} {self.name or self.identifier}"

    def has_ended(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        if self.ended:
            return True
        if self.end_date is not None:
            return self.end_date < today
        # No end date known: a session whose last year is well behind us has ended. Every US legislature
        # adjourns its regular session by the end of its last calendar year, and a new one sits by late January;
        # the margin keeps a session whose source stated only the years open through its final days.
        return self.year_end is not None and today > datetime.date(self.year_end + 1, 1, 31)

    def is_later_than(self, other: LegislativeSession) -> bool:
        """This session came after `other`: a later start date when both are known, else a later identifier in
        natural order, provided both identifiers follow the same naming scheme (otherwise nothing is known)."""
        if self.start_date and other.start_date:
            return self.start_date > other.start_date
        return _same_naming_scheme(self.identifier, other.identifier) and (
            _identifier_key(self.identifier) > _identifier_key(other.identifier)
        )

    def is_over(self, *, siblings: Iterable[LegislativeSession], today: datetime.date | None = None) -> bool:
        """The session-end rule, the one place it is decided (importers and sweeps call it).

        A session is over when a source says it adjourned sine die (`ended`), when its end date has passed, or when
        a later session of the same jurisdiction (`is_later_than`) has started: legislatures sit one regular
        session at a time, and sources often list a new session without closing the old one. A later session
        whose start date is still in the future does not count (Open States lists the next session ahead of time).
        `siblings` are the jurisdiction's sessions (others are ignored), so callers can load them once.
        """
        today = today or timezone.localdate()
        if self.has_ended(today):
            return True
        return any(
            other.jurisdiction_id == self.jurisdiction_id
            and other.pk != self.pk
            and (other.start_date is None or other.start_date <= today)
            and other.is_later_than(self)
            for other in siblings
        )


class SessionExternalId(models.Model):
    """A session's id at one source: a LegiScan session_id, an Open States identifier, a Congress number.

    One LegislativeSession per legislature's session, whatever the number of sources that report it; each source's
    id for it lives here, so every import finds it by the source's own id first."""

    # The ids are the session's; they go with it (merge_sessions moves them to the surviving session first).
    session = models.ForeignKey(LegislativeSession, on_delete=models.CASCADE, related_name="external_ids")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=20, choices=Source.choices)
    external_id = models.CharField(max_length=100)

    class Meta:
        ordering = ["source"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "source", "external_id"], name="unique_session_external_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class SessionMatchReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class SessionMatchReview(models.Model):
    """A source's session that the matching rules could not place: several stored sessions fit it (two special
    sessions in one year, a veto session beside the regular one). The importer keeps it as a session of its own and
    asks staff here; staff merge it into the right one with `manage.py merge_sessions --into`, or mark it resolved."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=20, choices=Source.choices)
    external_id = models.CharField(max_length=100)
    # The session kept for the source's id meanwhile; staff decide whether it is one of the candidates.
    session = models.ForeignKey(LegislativeSession, on_delete=models.CASCADE, related_name="match_reviews")
    candidates = models.ManyToManyField(LegislativeSession, related_name="+", blank=True)
    reason = models.CharField(max_length=300)
    status = models.CharField(
        max_length=20, choices=SessionMatchReviewStatus.choices, default=SessionMatchReviewStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "source", "external_id"], name="unique_session_match_review"
            )
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction.code.upper()} {self.source}:{self.external_id} ({self.status})"


def bill_page_path(*, jurisdiction: str, session: str, identifier: str) -> str:
    """The readable path of a bill's page: /bills/ca/20212022/sb-57/ (identifier lowercased, spaces as dashes)."""
    slug = identifier.lower().replace(" ", "-")
    return reverse("bill", kwargs={"jurisdiction": jurisdiction, "session": session, "identifier": slug})


def bill_page_path_maker() -> Callable[[str, str, str], str]:
    """`bill_page_path` for a list of many bills: one reverse() for the prefix, then each path by joining and
    quoting its parts as reverse() does (the same paths, without resolving the pattern again for every row).
    Called with positional (jurisdiction, session, identifier)."""
    prefix = reverse("bill", kwargs={"jurisdiction": "j", "session": "s", "identifier": "i"}).removesuffix("j/s/i/")

    def path(jurisdiction: str, session: str, identifier: str) -> str:
        slug = identifier.lower().replace(" ", "-")
        return prefix + quote(f"{jurisdiction}/{session}/{slug}/", safe=RFC3986_SUBDELIMS + "/~:@")

    return path


class BillQuerySet(models.QuerySet["Bill"]):
    def pending(self) -> BillQuerySet:
        return self.filter(stage__in=PENDING_STAGES)

    def enacted(self) -> BillQuerySet:
        return self.filter(stage=Stage.ENACTED)

    def for_list(self) -> BillQuerySet:
        """What every list of bills shows, in a fixed number of queries."""
        return self.select_related("jurisdiction", "session")


class Bill(models.Model):
    # A bill is evidence behind links and progress: deleting its jurisdiction or session must be deliberate.
    # No index of its own: the unique constraint's index starts with it.
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="bills", db_index=False)
    session = models.ForeignKey(LegislativeSession, on_delete=models.PROTECT, related_name="bills")
    identifier = models.CharField(max_length=50, help_text="Normalised: HB 1044, SB 180, HR 21, HJRES 3.")
    source_identifier = models.CharField(max_length=50, blank=True, help_text="As the source spells it.")
    title = models.TextField()
    summary = models.TextField(blank=True)
    classification = models.JSONField(default=list, blank=True)
    subjects = models.JSONField(default=list, blank=True)
    url = models.URLField(max_length=500, blank=True)

    # Derived from the actions by legislation.stages, never typed in by hand.
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.INTRODUCED, db_index=True)
    stage_date = models.DateField(null=True, blank=True)
    furthest_stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.INTRODUCED)
    furthest_stage_date = models.DateField(null=True, blank=True)
    first_action_date = models.DateField(null=True, blank=True)
    latest_action_date = models.DateField(null=True, blank=True)
    latest_action_description = models.TextField(blank=True)

    # Import bookkeeping: a hash of the imported content lets a re-import skip unchanged bills without a write.
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    # Editorial fields: written by staff, never by an import.
    popular_title = models.CharField(max_length=300, blank=True, help_text="A name people know the bill by.")
    staff_notes = models.TextField(blank=True)

    objects = BillQuerySet.as_manager()

    class Meta:
        ordering = ["jurisdiction__code", "session__identifier", "identifier"]
        constraints = [
            # With the id, its index holds the list's default order (jurisdiction, session, identifier, id) of
            # every bill: a page is sorted from the index alone, without reading the bills it skips.
            models.UniqueConstraint(
                fields=["jurisdiction", "session", "identifier"],
                include=["id"],
                name="unique_bill_per_jurisdiction_session",
            )
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "stage"], name="bill_jurisdiction_stage"),
            # One index for each ordering the API offers (`?ordering=`, ascending or descending), with the id that
            # breaks ties (legislation.filters.StableOrderingFilter): a page is then read off the index instead of
            # sorting every bill that matches. They also serve the date filters on their first column.
            *(
                models.Index(fields=[name, "id"], name=f"bill_{name}_order")
                for name in ("latest_action_date", "stage_date", "updated_at", "identifier")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction.code.upper()} {self.identifier} ({self.session.identifier})"

    def get_absolute_url(self) -> str:
        """The bill's public page (needs its jurisdiction and session loaded: use `for_list()`)."""
        return bill_page_path(
            jurisdiction=self.jurisdiction.code, session=self.session.identifier, identifier=self.identifier
        )

    @property
    def is_pending(self) -> bool:
        return self.stage in PENDING_STAGES

    @property
    def end_reason(self) -> str:
        """Why and when a bill died or was carried over (blank for other stages): its session ended. Needs its
        session loaded (`for_list()`)."""
        if self.stage not in (Stage.DIED, Stage.CARRIED_OVER):
            return ""
        session = self.session
        what = "Died" if self.stage == Stage.DIED else "Carried over"
        name = session.name or session.identifier
        if session.end_date:
            return f"{what}: its session ({name}) ended on {session.end_date.isoformat()}."
        if session.ended:
            return f"{what}: its session ({name}) adjourned sine die (the sources give no date)."
        if session.year_end:
            return f"{what}: its session ({name}) ended with {session.year_end}."
        return f"{what}: a later session of the legislature started after its session ({name})."


class BillAction(models.Model):
    # Actions are part of the bill; they go with it.
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="actions")
    order = models.PositiveIntegerField()
    date = models.DateField(null=True, blank=True)
    description = models.TextField()
    chamber = models.CharField(max_length=20, blank=True, help_text="upper, lower, executive or legislature")
    actor = models.CharField(max_length=200, blank=True)
    classification = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["bill", "order"]
        constraints = [models.UniqueConstraint(fields=["bill", "order"], name="unique_action_order_per_bill")]

    def __str__(self) -> str:
        return f"{self.date} {self.description[:60]}"


class BillSponsorship(models.Model):
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="sponsorships")
    name = models.CharField(max_length=300)
    primary = models.BooleanField(default=False)
    classification = models.CharField(max_length=50, blank=True)
    entity_type = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["bill", "-primary", "id"]

    def __str__(self) -> str:
        return self.name


class BillSource(models.Model):
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="sources")
    url = models.URLField(max_length=1000)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["bill", "id"]

    def __str__(self) -> str:
        return self.url


class BillExternalId(models.Model):
    """A bill's id at one source (ocd-bill/..., a LegiScan bill_id, congress-type-number)."""

    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="external_ids")
    source = models.CharField(max_length=20, choices=Source.choices)
    external_id = models.CharField(max_length=200)

    class Meta:
        ordering = ["source"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="unique_external_id_per_source"),
            models.UniqueConstraint(fields=["bill", "source"], name="unique_source_per_bill"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class ImportRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Partly failed"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    # Its process died (SIGKILL, out of memory, a lost machine): what it committed, chunk by chunk, stays and is
    # counted; legislation.importers.runs finds such runs by their heartbeat and worker.
    INTERRUPTED = "interrupted", "Interrupted"


# Runs that import no bills name their kind in their scope: `sessions:sync` (the weekly session calendars),
# `sessions:close` (the daily session-end job) and `sessions:merge`. They say nothing about whether a source's bills
# are current, so freshness (legislation.selectors.data_freshness, api.selectors.freshness) leaves them out.
SESSION_RUN_SCOPE_PREFIX = "sessions:"


class ImportRunQuerySet(models.QuerySet["ImportRun"]):
    def successful(self) -> ImportRunQuerySet:
        return self.filter(status__in=[ImportRunStatus.SUCCEEDED, ImportRunStatus.PARTIAL])

    def bill_imports(self) -> ImportRunQuerySet:
        """Runs that import bills (files, syncs, backfills, the demo): not the session calendar or closing runs."""
        return self.exclude(scope__startswith=SESSION_RUN_SCOPE_PREFIX)


class ImportRun(models.Model):
    """One import or sync: what it covered, what it did and what went wrong."""

    source = models.CharField(max_length=20, choices=Source.choices)
    scope = models.CharField(max_length=300, blank=True, help_text="Files, or jurisdiction and kind of sync.")
    status = models.CharField(max_length=20, choices=ImportRunStatus.choices, default=ImportRunStatus.RUNNING)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    inserted = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0, help_text="Requests spent at the source.")
    errors = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    # Who runs it ("host:pid", and the Celery task id) and when it last committed a chunk: a run left `running` by a
    # process that died is found by these (legislation.importers.runs) and marked `interrupted`.
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.scope} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> datetime.timedelta | None:
        return self.finished_at - self.started_at if self.finished_at else None


class StageChange(models.Model):
    """A bill moved from one stage to another, as seen by an import."""

    # The (bill, seen_at, id) index below serves lookups by bill, so the foreign key needs no index of its own.
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="stage_changes", db_index=False)
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    date = models.DateField(null=True, blank=True, help_text="When the bill reached the new stage.")
    source = models.CharField(max_length=20, choices=Source.choices)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Runs are pruned eventually; the change itself stays.
    import_run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-seen_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(from_stage=models.F("to_stage")), name="stage_changed")]
        # A bill's changes in feed order: its page's history, and the changefeed of a jurisdiction with few bills
        # (its bills' changes read by index, then merged) without walking the whole feed by time.
        indexes = [models.Index(fields=["bill", "seen_at", "id"], name="stagechange_bill_seen_at")]

    def __str__(self) -> str:
        return f"{self.bill}: {self.from_stage or '-'} -> {self.to_stage}"


# --- Sync bookkeeping (legislation/sync.py) ---------------------------------------------------------------------


class SourceCursor(models.Model):
    """Where the last successful sync of one source and scope stopped, so the next one asks only for what is newer.

    ``value`` is the source's own marker: the latest ``updated_at`` seen (Open States), the end of the last listed
    window (Congress.gov ``toDateTime``), or a dataset's ``dataset_hash`` (LegiScan backfill).
    """

    source = models.CharField(max_length=20, choices=Source.choices)
    scope = models.CharField(max_length=200, help_text="sync:ca, dataset:1748, discovery:3 ...")
    value = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source", "scope"]
        constraints = [models.UniqueConstraint(fields=["source", "scope"], name="unique_cursor_per_source_scope")]

    def __str__(self) -> str:
        return f"{self.source} {self.scope}: {self.value}"


class RemoteBillState(models.Model):
    """What a source last said about one of its bills, to skip detail requests when nothing moved.

    ``marker`` is LegiScan's ``change_hash`` or a fingerprint of a Congress.gov list entry (its ``updateDate`` and
    latest action). It is written only after the bill was imported, so a failed import is fetched again.
    ``container`` is where the bill is listed (a LegiScan session id), so the next sync lists the right session.
    Keyed by the source's id rather than the bill, since a bill's ids may be merged or corrected by an import.
    """

    source = models.CharField(max_length=20, choices=Source.choices)
    external_id = models.CharField(max_length=200)
    marker = models.CharField(max_length=200, blank=True)
    container = models.CharField(max_length=100, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["source", "external_id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="unique_remote_state_per_source_bill")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id} {self.marker}"
