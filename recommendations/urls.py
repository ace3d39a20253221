"""Public pages: the paths are a contract (DESIGN.md). An unknown code is a 404 page, never a 500. Every page is
cached on the data version for anonymous readers (tracker/pages.py)."""

from django.urls import path

from tracker.pages import data_versioned_page as cached

from .views import about, bills, changes, feeds, home, jurisdictions, maps, measures, recommendations, search

urlpatterns = [
    path("", cached(home.home), name="home"),
    path("map/", cached(maps.map_page), name="map"),
    path("jurisdictions/<slug:code>/", cached(jurisdictions.jurisdiction_page), name="jurisdiction"),
    path("recommendations/<str:code>/", cached(recommendations.recommendation_page), name="recommendation"),
    path("bills/<slug:jurisdiction>/<str:session>/<slug:identifier>/", cached(bills.bill_page), name="bill"),
    path("measures/<slug:jurisdiction>/<int:pk>-<slug:slug>/", cached(measures.measure_page), name="measure"),
    path("measures/<slug:jurisdiction>/<int:pk>/", cached(measures.measure_page), name="measure-short"),
    path("changes/", cached(changes.changes_page), name="changes"),
    path("search/", cached(search.search_page), name="search"),
    path("about/", cached(about.about_page), name="about"),
    path("feeds/changes/", cached(feeds.ChangesFeed()), name="feed-changes"),
    path("feeds/jurisdictions/<slug:code>/", cached(feeds.JurisdictionFeed()), name="feed-jurisdiction"),
    path("feeds/recommendations/<str:code>/", cached(feeds.RecommendationFeed()), name="feed-recommendation"),
]
