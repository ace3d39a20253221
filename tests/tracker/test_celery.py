"""The Celery app on the real broker: a task sent through it is executed by a real worker."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker

from tracker.celery import app, ping


@pytest.mark.worker
def test_task_round_trip_through_real_broker():
    assert not app.conf.task_always_eager
    assert app.conf.broker_url.startswith("redis://")  # the configured broker, not an in-memory stand-in
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert ping.delay("round trip").get(timeout=10) == "round trip"
