"""Page to be built."""

from django.http import Http404, HttpRequest, HttpResponse


def about_page(request: HttpRequest) -> HttpResponse:
    raise Http404("Not built yet.")
