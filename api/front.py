"""A cache front for public reads: a middleware that answers anonymous reads of the API before the rest of the
stack (sessions, CSRF, authentication, messages, DRF) runs for them.

An anonymous GET of a view marked with `fronted()` whose format is plain (JSON by default, or `?format=`) costs
one cache round trip here: it counts the request against the anonymous rate, reads the data version and reads the
cached page, all in one pipeline. A hit (or a 304) is answered at once with exactly the bytes and headers DRF
produced when it cached the page. A miss on a view with a `lean` answer (the bills list, api/bill_list.py) is
answered by it when it can, and cached. Anything else (a miss, a signed-in user, content negotiation by Accept, a
client over its rate) goes on down the stack to the DRF view, which then does not count the request again. A
page answered here is marked for the server process to keep and answer again itself, before Django, for a short
while (api/local.py); the requests it answers so are added to the client's count at its next round trip here.

It sits after SecurityMiddleware and XFrameOptionsMiddleware, whose headers every response keeps, and checks the
Host header and sets Content-Length as CommonMiddleware would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from . import local
from .cache import etag_for, lookup, response_cache_timeout, response_key, store
from .throttling import COUNTED, AnonRateThrottle, window_key

FORMATS = {"json": "application/json", "csv": "text/csv"}
PLAIN_ACCEPT = {"", "*/*", "application/json"}


def _media_type(request: HttpRequest) -> str | None:
    """The media type DRF would choose, when it is obvious; None leaves negotiation to DRF."""
    fmt = request.GET.get(api_settings.URL_FORMAT_OVERRIDE)
    if fmt is not None:
        return FORMATS.get(fmt)
    return FORMATS["json"] if request.META.get("HTTP_ACCEPT", "").strip() in PLAIN_ACCEPT else None


Lean = Callable[[HttpRequest], HttpResponse | None]


@dataclass(frozen=True, slots=True)
class Front:
    lean: Lean | None = None  # answers a miss without DRF, or says None


def fronted(view: Callable[..., HttpResponseBase], lean: Lean | None = None) -> Callable[..., HttpResponseBase]:
    """Mark a view as a cached public read that the front answers when it can (`lean`: see Front)."""
    view.cache_front = Front(lean=lean)
    return view


@lru_cache(maxsize=4096)
def _front_of(path: str) -> Front | None:
    """The front of the view at `path`, if it has one (URLs do not change while the process runs; resolving costs
    more than the rest of a cache hit)."""
    try:
        return getattr(resolve(path).func, "cache_front", None)
    except Resolver404:
        return None


@receiver(setting_changed)
def _urlconf_changed(*, setting: str, **kwargs: object) -> None:
    if setting == "ROOT_URLCONF":  # tests may swap URLconfs
        _front_of.cache_clear()


class CacheFrontMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            request.method != "GET"
            or "HTTP_AUTHORIZATION" in request.META
            or settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            return self.get_response(request)
        front = _front_of(request.path_info)
        media_type = _media_type(request) if front is not None else None
        limit, duration = SimpleRateThrottle.parse_rate(None, api_settings.DEFAULT_THROTTLE_RATES.get("anon"))
        if media_type is None or limit is None:
            return self.get_response(request)
        request.get_host()  # a disallowed Host is a 400 here too, as CommonMiddleware makes it further down
        counter, _ = window_key("anon", AnonRateThrottle().get_ident(request), duration)
        key = response_key(request.path, list(request.GET.lists()), media_type)
        # With the requests this process answered from its own memory since (api/local.py).
        requests = 1 + local.MEMORY.pending(counter)
        version, cached, count = lookup(key, throttle=(counter, duration), requests=requests)
        local.MEMORY.counted(counter, count, version)
        setattr(request, COUNTED, count)
        request.api_lookup = (key, version, cached)  # the view reuses it instead of asking again
        if count > limit:
            return self.get_response(request)  # DRF answers the 429, with its Retry-After
        etag, last_modified = etag_for(version, key), int(version.timestamp)
        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if response is None and cached is not None:
            _, content, headers = cached
            response = HttpResponse(content, headers=headers)
        elif response is None:
            response = front.lean(request) if front.lean is not None and media_type == FORMATS["json"] else None
            if response is None:
                return self.get_response(request)
            store(key, version, response)
        if local.local_seconds() > 0 and response_cache_timeout() > 0:
            request.environ[local.MARK] = version.token  # the WSGI application keeps this page (api/local.py)
        response["ETag"], response["Last-Modified"] = etag, http_date(last_modified)
        patch_cache_control(response, no_cache=True)
        if isinstance(response, HttpResponse):  # as CommonMiddleware does, lest the server send it in chunks
            response["Content-Length"] = str(len(response.content))
        return response
