"""Staff logins are limited (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username from one address,
even the right password is refused with a 429 and a clear message, in the admin and at the token endpoint, until
staff unlock it (`axes_reset_username`, the admin) or the cool-off passes. Tokens are revocable."""

import io

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
LIMIT = 3
TOKEN_URL = "/api/v1/auth/token/"
ADMIN_LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"},
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(db):
    return UserFactory(username="clerk", is_staff=True, is_superuser=True)


def admin_login(client: Client, password: str, address: str = "10.0.0.1"):
    return client.post(
        ADMIN_LOGIN, {"username": "clerk", "password": password}, REMOTE_ADDR=address
    )


def token_login(client: APIClient, password: str, address: str = "10.0.0.1"):
    return client.post(TOKEN_URL, {"username": "clerk", "password": password}, format="json", REMOTE_ADDR=address)


def test_admin_login_locks_after_the_limit_even_for_the_right_password(staff):
    client = Client()
    for _ in range(LIMIT - 1):
        assert admin_login(client, "wrong").status_code == 200  # the form again, with its error
    locked = admin_login(client, "wrong")
    assert locked.status_code == 429
    right = admin_login(client, PASSWORD)
    assert right.status_code == 429
    assert "Too many failed logins" in right.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username="clerk", ip_address="10.0.0.1").exists()


def test_lock_is_per_username_and_address(staff):
    client = Client()
    for _ in range(LIMIT):
        admin_login(client, "wrong", address="10.0.0.1")
    # The same account from another address still logs in: an attacker cannot lock staff out from afar.
    assert admin_login(Client(), PASSWORD, address="10.0.0.2").status_code == 302


def test_token_endpoint_locks_and_says_why(staff):
    client = APIClient()
    for _ in range(LIMIT - 1):
        assert token_login(client, "wrong").status_code == 401
    assert token_login(client, "wrong").status_code == 429
    refused = token_login(client, PASSWORD)
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    assert "Too many failed logins" in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0
    assert not Token.objects.filter(user=staff).exists()


def test_failures_at_the_admin_count_at_the_token_endpoint(staff):
    for _ in range(LIMIT):
        admin_login(Client(), "wrong")
    assert token_login(APIClient(), PASSWORD).status_code == 429


def test_axes_reset_username_unlocks(staff):
    for _ in range(LIMIT):
        token_login(APIClient(), "wrong")
    assert token_login(APIClient(), PASSWORD).status_code == 429
    call_command("axes_reset_username", "clerk", stdout=io.StringIO())
    unlocked = token_login(APIClient(), PASSWORD)
    assert unlocked.status_code == 200
    assert unlocked.json()["token"] == Token.objects.get(user=staff).key
    assert admin_login(Client(), PASSWORD).status_code == 302


def test_admin_unlocks_by_deleting_the_access_attempt(staff):
    for _ in range(LIMIT):
        admin_login(Client(), "wrong")
    other_admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    boss = Client()
    boss.force_login(other_admin)
    attempt = AccessAttempt.objects.get(username="clerk")
    page = boss.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    assert "clerk" in page.content.decode()
    deleted = boss.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert admin_login(Client(), PASSWORD).status_code == 302


def test_successful_logins_are_logged_and_clear_failures(staff):
    token_login(APIClient(), "wrong")
    assert token_login(APIClient(), PASSWORD).status_code == 200
    assert AccessLog.objects.filter(username="clerk").count() == 1
    assert not AccessAttempt.objects.filter(username="clerk").exists()


def test_owner_revokes_their_token(staff):
    token = Token.objects.create(user=staff)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.delete(TOKEN_URL).status_code == 204
    assert not Token.objects.filter(key=token.key).exists()
    assert client.get("/api/v1/triage/").status_code == 401
    assert client.delete(TOKEN_URL).status_code == 401
    # A new login makes a new token.
    fresh = token_login(APIClient(), PASSWORD)
    assert fresh.status_code == 200
    assert fresh.json()["token"] != token.key


def test_anonymous_cannot_revoke(db):
    assert APIClient().delete(TOKEN_URL).status_code == 401


def test_admin_revokes_a_token_in_the_admin(staff):
    token = Token.objects.create(user=UserFactory(username="editor1"))
    boss = Client()
    boss.force_login(staff)
    response = boss.post(f"/admin/authtoken/tokenproxy/{token.user_id}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Token.objects.filter(key=token.key).exists()
