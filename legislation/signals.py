"""Signals the legislation app sends, so that apps depending on it can react without legislation importing them.

`bills_stage_changed` is sent with `bill_ids` (a list of at most `SIGNAL_BATCH` Bill ids: a big run sends several)
and `import_run` whenever a run moved at least one bill's stage, once the run is recorded: at the end of every
import (new bills included: they went from nothing to their first stage) and after each run of the daily
session-end sweep (`legislation.sync.sessions_close`). Send it through `bills_stage_changed_send`.
recommendations connects a receiver that recomputes progress where those bills are linked; dependencies keep
pointing recommendations -> legislation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:
    from legislation.models import ImportRun

bills_stage_changed = Signal()

# Bill ids per signal: receivers query with them, and a first import moves every bill.
SIGNAL_BATCH = 5000


def bills_stage_changed_send(*, sender: object, bill_ids: Sequence[int], import_run: ImportRun) -> None:
    """Tell receivers that the stages of `bill_ids` moved in `import_run`, in batches of `SIGNAL_BATCH` ids."""
    for start in range(0, len(bill_ids), SIGNAL_BATCH):
        batch = [int(pk) for pk in bill_ids[start : start + SIGNAL_BATCH]]
        bills_stage_changed.send(sender=sender, bill_ids=batch, import_run=import_run)
