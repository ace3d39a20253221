"""Root URLs: the pages, the admin, the API and the icon browsers ask for."""

from django.contrib import admin
from django.urls import include, path

from .views import favicon

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("favicon.ico", favicon, name="favicon"),
    path("alerts/", include("alerts.urls")),
    path("", include("recommendations.urls")),
]
