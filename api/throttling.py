"""Request rates per anonymous client and per user, counted in the shared Django cache (Redis in production).

DRF's own throttles keep a list of every request time in the cache and rewrite it on each request, which grows with
the rate and is not atomic across workers. These count requests in fixed windows with one atomic `incr`: O(1) per
request, shared by every worker. A client can send up to twice the rate across a window boundary, a fair price for
one cache round trip. Rates are read on every request (`API_THROTTLE_ANON`, `API_THROTTLE_USER` in settings), so
tests and operators can change them without a restart of the class.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from .cache import throttle_count

if TYPE_CHECKING:  # rest_framework.views imports the throttle classes named in settings: no cycle at run time
    from rest_framework.request import Request
    from rest_framework.views import APIView


COUNTED = "_api_throttle_count"  # set on the HttpRequest by api.front when it has counted the request already


def window_key(scope: str, ident: str, duration: int) -> tuple[str, float]:
    """The counter of this client's current window, and the seconds until the next window."""
    now = time.time()
    window = int(now // duration)
    return f"api:throttle:{scope}:{ident}:{window}", (window + 1) * duration - now


class WindowRateThrottle(BaseThrottle):
    scope: str = ""

    def rate(self) -> tuple[int | None, int | None]:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return SimpleRateThrottle.parse_rate(None, rate)

    def ident(self, request: Request) -> str | None:
        """Who is counted; None when this throttle does not apply to the request."""
        raise NotImplementedError

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.retry_after: float | None = None
        limit, duration = self.rate()
        ident = self.ident(request)
        if limit is None or duration is None or ident is None:
            return True
        key, retry_after = window_key(self.scope, ident, duration)
        counted = getattr(request._request, COUNTED, None) if self.scope == "anon" else None
        if (counted if counted is not None else throttle_count(key, duration)) <= limit:
            return True
        self.retry_after = retry_after
        return False

    def wait(self) -> float | None:
        return self.retry_after


class AnonRateThrottle(WindowRateThrottle):
    """Anonymous clients, by address (honouring `NUM_PROXIES` for X-Forwarded-For as DRF does)."""

    scope = "anon"

    def ident(self, request: Request) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.get_ident(request)


class UserRateThrottle(WindowRateThrottle):
    """Signed-in users (token or session), by user id."""

    scope = "user"

    def ident(self, request: Request) -> str | None:
        if request.user and request.user.is_authenticated:
            return str(request.user.pk)
        return None
