"""Schemathesis against the served OpenAPI schema with every check (`--checks all`): generated requests to every
operation, valid and invalid (positive and negative modes), anonymous and as an admin. Never a server error, never a
response the schema does not describe (status, content type, headers, body), every schema-violating request refused,
every schema-valid one accepted, auth neither ignored nor missing, methods outside the schema refused.

The cases are the same on every run (derandomized), so that CI is repeatable; `FUZZ_EXPLORE=1 make test` draws new
ones, to look for what the fixed ones miss. `FUZZ_CASES` sets the cases per client (anonymous, admin) the run aims at
(spread evenly over the operations; operations with few distinct requests have fewer): 1,000 by default, to keep
`make test` near two minutes for this module; `FUZZ_CASES=2100` is the full proof (figures in docs/RELIABILITY.md).
"""

import json
import math
import os
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

FUZZ_CASES = int(os.environ.get("FUZZ_CASES", "1000"))
MINIMUM_SHARE = 0.8  # of FUZZ_CASES per client: operations with few distinct requests run fewer than their share
CASES: dict[str, list[str]] = {"anonymous": [], "admin": []}
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
    if "_requests_conform_to_the_schema[" in request.node.name:  # one test per operation and client
        FUZZED.add(request.node.name)


@pytest.fixture(autouse=True, scope="module")
def _enough_cases_were_generated(request):
    """After the fuzz tests this process ran: enough cases over enough paths, for each client. Under pytest-xdist
    (`make test`) or `-k` a process runs only a share of them, and the minimums are that share of the whole."""
    yield
    if not FUZZED:
        return
    for client, cases in CASES.items():
        ran = [name for name in FUZZED if client in name]
        if not ran:
            continue
        share = len(ran) / OPERATIONS  # of this client's fuzz tests, one per operation (-k, xdist: a part)
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"schemathesis {client}: {len(cases)} cases over {len(ran)} operations")
        assert len(cases) >= FUZZ_CASES * MINIMUM_SHARE * share, (client, len(cases), f"{len(ran)} fuzz tests")
        assert len({case.split(" ", 1)[1] for case in cases}) >= 15 * share  # every path, not only a few


OPERATIONS = sum(1 for result in schema.get_all_operations() if result.ok())
FUZZ_SETTINGS = hypothesis_settings(
    max_examples=math.ceil(FUZZ_CASES / OPERATIONS),
    deadline=None,
    database=None,
    derandomize=not os.environ.get("FUZZ_EXPLORE"),
    suppress_health_check=list(HealthCheck),
)


# What the schema does not state, and a schema-valid request may still meet with a 400 naming the field: that a
# cursor is one the API issued (cursors are opaque positions from `next` URLs), that an object the body refers to
# exists, that the object is in a state that allows the change (only a pending change is reviewed); and two grammars
# narrower than JSON Schema's: Django's URLs (http, https or ftp, a host with a top-level domain: `format: uri` takes
# any scheme) and a form field's text for an id (forms have no null: schemathesis sends one as text).
NOT_IN_A_SCHEMA = (
    "Invalid cursor",
    "does not exist",
    "Only a pending change can be reviewed",
    "Enter a valid URL.",
    "Expected pk value, received str.",
)


def _refused_for_what_no_schema_states(response) -> bool:
    """A 400 each of whose complaints is one of NOT_IN_A_SCHEMA (JSON, or CSV when `format=csv` was asked)."""
    text = response.text
    try:
        body = json.loads(text)
        messages = [m for value in body.values() for m in (value if isinstance(value, list) else [value])]
    except (ValueError, TypeError, AttributeError):
        messages = text.splitlines()[1:]  # the CSV representation of the error: a header row, then the messages
    return bool(messages) and all(any(reason in str(m) for reason in NOT_IN_A_SCHEMA) for m in messages)


@schemathesis.check
def positive_data_acceptance_but_state(ctx, response, case):
    """schemathesis' positive_data_acceptance, except for a 400 about what no schema can state (above)."""
    if response.status_code == 400 and _refused_for_what_no_schema_states(response):
        return None
    return positive_data_acceptance(ctx, response, case)


def _wire_value(text: str, schema: dict):
    """A query value as the API reads it for one alternative of its schema (the query string has only text)."""
    if schema.get("type") == "integer" and text.lstrip("-").isdigit():
        return int(text)
    if schema.get("type") == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _valid_on_the_wire(case, response) -> bool:
    """Whether the query string of a GET as sent satisfies the operation's parameters. schemathesis counts some
    mutations as invalid although what reaches the API is valid: a value mutated to a boolean `true` sent as the
    text `true`, a valid slug; or, under `anyOf`, an empty value that one alternative allows."""
    if case.method.upper() != "GET" or not hasattr(response, "request"):
        return False
    sent = parse_qs(urlsplit(str(response.request.url)).query, keep_blank_values=True)
    declared = {p["name"]: p for p in case.operation.definition.raw.get("parameters", []) if p["in"] == "query"}
    checker = jsonschema.FormatChecker()
    for name, values in sent.items():
        parameter = declared.get(name)
        if parameter is None:
            return False
        schema = parameter["schema"]
        if schema.get("type") == "array":
            candidates = [[_wire_value(v, schema.get("items", {})) for v in values]]
        elif len(values) > 1:
            return False
        else:
            alternatives = schema.get("anyOf", [schema])
            candidates = [(_wire_value(values[0], alternative), alternative) for alternative in alternatives]
            if not any(jsonschema.Draft202012Validator(alt, format_checker=checker).is_valid(value)
                       for value, alt in candidates):
                return False
            continue
        if not jsonschema.Draft202012Validator(schema, format_checker=checker).is_valid(candidates[0]):
            return False
    return True


@schemathesis.check
def negative_data_rejection_on_the_wire(ctx, response, case):
    """schemathesis' negative_data_rejection, for requests that are invalid as sent (see above)."""
    if response.status_code < 400 and _valid_on_the_wire(case, response):
        return None
    return negative_data_rejection(ctx, response, case)


def call_and_check(case, client: str, headers: dict[str, str]) -> None:
    CASES[client].append(f"{case.method} {case.path}")
    case.call_and_validate(
        headers=headers,
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
        additional_checks=[positive_data_acceptance_but_state, negative_data_rejection_on_the_wire],
    )


@schema.parametrize()
@FUZZ_SETTINGS
def test_anonymous_requests_conform_to_the_schema(case, world):
    call_and_check(case, "anonymous", {})


@schema.parametrize()
@FUZZ_SETTINGS
def test_admin_requests_conform_to_the_schema(case, world, admin_user_):
    token, _ = Token.objects.get_or_create(user=admin_user_)
    call_and_check(case, "admin", {"Authorization": f"Token {token.key}"})
