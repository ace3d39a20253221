"""Shared pieces of the alerts tests: a jurisdiction, a recommendation, bills linked to it, and stage changes
recorded the way an import records them (a StageChange row, then `bills_stage_changed`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.core import mail

from legislation.choices import Source, Stage
from legislation.models import Bill, ImportRun, Jurisdiction, StageChange
from legislation.signals import bills_stage_changed_send
from recommendations.models import Effect, Recommendation
from tests.factories import BillFactory, BillLinkFactory, JurisdictionFactory, RecommendationFactory

SCRIPT_TITLE = "Fentanyl penalties <script>alert(1)</script>"


@dataclass
class World:
    jurisdiction: Jurisdiction
    recommendation: Recommendation
    regressing: Bill  # linked as regressing; its enactment makes progress regressed
    advancing: Bill


@pytest.fixture
def world(db) -> World:
    jurisdiction = JurisdictionFactory(code="zz", name="Zedland")
    recommendation = RecommendationFactory(code="PM-9", title="Repeal drug-induced homicide laws")
    regressing = BillFactory(
        jurisdiction=jurisdiction, identifier="SB 7", title=SCRIPT_TITLE, stage=Stage.IN_COMMITTEE
    )
    advancing = BillFactory(jurisdiction=jurisdiction, identifier="HB 3", stage=Stage.INTRODUCED)
    BillLinkFactory(recommendation=recommendation, bill=regressing, effect=Effect.REGRESSES)
    BillLinkFactory(recommendation=recommendation, bill=advancing, effect=Effect.ADVANCES)
    return World(jurisdiction, recommendation, regressing, advancing)


def stage_move(bill: Bill, to_stage: str) -> StageChange:
    """Move a bill's stage as an import does: the new stage, its StageChange, then the signal (progress follows)."""
    change = StageChange.objects.create(bill=bill, from_stage=bill.stage, to_stage=to_stage, source=Source.OPENSTATES)
    Bill.objects.filter(pk=bill.pk).update(stage=to_stage, furthest_stage=to_stage)
    bill.stage = to_stage
    run = ImportRun.objects.create(source=Source.OPENSTATES, scope="test")
    bills_stage_changed_send(sender=Bill, bill_ids=[bill.pk], import_run=run)
    return change


def links_in(message: mail.EmailMessage) -> list[str]:
    return re.findall(r"https?://\S+/alerts/\S+?/(?=\s|$)", message.body, flags=re.MULTILINE)


def link_to(message: mail.EmailMessage, name: str) -> str:
    """The path of the email's link to `name` (confirm, unsubscribe, manage)."""
    for url in links_in(message):
        if f"/alerts/{name}/" in url:
            return "/" + url.split("://", 1)[1].split("/", 1)[1]
    raise AssertionError(f"no {name} link in {message.body}")
