"""The home page in a real browser: content, styles served by the app, and a phone-sized layout."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AUDIENCES = [
    "Police and prosecutors",
    "Local, state and federal policymakers",
    "Service providers",
    "Advocates, journalists and other cultural influencers",
    "Researchers",
]


def test_home_page_lists_the_audiences_with_their_recommendations(live_server, seeded, page):
    page.goto(live_server.url)
    assert page.locator("section.audience h2").all_inner_texts() == AUDIENCES
    assert page.locator("article.recommendation").count() == 7
    assert "failed apparatus of criminalization" in page.locator(".principle").inner_text()
    page.get_by_role("link", name="Researchers").click()
    assert page.url.endswith("#researchers")


def test_styles_come_from_the_app_and_apply(live_server, seeded, page):
    external = []
    page.on("request", lambda request: None if request.url.startswith(live_server.url) else external.append(request))
    page.goto(live_server.url)
    header_background = page.locator(".site-header").evaluate("el => getComputedStyle(el).backgroundColor")
    assert header_background == "rgb(29, 35, 39)"
    assert external == []


def test_home_page_fits_a_phone_screen(live_server, seeded, page):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360
