"""Staff login protection: django-axes counts failed logins per username and client address and refuses the pair
once it reaches `AXES_FAILURE_LIMIT`, in the admin's login form and at `POST /api/v1/auth/token/` alike.

Unlocking: `python manage.py axes_reset_username NAME` (or `axes_reset` for everyone, `axes_reset_ip ADDRESS`), or
delete the rows under "Access attempts" in the admin; the lock also lifts by itself after `AXES_COOLOFF_MINUTES`.
"""

from __future__ import annotations

import logging
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger("tracker.auth")


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, for the logins that come with a request (the admin's form, the token view).

    Django's test client and the shell authenticate without a request; axes would refuse those outright, and there is
    no client to count them against, so they are left to the next backend."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the API's throttles see it (X-Forwarded-For honoured for `API_NUM_PROXIES` proxies),
    so that behind a proxy the lock falls on the client, not on the proxy's address shared by everyone."""
    return BaseThrottle().get_ident(request)


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """429 with a message that says why and for how long: JSON under /api/, plain text elsewhere (the admin)."""
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    username = (credentials or {}).get("username", "")
    logger.warning("Login locked out: username=%r address=%s path=%s", username, client_ip(request), request.path)
    message = (
        f"Too many failed logins for this account from your address: try again in {minutes} minutes, "
        "or ask an administrator to unlock it."
        if minutes
        else "Too many failed logins for this account from your address: ask an administrator to unlock it."
    )
    headers = {"Retry-After": str(int(cool_off.total_seconds()))} if cool_off else {}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429, headers=headers)
    return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8", headers=headers)
