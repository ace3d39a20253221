"""Fixtures of the API tests: a clean cache (Redis db of the test settings) and generous rates unless a test says
otherwise, users in the staff groups with tokens, and a small world of bills and links."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from legislation.choices import Source, Stage
from legislation.models import BillExternalId
from recommendations.services import progress_recompute
from tests.factories import BillActionFactory, BillFactory, BillLinkFactory, JurisdictionFactory, UserFactory

HIGH_RATES = {"anon": "100000/min", "user": "100000/min"}


@pytest.fixture(autouse=True)
def _api_settings(settings):
    """Every test starts with an empty cache and rates no test reaches by accident."""
    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": HIGH_RATES}
    yield
    cache.clear()


@pytest.fixture
def no_review(settings):
    """Staff writes apply at once (REVIEW_REQUIRED off), for tests of what a write does rather than of its review."""
    settings.REVIEW_REQUIRED = False


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def editor(db):
    user = UserFactory(username="editor")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def reviewer(db):
    user = UserFactory(username="reviewer")
    user.groups.add(Group.objects.get(name="Reviewers"))
    return user


@pytest.fixture
def admin_user_(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def users(editor, reviewer, admin_user_):
    return {"anonymous": None, "editor": editor, "reviewer": reviewer, "admin": admin_user_}


@pytest.fixture
def world(db):
    """Two states, four bills (one from LegiScan), two links."""
    ca = JurisdictionFactory(code="ca", name="California")
    ny = JurisdictionFactory(code="ny", name="New York")
    enacted = BillFactory(
        jurisdiction=ca,
        identifier="AB 1044",
        title="An act relating to fentanyl penalties",
        summary="Raises penalties for selling fentanyl.",
        stage=Stage.ENACTED,
        furthest_stage=Stage.ENACTED,
        stage_date=datetime.date(2025, 6, 1),
        latest_action_date=datetime.date(2025, 6, 1),
        latest_action_description="Chaptered",
    )
    pending = BillFactory(jurisdiction=ca, identifier="SB 180", title="An act relating to diversion programs")
    other = BillFactory(
        jurisdiction=ny,
        identifier="S 756",
        title="Relates to the sentencing of drug offences",
        stage=Stage.IN_COMMITTEE,
        furthest_stage=Stage.IN_COMMITTEE,
        latest_action_date=datetime.date(2025, 3, 1),
    )
    legiscan = BillFactory(jurisdiction=ny, identifier="A 12", title="Relates to harm reduction services")
    BillExternalId.objects.create(bill=legiscan, source=Source.LEGISCAN, external_id="1234567")
    BillActionFactory(bill=enacted, order=1, description="Introduced")
    BillActionFactory(bill=enacted, order=2, description="Chaptered", classification=["executive-signature"])
    regress = BillLinkFactory(bill=enacted, effect="regresses", rationale="Raises penalties.")
    advance = BillLinkFactory(bill=other, effect="advances", rationale="Cuts a mandatory minimum.")
    for link in (regress, advance):
        progress_recompute(recommendation=link.recommendation, jurisdiction=link.bill.jurisdiction)
    return {
        "ca": ca,
        "ny": ny,
        "enacted": enacted,
        "pending": pending,
        "other": other,
        "legiscan": legiscan,
        "regress": regress,
        "advance": advance,
    }
