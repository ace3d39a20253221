"""Which scoped syncs the scheduler fans out for a set of tracked bills: one per source and jurisdiction.

- Congress.gov syncs the bills of Congress (``us``);
- Open States syncs every other jurisdiction with tracked bills (its lists recognise bills by source id or by
  session and identifier, so bills imported from elsewhere are covered);
- LegiScan syncs the jurisdictions where tracked bills have a LegiScan id (it cannot recognise others).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime

from django.db.models import Max

from legislation.choices import Source
from legislation.models import Bill, BillExternalId, ImportRun

from .common import sync_scope


def sync_plan(*, bill_ids: Collection[int], sources: Iterable[str]) -> dict[tuple[str, str], list[int]]:
    """``{(source, jurisdiction code): [bill ids]}`` for the given bills, restricted to ``sources``."""
    sources = set(sources)
    code_of = dict(Bill.objects.filter(pk__in=list(bill_ids)).values_list("pk", "jurisdiction__code"))
    with_legiscan_id = set(
        BillExternalId.objects.filter(source=Source.LEGISCAN, bill_id__in=code_of).values_list("bill_id", flat=True)
    )
    plan: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pk, code in sorted(code_of.items()):
        if code == "us":
            if Source.CONGRESS in sources:
                plan[(Source.CONGRESS.value, code)].append(pk)
            continue
        if Source.OPENSTATES in sources:
            plan[(Source.OPENSTATES.value, code)].append(pk)
        if Source.LEGISCAN in sources and pk in with_legiscan_id:
            plan[(Source.LEGISCAN.value, code)].append(pk)
    return dict(plan)


def stalest_first(plan: dict[tuple[str, str], list[int]]) -> list[tuple[str, str]]:
    """The plan's scopes, the one whose last successful sync is oldest (or that never succeeded) first, so that
    when a day's budget runs out it is the freshest scopes that wait, not always the same ones."""
    last = {
        (source, scope): finished
        for source, scope, finished in ImportRun.objects.successful()
        .filter(source__in={source for source, _ in plan}, scope__in={sync_scope(code) for _, code in plan})
        .values("source", "scope")
        .annotate(finished=Max("finished_at"))
        .values_list("source", "scope", "finished")
    }

    def age(key: tuple[str, str]) -> tuple[bool, datetime | None, tuple[str, str]]:
        finished = last.get((key[0], sync_scope(key[1])))
        return (finished is not None, finished, key)  # never synced first, then the oldest success

    return sorted(plan, key=age)
