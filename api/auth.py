"""API tokens: `POST /api/v1/auth/token/` gives a staff member their token, `DELETE` revokes it.

Failed attempts count towards django-axes' lockout like the admin's login form (tracker/auth.py): the serializer
authenticates with the Django request, whose flag axes' middleware turns into a 429. Admins revoke anyone's token
under "Auth Token" in the admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from .throttling import AnonRateThrottle, UserRateThrottle
from .views import RENDERERS

TOKEN = inline_serializer("Token", {"token": serializers.CharField()})
LOCKED_OUT = OpenApiResponse(
    description="Too many failed logins for this username from this address: refused, even with the right password, "
    "until the lock expires (`Retry-After`) or staff unlock it."
)


class TokenView(ObtainAuthToken):
    """`POST {username, password}` gives the user's API token (for `Authorization: Token <key>`); `DELETE` with
    that token (or a session) revokes it: the next request with it is a 401, and the next POST makes a new one."""

    renderer_classes = RENDERERS
    # DRF leaves this view unthrottled; passwords are worth guarding like everything else.
    throttle_classes = [AnonRateThrottle, UserRateThrottle]

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "DELETE":
            return [permissions.IsAuthenticated()]
        return []

    def get_serializer_context(self) -> dict[str, Any]:
        # axes flags the request it is given, and its middleware reads the flag from Django's request, not DRF's.
        return {**super().get_serializer_context(), "request": self.request._request}

    @extend_schema(
        summary="Get your API token",
        request=ObtainAuthToken.serializer_class,
        responses={
            200: TOKEN,
            401: OpenApiResponse(description="Wrong username or password (counted towards the lockout)."),
            429: LOCKED_OUT,
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError as exc:
            # Both fields given, and they do not match an active user: the credentials are wrong, a 401 (a missing
            # or blank field stays a 400 naming it).
            if set(exc.detail) == {"non_field_errors"}:
                raise AuthenticationFailed("Unable to log in with the username and password given.") from exc
            raise
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        # A token is a login: axes logs it (and clears the user's failures), Django records last_login.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response({"token": token.key})

    @extend_schema(
        summary="Revoke your API token",
        request=None,
        responses={204: OpenApiResponse(description="Revoked."), 401: OpenApiResponse(description="Not signed in.")},
    )
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
