"""The API: every path under /api/v1/ (paths are a contract, see DESIGN.md), its schema and its docs."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import views
from .auth import TokenView
from .bill_list import bill_page_response, bulk_page_response
from .docs import swagger_view
from .front import fronted

app_name = "api"

router = DefaultRouter()
router.register("reports", views.ReportViewSet, basename="report")
router.register("audiences", views.AudienceViewSet, basename="audience")
router.register("recommendations", views.RecommendationViewSet, basename="recommendation")
router.register("jurisdictions", views.JurisdictionViewSet, basename="jurisdiction")
# Before bills/, whose detail route would take "bulk" for an id.
router.register("bills/bulk", views.BillBulkViewSet, basename="bill-bulk")
router.register("bills", views.BillViewSet, basename="bill")
router.register("links", views.BillLinkViewSet, basename="billlink")
router.register("measures", views.MeasureViewSet, basename="measure")
router.register("progress", views.ProgressViewSet, basename="progress")
router.register("triage", views.TriageViewSet, basename="triage")
router.register("import-runs", views.ImportRunViewSet, basename="importrun")


# Lists the cache front answers itself on a miss, when it can (api/bill_list.py): the bills list and bulk listing.
LEAN_ANSWERS = {"bill-list": bill_page_response, "bill-bulk-list": bulk_page_response}


def fronted_routes(patterns: list) -> list:
    """Router patterns of cached public reads, marked for the cache front (api/front.py)."""
    for pattern in patterns:
        view_class = getattr(pattern.callback, "cls", None)
        if getattr(view_class, "cache_reads", False):
            fronted(pattern.callback, lean=LEAN_ANSWERS.get(pattern.name))
    return patterns


urlpatterns = [
    path("changes/", fronted(views.ChangeView.as_view()), name="changes"),
    path("freshness/", views.FreshnessView.as_view(), name="freshness"),
    path("exports/", views.ExportListView.as_view(), name="export-list"),
    path("exports/<str:name>", views.ExportFileView.as_view(), name="export-file"),
    path("auth/token/", TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", swagger_view, name="docs"),
    *fronted_routes(router.urls),
    # Anything else under /api/v1/ is a JSON 404, not the site's HTML page (paths without a slash are first
    # redirected to the slashed form by APPEND_SLASH, as everywhere on the site).
    re_path(r"^.*/$", views.not_found),
]
