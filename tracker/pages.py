"""Public pages cached on the API's data version (api/cache.py): one decorator, `data_versioned_page`, wraps every
page route (recommendations/urls.py).

An anonymous GET gets an ETag and Last-Modified from the data version, a 304 when its `If-None-Match` (or
`If-Modified-Since`) still matches, else the body rendered earlier at the same version, else the view's answer,
which is then cached for PAGE_CACHE_SECONDS. Any import or edit bumps the version and so drops every page at once.
A cached answer costs one cache round trip and no database query.

The key is the path with its query, the format (`?format=csv` pages are CSV downloads) and whether htmx asked
(`HX-Request`: the view then renders a fragment, not the page). Signed-in users (anyone with a session cookie; the
session itself is not read, which would cost a query) always get the view's own answer: staff pages differ (the
Admin link). Only complete 200 answers that set no cookie are cached; anything else (a 404, a redirect, a page
that hands out a CSRF cookie) is served as the view made it, without validators.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.template.response import SimpleTemplateResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from api.cache import etag_for, lookup, response_key, store

# Shared caches must keep signed-in and htmx answers apart from the anonymous full page.
VARY = ("Cookie", "HX-Request")
# Public pages are read-only for anonymous users: a write method is a 405, never a page rendered past the cache.
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def page_cache_timeout() -> int:
    """Seconds a cached page is kept when no data changes (changes drop it at once); 0 caches no body."""
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 3600))


def page_representation(request: HttpRequest) -> str:
    """What the view answers besides the path and query: the format and whether htmx asked for a fragment."""
    fmt = "csv" if request.GET.get("format") == "csv" else "html"
    return f"page/{fmt}{'+htmx' if request.headers.get('HX-Request') == 'true' else ''}"


def _signed_in(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def _cacheable(request: HttpRequest, response: HttpResponseBase) -> bool:
    """A complete 200 that is the same for every anonymous reader: no cookie, no CSRF token (get_token() marks the
    request; the middleware sets the cookie only after the view), no stream."""
    if isinstance(response, SimpleTemplateResponse):
        response.render()
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def data_versioned_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Serve `view` (a public page) from the cache on the data version, with validators, for anonymous reads."""

    @wraps(view)
    def page(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        if request.method in WRITE_METHODS and not _signed_in(request):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        if request.method not in ("GET", "HEAD") or _signed_in(request):
            response = view(request, *args, **kwargs)
            patch_vary_headers(response, VARY)
            patch_cache_control(response, private=True)
            return response

        timeout = page_cache_timeout()
        key = response_key(request.path, list(request.GET.lists()), page_representation(request))
        version, cached, _ = lookup(key, timeout=timeout)
        etag, last_modified = etag_for(version, key), int(version.timestamp)
        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if response is None and cached is not None:
            _, content, headers = cached
            response = HttpResponse(content, headers=headers)
        elif response is None:
            response = view(request, *args, **kwargs)
            patch_vary_headers(response, VARY)
            if not _cacheable(request, response):
                return response
            store(key, version, response, timeout=timeout)
        patch_vary_headers(response, VARY)
        response["ETag"], response["Last-Modified"] = etag, http_date(last_modified)
        # Browsers may keep the page but must ask again; the ETag makes asking cheap.
        patch_cache_control(response, no_cache=True)
        return response

    page.data_versioned = True
    return page
