"""Public pages: the paths are a contract (DESIGN.md). An unknown code is a 404 page, never a 500."""

from django.urls import path

from .views import about, bills, changes, feeds, home, jurisdictions, maps, recommendations, search

urlpatterns = [
    path("", home.home, name="home"),
    path("map/", maps.map_page, name="map"),
    path("jurisdictions/<slug:code>/", jurisdictions.jurisdiction_page, name="jurisdiction"),
    path("recommendations/<str:code>/", recommendations.recommendation_page, name="recommendation"),
    path("bills/<slug:jurisdiction>/<str:session>/<slug:identifier>/", bills.bill_page, name="bill"),
    path("changes/", changes.changes_page, name="changes"),
    path("search/", search.search_page, name="search"),
    path("about/", about.about_page, name="about"),
    path("feeds/changes/", feeds.ChangesFeed(), name="feed-changes"),
    path("feeds/jurisdictions/<slug:code>/", feeds.JurisdictionFeed(), name="feed-jurisdiction"),
    path("feeds/recommendations/<str:code>/", feeds.RecommendationFeed(), name="feed-recommendation"),
]
