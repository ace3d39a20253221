"""Schemathesis against the served OpenAPI schema: generated requests to every operation, anonymous and as an
admin, must never get a server error nor a response the schema does not describe (status, content type,
headers, body).

The cases are the same on every run (derandomized), so that CI is repeatable; `FUZZ_EXPLORE=1 make test` draws new
ones, to look for what the fixed ones miss.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 20
MINIMUM_CASES = 500
CASES: list[str] = []
FUZZED: set[str] = set()  # the fuzz tests (one per operation and client) run by this process


# Loaded when the module is collected (pytest-django has set Django up by then); serving the schema reads no table.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request when it is not in autocommit, which it
    never is inside a test's transaction; Django's test client disconnects that receiver for the same reason."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _count_fuzz_tests(request):
    if getattr(request.node, "operation_label", None):
        FUZZED.add(request.node.name)


@pytest.fixture(autouse=True, scope="module")
def _enough_cases_were_generated(request):
    """After the fuzz tests this process ran: enough cases over enough paths. Under pytest-xdist (`make test`) a
    process runs only its share of them, and the minimums are that share of the whole."""
    yield
    if not FUZZED:
        return
    fuzz_tests = [item for item in request.session.items if getattr(item, "operation_label", None)]
    share = len(FUZZED) / len(fuzz_tests)
    assert len(CASES) >= MINIMUM_CASES * share, (len(CASES), f"{len(FUZZED)} of {len(fuzz_tests)} fuzz tests")
    assert len({case.split(" ", 1)[1] for case in CASES}) >= 15 * share  # every path, not only a few


FUZZ_SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    derandomize=not os.environ.get("FUZZ_EXPLORE"),
    suppress_health_check=list(HealthCheck),
)


def call_and_check(case, headers: dict[str, str]) -> None:
    CASES.append(f"{case.method} {case.path}")
    case.call_and_validate(headers=headers, checks=CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_anonymous_requests_conform_to_the_schema(case, world):
    call_and_check(case, {})


@schema.parametrize()
@FUZZ_SETTINGS
def test_admin_requests_conform_to_the_schema(case, world, admin_user_):
    token, _ = Token.objects.get_or_create(user=admin_user_)
    call_and_check(case, {"Authorization": f"Token {token.key}"})
