"""Viewsets of the public API. They stay thin: reads come from selectors and QuerySet methods, writes go through
the services of the recommendations app (the same as the admin's), and every public read is cached on the data
version (api/cache.py) with an ETag and Last-Modified.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, ProtectedError, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from legislation.filters import JurisdictionFilter, ListField, SafeIsoDateTimeField
from legislation.models import Bill, ImportRun, Jurisdiction
from legislation.selectors import any_from_legiscan
from recommendations.filters import (
    BillLinkFilter,
    BulkBillFilter,
    MeasureFilter,
    ProgressFilter,
    RecommendationFilter,
    TrackedBillFilter,
    TriageFilter,
)
from recommendations.models import Audience, BillLink, Measure, Progress, Report, measure_page_path
from recommendations.selectors import (
    CHANGE_KINDS,
    ChangePosition,
    bill_link_list,
    change_list,
    jurisdiction_progress,
    measure_list,
    progress_counts,
    progress_list,
    recommendation_list,
    triage_list,
)
from recommendations.services import bill_link_delete, measure_delete, progress_review, review, triage_decide

from . import serializers
from .attribution import credit_legiscan
from .bill_list import bill_page, bulk_page
from .cache import etag_for, lookup, response_key, store
from .exports import export_path, exports_list
from .pagination import CursorPagination, PageNumberPagination, positive_int_param, request_version
from .renderers import BrowsableRenderer, CSVRenderer, ORJSONRenderer
from .rows import plain_rows
from .selectors import freshness

RENDERERS = [ORJSONRenderer, CSVRenderer, *([BrowsableRenderer] if settings.DEBUG else [])]
CACHED_FORMATS = frozenset({"json", "csv"})


class APIMixin:
    """What every view of the API shares: renderers, filters, and cached, conditional public reads.

    A GET is answered, in order of cost: 304 when the client's ETag (or Last-Modified) still matches the data
    version; the cached body of the same URL and format at this version; or the view itself, whose body is then
    cached. The ETag depends only on the version, URL and format, so a 304 costs no database query at all.
    """

    renderer_classes = RENDERERS
    filter_backends = [DjangoFilterBackend]
    cache_reads = True

    def conditional(self, request: Request, handler, *args: Any, **kwargs: Any) -> HttpResponseBase:
        renderer = request.accepted_renderer
        if not self.cache_reads or renderer.format not in CACHED_FORMATS:
            return handler(request, *args, **kwargs)
        key = response_key(request.path, list(request.query_params.lists()), renderer.media_type)
        looked_up = getattr(request._request, "api_lookup", None)  # by api.front, for this same request
        version, cached = looked_up[1:] if looked_up and looked_up[0] == key else lookup(key)[:2]
        validators = {"ETag": etag_for(version, key), "Last-Modified": http_date(int(version.timestamp))}
        not_modified = get_conditional_response(
            request._request, etag=validators["ETag"], last_modified=int(version.timestamp)
        )
        if not_modified is not None:
            return self._validated(not_modified, validators)
        if cached is not None:
            _, content, headers = cached
            return self._validated(HttpResponse(content, headers=headers), validators)
        request._api_cache = (key, version, validators)
        return handler(request, *args, **kwargs)

    @staticmethod
    def _validated(response: HttpResponseBase, validators: dict[str, str]) -> HttpResponseBase:
        for name, value in validators.items():
            response[name] = value
        # Clients and proxies may keep the body but must ask again; the ETag makes asking cheap.
        patch_cache_control(response, no_cache=True)
        return response

    def finalize_response(self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)
        pending = getattr(request, "_api_cache", None)
        if pending and isinstance(response, Response) and response.status_code == status.HTTP_200_OK:
            key, version, validators = pending
            store(key, version, response.render())  # with API_CACHE_SECONDS=0, keeps nothing (ETags still work)
            self._validated(response, validators)
        return response


class CachedReadsMixin(APIMixin):
    """For viewsets with both list and retrieve: both are conditional and cached."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return self.conditional(request, super().list, *args, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return self.conditional(request, super().retrieve, *args, **kwargs)


class ReadOnlyViewSet(CachedReadsMixin, viewsets.ReadOnlyModelViewSet):
    pass


class RowsListMixin:
    """A list rendered from rows of `list_columns` (output name -> ORM path or expression, the serializer's fields
    in its order) rather than from model instances through the serializer, which stays its documentation (and
    renders details): api/rows.py. `list_datetimes` are written as DRF writes times; `list_ids_first` and
    `list_prepared` see `PageNumberPagination.paginate_values`."""

    list_columns: dict[str, Any]
    list_datetimes: tuple[str, ...] = ()
    list_ids_first = False
    list_prepared = True  # their filters select rows of small tables: one plan serves every value

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return self.conditional(request, self._list_rows)

    def list_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The page's rows as the list shows them (a hook for fields that are not columns)."""
        return rows

    def _list_rows(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        rows = self.paginator.paginate_values(
            queryset, self.list_columns, request, ids_first=self.list_ids_first, prepare=self.list_prepared
        )
        rows = plain_rows(rows, self.list_columns, datetimes=self.list_datetimes)
        return self.get_paginated_response(self.list_rows(rows))


class ProgressSummaryListMixin(RowsListMixin):
    """Rows with each one's `progress_summary`, from one grouped count (`progress_counts`, by `summary_by`)."""

    summary_by: str

    def list_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        counts = progress_counts(by=self.summary_by)
        for row in rows:
            row["progress_summary"] = serializers.progress_summary(counts.get(row["id"], {}))
        return rows


class ReadOnly(permissions.BasePermission):
    """Views without a model: anyone may read, nobody may write."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in permissions.SAFE_METHODS


# --- The report -------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List reports", description="The reports whose recommendations are tracked."),
    retrieve=extend_schema(summary="A report"),
)
class ReportViewSet(RowsListMixin, ReadOnlyViewSet):
    queryset = Report.objects.order_by("-published", "id")
    serializer_class = serializers.ReportSerializer
    list_columns = serializers.REPORT_LIST_COLUMNS


@extend_schema_view(
    list=extend_schema(summary="List audiences", description="Whom the report's recommendations address."),
    retrieve=extend_schema(summary="An audience"),
)
class AudienceViewSet(RowsListMixin, ReadOnlyViewSet):
    queryset = Audience.objects.select_related("report").order_by("report", "order", "id")
    serializer_class = serializers.AudienceSerializer
    list_columns = serializers.AUDIENCE_LIST_COLUMNS


@extend_schema_view(
    list=extend_schema(
        summary="List recommendations",
        description="Recommendations of the report in its order, each with how many bills are linked to it and a "
        "count of jurisdictions per progress status.",
    ),
    retrieve=extend_schema(
        summary="A recommendation, with its links and its progress per jurisdiction",
    ),
)
class RecommendationViewSet(ProgressSummaryListMixin, ReadOnlyViewSet):
    filterset_class = RecommendationFilter
    list_columns = serializers.RECOMMENDATION_LIST_COLUMNS
    summary_by = "recommendation"

    def get_queryset(self) -> QuerySet:
        return recommendation_list(detail=self.action == "retrieve").order_by("audience__order", "order", "id")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.RecommendationDetailSerializer
        return serializers.RecommendationSerializer


@extend_schema_view(
    list=extend_schema(
        summary="List jurisdictions",
        description="States, DC, territories, the United States (Congress) and local jurisdictions, each with a count "
        "of recommendations per progress status.",
    ),
    retrieve=extend_schema(summary="A jurisdiction, with its progress per recommendation"),
)
class JurisdictionViewSet(ProgressSummaryListMixin, ReadOnlyViewSet):
    serializer_class = serializers.JurisdictionSerializer
    filterset_class = JurisdictionFilter
    list_columns = serializers.JURISDICTION_LIST_COLUMNS
    summary_by = "jurisdiction"

    def get_queryset(self) -> QuerySet:
        queryset = Jurisdiction.objects.select_related("parent").order_by("name", "id")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(jurisdiction_progress())
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.JurisdictionDetailSerializer
        return serializers.JurisdictionSerializer


# --- Bills ------------------------------------------------------------------------------------------------------

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv"],
    description="`csv` for the page as CSV (same filters; nested fields as dotted columns). JSON by default; "
    "`Accept: text/csv` does the same.",
)


class BillRowsMixin:
    def _rows(self, request: Request) -> Response:
        """The list from values(), not model instances: the same fields as BillSerializer at a fraction of the
        cost (this is the API's busiest endpoint). The page, its total when it is not the last page
        (`paginate_values`), and whether one of its bills has LegiScan data (an indexed probe of the page's ids,
        not a join over every row that matches)."""
        if isinstance(self.paginator, PageNumberPagination):
            page = bill_page(request.query_params, request.build_absolute_uri(), request_version(request))
            if page is not None:  # plain column filters: one prepared statement (api/bill_list.py)
                return page.finish(Response(page.data))
        else:
            page = bulk_page(request, self.paginator)
            if page is not None:  # the same, by id from the cursor's position (api/bill_list.py)
                return page.finish(Response(page.data))
        columns = serializers.BILL_LIST_COLUMNS
        queryset = self.filter_queryset(self.get_queryset())
        if isinstance(self.paginator, PageNumberPagination):
            rows = self.paginator.paginate_values(queryset, columns, request)
        else:
            page = self.paginate_queryset(queryset.values(*columns.values()))
            rows = [{name: row[path] for name, path in columns.items()} for row in page]
        response = self.get_paginated_response(rows)
        if any_from_legiscan(bill_ids=[row["id"] for row in rows]):
            credit_legiscan(response)
        return response


@extend_schema_view(
    list=extend_schema(
        summary="List bills",
        description="Bills with their current stage and furthest milestone, filterable by jurisdiction, session, "
        "identifier, stage, links to recommendations, dates and text. Ordered by jurisdiction, session and "
        "identifier unless `ordering` says otherwise.",
        parameters=[FORMAT_PARAMETER],
        examples=[
            OpenApiExample(
                "A page of bills",
                response_only=True,
                value={
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "results": [
                        {
                            "id": 1,
                            "jurisdiction": "ar",
                            "session": "2023",
                            "identifier": "HB 1044",
                            "title": "To amend the law concerning fentanyl",
                            "stage": "enacted",
                            "stage_date": "2023-03-20",
                            "furthest_stage": "enacted",
                            "furthest_stage_date": "2023-03-20",
                            "latest_action_date": "2023-03-20",
                            "latest_action_description": "Notification that HB1044 is now Act 230",
                            "url": "https://www.arkleg.state.ar.us/Bills/Detail?id=HB1044&ddBienniumSession=2023%2F2023R",
                            "updated_at": "2025-01-31T12:00:00Z",
                        }
                    ],
                },
            )
        ],
    ),
    retrieve=extend_schema(
        summary="A bill, with its actions, sponsors, sources, external ids and links",
        description="Bills imported from LegiScan carry an `attribution` (CC BY 4.0) and a `Link` header to the "
        "licence.",
    ),
)
class BillViewSet(BillRowsMixin, ReadOnlyViewSet):
    serializer_class = serializers.BillSerializer
    filterset_class = TrackedBillFilter

    def get_queryset(self) -> QuerySet:
        queryset = Bill.objects.for_list()
        if self.action == "retrieve":
            return queryset.prefetch_related(
                "actions",
                "sponsorships",
                "sources",
                "external_ids",
                Prefetch("links", queryset=BillLink.objects.public().select_related("recommendation").order_by("id")),
            )
        return queryset.order_by("jurisdiction__code", "session__identifier", "identifier", "id")

    def get_serializer_class(self):
        return serializers.BillDetailSerializer if self.action == "retrieve" else serializers.BillSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return self.conditional(request, self._rows)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return self.conditional(request, self._retrieve)

    def _retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        bill = self.get_object()
        data = self.get_serializer(bill).data
        response = Response(data)
        if data["attribution"]:
            credit_legiscan(response)
        return response


@extend_schema_view(
    list=extend_schema(
        summary="All bills, by cursor",
        description="The same filters as the list, ordered by id and paged by cursor (`next`, `previous`) with up "
        "to 1000 bills a page: fast on the last page of a million bills. For whole copies, the daily exports at "
        "/api/v1/exports/ are cheaper still.",
        parameters=[FORMAT_PARAMETER],
    ),
)
class BillBulkViewSet(BillRowsMixin, APIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.BulkBillSerializer
    filterset_class = BulkBillFilter
    pagination_class = CursorPagination

    def get_queryset(self) -> QuerySet:
        return Bill.objects.for_list()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return self.conditional(request, self._rows)


# --- Links ------------------------------------------------------------------------------------------------------

WRITE_ERRORS = {
    400: OpenApiResponse(description="Invalid body: each field's errors."),
    401: OpenApiResponse(description="Not signed in: use `Authorization: Token <key>` or a session."),
    403: OpenApiResponse(description="Signed in without the model permission (groups Editors and Reviewers)."),
}
REVIEW_ERRORS = {
    400: OpenApiResponse(description="Invalid body, or nothing pending to review."),
    401: WRITE_ERRORS[401],
    403: OpenApiResponse(description="Not a Reviewer, or the author of the change (four eyes)."),
}


def review_schema(noun: str, response: type) -> dict:
    return extend_schema(
        summary=f"Approve or reject a pending {noun} (Reviewers)",
        description=f"The four-eyes review (setting REVIEW_REQUIRED): a {noun} written by staff is `pending` until "
        "a Reviewer other than its author approves it; only then is it public and counted in progress. Needs "
        "the `review_<model>` permission (Reviewers); the author gets a 403. Kept in the history with the note.",
        request=serializers.ReviewDecisionSerializer,
        responses={200: response, **REVIEW_ERRORS},
        examples=[
            OpenApiExample("Approve", request_only=True, value={"decision": "approve", "note": "Checked the text."}),
            OpenApiExample("Reject", request_only=True, value={"decision": "reject", "note": "Wrong effect."}),
        ],
    )


class ReviewedMixin:
    """Objects under four-eyes review. Anonymous readers (and every cached read) see approved ones only; staff
    with the model's view permission see all, uncached, and filter by `review_status`. Reviewers decide with
    `POST {id}/review/`."""

    review_model: type
    detail_serializer_class: type

    def sees_unreviewed(self) -> bool:
        request = self.request
        if request.method not in permissions.SAFE_METHODS:
            return True  # writes are checked by their permissions, and find what they change
        meta = self.review_model._meta
        return request.user.is_authenticated and request.user.has_perm(f"{meta.app_label}.view_{meta.model_name}")

    def conditional(self, request: Request, handler, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if self.sees_unreviewed():
            return handler(request, *args, **kwargs)
        return super().conditional(request, handler, *args, **kwargs)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "sees_unreviewed": self.sees_unreviewed()}

    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def review(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()
        body = serializers.ReviewDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            reviewed = review(obj=obj, user=request.user, **body.validated_data)
        except DjangoValidationError as exc:
            raise serializers.as_drf_error(exc) from exc
        data = self.detail_serializer_class(
            self.get_queryset().get(pk=reviewed.pk), context=self.get_serializer_context()
        ).data
        return Response(data)


@extend_schema_view(
    list=extend_schema(
        summary="List links between bills or measures and recommendations",
        description="Each link says how a bill or a measure bears on a recommendation (`effect`) and why. "
        "Anonymous readers see approved links; staff also see those waiting for review (`review_status`).",
        parameters=[FORMAT_PARAMETER],
    ),
    retrieve=extend_schema(summary="A link"),
    create=extend_schema(
        summary="Link a bill or a measure to a recommendation (staff)",
        description="Needs the `add_billlink` permission (Editors, Reviewers). The body names a `bill` or a "
        "`measure`, exactly one. With REVIEW_REQUIRED (the default) the link is created `pending` (201 with "
        "`review_status: pending`) and counts only once a Reviewer other than its author approves it "
        "(`POST /links/{id}/review/`); then progress of the recommendation where the bill or measure is follows. "
        "The change is kept in the link's history.",
        request=serializers.BillLinkWriteSerializer,
        responses={201: serializers.BillLinkSerializer, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "Link a bill",
                request_only=True,
                value={
                    "recommendation": 3,
                    "bill": 1044,
                    "effect": "regresses",
                    "rationale": "Creates a new drug-induced homicide offence.",
                    "evidence_url": "https://example.org/bill-text",
                },
            )
        ],
    ),
    update=extend_schema(
        summary="Change a link's effect or reasons (staff)",
        request=serializers.BillLinkWriteSerializer,
        responses={200: serializers.BillLinkSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change some of a link's fields (staff)",
        request=serializers.BillLinkWriteSerializer,
        responses={200: serializers.BillLinkSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        summary="Unlink a bill (staff)",
        description="Needs the `delete_billlink` permission (Reviewers). Progress is recomputed.",
        responses={204: None, **WRITE_ERRORS},
    ),
    review=review_schema("link", serializers.BillLinkSerializer),
)
class BillLinkViewSet(ReviewedMixin, RowsListMixin, CachedReadsMixin, viewsets.ModelViewSet):
    serializer_class = serializers.BillLinkSerializer
    detail_serializer_class = serializers.BillLinkSerializer
    list_columns = serializers.LINK_LIST_COLUMNS
    list_datetimes = ("created_at", *serializers.REVIEW_DATETIMES)
    list_ids_first = True  # its columns join bills: 50 of them, not every bill that is linked
    filterset_class = BillLinkFilter
    review_model = BillLink

    def get_queryset(self) -> QuerySet:
        return bill_link_list(public=not self.sees_unreviewed())

    def _written(self, link: BillLink, code: int) -> Response:
        data = serializers.BillLinkSerializer(
            self.get_queryset().get(pk=link.pk), context=self.get_serializer_context()
        )
        headers = {"Location": reverse("api:billlink-detail", kwargs={"pk": link.pk}, request=self.request)}
        return Response(data.data, status=code, headers=headers if code == status.HTTP_201_CREATED else None)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        write = serializers.BillLinkWriteSerializer(data=request.data, context=self.get_serializer_context())
        write.is_valid(raise_exception=True)
        return self._written(write.save(), status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        write = serializers.BillLinkWriteSerializer(
            self.get_object(),
            data=request.data,
            partial=kwargs.get("partial", False),
            context=self.get_serializer_context(),
        )
        write.is_valid(raise_exception=True)
        return self._written(write.save(), status.HTTP_200_OK)

    def perform_destroy(self, instance: BillLink) -> None:
        bill_link_delete(link=instance, user=self.request.user)


# --- Measures ---------------------------------------------------------------------------------------------------

MEASURE_WRITE = (
    "Needs the `{perm}_measure` permission (Editors, Reviewers). With REVIEW_REQUIRED (the default) the measure is "
    "stored `pending` and is public and counted in progress only once a Reviewer other than its author approves "
    "it (`POST /measures/{{id}}/review/`); a change by staff makes it pending again. Kept in its history."
)


@extend_schema_view(
    list=extend_schema(
        summary="List measures (non-bill policies, orders, rulings, programmes)",
        description="Prosecutors' and police policies, executive orders, ballot measures, court rulings, "
        "regulations, programmes and guidance, in states and local jurisdictions, linked to recommendations like "
        "bills. Counted in progress: `adopted` and `in_effect` as an enacted bill, `proposed` as a pending one, "
        "`rescinded` and `struck_down` as a failed one. Anonymous readers see approved measures; staff also see "
        "those waiting for review.",
        parameters=[FORMAT_PARAMETER],
    ),
    retrieve=extend_schema(summary="A measure, with its links to recommendations"),
    create=extend_schema(
        summary="Add a measure (staff)",
        description=MEASURE_WRITE.format(perm="add"),
        responses={201: serializers.MeasureSerializer, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "A prosecutor's policy",
                request_only=True,
                value={
                    "jurisdiction": "ca-sf-da",
                    "kind": "prosecutor_policy",
                    "title": "Charging policy for low-level drug sales",
                    "summary": "Declines to charge sales below a threshold quantity.",
                    "status": "in_effect",
                    "date": "2024-01-15",
                    "url": "https://example.org/policy.pdf",
                    "evidence_url": "https://example.org/press-release",
                },
            )
        ],
    ),
    update=extend_schema(
        summary="Change a measure (staff)",
        description=MEASURE_WRITE.format(perm="change"),
        responses={200: serializers.MeasureSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change some of a measure's fields (staff)",
        description=MEASURE_WRITE.format(perm="change"),
        responses={200: serializers.MeasureSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete a measure without links (staff)",
        description="Needs the `delete_measure` permission (Reviewers). A linked measure cannot be deleted (400): "
        "unlink it first.",
        responses={204: None, **WRITE_ERRORS},
    ),
    review=review_schema("measure", serializers.MeasureDetailSerializer),
)
class MeasureViewSet(ReviewedMixin, RowsListMixin, CachedReadsMixin, viewsets.ModelViewSet):
    serializer_class = serializers.MeasureSerializer
    detail_serializer_class = serializers.MeasureDetailSerializer
    filterset_class = MeasureFilter
    review_model = Measure
    list_columns = serializers.MEASURE_LIST_COLUMNS
    list_datetimes = ("created_at", "updated_at", *serializers.REVIEW_DATETIMES)

    def list_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for row in rows:  # as MeasureSerializer.get_html_url
            path = measure_page_path(jurisdiction=row["jurisdiction"], pk=row["id"], title=row["title"])
            row["html_url"] = serializers.absolute_url(self.request, path)
        return rows

    def get_queryset(self) -> QuerySet:
        return measure_list(public=not self.sees_unreviewed(), detail=self.action in ("retrieve", "review"))

    def get_serializer_class(self):
        return self.detail_serializer_class if self.action == "retrieve" else self.serializer_class

    def _written(self, measure: Measure, code: int) -> Response:
        data = self.detail_serializer_class(
            measure_list(public=False, detail=True).get(pk=measure.pk), context=self.get_serializer_context()
        ).data
        headers = {"Location": reverse("api:measure-detail", kwargs={"pk": measure.pk}, request=self.request)}
        return Response(data, status=code, headers=headers if code == status.HTTP_201_CREATED else None)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        write = self.get_serializer(data=request.data)
        write.is_valid(raise_exception=True)
        return self._written(write.save(), status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        write = self.get_serializer(self.get_object(), data=request.data, partial=kwargs.get("partial", False))
        write.is_valid(raise_exception=True)
        return self._written(write.save(), status.HTTP_200_OK)

    def perform_destroy(self, instance: Measure) -> None:
        try:
            measure_delete(measure=instance, user=self.request.user)
        except ProtectedError as exc:
            raise ValidationError({"non_field_errors": ["The measure is linked: unlink it first."]}) from exc


# --- Triage -----------------------------------------------------------------------------------------------------


class StaffReadPermission(permissions.DjangoModelPermissions):
    """Reading needs the model's view permission too (import runs hold file names and error details)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class TriagePermission(StaffReadPermission):
    """Reading needs `view_triagecandidate`, deciding (a POST) `change_triagecandidate` (Editors, Reviewers)."""

    perms_map = {**StaffReadPermission.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


@extend_schema_view(
    list=extend_schema(
        summary="The triage queue (staff)",
        description="Bills that discovery (saved searches run against the sources) found for a recommendation, "
        "pending first. Discovery never links a bill: staff accept or reject each. Needs `view_triagecandidate`.",
        parameters=[FORMAT_PARAMETER],
        responses={
            200: serializers.TriageCandidateSerializer(many=True),
            401: WRITE_ERRORS[401],
            403: WRITE_ERRORS[403],
        },
    ),
    retrieve=extend_schema(
        summary="A triage candidate (staff)",
        responses={200: serializers.TriageCandidateSerializer, 401: WRITE_ERRORS[401], 403: WRITE_ERRORS[403]},
    ),
    decision=extend_schema(
        summary="Accept or reject a candidate (staff)",
        description="Needs `change_triagecandidate` (Editors, Reviewers). `accepted` with an `effect` and a "
        "`rationale` also links the bill to the recommendation (needs `add_billlink`), through the same service "
        "as the admin, in one transaction; progress is recomputed. A rejected bill is not queued again. The "
        "decision is kept in the candidate's history.",
        request=serializers.TriageDecisionSerializer,
        responses={200: serializers.TriageCandidateSerializer, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "Accept and link",
                request_only=True,
                value={
                    "status": "accepted",
                    "effect": "advances",
                    "rationale": "Repeals the mandatory minimum for sharing drugs.",
                    "evidence_url": "https://example.org/bill-text",
                },
            ),
            OpenApiExample("Reject", request_only=True, value={"status": "rejected", "note": "About hemp."}),
        ],
    ),
)
class TriageViewSet(APIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.TriageCandidateSerializer
    filterset_class = TriageFilter
    permission_classes = [TriagePermission]
    cache_reads = False  # staff-only work in progress

    def get_queryset(self) -> QuerySet:
        return triage_list()

    @action(detail=True, methods=["post"])
    def decision(self, request: Request, pk: str | None = None) -> Response:
        candidate = self.get_object()
        body = serializers.TriageDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if "effect" in body.validated_data and not request.user.has_perm("recommendations.add_billlink"):
            raise PermissionDenied("Linking the bill needs the add_billlink permission.")
        try:
            triage_decide(candidate=candidate, user=request.user, **body.validated_data)
        except DjangoValidationError as exc:
            raise serializers.as_drf_error(exc) from exc
        return Response(self.get_serializer(self.get_queryset().get(pk=candidate.pk)).data)


# --- Progress ---------------------------------------------------------------------------------------------------

REVIEW_DESCRIPTION = (
    "Needs the Progress permissions (Editors propose, Reviewers approve). The status is set by staff "
    "(`basis: reviewed`) with a reason and an evidence URL, through the same service as the admin; the rule's own "
    "value stays in `computed_status`, and every change is kept in the history (see /api/v1/changes/). With "
    "REVIEW_REQUIRED (the default) the override is stored as a proposal (`proposed_status`, `proposed_reason`, "
    "`proposed_evidence_url`, `review_status: pending`) and the public status changes only when a Reviewer other "
    "than its author approves it (`POST /progress/{id}/review/`)."
)


@extend_schema_view(
    list=extend_schema(
        summary="The progress matrix: recommendation x jurisdiction",
        description="One row per recommendation and jurisdiction with a recorded status (others have `no_action`).",
        parameters=[FORMAT_PARAMETER],
    ),
    retrieve=extend_schema(summary="Progress of one recommendation in one jurisdiction"),
    create=extend_schema(
        summary="Review a status (staff)",
        description=REVIEW_DESCRIPTION,
        request=serializers.ProgressReviewSerializer,
        responses={201: serializers.ProgressSerializer, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "Review",
                request_only=True,
                value={
                    "recommendation": 3,
                    "jurisdiction": "ca",
                    "status": "achieved",
                    "reason": "Enacted by ballot measure, which no linked bill shows.",
                    "evidence_url": "https://example.org/measure",
                },
            )
        ],
    ),
    update=extend_schema(
        summary="Review this status (staff)",
        description=REVIEW_DESCRIPTION,
        request=serializers.ProgressChangeSerializer,
        responses={200: serializers.ProgressSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Review this status (staff)",
        description=REVIEW_DESCRIPTION + " `status` defaults to the current one.",
        request=serializers.ProgressChangeSerializer,
        responses={200: serializers.ProgressSerializer, **WRITE_ERRORS},
    ),
    review=review_schema("progress override", serializers.ProgressSerializer),
)
class ProgressViewSet(
    ReviewedMixin,
    RowsListMixin,
    CachedReadsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = serializers.ProgressSerializer
    detail_serializer_class = serializers.ProgressSerializer
    filterset_class = ProgressFilter
    review_model = Progress
    list_columns = serializers.PROGRESS_LIST_COLUMNS
    list_datetimes = ("updated_at", *serializers.REVIEW_DATETIMES)

    def get_queryset(self) -> QuerySet:
        return progress_list()

    def list_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not self.sees_unreviewed():  # as ProgressSerializer: proposals are shown to staff only
            for row in rows:
                row.update(dict.fromkeys(serializers.PROPOSAL_FIELDS))
        return rows

    def _reviewed(self, progress: Progress, code: int) -> Response:
        data = serializers.ProgressSerializer(
            progress_list().get(pk=progress.pk), context=self.get_serializer_context()
        )
        return Response(data.data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        review = serializers.ProgressReviewSerializer(data=request.data, context=self.get_serializer_context())
        review.is_valid(raise_exception=True)
        return self._reviewed(review.save(), status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        progress = self.get_object()
        change = serializers.ProgressChangeSerializer(data=request.data, partial=kwargs.get("partial", False))
        change.is_valid(raise_exception=True)
        values = {"status": progress.status, **change.validated_data}
        for name in ("reason", "evidence_url"):
            if name not in values:
                raise ValidationError({name: ["This field is required."]})
        try:
            reviewed = progress_review(
                recommendation=progress.recommendation,
                jurisdiction=progress.jurisdiction,
                user=request.user,
                **values,
            )
        except serializers.DjangoValidationError as exc:
            raise serializers.as_drf_error(exc) from exc
        return self._reviewed(reviewed, status.HTTP_200_OK)


# --- The changefeed ---------------------------------------------------------------------------------------------


class ChangeForm(forms.Form):
    since = SafeIsoDateTimeField(required=False)
    kind = ListField(required=False, base_field=forms.ChoiceField(choices=[(kind, kind) for kind in CHANGE_KINDS]))
    jurisdiction = ListField(required=False, base_field=forms.SlugField(max_length=60), normalise=str.lower)
    cursor = forms.CharField(required=False, max_length=200)


CHANGE_FIELDS = tuple(serializers.ChangeSerializer().fields)


def cursor_encode(position: ChangePosition) -> str:
    text = f"{position.at.isoformat()}|{position.kind}|{position.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> ChangePosition:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, kind, pk = text.split("|")
        position = ChangePosition(at=datetime.fromisoformat(at), kind=kind, id=int(pk))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValidationError({"cursor": ["Invalid cursor: use the `next` URL of a previous page."]}) from exc
    if position.kind not in CHANGE_KINDS or position.at.tzinfo is None:
        raise ValidationError({"cursor": ["Invalid cursor: use the `next` URL of a previous page."]})
    return position


@extend_schema(
    summary="Changefeed: stage changes of bills, progress changes and measures",
    description="Oldest first, from `since` (an ISO 8601 time) or from a `cursor`. Follow `next` to read on; when a "
    "page is empty you are up to date, and the same `next` gives later changes when there are some. A change is "
    "listed once the import or edit that made it has committed.",
    parameters=[
        OpenApiParameter("since", OpenApiTypes.DATETIME, description="Changes recorded at or after this time."),
        OpenApiParameter("cursor", str, description="Opaque position from a `next` URL; takes precedence over since."),
        OpenApiParameter(
            "kind",
            str,
            enum=list(CHANGE_KINDS),
            many=True,
            explode=True,
            description="`stage`, `progress` or `measure`.",
        ),
        OpenApiParameter("jurisdiction", str, many=True, explode=True, description="Jurisdiction codes."),
        OpenApiParameter(
            "page_size", OpenApiTypes.INT, description="Changes per page, 100 by default, capped at 1000."
        ),
        FORMAT_PARAMETER,
    ],
    responses={200: serializers.ChangePageSerializer},
)
class ChangeView(APIMixin, APIView):
    permission_classes = [ReadOnly]
    filter_backends: list = []  # its parameters are read by ChangeForm
    page_size = 100
    max_page_size = 1000

    def get(self, request: Request) -> HttpResponseBase:
        return self.conditional(request, self._changes)

    def _changes(self, request: Request) -> Response:
        form = ChangeForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        limit = positive_int_param(request.query_params, "page_size", maximum=self.max_page_size) or self.page_size
        data = form.cleaned_data
        after = cursor_decode(data["cursor"]) if data["cursor"] else None
        rows = change_list(
            after=after,
            since=None if after else data["since"],
            kinds=data["kind"] or CHANGE_KINDS,
            jurisdictions=data["jurisdiction"],
            limit=limit,
        )
        query = request.query_params.copy()
        if rows:
            last = rows[-1]
            query.pop("since", None)
            query["cursor"] = cursor_encode(ChangePosition(at=last["at"], kind=last["kind"], id=last["pk"]))
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}" if query else request.path)
        results = plain_rows(rows, CHANGE_FIELDS, datetimes=("at",))  # as ChangeSerializer writes them
        response = Response({"next": next_url, "results": results})
        response["Link"] = f'<{next_url}>; rel="next"'
        return response

    def get_serializer_class(self):
        return serializers.ChangeSerializer


@csrf_exempt  # answers every method the same; nothing to protect, and a 403 page would hide the 404
def not_found(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)


# --- Freshness, import runs, exports ----------------------------------------------------------------------------


@extend_schema(
    summary="Data freshness",
    description="When each source was last imported successfully (per scope too), its last attempt, and whether it "
    "is stale: no success within `stale_after_hours` (setting API_FRESHNESS_STALE_HOURS).",
    responses={200: serializers.FreshnessSerializer},
)
class FreshnessView(APIMixin, APIView):
    permission_classes = [ReadOnly]
    filter_backends: list = []
    cache_reads = False  # `stale` depends on the clock, not only on the data

    def get(self, request: Request) -> Response:
        response = Response(serializers.FreshnessSerializer(freshness()).data)
        patch_cache_control(response, max_age=60)
        return response

    def get_serializer_class(self):
        return serializers.FreshnessSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Import runs (staff)",
        description="Every import and sync with its counts and errors. Needs the `view_importrun` permission.",
        responses={200: serializers.ImportRunSerializer(many=True), 401: WRITE_ERRORS[401], 403: WRITE_ERRORS[403]},
    ),
    retrieve=extend_schema(
        summary="An import run (staff)",
        responses={200: serializers.ImportRunSerializer, 401: WRITE_ERRORS[401], 403: WRITE_ERRORS[403]},
    ),
)
class ImportRunViewSet(ReadOnlyViewSet):
    queryset = ImportRun.objects.order_by("-started_at", "-id")
    serializer_class = serializers.ImportRunSerializer
    permission_classes = [StaffReadPermission]
    cache_reads = False  # staff-only, and small


@extend_schema(
    summary="Bulk exports",
    description="Zipped JSON and CSV of every table (jurisdictions, recommendations, bills, external ids, actions, "
    "measures, links, progress), rebuilt after each import; the newest days are kept. Each archive has a README "
    "with the row counts and the attribution owed. Only what is public is exported (nothing waiting for review).",
    responses={200: serializers.ExportFileSerializer(many=True)},
)
class ExportListView(APIMixin, APIView):
    permission_classes = [ReadOnly]
    filter_backends: list = []
    cache_reads = False  # a directory listing: cheaper to read than to cache

    def get(self, request: Request) -> Response:
        files = [
            {
                "name": item.name,
                "date": item.date,
                "format": item.format,
                "size": item.size,
                "url": reverse("api:export-file", kwargs={"name": item.name}, request=request),
                "attribution": item.attribution,
            }
            for item in exports_list()
        ]
        return Response(serializers.ExportFileSerializer(files, many=True).data)

    def get_serializer_class(self):
        return serializers.ExportFileSerializer


@extend_schema(
    summary="One bulk export archive",
    responses={
        (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The zip archive."),
        404: OpenApiResponse(description="No such export."),
    },
)
class ExportFileView(APIView):
    permission_classes = [ReadOnly]
    renderer_classes = RENDERERS

    def get(self, request: Request, name: str) -> FileResponse:
        path = export_path(name)
        if path is None:
            raise Http404("No such export.")
        response = FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type="application/zip")
        patch_cache_control(response, max_age=3600)
        return response
