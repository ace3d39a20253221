"""Receivers: when changes are committed, queue `alerts.changes_recorded` once per transaction.

Stage changes come with legislation's `bills_stage_changed`; progress changes (recomputed after imports or links,
or set by staff) and measure changes with the history record django-simple-history writes for every Progress and
Measure change. Many changes in
one transaction queue one task when it commits, and changes committed one after another within
ALERTS_DISPATCH_DELAY seconds (an import recomputes progress pair by pair, each in its own transaction) one task
between them (`alerts.tasks.changes_recorded_queue`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from legislation.signals import bills_stage_changed

# Models whose history records are changes of the changefeed.
CHANGE_MODELS = {"recommendations.Progress", "recommendations.Measure"}


def _send() -> None:
    from .tasks import changes_recorded_queue

    changes_recorded_queue()


def _queue_on_commit() -> None:
    """Queue the task after the current transaction commits (at once without one), once for many changes: a
    transaction whose callbacks already hold it adds nothing (a rolled-back one drops them, so the next adds it)."""
    connection = transaction.get_connection()
    if any(func is _send for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(_send)


@receiver(bills_stage_changed, dispatch_uid="alerts.after_stage_change")
def alerts_after_stage_change(sender: object, **kwargs: Any) -> None:
    _queue_on_commit()


@receiver(post_create_historical_record, dispatch_uid="alerts.after_history")
def alerts_after_history(sender: type, **kwargs: Any) -> None:
    if sender._meta.label in CHANGE_MODELS:
        _queue_on_commit()
