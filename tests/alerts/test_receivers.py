"""Changes queue one round of alerts: stage changes and the progress they move, committed one after the other
(no worker runs here), put one `alerts.changes_recorded` message on the real broker, not one per change."""

from __future__ import annotations

import json

import redis
from django.conf import settings
from django.core.cache import cache

from alerts.tasks import QUEUED_KEY
from legislation.choices import Stage

from .conftest import stage_move


def broker_messages() -> list[str]:
    queue = redis.Redis.from_url(settings.CELERY_BROKER_URL).lrange("celery", 0, -1)
    return [json.loads(message)["headers"]["task"] for message in queue]


def test_a_burst_of_committed_changes_queues_one_round_of_alerts(transactional_db, world):
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    cache.delete(QUEUED_KEY)
    try:
        stage_move(world.regressing, Stage.ENACTED)  # a stage change, then progress recomputed: two commits
        stage_move(world.advancing, Stage.IN_COMMITTEE)
        assert broker_messages() == ["alerts.changes_recorded"]
    finally:
        redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
        cache.delete(QUEUED_KEY)


def test_a_change_after_the_round_started_queues_another(transactional_db, world):
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    cache.delete(QUEUED_KEY)
    try:
        stage_move(world.regressing, Stage.PASSED_ORIGIN)
        cache.delete(QUEUED_KEY)  # what changes_recorded does first when it runs
        stage_move(world.advancing, Stage.IN_COMMITTEE)
        assert broker_messages() == ["alerts.changes_recorded", "alerts.changes_recorded"]
    finally:
        redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
        cache.delete(QUEUED_KEY)
