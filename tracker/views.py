"""Site-wide views that belong to no app."""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico whatever a page links; every current one takes the SVG icon instead.

    The URL is found per request, not at import: with the manifest storage it names the hashed file, whose manifest
    `collectstatic` writes after the URLconf was first loaded."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
