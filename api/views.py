"""Read-only viewsets of the public API; they stay thin and read through QuerySet methods and selectors."""

from django.db.models import Prefetch
from rest_framework import viewsets

from legislation.filters import BillFilter, JurisdictionFilter
from legislation.models import Bill, Jurisdiction
from recommendations.models import Audience, BillLink, Recommendation

from . import serializers


class AudienceViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Audience.objects.order_by("report", "order")
    serializer_class = serializers.AudienceSerializer


class RecommendationViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Recommendation.objects.for_display()
    serializer_class = serializers.RecommendationSerializer
    filterset_fields = ["audience__slug", "code"]


class JurisdictionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Jurisdiction.objects.select_related("parent").order_by("name")
    serializer_class = serializers.JurisdictionSerializer
    filterset_class = JurisdictionFilter


class BillViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.BillSerializer
    filterset_class = BillFilter
    ordering_fields = ["latest_action_date", "stage_date", "identifier", "updated_at"]

    def get_queryset(self):
        queryset = Bill.objects.for_list().order_by("jurisdiction__code", "session__identifier", "identifier", "id")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                "actions",
                "sponsorships",
                "sources",
                Prefetch("links", queryset=BillLink.objects.select_related("recommendation")),
            )
        return queryset

    def get_serializer_class(self):
        return serializers.BillDetailSerializer if self.action == "retrieve" else serializers.BillSerializer
