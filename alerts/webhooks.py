"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>" with the webhook's secret, sent as
`X-Tracker-Signature: t=<unix seconds>,v1=<hex digest>`. Receivers recompute it and reject old timestamps
(README "Alerts" has a receiver's snippet); `signature_verify` is the same check, for tests and tools."""

from __future__ import annotations

import hashlib
import hmac
import time


class WebhookFailed(Exception):
    """A POST to a webhook failed (a network error or a status other than 2xx): the task retries with backoff."""


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"


def signature_verify(*, secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None) -> bool:
    """Whether `header` signs `body` with `secret` and is at most `tolerance` seconds old (replays are refused)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, parts.get("v1", ""))
