"""The default permission: reads need no model permission and build no queryset; writes are DRF's model
permissions (the permission matrices in test_writes.py and test_review.py cover every write)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from rest_framework.test import APIRequestFactory

from api.permissions import ModelPermissionsOrAnonReadOnly
from legislation.models import Bill


class View:
    """A view whose queryset must not be needed for a read."""

    def __init__(self) -> None:
        self.querysets = 0

    def get_queryset(self):
        self.querysets += 1
        return Bill.objects.all()


def allowed(method: str, user) -> tuple[bool, int]:
    request = getattr(APIRequestFactory(), method.lower())("/api/v1/bills/")
    request.user = user
    view = View()
    return ModelPermissionsOrAnonReadOnly().has_permission(request, view), view.querysets


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_reads_are_allowed_without_building_the_queryset(method):
    assert allowed(method, AnonymousUser()) == (True, 0)


@pytest.mark.django_db
def test_writes_need_the_model_permission():
    assert allowed("POST", AnonymousUser())[0] is False
    user = User.objects.create_user("writer")
    assert allowed("POST", user) == (False, 1)
    user.is_superuser = True
    assert allowed("POST", user) == (True, 1)
