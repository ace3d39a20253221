"""Alert tasks: small, ids in, idempotent (each records what it sent and skips what was sent).

`changes_recorded` runs when a change is committed (alerts/receivers.py) and fans out one task per immediate
subscription and per enabled webhook; beat runs `send_digests` daily and weekly (migration 0002), which fans out
one task per subscription. Emails retry on transient mail errors; webhooks retry with exponential backoff by
Celery's `autoretry_for`/`retry_backoff`: the wait happens on the broker, so a slow or failing receiver holds no
worker and no database lock between attempts, and a retry survives a worker restart (tenacity would sleep inside
the task).
"""

from __future__ import annotations

import smtplib
from datetime import date

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from .webhooks import WebhookFailed

# Mail servers fail transiently (connection refused, 4xx); SMTPException covers what smtplib raises.
MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


QUEUED_KEY = "alerts:changes-recorded-queued"


def changes_recorded_queue() -> None:
    """Queue `changes_recorded` in ALERTS_DISPATCH_DELAY seconds unless one is queued and not started yet: that
    one will see this change too (its tasks read the changefeed when they run). A burst of commits, one task."""
    delay = settings.ALERTS_DISPATCH_DELAY
    if cache.add(QUEUED_KEY, 1, timeout=delay + 60):
        changes_recorded.apply_async(countdown=delay)


@shared_task(name="alerts.changes_recorded", time_limit=120, soft_time_limit=100)
def changes_recorded() -> dict[str, int]:
    """Changes were committed: every immediate subscription and every webhook in good standing gets a task that
    sends what it has not been sent (most find nothing: their target did not change). A failing webhook is left to
    its own retries, which send whatever is unsent when they run."""
    from .models import Frequency, Subscription, Webhook

    cache.delete(QUEUED_KEY)  # from here on a new change queues a new task
    subscriptions = list(
        Subscription.objects.confirmed().filter(frequency=Frequency.IMMEDIATE).values_list("pk", flat=True)
    )
    webhooks = list(Webhook.objects.filter(enabled=True, consecutive_failures=0).values_list("pk", flat=True))
    for pk in subscriptions:
        send_immediate.delay(pk)
    for pk in webhooks:
        deliver_webhook.delay(pk)
    return {"subscriptions": len(subscriptions), "webhooks": len(webhooks)}


# Each email task: a lookup, a changefeed read and one email; a minute is plenty even with a slow mail server.
@shared_task(
    name="alerts.send_confirmation",
    autoretry_for=MAIL_ERRORS,
    retry_backoff=60,
    max_retries=5,
    time_limit=90,
    soft_time_limit=60,
)
def send_confirmation(subscription_id: int) -> bool:
    from .services import confirmation_deliver

    return confirmation_deliver(subscription_id=subscription_id)


@shared_task(
    name="alerts.send_immediate",
    autoretry_for=MAIL_ERRORS,
    retry_backoff=60,
    max_retries=5,
    time_limit=90,
    soft_time_limit=60,
)
def send_immediate(subscription_id: int) -> int:
    from .services import immediate_deliver

    return immediate_deliver(subscription_id=subscription_id)


@shared_task(name="alerts.send_digests", time_limit=300, soft_time_limit=240)
def send_digests(frequency: str, period_start: str | None = None) -> int:
    """One `send_digest` per confirmed subscription of `frequency` for the period starting `period_start` (ISO
    date), by default the last whole day or week. Sending twice sends nothing more: each period is recorded."""
    from .models import Subscription
    from .services import digest_period

    period = digest_period(frequency=frequency, start=date.fromisoformat(period_start) if period_start else None)
    pks = list(Subscription.objects.confirmed().filter(frequency=frequency).values_list("pk", flat=True))
    for pk in pks:
        send_digest.delay(pk, frequency, period.start.isoformat())
    return len(pks)


@shared_task(
    name="alerts.send_digest",
    autoretry_for=MAIL_ERRORS,
    retry_backoff=60,
    max_retries=5,
    time_limit=90,
    soft_time_limit=60,
)
def send_digest(subscription_id: int, frequency: str, period_start: str) -> int | None:
    from .services import digest_deliver

    return digest_deliver(
        subscription_id=subscription_id, frequency=frequency, period_start=date.fromisoformat(period_start)
    )


# One POST (ALERTS_WEBHOOK_TIMEOUT, 10 s by default) and two small queries: two minutes is far more than enough.
@shared_task(
    name="alerts.deliver_webhook",
    bind=True,
    autoretry_for=(WebhookFailed,),
    retry_backoff=settings.ALERTS_WEBHOOK_BACKOFF,
    retry_backoff_max=settings.ALERTS_WEBHOOK_BACKOFF_MAX,
    retry_jitter=settings.ALERTS_WEBHOOK_JITTER,
    max_retries=None,  # until it succeeds or the webhook is disabled (ALERTS_WEBHOOK_DISABLE_AFTER failures)
    time_limit=120,
    soft_time_limit=100,
)
def deliver_webhook(self, webhook_id: int) -> int:
    """POST the next batch of changes to a webhook; a failure is retried with exponential backoff; a full batch
    queues the next one."""
    from .services import webhook_deliver

    outcome = webhook_deliver(webhook_id=webhook_id, attempt=self.request.retries + 1)
    if outcome.more:
        deliver_webhook.delay(webhook_id)
    return outcome.sent
