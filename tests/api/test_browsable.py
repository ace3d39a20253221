"""The browsable API (DEBUG only): its pages allow the inline styles of DRF's template, never inline scripts."""

from __future__ import annotations

from csp.middleware import CSPMiddleware
from django.test import RequestFactory
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.renderers import BrowsableRenderer, ORJSONRenderer


class Echo(APIView):
    renderer_classes = [ORJSONRenderer, BrowsableRenderer]
    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request):
        return Response({"ok": True})


def policy(accept: str) -> dict[str, str]:
    request = RequestFactory().get("/echo/", HTTP_ACCEPT=accept)
    response = CSPMiddleware(lambda request: Echo.as_view()(request).render())(request)
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (piece.strip() for piece in header.split(";")) if part}


def test_browsable_pages_allow_inline_styles_only(db):
    html = policy("text/html")
    assert "'unsafe-inline'" in html["style-src"]
    assert "'unsafe-inline'" not in html["script-src"]
    json = policy("application/json")  # every other answer keeps the site's policy
    assert "'unsafe-inline'" not in json["style-src"]
