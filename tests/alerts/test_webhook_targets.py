"""A webhook that names targets (jurisdictions, recommendations, bills, measures) receives only their changes; one
that names none receives every change. POSTed for real to a local receiver that checks the signature."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from alerts.models import Webhook
from alerts.services import webhook_deliver
from legislation.choices import Stage
from recommendations.models import Measure, MeasureKind, MeasureStatus
from tests.alerts.conftest import stage_move
from tests.alerts.test_tasks import Receiver
from tests.factories import BillFactory, JurisdictionFactory


@pytest.fixture
def receiver():
    receiver = Receiver(secret="whsec-test-targets")
    yield receiver
    receiver.server.shutdown()


def received(receiver: Receiver, webhook: Webhook) -> list[str]:
    """What `webhook` was sent on its next delivery, as `kind identifier` (a bill) or `kind recommendation`."""
    before = len(receiver.posts)
    webhook_deliver(webhook_id=webhook.pk)
    if len(receiver.posts) == before:
        return []
    post = receiver.posts[-1]
    assert post["verified"]
    return [
        f"{change['kind']} {change.get('identifier') or change.get('recommendation') or change.get('measure_title')}"
        for change in post["body"]["changes"]
    ]


def test_a_webhook_gets_only_the_changes_of_the_targets_it_names(world, receiver):
    elsewhere = BillFactory(jurisdiction=JurisdictionFactory(code="yy", name="Yland"), identifier="AB 1")
    hook = {
        name: Webhook.objects.create(organisation=name, url=receiver.url, secret=receiver.secret, targets=targets)
        for name, targets in {
            "every": [],
            "bill": [f"bill:{world.advancing.pk}"],
            "recommendation": ["recommendation:PM-9"],
            "yland and a bill": ["jurisdiction:yy", f"bill:{world.regressing.pk}", f"bill:{world.regressing.pk}"],
            "gone": ["bill:999999"],
        }.items()
    }
    stage_move(world.advancing, Stage.IN_COMMITTEE)
    stage_move(world.regressing, Stage.PASSED_ORIGIN)  # a setback: PM-9's progress changes too
    stage_move(elsewhere, Stage.IN_COMMITTEE)

    every = received(receiver, hook["every"])
    assert {"stage HB 3", "stage SB 7", "stage AB 1"} <= set(every)
    assert any(item.startswith("progress") for item in every)
    assert received(receiver, hook["bill"]) == ["stage HB 3"]
    for_recommendation = received(receiver, hook["recommendation"])
    assert {"stage HB 3", "stage SB 7"} <= set(for_recommendation)
    assert "stage AB 1" not in for_recommendation
    assert any(item.startswith("progress") for item in for_recommendation)
    assert received(receiver, hook["yland and a bill"]) == ["stage SB 7", "stage AB 1"]  # feed order, once each
    assert received(receiver, hook["gone"]) == []  # a target that is gone: nothing, never every change
    assert received(receiver, hook["bill"]) == []  # sent once


def test_a_webhook_on_a_measure_gets_its_changes(world, receiver):
    measure = Measure.objects.create(
        jurisdiction=world.jurisdiction,
        kind=MeasureKind.PROSECUTOR_POLICY,
        title="Declination policy",
        status=MeasureStatus.PROPOSED,
        url="https://example.org/memo",
    )
    webhook = Webhook.objects.create(
        organisation="Measure watchers", url=receiver.url, secret=receiver.secret, targets=[f"measure:{measure.pk}"]
    )
    stage_move(world.advancing, Stage.IN_COMMITTEE)
    measure.status = MeasureStatus.IN_EFFECT
    measure.save()  # a new history row: the measure's change
    assert received(receiver, webhook) == ["measure Declination policy"]  # not HB 3's


@pytest.mark.parametrize(
    "targets", ["jurisdiction:zz", ["jurisdiction:nowhere"], ["user:1"], ["bill:x"], [{"bill": 1}]]
)
def test_targets_must_name_targets_that_exist(world, targets):
    webhook = Webhook(organisation="Advocates", url="https://example.org/hook", targets=targets)
    with pytest.raises(ValidationError):
        webhook.full_clean()


def test_named_targets_that_exist_are_valid(world):
    webhook = Webhook(
        organisation="Advocates",
        url="https://example.org/hook",
        targets=["jurisdiction:zz", "recommendation:PM-9", f"bill:{world.regressing.pk}"],
    )
    webhook.full_clean()
