"""The API's default permission: DRF's `DjangoModelPermissionsOrAnonReadOnly`, without building a query to read.

DRF's class asks the view for its queryset on every request, to learn the model whose permissions a method needs,
even for a GET, which needs none: for the lists that is a whole `get_queryset()` built and thrown away (annotated
subqueries and joins, a fifth of a recommendations page's time). Here a method that needs no permission (the
safe methods of `perms_map`) is allowed at once, as DRF would allow it; the rest is DRF's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import permissions

if TYPE_CHECKING:  # rest_framework.views imports this module while it loads
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ModelPermissionsOrAnonReadOnly(permissions.DjangoModelPermissionsOrAnonReadOnly):
    def has_permission(self, request: Request, view: APIView) -> bool:
        if not self.perms_map.get(request.method, ["?"]) and request.user:
            return True  # GET, HEAD and OPTIONS need no model permission, signed in or not
        return super().has_permission(request, view)
