"""Security of the site as a whole: headers on pages and API (CSP with no inline script, HSTS when configured,
nosniff, Referrer-Policy, frame-ancestors / X-Frame-Options, COOP), templates without inline script or style, no write
open to anonymous users anywhere in the URL conf, and an imported title carrying a script tag shown as text."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize

from legislation.models import Bill
from recommendations.models import Recommendation
from recommendations.services import bill_link_create
from tests.factories import BillLinkFactory, JurisdictionFactory
from tests.legislation.importers.payloads import MA_HD6143, load, write_json

pytestmark = pytest.mark.django_db

PAGES = ["/", "/map/", "/changes/", "/search/?q=drug", "/about/", "/jurisdictions/ca/", "/no-such-page/"]
API = ["/api/v1/", "/api/v1/bills/", "/api/v1/bills/?format=csv", "/api/v1/jurisdictions/", "/api/v1/schema/",
       "/api/v1/docs/", "/api/v1/nothing/", "/admin/login/", "/healthz"]


def csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture
def some_data(db):
    JurisdictionFactory(code="ca", name="California")


@pytest.mark.parametrize("url", PAGES + API)
def test_security_headers_on_pages_and_api(client, some_data, url):
    for _ in range(2):  # the second answer may come from a cache: the headers are the same
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        policy = csp(response)
        assert policy["script-src"] == ["'self'"]
        assert policy["default-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        if not url.startswith("/api/v1/docs"):
            assert policy["style-src"] == ["'self'"], url


def test_swagger_ui_script_is_a_file_not_inline(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert not re.search(r"<script>", page)
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_hsts_when_configured(client, settings, some_data):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    for url in ("/", "/api/v1/bills/"):
        response = client.get(url, secure=True)
        assert response["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/", secure=False)  # only over HTTPS


def test_hsts_seconds_come_from_the_environment():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tracker.settings.production", "DJANGO_SECRET_KEY": "x" * 50,
           "DJANGO_ALLOWED_HOSTS": "tracker.example.org", "DJANGO_SECURE_HSTS_SECONDS": "600"}
    code = "import django; django.setup(); from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "600"
    env.pop("DJANGO_SECURE_HSTS_SECONDS")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(365 * 24 * 3600)


# --- Templates ----------------------------------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
STYLE_ALLOWED: set[str] = set()
# Emails are read in mail clients, which need inline styles and apply no CSP; their scripts are still refused.
EMAIL_DIR = "/email/"


def project_templates() -> list[Path]:
    base = Path(settings.BASE_DIR)
    found = list((base / "templates").rglob("*.html"))
    for app in ("legislation", "recommendations", "api", "alerts", "tracker"):
        found += list((base / app / "templates").rglob("*.html")) if (base / app / "templates").is_dir() else []
    return sorted(found)


def test_no_template_has_inline_script_or_style():
    base = Path(settings.BASE_DIR)
    problems = []
    templates = project_templates()
    assert len(templates) > 10
    for path in templates:
        text = path.read_text(encoding="utf-8")
        name = str(path.relative_to(base))
        for label, pattern in (("inline <script>", INLINE_SCRIPT), ("on* handler", EVENT_HANDLER)):
            problems += [f"{name}: {label} {match.group(0)[:60]!r}" for match in pattern.finditer(text)]
        if name not in STYLE_ALLOWED and EMAIL_DIR not in name:
            for label, pattern in (("style attribute", STYLE_ATTRIBUTE), ("<style>", STYLE_ELEMENT)):
                problems += [f"{name}: {label} {match.group(0)[:60]!r}" for match in pattern.finditer(text)]
    assert problems == []


def test_template_scan_catches_inline_script():
    assert INLINE_SCRIPT.search('<script>alert(1)</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/x.js" defer></script>')
    assert EVENT_HANDLER.search('<button type="button" onclick="go()">')
    assert STYLE_ATTRIBUTE.search('<p class="x" style="color: red">')


# --- No write open to anonymous users ---------------------------------------------------------------------------

WRITES = ("post", "put", "patch", "delete")
# Deliberately public writes (by URL name), each with its reason. Anything else must refuse an anonymous write.
PUBLIC_WRITES = {
    "admin:login": "the login form (failures limited by django-axes)",
    "admin:logout": "logging out is harmless",
    "api:token": "the token login (failures limited by django-axes)",
    "alerts:subscribe": "anyone asks for alerts (double opt-in, rate-limited)",
    "alerts:confirm": "the emailed link with a signed token",
    "alerts:unsubscribe": "the emailed link with a signed token (RFC 8058 one-click)",
    "alerts:manage": "the emailed link with a signed token",
}
REFUSED = {401, 403, 404, 405}
VALUES = {"format": "json", "code": "ca", "jurisdiction": "ca", "app_label": "auth"}


def walk(patterns, prefix: str = "", namespace: str = ""):
    """Every URL of the URL conf as (path, name), with example values for its parameters."""
    for entry in patterns:
        regex = prefix + entry.pattern.regex.pattern.lstrip("^").removesuffix("\\Z").removesuffix("$")
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, regex, inner)
        elif isinstance(entry, URLPattern):
            for template, params in normalize(regex)[:1]:
                yield "/" + template % {name: VALUES.get(name, "1") for name in params}, f"{namespace}{entry.name}"


def written_rows() -> int:
    """Rows inserted, updated or deleted in this transaction (the test's) so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables")
        return cursor.fetchone()[0]


def anonymous_writes(urls) -> list[str]:
    """Each anonymous write that was not refused: anything but 401/403/404/405, a redirect to the login page or a
    redirect that wrote nothing (APPEND_SLASH), or any request that changed a row."""
    client = Client()  # no CSRF enforcement: a forged token would get past it, so it is not what protects a write
    found = []
    for url in urls:
        for method in WRITES:
            before = written_rows()
            response = getattr(client, method)(url, {"title": "x"} if method == "post" else None)
            wrote = written_rows() - before
            redirect = response.status_code in (301, 302, 308)
            if wrote or not (response.status_code in REFUSED or redirect):
                found.append(f"{method.upper()} {url}: {response.status_code}, {wrote} rows")
    return found


def test_every_url_refuses_anonymous_writes(some_data):
    link = BillLinkFactory()
    VALUES["pk"] = VALUES["object_id"] = str(link.pk)
    routes = dict(walk(get_resolver().url_patterns))
    assert len(routes) > 100, len(routes)
    assert f"/api/v1/links/{link.pk}/" in routes
    assert set(PUBLIC_WRITES) <= set(routes.values()), set(PUBLIC_WRITES) - set(routes.values())
    open_writes = anonymous_writes(url for url, name in sorted(routes.items()) if name not in PUBLIC_WRITES)
    assert open_writes == [], "\n".join(open_writes)


def test_the_walk_sees_an_open_write(monkeypatch, some_data):
    """The check above fails on a view that writes for anyone (the links endpoint, deliberately broken)."""
    from rest_framework import permissions

    from api import views

    monkeypatch.setattr(views.BillLinkViewSet, "permission_classes", [permissions.AllowAny])
    monkeypatch.setattr(views, "bill_link_delete", lambda *, link, user: link.delete())
    link = BillLinkFactory()
    assert anonymous_writes([f"/api/v1/links/{link.pk}/"]) != []


# --- Markup in imported data is text ------------------------------------------------------------------------------

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>"  # no quotes: CSV would double them


@pytest.fixture
def script_bill(seeded, tmp_path):
    data = load(MA_HD6143)
    data["title"] = f"An Act {PAYLOAD} relative to sentencing"
    call_command("import_bills", "openstates", str(write_json(tmp_path / "bill.json", data)), stdout=io.StringIO())
    bill = Bill.objects.get()
    assert PAYLOAD in bill.title
    recommendation = Recommendation.objects.filter(parent=None).first()
    bill_link_create(recommendation=recommendation, bill=bill, effect="advances", rationale=f"Because {PAYLOAD}")
    return bill, recommendation


def test_script_in_an_imported_title_is_text_in_pages_feeds_and_csv(client, script_bill):
    bill, recommendation = script_bill
    code = bill.jurisdiction.code
    urls = [bill.get_absolute_url(), f"/jurisdictions/{code}/", f"/recommendations/{recommendation.code}/",
            "/search/?q=sentencing", "/changes/", "/feeds/changes/", f"/feeds/jurisdictions/{code}/",
            f"/feeds/recommendations/{recommendation.code}/"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "<script>alert" not in body, url
        assert "<img src=x" not in body, url
    assert "&lt;script&gt;alert" in client.get(bill.get_absolute_url()).content.decode()
    feed = client.get("/feeds/changes/").content.decode()
    assert "&lt;script&gt;" in feed or "&amp;lt;script&amp;gt;" in feed
    csvs = [f"/jurisdictions/{code}/?format=csv&table=bills", f"/recommendations/{recommendation.code}/?format=csv",
            "/api/v1/bills/?format=csv"]
    for url in csvs:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/csv"), url
        assert response["X-Content-Type-Options"] == "nosniff"
        assert PAYLOAD in response.content.decode(), url  # the value itself, as text in a CSV cell
