"""Page to be built."""

from django.http import Http404, HttpRequest, HttpResponse


def jurisdiction_page(request: HttpRequest, code: str) -> HttpResponse:
    raise Http404("Not built yet.")
