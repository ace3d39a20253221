"""Alert emails: plain text with an HTML alternative, each with a signed one-click unsubscribe link (in the body and
in the List-Unsubscribe header, RFC 2369 and RFC 8058) and a link to manage every alert of the address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Subscription
from .targets import target_kind_of
from .tokens import confirm_token, manage_token, unsubscribe_token


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def target_label(subscription: Subscription) -> str:
    target = subscription.target
    kind = target_kind_of(target) if target is not None else None
    return kind.label(target) if kind else "something no longer tracked"


def subscription_links(subscription: Subscription) -> dict[str, str]:
    return {
        "unsubscribe_url": absolute(
            reverse("alerts:unsubscribe", kwargs={"token": unsubscribe_token(subscription_id=subscription.pk)})
        ),
        "manage_url": absolute(reverse("alerts:manage", kwargs={"token": manage_token(email=subscription.email)})),
    }


def email_send(*, subscription: Subscription, template: str, subject: str, context: dict[str, Any]) -> None:
    """Render `alerts/email/<template>.txt` and `.html` and send them to the subscription's address."""
    links = subscription_links(subscription)
    context = {
        **context,
        **links,
        "subscription": subscription,
        "target_label": target_label(subscription),
        "site_url": settings.SITE_URL,
    }
    text = render_to_string(f"alerts/email/{template}.txt", context)
    html = render_to_string(f"alerts/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:200],  # a header: no line breaks from an imported title
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscription.email],
        headers={
            "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    message.send()


def confirmation_send(*, subscription: Subscription) -> None:
    token = confirm_token(subscription_id=subscription.pk, email=subscription.email)
    email_send(
        subscription=subscription,
        template="confirm",
        subject=f"Confirm your alerts: {target_label(subscription)}",
        context={
            "confirm_url": absolute(reverse("alerts:confirm", kwargs={"token": token})),
            "confirm_days": settings.ALERTS_CONFIRM_DAYS,
        },
    )
