"""Root URLs: the pages, the admin and the API."""

from django.contrib import admin
from django.urls import include, path

from recommendations import views as recommendation_views

urlpatterns = [
    path("", recommendation_views.home, name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
]
