"""The Content-Security-Policy in a real browser (Debian's Chromium): the pages, the admin and the API docs work
under it with no violation reported (a violation is a console error and a `securitypolicyviolation` event), and an
inline script is really refused."""

from __future__ import annotations

import pytest

from recommendations.models import Recommendation
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (event) => window.__violations.push(event.violatedDirective + " " + event.blockedURI));
"""

@pytest.fixture
def watched(page):
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.add_init_script(RECORD_VIOLATIONS)
    page.problems = problems
    return page


def visit(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, (url, response.status)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__violations")


def test_pages_admin_and_docs_run_under_the_policy(watched, live_server, seeded):
    recommendation = Recommendation.objects.filter(parent=None).first()
    urls = ["/", "/map/", "/about/", "/changes/", f"/recommendations/{recommendation.code}/", "/jurisdictions/ca/",
            "/admin/login/", "/api/v1/docs/"]
    for url in urls:
        assert visit(watched, live_server.url + url) == [], url
    # Swagger UI really rendered the schema (its scripts ran).
    watched.goto(live_server.url + "/api/v1/docs/")
    watched.wait_for_selector(".opblock", timeout=15000)
    # The admin, signed in.
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    watched.goto(live_server.url + "/admin/login/")
    watched.fill("#id_username", "boss")
    watched.fill("#id_password", "correct horse battery staple")
    watched.click("input[type=submit]")
    watched.wait_for_url(live_server.url + "/admin/")
    for url in ("/admin/", "/admin/recommendations/billlink/", "/admin/recommendations/billlink/add/"):
        assert visit(watched, live_server.url + url) == [], url
    assert watched.problems == []


def test_an_injected_inline_script_is_refused(watched, live_server, seeded):
    visit(watched, live_server.url + "/about/")
    ran = watched.evaluate(
        """() => new Promise((resolve) => {
             window.__ran = false;
             const script = document.createElement("script");
             script.textContent = "window.__ran = true";
             document.body.appendChild(script);
             setTimeout(() => resolve(window.__ran), 200);
           })"""
    )
    assert ran is False
    assert any(violation.startswith("script-src") for violation in watched.evaluate("window.__violations"))
