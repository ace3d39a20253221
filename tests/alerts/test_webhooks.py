"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>", refused when old, tampered or signed with another
secret."""

from __future__ import annotations

import hashlib
import hmac

from alerts.webhooks import signature_header, signature_verify

BODY = b'{"event":"changes","changes":[]}'


def test_header_is_hmac_sha256_of_timestamp_dot_body():
    header = signature_header(secret="s3cret", timestamp=1700000000, body=BODY)
    expected = hmac.new(b"s3cret", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_verify_accepts_a_fresh_signature_and_refuses_replays_tampering_and_other_secrets():
    header = signature_header(secret="s3cret", timestamp=1700000000, body=BODY)
    assert signature_verify(secret="s3cret", header=header, body=BODY, now=1700000100)
    assert not signature_verify(secret="s3cret", header=header, body=BODY, now=1700000000 + 301)  # replayed later
    assert not signature_verify(secret="s3cret", header=header, body=BODY + b" ", now=1700000100)
    assert not signature_verify(secret="other", header=header, body=BODY, now=1700000100)
    assert not signature_verify(secret="s3cret", header="v1=abc", body=BODY, now=1700000100)
