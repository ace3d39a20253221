"""Signals the legislation app sends, so that apps depending on it can react without legislation importing them.

`bills_stage_changed` is sent at the end of every import run that moved at least one bill's stage (new bills
included: they went from nothing to their first stage), with `bill_ids` (a list of at most 5,000 Bill ids: a big
run sends several) and `import_run`.
recommendations connects a receiver that recomputes progress where those bills are linked; dependencies keep
pointing recommendations -> legislation.
"""

from django.dispatch import Signal

bills_stage_changed = Signal()
