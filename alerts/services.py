"""Writes of the alerts app: subscriptions, the emails sent to them, and webhook deliveries.

Each sender locks its subscription or webhook row while it reads what is unsent, sends and records it, so two
workers never send the same change twice; an email whose sending fails records nothing (the transaction rolls
back) and its task retries.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from .emails import confirmation_send, email_send, target_label
from .models import (
    AlertEmail,
    EmailKind,
    Frequency,
    Subscription,
    SubscriptionStatus,
    Webhook,
    WebhookDelivery,
)
from .selectors import (
    change_items,
    subscription_immediate_since,
    subscription_sent_ids,
    target_changes,
    webhook_changes,
)
from .webhooks import WebhookFailed, signature_header

# --- Subscriptions ----------------------------------------------------------------------------------------------


def email_normalise(email: str) -> str:
    return email.strip().lower()


@transaction.atomic
def subscription_request(*, email: str, target: Model, frequency: str) -> Subscription:
    """Someone asked for alerts: a pending subscription (or the existing one) and, unless this address had its
    daily share of confirmation emails (ALERTS_CONFIRMATIONS_PER_EMAIL), a confirmation email. A confirmed
    subscription is not changed by a form anyone can post: its address gets the email again, whose link leads to
    the page that manages it."""
    email = email_normalise(email)
    if frequency not in Frequency.values:
        raise ValueError(f"unknown frequency {frequency!r}")
    subscription, _ = Subscription.objects.select_for_update().get_or_create(
        email=email,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        defaults={"frequency": frequency},
    )
    if subscription.status != SubscriptionStatus.CONFIRMED:
        subscription.status = SubscriptionStatus.PENDING
        subscription.frequency = frequency
        subscription.save(update_fields=["status", "frequency"])
    day_ago = timezone.now() - timedelta(days=1)
    sent = AlertEmail.objects.filter(
        subscription__email=email, kind=EmailKind.CONFIRMATION, created_at__gte=day_ago
    ).count()
    if sent < settings.ALERTS_CONFIRMATIONS_PER_EMAIL:
        from .tasks import send_confirmation

        send_confirmation.delay_on_commit(subscription.pk)
    return subscription


@transaction.atomic
def confirmation_deliver(*, subscription_id: int) -> bool:
    """Send the confirmation email of a subscription and record it. False when there is nothing to send."""
    subscription = Subscription.objects.select_for_update().filter(pk=subscription_id).first()
    if subscription is None or subscription.status == SubscriptionStatus.UNSUBSCRIBED:
        return False
    AlertEmail.objects.create(subscription=subscription, kind=EmailKind.CONFIRMATION)
    confirmation_send(subscription=subscription)
    return True


@transaction.atomic
def subscription_confirm(*, subscription_id: int, email: str) -> Subscription | None:
    """Follow a confirmation link: the subscription starts (alerts cover changes from now on). Idempotent."""
    subscription = Subscription.objects.select_for_update().filter(pk=subscription_id, email=email).first()
    if subscription is None:
        return None
    if subscription.status != SubscriptionStatus.CONFIRMED:
        subscription.status = SubscriptionStatus.CONFIRMED
        subscription.confirmed_at = timezone.now()
        subscription.unsubscribed_at = None
        subscription.save(update_fields=["status", "confirmed_at", "unsubscribed_at"])
    return subscription


@transaction.atomic
def subscription_unsubscribe(*, subscription_id: int) -> Subscription | None:
    """Stop a subscription (kept, as unsubscribed, so the record of what was sent stays). Idempotent."""
    subscription = Subscription.objects.select_for_update().filter(pk=subscription_id).first()
    if subscription is None:
        return None
    if subscription.status != SubscriptionStatus.UNSUBSCRIBED:
        subscription.status = SubscriptionStatus.UNSUBSCRIBED
        subscription.unsubscribed_at = timezone.now()
        subscription.save(update_fields=["status", "unsubscribed_at"])
    return subscription


@transaction.atomic
def subscription_frequency_set(*, subscription: Subscription, frequency: str) -> Subscription:
    if frequency not in Frequency.values:
        raise ValueError(f"unknown frequency {frequency!r}")
    subscription.frequency = frequency
    subscription.save(update_fields=["frequency"])
    return subscription


# --- Alert emails -----------------------------------------------------------------------------------------------


@transaction.atomic
def immediate_deliver(*, subscription_id: int) -> int:
    """Email a confirmed immediate subscription the changes of its target it has not been sent yet. Returns how
    many changes were sent (0: nothing new, or no such subscription)."""
    subscription = (
        Subscription.objects.confirmed()
        .select_for_update()
        .filter(pk=subscription_id, frequency=Frequency.IMMEDIATE)
        .first()
    )
    if subscription is None or subscription.target is None:
        return 0
    since = subscription_immediate_since(subscription=subscription)
    changes = target_changes(
        target=subscription.target,
        since=since,
        skip=subscription_sent_ids(subscription=subscription, since=since),
    )
    if not changes.rows:
        return 0
    AlertEmail.objects.create(
        subscription=subscription,
        kind=EmailKind.IMMEDIATE,
        change_ids=changes.ids,
        newest_change_at=changes.newest_at,
    )
    email_send(
        subscription=subscription,
        template="changes",
        subject=_subject(changes.rows, target_label(subscription)),
        context={"items": change_items(changes.rows), "more": changes.more, "heading": "New changes"},
    )
    return len(changes.rows)


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # the day after the period

    def bounds(self) -> tuple[datetime, datetime]:
        return (
            datetime.combine(self.start, datetime.min.time(), tzinfo=UTC),
            datetime.combine(self.end, datetime.min.time(), tzinfo=UTC),
        )


def digest_period(*, frequency: str, start: date | None = None, today: date | None = None) -> Period:
    """The period a digest covers: the day or the week (Monday to Sunday, UTC) starting at `start`, or by default
    the last whole one before `today`."""
    days = 7 if frequency == Frequency.WEEKLY else 1
    if start is None:
        today = today or timezone.now().date()
        current = today - timedelta(days=today.weekday()) if days == 7 else today
        start = current - timedelta(days=days)
    elif days == 7:
        start -= timedelta(days=start.weekday())
    return Period(start, start + timedelta(days=days))


@transaction.atomic
def digest_deliver(*, subscription_id: int, frequency: str, period_start: date) -> int | None:
    """Send one subscription its digest of one period, once: the period is recorded (an empty one too, without an
    email). Returns how many changes were sent, or None when it was done before or is not due."""
    subscription = (
        Subscription.objects.confirmed().select_for_update().filter(pk=subscription_id, frequency=frequency).first()
    )
    if subscription is None or frequency not in (Frequency.DAILY, Frequency.WEEKLY):
        return None
    period = digest_period(frequency=frequency, start=period_start)
    if AlertEmail.objects.filter(subscription=subscription, kind=frequency, period_start=period.start).exists():
        return None
    if subscription.target is None:
        return None
    since, until = period.bounds()
    changes = target_changes(target=subscription.target, since=since, until=until)
    AlertEmail.objects.create(
        subscription=subscription,
        kind=frequency,
        period_start=period.start,
        change_ids=changes.ids,
        newest_change_at=changes.newest_at,
        sent=bool(changes.rows),
    )
    if changes.rows:
        label = "Daily" if frequency == Frequency.DAILY else "Weekly"
        email_send(
            subscription=subscription,
            template="changes",
            subject=f"{label} digest: " + _subject(changes.rows, target_label(subscription)),
            context={
                "items": change_items(changes.rows),
                "more": changes.more,
                "heading": f"{label} digest, {period.start:%b %-d, %Y}"
                + (f" to {period.end - timedelta(days=1):%b %-d, %Y}" if frequency == Frequency.WEEKLY else ""),
            },
        )
    return len(changes.rows)


def _subject(rows: list[dict], label: str) -> str:
    setbacks = sum(1 for row in rows if row.get("threat"))
    count = f"{len(rows)} change{'s' if len(rows) != 1 else ''}"
    if setbacks:
        count += f", {setbacks} setback{'s' if setbacks != 1 else ''}"
    return f"{count}: {label}"


# --- Webhooks ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebhookOutcome:
    sent: int  # changes in the batch (0: nothing to send, or the webhook is disabled)
    success: bool
    more: bool  # another batch waits


def webhook_payload(*, webhook: Webhook, rows: list[dict], delivery_id: str) -> bytes:
    changes = [{key: value for key, value in row.items() if key != "pk"} for row in rows]
    body = {"event": "changes", "delivery": delivery_id, "webhook": webhook.pk, "changes": changes}
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def webhook_deliver(*, webhook_id: int, attempt: int = 1) -> WebhookOutcome:
    """POST the next batch of unsent changes to a webhook and log the attempt. A failure counts towards the
    webhook's consecutive failures; at ALERTS_WEBHOOK_DISABLE_AFTER it is disabled (staff enable it again)."""
    with transaction.atomic():
        webhook = Webhook.objects.select_for_update().filter(pk=webhook_id, enabled=True).first()
        if webhook is None:
            return WebhookOutcome(0, True, False)
        changes = webhook_changes(webhook_id=webhook.pk, created_at=webhook.created_at, targets=webhook.targets)
        if not changes.rows:
            return WebhookOutcome(0, True, False)
        delivery_id = str(uuid.uuid4())
        body = webhook_payload(webhook=webhook, rows=changes.rows, delivery_id=delivery_id)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "recommendation-tracker-webhooks/1",
            "X-Tracker-Event": "changes",
            "X-Tracker-Delivery": delivery_id,
            "X-Tracker-Signature": signature_header(secret=webhook.secret, timestamp=timestamp, body=body),
        }
        status_code, error = None, ""
        started = time.monotonic()
        try:
            response = httpx.post(webhook.url, content=body, headers=headers, timeout=settings.ALERTS_WEBHOOK_TIMEOUT)
            status_code = response.status_code
            if not response.is_success:
                error = f"HTTP {response.status_code}: {response.text[:500]}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
        duration_ms = int((time.monotonic() - started) * 1000)
        success = not error
        WebhookDelivery.objects.create(
            webhook=webhook,
            attempt=attempt,
            success=success,
            status_code=status_code,
            duration_ms=duration_ms,
            error=error,
            change_ids=changes.ids,
            newest_change_at=changes.newest_at,
        )
        if success:
            webhook.consecutive_failures = 0
        else:
            webhook.consecutive_failures += 1
            if webhook.consecutive_failures >= settings.ALERTS_WEBHOOK_DISABLE_AFTER:
                webhook.enabled = False
                webhook.disabled_at = timezone.now()
        webhook.save(update_fields=["consecutive_failures", "enabled", "disabled_at"])
    if not success and webhook.enabled:
        raise WebhookFailed(error)
    return WebhookOutcome(len(changes.rows), success, bool(changes.more) and success)


@transaction.atomic
def webhook_enable(*, webhook: Webhook) -> Webhook:
    """Staff turn a disabled webhook back on: its failures are forgotten and what it missed is sent."""
    webhook.enabled = True
    webhook.consecutive_failures = 0
    webhook.disabled_at = None
    webhook.save(update_fields=["enabled", "consecutive_failures", "disabled_at"])
    from .tasks import deliver_webhook

    deliver_webhook.delay_on_commit(webhook.pk)
    return webhook
