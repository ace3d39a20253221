"""The admin in a real browser, as policy staff use it on a laptop: titled for the tracker, and the busiest change
lists (bills, progress, links, import runs) with the demo data fit 1280 px without scrolling sideways. Screenshots
are kept under `var/screenshots/` (test artifacts, not committed)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
WIDTH = 1280
CHANGE_LISTS = {
    "bills": "/admin/legislation/bill/",
    "progress": "/admin/recommendations/progress/",
    "links": "/admin/recommendations/billlink/",
    "import-runs": "/admin/legislation/importrun/",
}


@pytest.fixture
def staff_page(page, live_server, seeded):
    """A staff member signed in through the admin's login form, with the demo data loaded."""
    call_command("load_demo", stdout=io.StringIO())
    UserFactory(username="policy", password="a-long-password", is_staff=True, is_superuser=True)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "policy")
    page.fill("#id_password", "a-long-password")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


def test_admin_is_titled_for_the_tracker(staff_page):
    assert staff_page.title() == "Bills, recommendations and sync | Recommendation tracker admin"
    assert staff_page.locator("#site-name").inner_text() == "Recommendation tracker administration"


@pytest.mark.parametrize("name", CHANGE_LISTS)
def test_change_list_fits_1280_px_without_scrolling_sideways(staff_page, live_server, name):
    staff_page.goto(f"{live_server.url}{CHANGE_LISTS[name]}")
    rows = staff_page.locator("#result_list tbody tr").count()
    assert rows > 0  # the demo data fills the list
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    staff_page.screenshot(path=SCREENSHOTS / f"admin-{name}-{WIDTH}.png", full_page=True)
    page_width = staff_page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= WIDTH, f"{name}: the page is {page_width} px wide"
    # The admin scrolls a wide table inside its own box (`.results`, overflow-x: auto), not the page.
    box = staff_page.locator("#changelist .results")
    table_width, box_width = box.evaluate("box => [box.scrollWidth, box.clientWidth]")
    assert table_width <= box_width, f"{name}: the table is {table_width} px wide in a box of {box_width} px"
