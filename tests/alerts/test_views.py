"""Alert pages: the subscribe form on the public pages, subscribing (rate-limited), confirming and unsubscribing
(a GET shows a page with one button and changes nothing, so a mail scanner following the link does no harm; the
button's POST does it; the RFC 8058 one-click POST unsubscribes at once) and managing every alert of an address."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from alerts.models import Frequency, Subscription, SubscriptionStatus
from alerts.services import subscription_confirm
from alerts.tokens import confirm_token, manage_token, unsubscribe_token

SUBSCRIBE = "/alerts/subscribe/"


def subscription_for(target, *, email="reader@example.org", confirmed=False) -> Subscription:
    subscription = Subscription.objects.create(
        email=email, target_type=ContentType.objects.get_for_model(target), target_id=target.pk
    )
    if confirmed:
        subscription = subscription_confirm(subscription_id=subscription.pk, email=email)
    return subscription


@pytest.fixture
def client_at(client):
    """A client from an address of its own, with no subscribe requests counted yet."""

    def make(address: str):
        cache.delete(f"alerts:subscribe:{address}")
        client.defaults["REMOTE_ADDR"] = address
        return client

    return make


def test_jurisdiction_recommendation_bill_and_measure_pages_include_the_subscribe_form(world, client):
    from recommendations.models import Measure, MeasureKind, MeasureStatus

    measure = Measure.objects.create(
        jurisdiction=world.jurisdiction,
        kind=MeasureKind.PROSECUTOR_POLICY,
        title="Declination policy",
        status=MeasureStatus.IN_EFFECT,
        url="https://example.org/memo",
    )
    pages = {
        reverse("jurisdiction", kwargs={"code": "zz"}): "jurisdiction:zz",
        reverse("recommendation", kwargs={"code": "PM-9"}): "recommendation:PM-9",
        world.regressing.get_absolute_url(): f"bill:{world.regressing.pk}",
        reverse("measure-short", kwargs={"jurisdiction": "zz", "pk": measure.pk}): f"measure:{measure.pk}",
    }
    for path, target in pages.items():
        html = client.get(path, follow=True).content.decode()
        assert f'action="{SUBSCRIBE}"' in html, path
        assert f'name="target" value="{target}"' in html, path


def test_subscribing_makes_a_pending_subscription(world, client_at, django_capture_on_commit_callbacks):
    client = client_at("198.51.100.1")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            SUBSCRIBE, {"email": "Reader@example.org", "target": "recommendation:PM-9", "frequency": "daily"}
        )
    assert response.status_code == 200
    assert "Check <strong>Reader@example.org</strong>" in response.content.decode()
    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.status, subscription.target) == (
        "reader@example.org",
        SubscriptionStatus.PENDING,
        world.recommendation,
    )
    assert len(callbacks) == 1  # the confirmation email, sent by a task once committed


def test_htmx_gets_the_form_fragment_back(world, client_at):
    response = client_at("198.51.100.2").post(
        SUBSCRIBE,
        {"email": "a@example.org", "target": "jurisdiction:zz", "frequency": "weekly"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="subscribe"' in html


def test_htmx_gets_errors_with_200_so_that_they_are_swapped_in(world, client_at):
    response = client_at("198.51.100.6").post(
        SUBSCRIBE,
        {"email": "not-an-email", "target": "jurisdiction:zz", "frequency": "weekly"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'class="form-errors"' in response.content.decode()
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"email": "not-an-email", "target": "jurisdiction:zz", "frequency": "daily"},
        {"email": "a@example.org", "target": "jurisdiction:nowhere", "frequency": "daily"},
        {"email": "a@example.org", "target": "user:1", "frequency": "daily"},
        {"email": "a@example.org", "target": "jurisdiction:zz", "frequency": "hourly"},
        {"email": "a@example.org", "target": "jurisdiction:zz", "frequency": "daily", "website": "http://spam"},
    ],
)
def test_bad_requests_subscribe_nothing(world, client_at, data):
    response = client_at("198.51.100.3").post(SUBSCRIBE, data)
    assert response.status_code == 400
    assert not Subscription.objects.exists()


def test_subscribe_requests_are_rate_limited_per_address(world, client_at, settings):
    settings.ALERTS_SUBSCRIBE_RATE_PER_IP = 2
    client = client_at("198.51.100.4")
    data = {"email": "a@example.org", "target": "jurisdiction:zz", "frequency": "daily"}
    assert [client.post(SUBSCRIBE, data).status_code for _ in range(3)] == [200, 200, 429]
    assert client_at("198.51.100.5").post(SUBSCRIBE, data).status_code == 200  # another address is not


SCANNER = {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; link-preview scanner)"}


def confirm_path(subscription: Subscription, email: str | None = None) -> str:
    token = confirm_token(subscription_id=subscription.pk, email=email or subscription.email)
    return reverse("alerts:confirm", kwargs={"token": token})


def unsubscribe_path(subscription: Subscription) -> str:
    return reverse("alerts:unsubscribe", kwargs={"token": unsubscribe_token(subscription_id=subscription.pk)})


def button_form(html: str, path: str) -> bool:
    """The page holds a POST form to `path` (the link itself: its token is the authority) with a submit button."""
    return f'<form class="inline-form" method="post" action="{path}">' in html and '<button type="submit">' in html


def test_a_scanner_following_the_confirmation_link_confirms_nothing(world, client):
    subscription = subscription_for(world.jurisdiction)
    path = confirm_path(subscription)
    for _ in range(2):
        response = client.get(path, **SCANNER)
        assert response.status_code == 200
        assert client.head(path, **SCANNER).status_code in (200, 405)
    html = response.content.decode()
    assert button_form(html, path)
    assert "Zedland" in html
    assert all(" src=" in tag for tag in re.findall(r"<script[^>]*>", html))  # no inline script (CSP)
    assert " style=" not in html
    assert "no-store" in response["Cache-Control"]
    subscription.refresh_from_db()
    assert (subscription.status, subscription.confirmed_at) == (SubscriptionStatus.PENDING, None)


def test_the_button_confirms_once_without_a_csrf_token(world):
    subscription = subscription_for(world.jurisdiction)
    path = confirm_path(subscription)
    client = Client(enforce_csrf_checks=True)  # a browser without the site's cookie: the signed token is enough
    response = client.post(path)
    assert response.status_code == 200
    assert "Your alerts are on" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CONFIRMED
    confirmed_at = subscription.confirmed_at
    assert client.post(path).status_code == 200  # pressing it again changes nothing
    again = client.get(path)  # nor does the link once confirmed: it says so, with no button
    assert "Your alerts are on" in again.content.decode()
    assert not button_form(again.content.decode(), path)
    subscription.refresh_from_db()
    assert subscription.confirmed_at == confirmed_at


def test_a_forged_or_broken_confirmation_link_does_nothing(world, client):
    subscription = subscription_for(world.jurisdiction)
    for path in (confirm_path(subscription, email="x@y.z"), reverse("alerts:confirm", kwargs={"token": "abc:def"})):
        assert client.get(path).status_code == 400
        assert client.post(path).status_code == 400
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PENDING


def test_a_scanner_following_the_unsubscribe_link_unsubscribes_nothing(world, client):
    subscription = subscription_for(world.jurisdiction, confirmed=True)
    path = unsubscribe_path(subscription)
    response = client.get(path, **SCANNER)
    assert response.status_code == 200
    html = response.content.decode()
    assert button_form(html, path)
    assert "Zedland" in html
    assert " style=" not in html
    assert "no-store" in response["Cache-Control"]
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CONFIRMED


def test_the_button_unsubscribes_once_without_a_csrf_token(world):
    subscription = subscription_for(world.jurisdiction, confirmed=True)
    path = unsubscribe_path(subscription)
    client = Client(enforce_csrf_checks=True)
    response = client.post(path)
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    unsubscribed_at = subscription.unsubscribed_at
    assert client.post(path).status_code == 200
    again = client.get(path)
    assert "You are unsubscribed" in again.content.decode()
    assert not button_form(again.content.decode(), path)
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at == unsubscribed_at


def test_rfc_8058_one_click_post_unsubscribes_at_once(world):
    subscription = subscription_for(world.jurisdiction, confirmed=True)
    path = unsubscribe_path(subscription)
    # What a mail provider sends from List-Unsubscribe-Post: no cookie, no CSRF token, no Referer.
    client = Client(enforce_csrf_checks=True)
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "<html" not in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200  # again: still unsubscribed
    forged = reverse("alerts:unsubscribe", kwargs={"token": "1:forged"})
    assert client.post(forged, {"List-Unsubscribe": "One-Click"}).status_code == 400
    assert client.get(forged).status_code == 400


def test_manage_page_lists_and_changes_only_that_addresses_alerts(world, client):
    mine = subscription_for(world.jurisdiction, confirmed=True)
    other = subscription_for(world.jurisdiction, email="other@example.org", confirmed=True)
    path = reverse("alerts:manage", kwargs={"token": manage_token(email=mine.email)})
    html = client.get(path).content.decode()
    assert "Zedland" in html
    assert "other@example.org" not in html
    client.post(path, {"subscription": mine.pk, "frequency": "daily", "action": "save"})
    client.post(path, {"subscription": other.pk, "frequency": "daily", "action": "unsubscribe"})  # not theirs
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.frequency == Frequency.DAILY
    assert other.status == SubscriptionStatus.CONFIRMED
    client.post(path, {"subscription": mine.pk, "action": "unsubscribe"})
    mine.refresh_from_db()
    assert mine.status == SubscriptionStatus.UNSUBSCRIBED
