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


def test_a_dead_workers_task_is_redelivered_after_the_longest_task_could_run_and_not_an_hour():
    """Redis redelivers an unacknowledged task after the visibility timeout: longer than every task's hard time
    limit (no task runs twice at once), and not kombu's hour (a task whose worker died runs again soon)."""
    app.loader.import_default_modules()
    timeout = app.conf.broker_transport_options["visibility_timeout"]
    limits = [
        task.time_limit or app.conf.task_time_limit
        for name, task in app.tasks.items()
        if not name.startswith("celery.")
    ]
    assert limits
    assert timeout > max(limits)
    assert timeout <= max(limits) + 5 * 60
    assert timeout < 3600
