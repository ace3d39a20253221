"""Signed links: a confirmation link expires, unsubscribe and manage links do not, and none opens another."""

from __future__ import annotations

import time

from alerts import tokens


def test_confirmation_link_round_trip():
    token = tokens.confirm_token(subscription_id=5, email="a@example.org")
    assert tokens.confirm_token_read(token) == (5, "a@example.org")


def test_confirmation_link_expires(settings, monkeypatch):
    token = tokens.confirm_token(subscription_id=5, email="a@example.org")
    later = time.time() + settings.ALERTS_CONFIRM_DAYS * 86400 + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert tokens.confirm_token_read(token) is None


def test_forged_or_tampered_links_are_refused():
    token = tokens.unsubscribe_token(subscription_id=5)
    assert tokens.unsubscribe_token_read(token) == 5
    assert tokens.unsubscribe_token_read(token[:-2] + "xx") is None
    assert tokens.unsubscribe_token_read("garbage") is None


def test_one_kind_of_link_does_not_open_another():
    unsubscribe = tokens.unsubscribe_token(subscription_id=5)
    assert tokens.confirm_token_read(unsubscribe) is None
    assert tokens.manage_token_read(unsubscribe) is None
    assert tokens.unsubscribe_token_read(tokens.manage_token(email="a@example.org")) is None
