"""Root URLs: the pages, the admin, the API and the icon browsers ask for."""

from django.contrib import admin
from django.urls import include, path

from .health import healthz
from .views import favicon

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("favicon.ico", favicon, name="favicon"),
    path("healthz", healthz, name="healthz"),
    path("alerts/", include("alerts.urls")),
    path("staff/", include("recommendations.staff_urls")),
    path("", include("recommendations.urls")),
]
