"""Bill page. To be built."""

from django.http import Http404, HttpRequest, HttpResponse


def bill_page(request: HttpRequest, jurisdiction: str, session: str, identifier: str) -> HttpResponse:
    raise Http404("Not built yet.")
