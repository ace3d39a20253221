"""Alerts: email subscriptions to a jurisdiction, a recommendation or a bill (alerts/targets.py), what was sent to
them, and organisations' webhooks with their delivery log."""

from __future__ import annotations

import secrets

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .targets import target_keys_validate


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", "As changes happen"
    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest"


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"


class SubscriptionQuerySet(models.QuerySet["Subscription"]):
    def confirmed(self) -> SubscriptionQuerySet:
        return self.filter(status=SubscriptionStatus.CONFIRMED)


class Subscription(models.Model):
    """One email address following one target (double opt-in: pending until the emailed link is followed)."""

    email = models.EmailField(max_length=254)
    # The target's kind; removing a kind of target from the tracker removes who followed it.
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    frequency = models.CharField(max_length=20, choices=Frequency.choices, default=Frequency.WEEKLY)
    status = models.CharField(max_length=20, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["email", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "target_type", "target_id"], name="unique_subscription_per_target"
            )
        ]
        indexes = [models.Index(fields=["status", "frequency"], name="alerts_sub_status_freq")]

    def __str__(self) -> str:
        return f"{self.email} -> {self.target_type.model} {self.target_id} ({self.frequency}, {self.status})"


class EmailKind(models.TextChoices):
    CONFIRMATION = "confirmation", "Confirmation"
    IMMEDIATE = "immediate", "Immediate alert"
    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest"


class AlertEmail(models.Model):
    """An email sent to a subscription (or, for an empty digest, the record that there was nothing to send): what
    keeps alerts from going out twice."""

    # The record of what someone was sent goes with their subscription.
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=20, choices=EmailKind.choices)
    period_start = models.DateField(null=True, blank=True, help_text="First day of a digest's period.")
    change_ids = models.JSONField(default=list, blank=True, help_text="Changefeed ids (stage-12, progress-3).")
    newest_change_at = models.DateTimeField(null=True, blank=True)
    sent = models.BooleanField(default=True, help_text="False for a digest period with no change: nothing sent.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "kind", "period_start"],
                condition=models.Q(period_start__isnull=False),
                name="one_digest_per_subscription_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.subscription.email} at {self.created_at:%Y-%m-%d %H:%M}"


def webhook_secret() -> str:
    return secrets.token_hex(32)


class Webhook(models.Model):
    """An organisation's endpoint, registered by staff: every change (or only those of the targets it names) is
    POSTed to it as signed JSON."""

    organisation = models.CharField(max_length=200)
    url = models.URLField(max_length=1000)
    secret = models.CharField(
        max_length=128, default=webhook_secret, help_text="Shared with the organisation: it signs every POST."
    )
    targets = models.JSONField(
        default=list,
        blank=True,
        validators=[target_keys_validate],
        help_text='Only the changes of these: ["jurisdiction:ca", "recommendation:PM-1", "bill:42", "measure:7"]. '
        "Empty: every change.",
    )
    enabled = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True, help_text="Set when failures reached the limit.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "id"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.url}"


class WebhookDelivery(models.Model):
    """One attempt to POST a batch of changes to a webhook."""

    # The log goes with its webhook.
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    attempt = models.PositiveSmallIntegerField(default=1, help_text="1 for the first try, then each retry.")
    success = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    change_ids = models.JSONField(default=list, blank=True)
    newest_change_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        outcome = "ok" if self.success else "failed"
        return f"{self.webhook.organisation} attempt {self.attempt} {outcome} ({self.status_code})"
