"""The confirm and unsubscribe pages in a real browser (Debian's Chromium), at a desktop and a phone width: opening
the link changes nothing, the page breaks no Content-Security-Policy rule (a violation is a console error) and does
not scroll sideways, axe-core finds no serious violation, and pressing its one button does it. Screenshots go to
`var/screenshots/alerts-*.png` (test artifacts, not committed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from alerts.models import Subscription, SubscriptionStatus
from alerts.tokens import confirm_token, unsubscribe_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
WIDTHS = {"desktop": (1280, 900), "phone": (360, 740)}


def look(page, url: str, name: str) -> list[str]:
    """Open the link's page, check and photograph it; the console errors seen from now on."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    response = page.goto(url)
    assert response is not None
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways at {width} px"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    serious = [
        f"{violation['id']}: {violation['help']}"
        for violation in Axe().run(page).response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious
    return problems


def press(page, name: str, button: str, done: str, problems: list[str]) -> None:
    page.get_by_role("button", name=button).click()
    page.get_by_role("heading", name=done).wait_for()
    page.screenshot(path=SCREENSHOTS / f"{name}-done.png", full_page=True)
    assert problems == []


@pytest.mark.parametrize("width_name", WIDTHS)
def test_confirm_and_unsubscribe_pages_in_a_browser(world, live_server, page, width_name):
    width, height = WIDTHS[width_name]
    page.set_viewport_size({"width": width, "height": height})
    subscription = Subscription.objects.create(
        email="reader@example.org",
        target_type=ContentType.objects.get_for_model(world.recommendation),
        target_id=world.recommendation.pk,
    )

    token = confirm_token(subscription_id=subscription.pk, email=subscription.email)
    url = live_server.url + reverse("alerts:confirm", kwargs={"token": token})
    problems = look(page, url, name := f"alerts-confirm-{width_name}")
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PENDING  # opening the link did nothing
    press(page, name, "Confirm my alerts", "Your alerts are on", problems)
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CONFIRMED

    token = unsubscribe_token(subscription_id=subscription.pk)
    url = live_server.url + reverse("alerts:unsubscribe", kwargs={"token": token})
    problems = look(page, url, name := f"alerts-unsubscribe-{width_name}")
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CONFIRMED
    press(page, name, "Unsubscribe", "You are unsubscribed", problems)
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
