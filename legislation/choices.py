"""Vocabularies of the legislation app (values are part of the public contract, see DESIGN.md).

Kept apart from models.py so that pure code (parsers, stage mapping) can use them without the ORM.
"""

from django.db import models


class Stage(models.TextChoices):
    """Current status of a bill, always derived from its actions."""

    PREFILED = "prefiled", "Prefiled"
    INTRODUCED = "introduced", "Introduced"
    IN_COMMITTEE = "in_committee", "In committee"
    PASSED_ORIGIN = "passed_origin", "Passed first chamber"
    PASSED_LEGISLATURE = "passed_legislature", "Passed legislature"
    ENACTED = "enacted", "Enacted"
    VETOED = "vetoed", "Vetoed"
    FAILED = "failed", "Failed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    DIED = "died", "Died"
    CARRIED_OVER = "carried_over", "Carried over"


# The path of milestones; furthest_stage is always one of these.
MILESTONES: tuple[str, ...] = (
    Stage.PREFILED,
    Stage.INTRODUCED,
    Stage.IN_COMMITTEE,
    Stage.PASSED_ORIGIN,
    Stage.PASSED_LEGISLATURE,
    Stage.ENACTED,
)

# Stages in which a bill can still move.
PENDING_STAGES: frozenset[str] = frozenset(
    {
        Stage.PREFILED,
        Stage.INTRODUCED,
        Stage.IN_COMMITTEE,
        Stage.PASSED_ORIGIN,
        Stage.PASSED_LEGISLATURE,
        Stage.CARRIED_OVER,
    }
)


class JurisdictionKind(models.TextChoices):
    FEDERAL = "federal", "Federal"
    STATE = "state", "State"
    DISTRICT = "district", "District"
    TERRITORY = "territory", "Territory"
    COUNTY = "county", "County"
    CITY = "city", "City"
    PROSECUTOR = "prosecutor", "Prosecutor's office"


class Source(models.TextChoices):
    """Where imported data comes from (the `SOURCE` argument of import_bills)."""

    OPENSTATES = "openstates", "Open States"
    LEGISCAN = "legiscan", "LegiScan"
    CONGRESS = "congress", "Congress.gov"
