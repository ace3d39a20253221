"""The US tile-grid map page (`/map/`). To be built."""

from django.http import Http404, HttpRequest, HttpResponse


def map_page(request: HttpRequest) -> HttpResponse:
    raise Http404("Not built yet.")
