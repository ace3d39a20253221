"""Reads of the alerts app: which changes an email or a webhook POST holds.

Changes come from the tracker's one changefeed (`recommendations.selectors.change_list_recent` and `change_list`)
and are put setbacks first as the home page puts them (`change_rows_threats_first`); they are written in the
words of the changes page (`recommendations.views.changes.change_present`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Model

from recommendations.selectors import (
    ChangePosition,
    change_list,
    change_list_recent,
    change_rows_mark_threats,
    change_rows_threats_first,
)
from recommendations.views.changes import change_present

from .models import AlertEmail, Subscription, SubscriptionStatus, WebhookDelivery
from .targets import target_from_key, target_kind_of


@dataclass(frozen=True, slots=True)
class Changes:
    """Changes to tell about, setbacks first, and how many more there were than an email lists."""

    rows: list[dict[str, Any]]
    more: int = 0

    @property
    def ids(self) -> list[str]:
        return [row["id"] for row in self.rows]

    @property
    def newest_at(self) -> datetime | None:
        return max((row["at"] for row in self.rows), default=None)


def overlap() -> timedelta:
    return timedelta(minutes=settings.ALERTS_OVERLAP_MINUTES)


def target_changes(
    *, target: Model, since: datetime, until: datetime | None = None, skip: Iterable[str] = ()
) -> Changes:
    """The changes of one target from `since` up to (not including) `until`, without the ids in `skip` (already
    sent), setbacks first, at most ALERTS_MAX_CHANGES of them (the newest)."""
    kind = target_kind_of(target)
    if kind is None:
        return Changes([])
    skip = set(skip)
    most = settings.ALERTS_MAX_CHANGES
    # A position before every kind at `until`: changes strictly before it (the feed's order is time, kind, id).
    before = ChangePosition(at=until, kind="", id=0) if until else None
    # Enough rows that `most` remain once those already sent are dropped; one more tells whether there are more.
    page = change_list_recent(before=before, since=since, limit=most + len(skip) + 1, **kind.changes(target))
    rows = [row for row in page.rows if row["id"] not in skip]
    more = max(len(rows) - most, 0)
    if page.older is not None:
        more += 1  # at least one more than was read
    return Changes(change_rows_threats_first(rows[:most]), more)


def subscription_sent_ids(*, subscription: Subscription, since: datetime) -> set[str]:
    """Ids of the changes emailed to `subscription` since `since`: an email lists only changes recorded before it,
    so those sent since `since` cover every change from then on that was sent."""
    sent: set[str] = set()
    for ids in AlertEmail.objects.filter(subscription=subscription, created_at__gte=since).values_list(
        "change_ids", flat=True
    ):
        sent.update(ids)
    return sent


def subscription_immediate_since(*, subscription: Subscription) -> datetime:
    """Where an immediate alert starts reading: a little before the newest change sent (late commits), never
    before the subscription was confirmed."""
    start = subscription.confirmed_at or subscription.created_at
    newest = (
        AlertEmail.objects.filter(subscription=subscription, newest_change_at__isnull=False)
        .order_by("-newest_change_at")
        .values_list("newest_change_at", flat=True)
        .first()
    )
    return max(start, newest - overlap()) if newest else start


def webhook_changes(*, webhook_id: int, created_at: datetime, targets: Iterable[str] = ()) -> Changes:
    """The next batch for a webhook: changes in feed order (oldest first) from a little before the newest one it
    received, without those it received, at most ALERTS_MAX_CHANGES; `more` is 1 when another batch waits.

    `targets` (`jurisdiction:ca`, `recommendation:PM-1`, `bill:42`, `measure:7`): only their changes; none named,
    every change. A named target that no longer exists contributes nothing (never every change)."""
    newest = (
        WebhookDelivery.objects.filter(webhook_id=webhook_id, success=True, newest_change_at__isnull=False)
        .order_by("-newest_change_at")
        .values_list("newest_change_at", flat=True)
        .first()
    )
    since = max(created_at, newest - overlap()) if newest else created_at
    sent: set[str] = set()
    for ids in WebhookDelivery.objects.filter(webhook_id=webhook_id, success=True, created_at__gte=since).values_list(
        "change_ids", flat=True
    ):
        sent.update(ids)
    most = settings.ALERTS_MAX_CHANGES
    limit = most + len(sent) + 1
    targets = list(targets)
    if not targets:
        read = change_list(since=since, limit=limit)
    else:
        # Each target's oldest `limit` changes, merged in feed order without repeats (a bill's change is also its
        # jurisdiction's). A target's list holds at least `most` + 1 unsent rows when it was cut short, so the
        # first `most` unsent rows of the merge come before anything it left out.
        merged: dict[str, dict[str, Any]] = {}
        for key in targets:
            target = target_from_key(key)
            kind = target_kind_of(target) if target is not None else None
            if kind is not None:
                merged.update(
                    (row["id"], row) for row in change_list(since=since, limit=limit, **kind.changes(target))
                )
        read = sorted(merged.values(), key=lambda row: (row["at"], row["kind"], row["pk"]))
    rows = [row for row in read if row["id"] not in sent]
    return Changes(change_rows_mark_threats(rows[:most]), 1 if len(rows) > most else 0)


def change_items(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as an email lists them: the changes page's words, a flag for setbacks and an absolute link."""
    items = []
    for row in rows:
        shown = change_present(row)
        summary, path, flag = shown["summary"], shown["path"], shown["flag"]
        if not flag and row.get("threat"):  # a bill or measure linked as regressing moved
            flag = "Regressing measure" if row["kind"] == "measure" else "Regressing bill"
        items.append(
            {
                "flag": flag,
                "summary": summary,
                "detail": row.get("bill_title") or row.get("recommendation_title") or "",
                "url": settings.SITE_URL + path,
                "at": row["at"],
            }
        )
    return items


def subscription_list_for_email(*, email: str) -> list[Subscription]:
    """Everything an address follows (except what it left), with the targets loaded."""
    return list(
        Subscription.objects.filter(email=email)
        .exclude(status=SubscriptionStatus.UNSUBSCRIBED)
        .select_related("target_type")
        .prefetch_related("target")
        .order_by("id")
    )


def subscription_for_link(*, subscription_id: int, email: str | None = None) -> Subscription | None:
    """The subscription a signed link names (its email too, for a confirmation link), or None; read only: opening a
    link shows what its button will do (alerts/views.py)."""
    subscriptions = Subscription.objects.select_related("target_type").filter(pk=subscription_id)
    if email is not None:
        subscriptions = subscriptions.filter(email=email)
    return subscriptions.first()
