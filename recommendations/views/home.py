"""Home page (`/`)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from legislation.selectors import data_freshness

from ..selectors import change_list_latest, report_current
from .maps import map_context

LATEST_CHANGES = 10


def home(request: HttpRequest) -> HttpResponse:
    """The report, its guiding principle, and its recommendations by audience, quoted as the report words them;
    each recommendation's nationwide standing, the overall map, the latest changes (threats first) and how fresh
    the data is."""
    report = report_current()
    if report is None:
        return render(request, "recommendations/home.html", {"report": None})
    context = map_context(recommendation=None)
    grid = context["grid"]
    audiences = [
        {
            "audience": audience,
            "recommendations": [
                {"recommendation": recommendation, "counts": grid.recommendation_counts(recommendation.pk)}
                for recommendation in audience.recommendations.all()
            ],
        }
        for audience in report.audiences.all()
    ]
    context.update(
        report=report,
        audiences=audiences,
        legislatures=len(grid.jurisdictions),
        changes=change_list_latest(limit=LATEST_CHANGES),
        freshness=data_freshness(),
    )
    return render(request, "recommendations/home.html", context)
