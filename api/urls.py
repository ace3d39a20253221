"""The API router: every path under /api/v1/ (paths are a contract, see DESIGN.md)."""

from rest_framework.routers import DefaultRouter

from . import views

app_name = "api"

router = DefaultRouter()
router.register("audiences", views.AudienceViewSet, basename="audience")
router.register("recommendations", views.RecommendationViewSet, basename="recommendation")
router.register("jurisdictions", views.JurisdictionViewSet, basename="jurisdiction")
router.register("bills", views.BillViewSet, basename="bill")

urlpatterns = router.urls
