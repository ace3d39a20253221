"""The public pages in a real browser (Debian's Chromium) with the demo data loaded, as an advocate uses them.

Every page, at a desktop and a phone width: no console errors, no request leaves the site, nothing scrolls
sideways at 360 px, and axe-core finds no serious or critical violation. Screenshots are kept under
`var/screenshots/` (test artifacts, not committed). The flows: from the home page to where a state stands in three
clicks, the map by keyboard, filtering a recommendation's bills with JavaScript (htmx) and without, a bill page, the
changes page, and a feed that parses as Atom.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from legislation.models import Bill, Jurisdiction
from recommendations.models import Measure, Recommendation
from recommendations.services import bill_link_create, measure_create
from recommendations.views.measures import measure_path
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
WIDTHS = {"desktop": (1280, 900), "phone": (360, 740)}
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def demo(seeded):
    """The report, every jurisdiction and the demo snapshot, as `make run` loads them."""
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def watched(page, live_server):
    """The page, recording console errors, failed requests and requests that leave the site."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    def outside(request) -> None:
        if not request.url.startswith(live_server.url):
            problems.append(f"external {request.url}")

    page.on("request", outside)
    page.on("requestfailed", lambda request: problems.append(f"failed {request.url}"))
    page.problems = problems
    return page


def _check_page(page, url: str, name: str) -> None:
    """Open `url` at each width: no console errors, nothing wider than the screen, no serious axe violation."""
    axe = Axe()
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(url)
        assert response is not None, url
        assert response.status == 200, (url, response.status)
        page.wait_for_load_state("networkidle")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{url} scrolls sideways at {width} px ({scroll_width} px wide)"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}-{width_name}.png", full_page=True)
        results = axe.run(page)
        serious = [
            f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"{[node['target'] for node in violation['nodes']][:5]}"
            for violation in results.response["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
        assert serious == [], f"{url} at {width} px: {serious}"
    assert page.problems == [], page.problems
    assert page.locator("h1").count() == 1, f"{url} has {page.locator('h1').count()} h1"
    for landmark in ("banner", "main", "contentinfo", "navigation"):
        assert page.get_by_role(landmark).count() >= 1, f"{url} has no {landmark} landmark"


def _demo_bill() -> Bill:
    """A demo bill with links, actions and stage changes."""
    return Bill.objects.for_list().filter(links__isnull=False).order_by("-latest_action_date", "id").first()


def test_every_public_page_is_accessible_and_fits_a_phone(live_server, demo, watched):
    bill = _demo_bill()
    pages = {
        "home": "/",
        "map": "/map/",
        "map-pm-1": "/map/?recommendation=PM-1",
        "jurisdiction": f"/jurisdictions/{bill.jurisdiction.code}/",
        "recommendation": "/recommendations/PM-1/",
        "bill": bill.get_absolute_url(),
        "changes": "/changes/",
        "search": "/search/?q=fentanyl",
        "about": "/about/",
        # Measures and local jurisdictions (the demo measures).
        "measure": measure_path(Measure.objects.get(jurisdiction__code="ma-suffolk-da")),
        "jurisdiction-local": "/jurisdictions/ma-suffolk-da/",
        "jurisdiction-with-local": "/jurisdictions/md/",
        "jurisdiction-us-measures": "/jurisdictions/us/",
        "recommendation-pp-1": "/recommendations/PP-1/",
        "map-pp-1": "/map/?recommendation=PP-1",
        "changes-measures": "/changes/?kind=measure",
    }
    for name, path in pages.items():
        _check_page(watched, live_server.url + path, name)


def _sign_in(page, live_server, user) -> None:
    """The browser signed in as `user` (a session made by Django's test client, its cookie handed over)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _member(username: str, group: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def test_the_staff_pages_are_accessible_and_fit_a_phone(live_server, demo, watched):
    editor, reviewer = _member("editor", "Editors"), _member("reviewer", "Reviewers")
    link = bill_link_create(
        recommendation=Recommendation.objects.get(code="PP-2"),
        bill=_demo_bill(),
        effect="related",
        rationale="Bears on enforcement priorities.",
        user=editor,
    )
    _sign_in(watched, live_server, reviewer)
    _check_page(watched, live_server.url + "/staff/review/", "staff-review")
    _check_page(watched, live_server.url + "/staff/measures/new/", "staff-measure-new")
    assert link.review_status == "pending"


def test_a_reviewer_approves_by_keyboard_and_the_change_goes_public(live_server, demo, watched):
    page = watched
    editor, reviewer = _member("editor", "Editors"), _member("reviewer", "Reviewers")
    measure = measure_create(
        jurisdiction=Jurisdiction.objects.get(code="ma-suffolk-da"),
        user=editor,
        kind="police_policy",
        title="Enforcement priorities order",
        status="proposed",
        url="https://example.org/order",
    )
    reader = Client()
    assert reader.get(measure_path(measure)).status_code == 404
    assert "Enforcement priorities order" not in reader.get("/jurisdictions/ma-suffolk-da/").content.decode()
    _sign_in(page, live_server, reviewer)
    page.goto(live_server.url + "/staff/review/")
    # Tab to the change's box, tick it with Space, write the note, then Tab to the approve button and press Enter.
    box = page.locator(f'input[name=items][value="measure-{measure.pk}"]')
    for _ in range(80):
        page.keyboard.press("Tab")
        if box.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("the change's box never took the keyboard focus")
    page.keyboard.press("Space")
    assert box.is_checked()
    note = page.get_by_label("Note (needed to reject; shown with the decision)")
    note.focus()
    page.keyboard.type("Checked against the order.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Approve ticked"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "1 change approved." in page.locator("main").inner_text()
    measure.refresh_from_db()
    assert (measure.review_status, measure.reviewed_by, measure.review_note) == (
        "approved",
        reviewer,
        "Checked against the order.",
    )
    assert reader.get(measure_path(measure)).status_code == 200
    assert "Enforcement priorities order" in reader.get("/jurisdictions/ma-suffolk-da/").content.decode()
    assert page.problems == []


def test_an_advocate_reaches_where_her_state_stands_in_three_clicks(live_server, demo, watched):
    page = watched
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url)
    # 1: the map's tile of a state with linked bills (its accessible name says the state and its status).
    bill = _demo_bill()
    jurisdiction = bill.jurisdiction
    page.get_by_role("link", name=re.compile(rf"^{re.escape(jurisdiction.name)}: ")).first.click()
    page.wait_for_url(f"**/jurisdictions/{jurisdiction.code}/")
    assert page.locator("h1").inner_text().find(jurisdiction.name) >= 0
    # Where it stands on each recommendation, and the bills behind it with the reason for the link.
    body = page.locator("main").inner_text()
    for link in bill.links.select_related("recommendation"):
        assert link.recommendation.code in body
        assert link.rationale[:40] in " ".join(body.split())
    # 2: a bill behind a status; its page says what the bill is and where it stands.
    page.get_by_role("link", name=re.compile(re.escape(bill.identifier))).first.click()
    page.wait_for_url(f"**{bill.get_absolute_url()}")
    assert bill.identifier in page.locator("h1").inner_text()
    assert page.problems == []


def test_the_map_works_by_keyboard(live_server, demo, watched):
    page = watched
    page.goto(live_server.url + "/map/")
    tiles = page.locator("svg a")
    assert tiles.count() >= 57  # 50 states, DC, Puerto Rico, four other territories and Congress
    # Tab until a tile has the focus, then Enter follows it.
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.closest('svg') !== null")
        if focused:
            break
    else:
        pytest.fail("no map tile took the keyboard focus")
    page.keyboard.press("Enter")
    page.wait_for_url("**/jurisdictions/*/")
    assert page.problems == []


def _filter_form(page):
    return page.locator("form").filter(has=page.locator("select[name=jurisdiction]")).first


def test_filtering_a_recommendations_bills_with_javascript(live_server, demo, watched):
    page = watched
    bill = Bill.objects.for_list().filter(links__recommendation__code="PM-1").first()
    page.goto(live_server.url + "/recommendations/PM-1/")
    form = _filter_form(page)
    form.locator("select[name=jurisdiction]").select_option(bill.jurisdiction.code)
    form.locator("button[type=submit], input[type=submit]").first.click()
    page.wait_for_url(re.compile(rf"jurisdiction={bill.jurisdiction.code}"))
    page.wait_for_load_state("networkidle")
    rows = page.locator("table#bills tbody tr, table.bills tbody tr")
    assert rows.count() >= 1
    texts = rows.all_inner_texts()
    assert all(bill.jurisdiction.code.upper() in text or bill.jurisdiction.name in text for text in texts), texts
    assert page.problems == []


def test_filtering_a_recommendations_bills_without_javascript(live_server, demo, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        bill = Bill.objects.for_list().filter(links__recommendation__code="PM-1").first()
        page.goto(live_server.url + "/recommendations/PM-1/")
        form = _filter_form(page)
        form.locator("select[name=jurisdiction]").select_option(bill.jurisdiction.code)
        form.locator("button[type=submit], input[type=submit]").first.click()
        page.wait_for_url(re.compile(rf"jurisdiction={bill.jurisdiction.code}"))
        texts = page.locator("table#bills tbody tr, table.bills tbody tr").all_inner_texts()
        assert texts
        assert all(bill.jurisdiction.code.upper() in text or bill.jurisdiction.name in text for text in texts)
    finally:
        context.close()


def test_the_changes_feed_parses_as_atom(live_server, demo, page):
    response = page.request.get(live_server.url + "/feeds/changes/")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.body())  # noqa: S314 (our own server's answer)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        assert entry.findtext(f"{ATOM}title")
        assert entry.find(f"{ATOM}link").get("href").startswith(live_server.url)
