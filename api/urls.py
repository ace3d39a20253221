"""The API: every path under /api/v1/ (paths are a contract, see DESIGN.md), its schema and its docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter

from . import views
from .throttling import AnonRateThrottle, UserRateThrottle

app_name = "api"

router = DefaultRouter()
router.register("reports", views.ReportViewSet, basename="report")
router.register("audiences", views.AudienceViewSet, basename="audience")
router.register("recommendations", views.RecommendationViewSet, basename="recommendation")
router.register("jurisdictions", views.JurisdictionViewSet, basename="jurisdiction")
router.register("bills", views.BillViewSet, basename="bill")
router.register("links", views.BillLinkViewSet, basename="billlink")
router.register("progress", views.ProgressViewSet, basename="progress")
router.register("import-runs", views.ImportRunViewSet, basename="importrun")


class TokenView(ObtainAuthToken):
    """`POST {username, password}` gives the user's API token (for `Authorization: Token <key>`)."""

    renderer_classes = views.RENDERERS
    # DRF leaves this view unthrottled; passwords are worth guarding like everything else.
    throttle_classes = [AnonRateThrottle, UserRateThrottle]


urlpatterns = [
    path("changes/", views.ChangeView.as_view(), name="changes"),
    path("freshness/", views.FreshnessView.as_view(), name="freshness"),
    path("exports/", views.ExportListView.as_view(), name="export-list"),
    path("exports/<str:name>", views.ExportFileView.as_view(), name="export-file"),
    path("auth/token/", TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"), name="redoc"),
    *router.urls,
]
