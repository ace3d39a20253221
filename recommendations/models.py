"""The report, its recommendations, the bills and measures linked to them and progress per jurisdiction.

Links, measures and progress keep their full history (django-simple-history): who changed what, when and why.
Links, measures and progress overrides made by people pass a four-eyes review (`REVIEW_REQUIRED`): they are public
and counted only once a Reviewer other than their author approved them (`recommendations/review.py`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from legislation.models import Bill, Jurisdiction


class Report(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200)
    published = models.DateField()
    pages = models.PositiveIntegerField(null=True, blank=True)
    url = models.URLField()
    recommendations_pages = models.CharField(max_length=20, blank=True)
    principle = models.TextField(blank=True, help_text="The report's guiding principle, quoted.")

    class Meta:
        ordering = ["-published"]

    def __str__(self) -> str:
        return self.title


class Audience(models.Model):
    # Audiences are part of their report.
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="audiences")
    slug = models.SlugField()
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["report", "order"]
        constraints = [models.UniqueConstraint(fields=["report", "slug"], name="unique_audience_per_report")]

    def __str__(self) -> str:
        return self.name


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ReviewedQuerySet(models.QuerySet):
    def public(self) -> ReviewedQuerySet:
        """What anonymous readers, pages, feeds, exports and progress see: approved objects (objects written when
        no review was required, and those loaded by commands, are stored approved)."""
        return self.filter(review_status=ReviewStatus.APPROVED)

    def pending_review(self) -> ReviewedQuerySet:
        return self.filter(review_status=ReviewStatus.PENDING)


class Reviewed(models.Model):
    """The four-eyes review of an object a person wrote: its status, who reviewed it, when and why."""

    review_status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.APPROVED, db_index=True
    )
    # Accounts may be removed; what they did stays, unattributed.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who wrote the version under review: its author, who may not approve it.",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True, help_text="The reviewer's reason, shown with the decision.")

    class Meta:
        abstract = True


class EvidenceLevel(models.TextChoices):
    STATED = "S", "Stated in the report"


# A recommendation's place in the report's order as one number: its audience's order, then its own (both at most
# 32,767), as BillLink.position keeps it.
POSITION_STEP = 32_768


class RecommendationQuerySet(models.QuerySet["Recommendation"]):
    def top_level(self) -> RecommendationQuerySet:
        return self.filter(parent__isnull=True)

    def for_display(self) -> RecommendationQuerySet:
        return self.select_related("audience", "report").order_by("audience__order", "order")

    def with_position(self) -> RecommendationQuerySet:
        """Each recommendation's `position`: its place in the report's order (audience, then recommendation) as
        one number, which links keep (BillLink.position)."""
        return self.annotate(position=models.F("audience__order") * POSITION_STEP + models.F("order"))


class Recommendation(models.Model):
    # Recommendations are part of their report; links protect them (BillLink.recommendation).
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="recommendations")
    audience = models.ForeignKey(Audience, on_delete=models.CASCADE, related_name="recommendations")
    # Sub-items go with the recommendation they belong to.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    code = models.CharField(max_length=20, help_text="PM-1, PM-1.a ...")
    title = models.CharField(max_length=300)
    text = models.TextField(help_text="Verbatim from the report.")
    page = models.CharField(max_length=20, blank=True)
    evidence_level = models.CharField(max_length=2, choices=EvidenceLevel.choices, default=EvidenceLevel.STATED)
    verified = models.BooleanField(default=False, help_text="Text checked word for word against the source.")
    sub_items_pending = models.BooleanField(
        default=False, help_text="The report lists sub-items here that are not yet transcribed from the PDF."
    )
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()
    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["audience__order", "order"]
        constraints = [models.UniqueConstraint(fields=["report", "code"], name="unique_recommendation_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Effect(models.TextChoices):
    ADVANCES = "advances", "Advances"
    PARTIALLY_ADVANCES = "partially_advances", "Partially advances"
    RELATED = "related", "Related"
    REGRESSES = "regresses", "Regresses"


class MeasureKind(models.TextChoices):
    PROSECUTOR_POLICY = "prosecutor_policy", "Prosecutor's policy"
    POLICE_POLICY = "police_policy", "Police policy"
    EXECUTIVE_ORDER = "executive_order", "Executive order"
    BALLOT_MEASURE = "ballot_measure", "Ballot measure"
    COURT_RULING = "court_ruling", "Court ruling"
    REGULATION = "regulation", "Regulation"
    PROGRAM = "program", "Programme"
    GUIDANCE = "guidance", "Guidance"


class MeasureStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ADOPTED = "adopted", "Adopted"
    IN_EFFECT = "in_effect", "In effect"
    RESCINDED = "rescinded", "Rescinded"
    STRUCK_DOWN = "struck_down", "Struck down"


class MeasureQuerySet(ReviewedQuerySet):
    def for_list(self) -> MeasureQuerySet:
        return self.select_related("jurisdiction", "jurisdiction__parent")


MEASURE_SLUG_LENGTH = 80


def measure_page_path(*, jurisdiction: str, pk: int, title: str) -> str:
    """A measure's page: its jurisdiction's code, its id and its title as a slug (the id finds it; a slug that no
    longer matches the title redirects)."""
    slug = slugify(title)[:MEASURE_SLUG_LENGTH].strip("-") or "measure"
    return reverse("measure", kwargs={"jurisdiction": jurisdiction, "pk": pk, "slug": slug})


class Measure(Reviewed):
    """A non-bill measure: a prosecutor's or police policy, an executive order, a ballot measure, a court ruling, a
    regulation, a programme or guidance, in a state or a local jurisdiction. Linked to recommendations like a bill
    (BillLink.measure) and counted in progress by its status (services.MEASURE_STAGES)."""

    # A jurisdiction with measures cannot be deleted by accident.
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="measures")
    kind = models.CharField(max_length=30, choices=MeasureKind.choices)
    title = models.CharField(max_length=500)
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=MeasureStatus.choices)
    date = models.DateField(null=True, blank=True, help_text="When the measure reached its status.")
    url = models.URLField("source URL", max_length=1000, help_text="The measure itself, at its publisher.")
    evidence_url = models.URLField(max_length=1000, blank=True, help_text="Where its status can be checked.")
    # Accounts may be removed; what they did stays, unattributed.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    history = HistoricalRecords()
    objects = MeasureQuerySet.as_manager()

    class Meta:
        ordering = ["jurisdiction", "-date", "title"]
        # The API's `ordering=date` (with its id tiebreak) reads this index in order; `updated_at` has its own.
        indexes = [models.Index(fields=["date", "id"], name="measure_date_order")]
        permissions = [("review_measure", "Can approve or reject measures")]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "kind", "title"], name="unique_measure_per_jurisdiction")
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction.code.upper()}: {self.title}"

    def get_absolute_url(self) -> str:
        """The measure's public page (needs its jurisdiction loaded: use `for_list()`)."""
        return measure_page_path(jurisdiction=self.jurisdiction.code, pk=self.pk, title=self.title)


class BillLinkQuerySet(ReviewedQuerySet):
    def for_list(self) -> BillLinkQuerySet:
        return self.select_related(
            "recommendation", "bill__jurisdiction", "bill__session", "measure__jurisdiction"
        )

    def public(self) -> BillLinkQuerySet:
        """Approved links whose measure, if any, is approved too."""
        return super().public().filter(
            models.Q(measure__isnull=True) | models.Q(measure__review_status=ReviewStatus.APPROVED)
        )

    def in_jurisdiction(self, jurisdiction: Jurisdiction | int) -> BillLinkQuerySet:
        """Links of the bills and measures of one jurisdiction."""
        return self.filter(models.Q(bill__jurisdiction=jurisdiction) | models.Q(measure__jurisdiction=jurisdiction))


class BillLink(Reviewed):
    """A bill or a measure (exactly one of the two) bears on a recommendation, with an effect and the reason staff
    gave. The name stays from when only bills were linked (API paths, history tables and exports use it)."""

    # A link is evidence: neither its recommendation nor its bill or measure can be deleted while it exists.
    recommendation = models.ForeignKey(Recommendation, on_delete=models.PROTECT, related_name="links")
    bill = models.ForeignKey(Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="links")
    measure = models.ForeignKey(Measure, null=True, blank=True, on_delete=models.PROTECT, related_name="links")
    effect = models.CharField(max_length=20, choices=Effect.choices)
    rationale = models.TextField()
    evidence_url = models.URLField(max_length=1000, blank=True)
    # Accounts may be removed; what they did stays, unattributed.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The recommendation's place in the report's order (RecommendationQuerySet.with_position), kept here so that an
    # index serves the links' default order (report order, then bill, then measure) instead of a sort of every
    # link; set on save, and again for every link of a recommendation or audience whose order changes (receivers).
    position = models.PositiveIntegerField(default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["position"])
    objects = BillLinkQuerySet.as_manager()

    class Meta:
        ordering = ["recommendation", "bill", "measure"]
        permissions = [("review_billlink", "Can approve or reject links")]
        indexes = [
            # The API's `ordering=created_at` (with its id tiebreak) reads this index in order.
            models.Index(fields=["created_at", "id"], name="billlink_created_at_order"),
            # And its default order this one (recommendations.selectors.bill_link_list).
            models.Index(fields=["position", "bill", "measure", "id"], name="billlink_report_order"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["recommendation", "bill"], name="unique_link_per_recommendation_bill"),
            models.UniqueConstraint(
                fields=["recommendation", "measure"], name="unique_link_per_recommendation_measure"
            ),
            models.CheckConstraint(
                condition=models.Q(bill__isnull=False, measure__isnull=True)
                | models.Q(bill__isnull=True, measure__isnull=False),
                name="link_has_bill_or_measure",
                violation_error_message="Link a bill or a measure: exactly one of the two.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill or self.measure} {self.effect} {self.recommendation.code}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "recommendation" in update_fields or "recommendation_id" in update_fields:
            self.position = (
                Recommendation.objects.with_position()
                .filter(pk=self.recommendation_id)
                .values_list("position", flat=True)
                .first()
                or 0
            )
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "position"}
        super().save(*args, **kwargs)

    @property
    def subject(self) -> Bill | Measure | None:
        """The bill or the measure linked."""
        return self.bill or self.measure

    @property
    def jurisdiction(self) -> Jurisdiction | None:
        subject = self.subject
        return subject.jurisdiction if subject is not None else None


class ProgressStatus(models.TextChoices):
    ACHIEVED = "achieved", "Achieved"
    PARTIAL = "partial", "Partial"
    IN_PROGRESS = "in_progress", "In progress"
    STALLED = "stalled", "Stalled"
    AT_RISK = "at_risk", "At risk"
    REGRESSED = "regressed", "Regressed"
    NO_ACTION = "no_action", "No action"


class ProgressBasis(models.TextChoices):
    COMPUTED = "computed", "Computed from links"
    REVIEWED = "reviewed", "Reviewed by staff"


class Progress(Reviewed):
    """Where a recommendation stands in one jurisdiction.

    A staff override (`basis: reviewed`) made under review is first stored as a proposal (`proposed_status`,
    `proposed_reason`, `proposed_evidence_url`, by `submitted_by` at `submitted_at`) with `review_status: pending`; the
    public status, reason and evidence change only when a Reviewer other than its author approves it. Without a
    proposal waiting, `review_status` says how the last one was decided (`approved` by default).
    """

    # Progress belongs to its recommendation; a jurisdiction with recorded progress cannot be deleted by accident.
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="progress")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="progress")
    status = models.CharField(max_length=20, choices=ProgressStatus.choices, default=ProgressStatus.NO_ACTION)
    basis = models.CharField(max_length=20, choices=ProgressBasis.choices, default=ProgressBasis.COMPUTED)
    computed_status = models.CharField(
        max_length=20,
        choices=ProgressStatus.choices,
        default=ProgressStatus.NO_ACTION,
        help_text="What the rule gives from the links, kept even when staff override the status.",
    )
    reason = models.TextField(blank=True)
    evidence_url = models.URLField(max_length=1000, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    proposed_status = models.CharField(max_length=20, choices=ProgressStatus.choices, blank=True)
    proposed_reason = models.TextField(blank=True)
    proposed_evidence_url = models.URLField(max_length=1000, blank=True)

    history = HistoricalRecords()
    objects = ReviewedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "progress"
        permissions = [("review_progress", "Can approve or reject progress overrides")]
        ordering = ["recommendation", "jurisdiction"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "jurisdiction"], name="unique_progress_per_recommendation_jurisdiction"
            ),
            models.CheckConstraint(
                condition=models.Q(basis=ProgressBasis.COMPUTED) | ~models.Q(reason="") & ~models.Q(evidence_url=""),
                name="reviewed_progress_has_reason_and_evidence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation.code} in {self.jurisdiction.code}: {self.status}"


# --- Discovery and triage (recommendations/discovery.py) --------------------------------------------------------


class SavedSearch(models.Model):
    """Keywords that find bills bearing on a recommendation; discovery runs them and queues what it finds.

    ``keywords``: one term or phrase per line (or comma-separated). A bill matches any of them: they are sent as
    ``"term one" OR "term two"`` to Open States and LegiScan full-text search, and matched against bill titles
    for Congress.gov (whose API has no text search).
    """

    # A saved search exists for its recommendation.
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=200, blank=True)
    keywords = models.TextField(help_text="One term or phrase per line, or separated by commas.")
    jurisdictions = models.ManyToManyField(
        Jurisdiction, blank=True, related_name="+", help_text="Leave empty to search everywhere."
    )
    sources = models.JSONField(
        default=list, blank=True, help_text='Source codes such as ["openstates", "legiscan"]; empty means all.'
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["recommendation", "name", "id"]
        verbose_name_plural = "saved searches"

    def __str__(self) -> str:
        return self.name or f"{self.recommendation.code}: {self.keywords[:60]}"

    @property
    def terms(self) -> list[str]:
        """The keywords, one per term, blanks and duplicates dropped."""
        seen: dict[str, None] = {}
        for line in self.keywords.replace(",", "\n").splitlines():
            term = " ".join(line.split()).strip("\"'")
            if term:
                seen.setdefault(term, None)
        return list(seen)

    def runs_on(self, source: str) -> bool:
        return not self.sources or source in self.sources


class TriageStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class TriageCandidateQuerySet(models.QuerySet["TriageCandidate"]):
    def pending(self) -> TriageCandidateQuerySet:
        return self.filter(status=TriageStatus.PENDING)

    def for_list(self) -> TriageCandidateQuerySet:
        return self.select_related("recommendation", "bill__jurisdiction", "bill__session", "saved_search")


class TriageCandidate(models.Model):
    """A bill discovery found for a recommendation, waiting for staff to link it (accept) or not (reject).

    Discovery only ever adds candidates; a link is made by a person. A rejected bill is not queued again.
    """

    # A candidate belongs to its recommendation; a bill with candidates goes with them (nothing was decided on it
    # that a link does not record).
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="triage_candidates")
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="triage_candidates")
    # The search may be edited or deleted later; what it found stays.
    saved_search = models.ForeignKey(
        SavedSearch, null=True, blank=True, on_delete=models.SET_NULL, related_name="candidates"
    )
    source = models.CharField(max_length=20, blank=True)
    query = models.CharField(max_length=500, blank=True, help_text="The search that found the bill.")
    first_seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_seen_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=TriageStatus.choices, default=TriageStatus.PENDING)
    # Accounts may be removed; the decision stays, unattributed.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    objects = TriageCandidateQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "-first_seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["recommendation", "bill"], name="unique_candidate_per_recommendation_bill")
        ]

    def __str__(self) -> str:
        return f"{self.bill} for {self.recommendation.code} ({self.status})"
