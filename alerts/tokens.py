"""Signed links in alert emails (django.core.signing, keyed by SECRET_KEY).

A confirmation link expires (ALERTS_CONFIRM_DAYS); unsubscribe and manage links in sent emails work as long as the
email is kept, so they carry no timestamp. Each purpose has its own salt: one kind of link never opens another.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing

CONFIRM = "alerts.confirm"
UNSUBSCRIBE = "alerts.unsubscribe"
MANAGE = "alerts.manage"


def confirm_token(*, subscription_id: int, email: str) -> str:
    return signing.TimestampSigner(salt=CONFIRM).sign_object({"s": subscription_id, "e": email})


def confirm_token_read(token: str) -> tuple[int, str] | None:
    """(subscription id, email) of a confirmation link, or None when it is forged or expired."""
    try:
        value = signing.TimestampSigner(salt=CONFIRM).unsign_object(
            token, max_age=timedelta(days=settings.ALERTS_CONFIRM_DAYS)
        )
    except signing.BadSignature:  # SignatureExpired is one
        return None
    return int(value["s"]), str(value["e"])


def unsubscribe_token(*, subscription_id: int) -> str:
    return signing.Signer(salt=UNSUBSCRIBE).sign_object({"s": subscription_id})


def unsubscribe_token_read(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=UNSUBSCRIBE).unsign_object(token)["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def manage_token(*, email: str) -> str:
    return signing.Signer(salt=MANAGE).sign_object({"e": email})


def manage_token_read(token: str) -> str | None:
    try:
        return str(signing.Signer(salt=MANAGE).unsign_object(token)["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
