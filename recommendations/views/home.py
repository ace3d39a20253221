"""Home page (`/`)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..selectors import report_current


def home(request: HttpRequest) -> HttpResponse:
    """The report, its guiding principle, and its recommendations by audience, quoted as the report words them."""
    return render(request, "recommendations/home.html", {"report": report_current()})
