"""Alert pages: subscribe (the form included on jurisdiction, recommendation and bill pages), confirm, unsubscribe
and manage. Every link in an email is signed (alerts/tokens.py); nothing here needs an account. Opening a confirm or
unsubscribe link only shows a page with a button: its POST does it (see confirm below).

The subscribe form is posted without a CSRF token: it sits on pages cached for every reader (tracker/pages.py),
and a forged post can only ask for a confirmation email, which is rate-limited and does nothing unless followed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .emails import target_label
from .forms import FrequencyForm, SubscribeForm
from .models import Frequency, Subscription, SubscriptionStatus
from .selectors import subscription_for_link, subscription_list_for_email
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


def _result(request: HttpRequest, template: str, subscription: Subscription) -> HttpResponse:
    context = {
        "subscription": subscription,
        "label": target_label(subscription),
        "manage_token": manage_token(email=subscription.email),
    }
    return render(request, template, context)


def _ask(request: HttpRequest, template: str, subscription: Subscription, action: str) -> HttpResponse:
    """The page a link opens: what its button will do, and the button (a POST to the link itself)."""
    return render(
        request, template, {"subscription": subscription, "label": target_label(subscription), "action": action}
    )


# Opening a link changes nothing: mail scanners and link previewers fetch the links in emails, and must neither
# confirm a subscription nobody asked for nor unsubscribe anyone. The page says what will happen; its one button
# POSTs to the same URL, and that does it. Both ways idempotent.
#
# No CSRF check on these POSTs (csrf_exempt), on purpose: CSRF protects a session's ambient authority, and these
# views read no cookie or session. The authority is the signed token in the URL, which a cross-site page cannot know,
# and whoever holds it can POST it from anywhere anyway; forging a POST with one's own token only confirms or stops
# one's own subscription. A CSRF check would also refuse the RFC 8058 POST (sent by the mail provider: no cookie,
# no Referer), and a page that hands out a CSRF cookie would fail for readers who block cookies.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    read = confirm_token_read(token)
    subscription = subscription_for_link(subscription_id=read[0], email=read[1]) if read else None
    if subscription is None:
        return render(request, "alerts/link_invalid.html", {"what": "confirmation"}, status=400)
    if request.method == "POST":
        subscription = subscription_confirm(subscription_id=subscription.pk, email=subscription.email)
    elif subscription.status != SubscriptionStatus.CONFIRMED:
        return _ask(request, "alerts/confirm.html", subscription, reverse("alerts:confirm", kwargs={"token": token}))
    return _result(request, "alerts/confirmed.html", subscription)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the page with the Unsubscribe button; its POST, or the RFC 8058 one-click POST a mail client sends from the
    List-Unsubscribe and List-Unsubscribe-Post headers (`List-Unsubscribe=One-Click`, answered without a page):
    unsubscribed."""
    pk = unsubscribe_token_read(token)
    subscription = subscription_for_link(subscription_id=pk) if pk is not None else None
    if subscription is None:
        return render(request, "alerts/link_invalid.html", {"what": "unsubscribe"}, status=400)
    if request.method == "POST":
        subscription = subscription_unsubscribe(subscription_id=subscription.pk)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse("Unsubscribed.\n", content_type="text/plain; charset=utf-8")
    elif subscription.status != SubscriptionStatus.UNSUBSCRIBED:
        action = reverse("alerts:unsubscribe", kwargs={"token": token})
        return _ask(request, "alerts/unsubscribe.html", subscription, action)
    return _result(request, "alerts/unsubscribed.html", subscription)


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
