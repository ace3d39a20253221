"""Alert pages: subscribe (the form included on jurisdiction, recommendation and bill pages), confirm, unsubscribe
and manage. Every link in an email is signed (alerts/tokens.py); nothing here needs an account.

The subscribe form is posted without a CSRF token: it sits on pages cached for every reader (tracker/pages.py),
and a forged post can only ask for a confirmation email, which is rate-limited and does nothing unless followed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .emails import target_label
from .forms import FrequencyForm, SubscribeForm
from .models import Frequency, Subscription
from .selectors import subscription_list_for_email
from .services import (
    subscription_confirm,
    subscription_frequency_set,
    subscription_request,
    subscription_unsubscribe,
)
from .targets import target_from_key, target_key, target_kind_of
from .tokens import confirm_token_read, manage_token, manage_token_read, unsubscribe_token_read

RATE_WINDOW = 3600  # seconds: ALERTS_SUBSCRIBE_RATE_PER_IP requests per address in this window


def rate_limited(request: HttpRequest) -> bool:
    """Count this request against its client address; True past ALERTS_SUBSCRIBE_RATE_PER_IP an hour."""
    key = f"alerts:subscribe:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=RATE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW)
        count = 1
    return count > settings.ALERTS_SUBSCRIBE_RATE_PER_IP


@csrf_exempt
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    """GET `?target=jurisdiction:ca`: the form on a page of its own; POST: ask for alerts (a confirmation email)."""
    template = "partials/subscribe.html" if request.htmx else "alerts/subscribe.html"
    if request.method == "GET":
        target = target_from_key(request.GET.get("target", ""))
        if target is None:
            raise Http404("Nothing to follow")
        form = SubscribeForm(initial={"target": target_key(target)})
        return render(request, template, {"form": form, "target_key": target_key(target), "label": _label(target)})
    form = SubscribeForm(request.POST)
    # htmx swaps in only 2xx answers: to it, the fragment that says what went wrong comes with 200.
    htmx_ok = 200 if request.htmx else None
    if rate_limited(request):
        response = render(
            request,
            template,
            {"form": form, "limited": True, "target_key": request.POST.get("target", "")},
            status=htmx_ok or 429,
        )
        response["Retry-After"] = str(RATE_WINDOW)
        return response
    if not form.is_valid():
        context = {"form": form, "target_key": request.POST.get("target", "")}
        return render(request, template, context, status=htmx_ok or 400)
    target = form.cleaned_data["target"]
    subscription_request(email=form.cleaned_data["email"], target=target, frequency=form.cleaned_data["frequency"])
    return render(
        request,
        template,
        {"done": True, "email": form.cleaned_data["email"], "target_key": target_key(target), "label": _label(target)},
    )


def _label(target: object) -> str:
    kind = target_kind_of(target)
    return kind.label(target) if kind else ""


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    read = confirm_token_read(token)
    subscription = subscription_confirm(subscription_id=read[0], email=read[1]) if read else None
    if subscription is None:
        return render(request, "alerts/link_invalid.html", {"what": "confirmation"}, status=400)
    return render(
        request,
        "alerts/confirmed.html",
        {
            "subscription": subscription,
            "label": target_label(subscription),
            "manage_token": manage_token(email=subscription.email),
        },
    )


@csrf_exempt  # RFC 8058 one-click: mail clients POST `List-Unsubscribe=One-Click` with no token but the link's
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    pk = unsubscribe_token_read(token)
    subscription = subscription_unsubscribe(subscription_id=pk) if pk is not None else None
    if subscription is None:
        return render(request, "alerts/link_invalid.html", {"what": "unsubscribe"}, status=400)
    return render(
        request,
        "alerts/unsubscribed.html",
        {
            "subscription": subscription,
            "label": target_label(subscription),
            "manage_token": manage_token(email=subscription.email),
        },
    )


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    email = manage_token_read(token)
    if email is None:
        return render(request, "alerts/link_invalid.html", {"what": "manage"}, status=400)
    message = ""
    if request.method == "POST":
        form = FrequencyForm(request.POST)
        if form.is_valid():
            subscription = Subscription.objects.filter(pk=form.cleaned_data["subscription"], email=email).first()
            if subscription is not None:
                if form.cleaned_data["action"] == "unsubscribe":
                    subscription_unsubscribe(subscription_id=subscription.pk)
                    message = f"You will no longer get alerts about {target_label(subscription)}."
                elif form.cleaned_data["frequency"]:
                    subscription_frequency_set(subscription=subscription, frequency=form.cleaned_data["frequency"])
                    message = f"Alerts about {target_label(subscription)}: {subscription.get_frequency_display()}."
    rows = [
        {"subscription": subscription, "label": target_label(subscription)}
        for subscription in subscription_list_for_email(email=email)
    ]
    return render(
        request,
        "alerts/manage.html",
        {"email": email, "rows": rows, "frequencies": Frequency.choices, "message": message},
    )
