"""The report, its recommendations, the bills linked to them and progress per jurisdiction.

Links and progress keep their full history (django-simple-history): who changed what, when and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
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


class EvidenceLevel(models.TextChoices):
    STATED = "S", "Stated in the report"


class RecommendationQuerySet(models.QuerySet["Recommendation"]):
    def top_level(self) -> RecommendationQuerySet:
        return self.filter(parent__isnull=True)

    def for_display(self) -> RecommendationQuerySet:
        return self.select_related("audience", "report").order_by("audience__order", "order")


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


class BillLinkQuerySet(models.QuerySet["BillLink"]):
    def for_list(self) -> BillLinkQuerySet:
        return self.select_related("recommendation", "bill__jurisdiction", "bill__session")


class BillLink(models.Model):
    """A bill bears on a recommendation, with an effect and the reason staff gave."""

    # A link is evidence: neither its recommendation nor its bill can be deleted while it exists.
    recommendation = models.ForeignKey(Recommendation, on_delete=models.PROTECT, related_name="links")
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="links")
    effect = models.CharField(max_length=20, choices=Effect.choices)
    rationale = models.TextField()
    evidence_url = models.URLField(max_length=1000, blank=True)
    # Accounts may be removed; what they did stays, unattributed.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = BillLinkQuerySet.as_manager()

    class Meta:
        ordering = ["recommendation", "bill"]
        constraints = [
            models.UniqueConstraint(fields=["recommendation", "bill"], name="unique_link_per_recommendation_bill")
        ]

    def __str__(self) -> str:
        return f"{self.bill} {self.effect} {self.recommendation.code}"


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


class Progress(models.Model):
    """Where a recommendation stands in one jurisdiction."""

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

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "progress"
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
