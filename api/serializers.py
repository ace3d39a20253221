"""Serializers of the public API. Field names are a contract (DESIGN.md): extend, never rename."""

from rest_framework import serializers

from legislation.models import Bill, BillAction, BillSource, BillSponsorship, Jurisdiction
from recommendations.models import Audience, BillLink, Recommendation


class AudienceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Audience
        fields = ["id", "slug", "name", "order"]


class RecommendationSerializer(serializers.ModelSerializer):
    audience = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "code",
            "audience",
            "parent",
            "title",
            "text",
            "page",
            "evidence_level",
            "verified",
            "sub_items_pending",
            "order",
        ]


class JurisdictionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Jurisdiction
        fields = ["id", "code", "name", "kind", "ocd_id", "parent"]


class BillSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.CharField(source="jurisdiction.code", read_only=True)
    session = serializers.CharField(source="session.identifier", read_only=True)

    class Meta:
        model = Bill
        fields = [
            "id",
            "jurisdiction",
            "session",
            "identifier",
            "title",
            "stage",
            "stage_date",
            "furthest_stage",
            "furthest_stage_date",
            "latest_action_date",
            "latest_action_description",
            "url",
        ]


class BillActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = BillAction
        fields = ["order", "date", "description", "chamber", "classification"]


class BillSponsorshipSerializer(serializers.ModelSerializer):
    class Meta:
        model = BillSponsorship
        fields = ["name", "primary", "classification"]


class BillSourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = BillSource
        fields = ["url", "note"]


class BillLinkBriefSerializer(serializers.ModelSerializer):
    recommendation_code = serializers.CharField(source="recommendation.code", read_only=True)

    class Meta:
        model = BillLink
        fields = ["id", "recommendation", "recommendation_code", "effect", "rationale", "evidence_url"]


class BillDetailSerializer(BillSerializer):
    actions = BillActionSerializer(many=True, read_only=True)
    sponsors = BillSponsorshipSerializer(source="sponsorships", many=True, read_only=True)
    sources = BillSourceSerializer(many=True, read_only=True)
    links = BillLinkBriefSerializer(many=True, read_only=True)

    class Meta(BillSerializer.Meta):
        fields = [
            *BillSerializer.Meta.fields,
            "source_identifier",
            "summary",
            "classification",
            "subjects",
            "first_action_date",
            "actions",
            "sponsors",
            "sources",
            "links",
        ]
