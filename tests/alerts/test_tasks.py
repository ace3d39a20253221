"""Alerts end to end on a real Celery worker and the real broker (Redis), emails in Django's locmem outbox (the
in-process worker shares it): subscribe, confirm, changes happen (a regression among them), the immediate alert
and the digest tell it first, the unsubscribe link stops them; webhooks POST signed JSON to a local receiver, a
failing receiver is retried with backoff, disabled after the limit, and enabled again by staff."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from alerts.models import AlertEmail, Subscription, SubscriptionStatus, Webhook, WebhookDelivery
from alerts.tasks import QUEUED_KEY, send_digests
from legislation.choices import Stage
from tests.factories import UserFactory
from tracker.celery import app, ping

from .conftest import SCRIPT_TITLE, link_to, stage_move

SUBSCRIBE = "/alerts/subscribe/"


def wait_for(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def drain() -> None:
    """Wait until the worker has run every task queued so far (the solo pool runs them one at a time, in order)."""
    assert ping.delay("drained").get(timeout=30) == "drained"


@pytest.fixture
def worker(transactional_db):
    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).flushdb()  # the suite's own broker database
    cache.delete(QUEUED_KEY)
    app.loader.import_default_modules()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        yield


def bullets(message) -> list[str]:
    return [line for line in message.body.splitlines() if line.startswith("- ")]


@pytest.mark.worker
def test_subscribe_confirm_alert_digest_and_unsubscribe(world, worker, client):
    cache.delete("alerts:subscribe:127.0.0.1")
    for target, frequency in (("jurisdiction:zz", "immediate"), ("recommendation:PM-9", "daily")):
        response = client.post(SUBSCRIBE, {"email": "reader@example.org", "target": target, "frequency": frequency})
        assert response.status_code == 200
    wait_for(lambda: len(mail.outbox) == 2, "two confirmation emails")
    assert all(message.to == ["reader@example.org"] for message in mail.outbox)
    for message in mail.outbox:  # a scanner opens the links first: that confirms nothing
        assert client.get(link_to(message, "confirm")).status_code == 200
    assert not Subscription.objects.filter(status=SubscriptionStatus.CONFIRMED).exists()
    for message in mail.outbox:  # the reader opens the link and presses the button
        assert client.post(link_to(message, "confirm")).status_code == 200
    assert Subscription.objects.filter(status=SubscriptionStatus.CONFIRMED).count() == 2

    stage_move(world.regressing, Stage.ENACTED)  # the regressing bill becomes law: PM-9 regressed in Zedland
    stage_move(world.advancing, Stage.IN_COMMITTEE)  # the newest change, and no setback
    wait_for(lambda: sum(len(bullets(message)) for message in mail.outbox[2:]) >= 3, "the immediate alert")
    drain()
    immediate = mail.outbox[2:]
    alerted = [line for message in immediate for line in bullets(message)]
    assert len(alerted) == len(set(alerted)) == 3  # each change once, however the commits were grouped
    with_regression = next(message for message in immediate if any("REGRESSION" in line for line in bullets(message)))
    assert bullets(with_regression)[0] == "- REGRESSION: PM-9 in Zedland: first status Regressed"
    assert with_regression.subject.endswith("setbacks: Zedland")
    html = with_regression.alternatives[0][0]
    assert "&lt;script&gt;" in html
    assert "<script>" not in html

    today = timezone.now().date().isoformat()
    assert send_digests.delay("daily", today).get(timeout=30) == 1
    drain()
    assert send_digests.delay("daily", today).get(timeout=30) == 1  # queued again: sent once all the same
    drain()
    digests = [message for message in mail.outbox if message.subject.startswith("Daily digest")]
    assert len(digests) == 1
    assert bullets(digests[0]) == [
        "- REGRESSION: PM-9 in Zedland: first status Regressed",
        "- REGRESSING BILL: ZZ SB 7 moved from In committee to Enacted",
        "- ZZ HB 3 moved from Introduced to In committee",
    ]
    assert AlertEmail.objects.filter(kind="daily").count() == 1

    unsubscribe = link_to(immediate[0], "unsubscribe")
    assert immediate[0].extra_headers["List-Unsubscribe"].endswith(unsubscribe + ">")
    assert client.get(unsubscribe).status_code == 200  # the page with the button: still subscribed
    assert Subscription.objects.filter(status=SubscriptionStatus.CONFIRMED).count() == 2
    assert client.post(unsubscribe).status_code == 200
    sent = len(mail.outbox)
    stage_move(world.advancing, Stage.PASSED_ORIGIN)
    time.sleep(django_settings.ALERTS_DISPATCH_DELAY + 0.5)
    drain()
    drain()
    assert len(mail.outbox) == sent  # unsubscribed: no more alerts


# --- Webhooks -----------------------------------------------------------------------------------------------------


class Receiver:
    """A webhook receiver on 127.0.0.1 that checks each POST's signature as README "Alerts" tells receivers to."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.status = 200
        self.posts: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append(
                    {
                        "at": time.monotonic(),
                        "verified": receiver.verify(self.headers.get("X-Tracker-Signature", ""), body),
                        "headers": dict(self.headers),
                        "body": json.loads(body),
                        "status": receiver.status,
                    }
                )
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/tracker"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verify(self, header: str, body: bytes, tolerance: int = 300) -> bool:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
        if abs(time.time() - timestamp) > tolerance:
            return False
        expected = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
def receiver():
    receiver = Receiver(secret="whsec-test-0123456789")
    yield receiver
    receiver.server.shutdown()


@pytest.mark.worker
def test_webhook_signed_retried_with_backoff_disabled_and_enabled_again(world, worker, receiver, client, settings):
    settings.ALERTS_WEBHOOK_DISABLE_AFTER = 3
    webhook = Webhook.objects.create(organisation="Advocates", url=receiver.url, secret=receiver.secret)

    stage_move(world.regressing, Stage.PASSED_ORIGIN)
    wait_for(lambda: receiver.posts, "the first POST")
    drain()
    (post,) = receiver.posts
    assert post["verified"]
    assert post["headers"]["X-Tracker-Event"] == "changes"
    changes = post["body"]["changes"]
    assert {change["kind"] for change in changes} == {"stage", "progress"}
    stage = next(change for change in changes if change["kind"] == "stage")
    assert (stage["identifier"], stage["to_stage"], stage["threat"], stage["bill_title"]) == (
        "SB 7",
        "passed_origin",
        True,
        SCRIPT_TITLE,
    )

    receiver.status = 500
    stage_move(world.advancing, Stage.IN_COMMITTEE)
    wait_for(lambda: not Webhook.objects.get(pk=webhook.pk).enabled, "the webhook to be disabled", timeout=40)
    failed = receiver.posts[1:]
    assert [item["status"] for item in failed] == [500, 500, 500]
    assert all(item["verified"] for item in failed)
    gaps = [later["at"] - earlier["at"] for earlier, later in itertools.pairwise(failed)]
    # A retry never runs before its countdown: at least 1 s, then at least 2 s (exponential backoff).
    assert gaps[0] >= 0.9
    assert gaps[1] >= 1.9
    log = list(
        WebhookDelivery.objects.filter(webhook=webhook)
        .order_by("created_at")
        .values("attempt", "success", "status_code")
    )
    assert log == [
        {"attempt": 1, "success": True, "status_code": 200},
        {"attempt": 1, "success": False, "status_code": 500},
        {"attempt": 2, "success": False, "status_code": 500},
        {"attempt": 3, "success": False, "status_code": 500},
    ]
    assert "HTTP 500" in WebhookDelivery.objects.filter(success=False).first().error

    stage_move(world.advancing, Stage.PASSED_ORIGIN)  # while disabled: nothing is POSTed
    time.sleep(settings.ALERTS_DISPATCH_DELAY + 0.5)
    drain()
    drain()
    assert len(receiver.posts) == 4

    receiver.status = 200
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/alerts/webhook/", {"action": "enable", "_selected_action": [webhook.pk]}, follow=True
    )
    assert response.status_code == 200
    wait_for(lambda: len(receiver.posts) == 5, "the POST of what was missed")
    drain()
    caught_up = receiver.posts[4]
    assert caught_up["status"] == 200
    assert caught_up["verified"]
    stages = [change["to_stage"] for change in caught_up["body"]["changes"] if change["kind"] == "stage"]
    assert stages == ["in_committee", "passed_origin"]  # both changes it missed, in feed order
    webhook.refresh_from_db()
    assert (webhook.enabled, webhook.consecutive_failures, webhook.disabled_at) == (True, 0, None)
