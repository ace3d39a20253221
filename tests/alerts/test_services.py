"""Alert services, called directly: subscription requests, confirmation, immediate alerts and digests (each change
sent once, setbacks first, titles escaped)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.utils import timezone

from alerts.models import AlertEmail, EmailKind, Frequency, Subscription, SubscriptionStatus
from alerts.services import (
    confirmation_deliver,
    digest_deliver,
    digest_period,
    immediate_deliver,
    subscription_confirm,
    subscription_request,
)
from legislation.choices import Stage

from .conftest import SCRIPT_TITLE, stage_move


def confirmed(target, *, frequency=Frequency.IMMEDIATE, email="reader@example.org") -> Subscription:
    subscription = Subscription.objects.create(
        email=email,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        frequency=frequency,
    )
    return subscription_confirm(subscription_id=subscription.pk, email=email)


def test_request_makes_a_pending_subscription_and_queues_one_confirmation(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        subscription = subscription_request(email=" Reader@Example.ORG ", target=world.jurisdiction, frequency="daily")
    assert (subscription.email, subscription.status, subscription.frequency) == (
        "reader@example.org",
        SubscriptionStatus.PENDING,
        Frequency.DAILY,
    )
    assert subscription.target == world.jurisdiction
    assert len(callbacks) == 1


def test_confirmation_emails_to_one_address_are_limited_per_day(world, settings, django_capture_on_commit_callbacks):
    settings.ALERTS_CONFIRMATIONS_PER_EMAIL = 2
    for _ in range(2):
        subscription = subscription_request(email="a@example.org", target=world.jurisdiction, frequency="daily")
        AlertEmail.objects.create(subscription=subscription, kind=EmailKind.CONFIRMATION)
    with django_capture_on_commit_callbacks() as callbacks:
        subscription_request(email="a@example.org", target=world.recommendation, frequency="daily")
    assert callbacks == []


def test_a_form_cannot_change_a_confirmed_subscription(world, django_capture_on_commit_callbacks):
    subscription = confirmed(world.jurisdiction, frequency=Frequency.WEEKLY)
    subscription_request(email=subscription.email, target=world.jurisdiction, frequency="immediate")
    subscription.refresh_from_db()
    assert (subscription.status, subscription.frequency) == (SubscriptionStatus.CONFIRMED, Frequency.WEEKLY)


def test_confirmation_email_has_a_confirm_link_and_one_click_unsubscribe(world):
    subscription = subscription_request(email="a@example.org", target=world.regressing, frequency="daily")
    assert confirmation_deliver(subscription_id=subscription.pk)
    (message,) = mail.outbox
    assert "/alerts/confirm/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert "/alerts/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.alternatives[0][0]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "\n" not in message.subject


def test_immediate_alert_sends_each_change_once_setbacks_first(world):
    subscription = confirmed(world.jurisdiction)
    stage_move(world.advancing, Stage.IN_COMMITTEE)
    stage_move(world.regressing, Stage.ENACTED)  # regressed: a regression in progress and a regressing bill moved
    assert immediate_deliver(subscription_id=subscription.pk) == 4  # 2 stage changes, 2 progress changes
    (message,) = mail.outbox
    lines = [line for line in message.body.splitlines() if line.startswith("- ")]
    assert lines[0].startswith("- REGRESSION: PM-9 in Zedland")
    assert lines[1].startswith("- REGRESSING BILL: ZZ SB 7 moved from In committee to Enacted")
    assert lines[-1].startswith("- ")
    assert "HB 3" in " ".join(lines[2:])
    assert SCRIPT_TITLE in message.body  # plain text: the title as it is
    html = message.alternatives[0][0]
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.index("Regression:") < html.index("HB 3")

    assert immediate_deliver(subscription_id=subscription.pk) == 0  # nothing new: nothing sent
    stage_move(world.advancing, Stage.PASSED_ORIGIN)
    assert immediate_deliver(subscription_id=subscription.pk) == 1
    assert "HB 3 moved from In committee to Passed" in mail.outbox[-1].body


def test_immediate_alert_covers_only_its_target(world):
    bill_subscription = confirmed(world.advancing)
    stage_move(world.regressing, Stage.PASSED_ORIGIN)
    assert immediate_deliver(subscription_id=bill_subscription.pk) == 0
    stage_move(world.advancing, Stage.IN_COMMITTEE)
    assert immediate_deliver(subscription_id=bill_subscription.pk) == 1


def test_changes_before_confirmation_are_not_sent(world):
    stage_move(world.advancing, Stage.IN_COMMITTEE)
    subscription = confirmed(world.jurisdiction)
    assert immediate_deliver(subscription_id=subscription.pk) == 0


def test_digest_is_sent_once_per_period_with_the_regression_first(world):
    subscription = confirmed(world.recommendation, frequency=Frequency.DAILY)
    stage_move(world.regressing, Stage.ENACTED)  # PM-9 regressed in Zedland
    stage_move(world.advancing, Stage.IN_COMMITTEE)  # the newest change, and no setback
    today = timezone.now().date()
    assert digest_deliver(subscription_id=subscription.pk, frequency="daily", period_start=today) == 3
    assert digest_deliver(subscription_id=subscription.pk, frequency="daily", period_start=today) is None
    (message,) = mail.outbox
    assert message.subject == "Daily digest: 3 changes, 2 setbacks: PM-9 Repeal drug-induced homicide laws"
    assert [line for line in message.body.splitlines() if line.startswith("- ")] == [
        "- REGRESSION: PM-9 in Zedland: first status Regressed",
        "- REGRESSING BILL: ZZ SB 7 moved from In committee to Enacted",
        "- ZZ HB 3 moved from Introduced to In committee",
    ]


def test_digest_of_a_quiet_period_sends_nothing_and_is_recorded(world):
    subscription = confirmed(world.recommendation, frequency=Frequency.WEEKLY)
    stage_move(world.advancing, Stage.IN_COMMITTEE)  # this week: not in last week's digest
    last_week = timezone.now().date() - timedelta(days=7)
    assert digest_deliver(subscription_id=subscription.pk, frequency="weekly", period_start=last_week) == 0
    assert mail.outbox == []
    record = AlertEmail.objects.get(subscription=subscription)
    assert (record.sent, record.period_start.weekday()) == (False, 0)


@pytest.mark.parametrize(
    ("frequency", "today", "start", "end"),
    [
        ("daily", date(2026, 12, 1), date(2026, 11, 30), date(2026, 12, 1)),
        ("weekly", date(2026, 12, 1), date(2026, 11, 23), date(2026, 11, 30)),  # a Tuesday: the week before
        ("weekly", date(2026, 11, 30), date(2026, 11, 23), date(2026, 11, 30)),  # a Monday: the week just over
    ],
)
def test_digest_period_is_the_last_whole_day_or_week(frequency, today, start, end):
    period = digest_period(frequency=frequency, today=today)
    assert (period.start, period.end) == (start, end)


def test_measure_subscription_gets_its_measures_changes_flagged_when_it_regresses(world):
    from recommendations.models import BillLink, Effect, Measure, MeasureKind, MeasureStatus

    measure = Measure.objects.create(
        jurisdiction=world.jurisdiction,
        kind=MeasureKind.PROSECUTOR_POLICY,
        title="Charge every sale as distribution <b>resulting in death</b>",
        status=MeasureStatus.PROPOSED,
        url="https://example.org/memo",
    )
    BillLink.objects.create(
        recommendation=world.recommendation, measure=measure, effect=Effect.REGRESSES, rationale="Harsher charging."
    )
    subscription = confirmed(measure)
    measure.status = MeasureStatus.IN_EFFECT
    measure.save()
    stage_move(world.advancing, Stage.IN_COMMITTEE)  # another target's change: not in this alert
    assert immediate_deliver(subscription_id=subscription.pk) == 1
    (message,) = mail.outbox
    (line,) = [line for line in message.body.splitlines() if line.startswith("- ")]
    assert line.startswith("- REGRESSING MEASURE: Charge every sale as distribution <b>resulting in death</b>")
    assert "in effect" in line
    assert f"/measures/zz/{measure.pk}" in message.body
    html = message.alternatives[0][0]
    assert "&lt;b&gt;resulting in death&lt;/b&gt;" in html
