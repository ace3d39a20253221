"""Pages of rows with their total, without a window count.

`COUNT(*) OVER ()` makes the database build and sort every row that matches before it can return the first page:
on an unfiltered list ordered by a column it is a sort of the whole table (240 ms for 50,000 bills ordered by
latest action, spilling to temporary files), however small the page. Here the page is read on its own, so that an
index on the ordering (or a top-N sort) serves it, and the total comes from the page itself when the page is the
last one (it holds fewer rows than asked for), or else from a plain `count()` with no ordering and no joins that
the page needed for its columns (an index-only scan).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Any]
    total: int  # rows over all pages


def plain_count(queryset: QuerySet) -> int:
    return queryset.order_by().count()


def page_with_total(
    rows: QuerySet,
    *,
    matching: QuerySet,
    start: int,
    size: int,
    count: Callable[[QuerySet], int] = plain_count,
    fetch: Callable[[QuerySet], list[Any]] = list,
) -> Page:
    """Rows `start` to `start + size` of `rows` (a values() or values_list() queryset, ordered), and how many rows
    `matching` (the same filter, without the columns' joins) holds, by `count` (the API caches it per data
    version: `api.cache.cached_count`).

    One query when the page is short (the last page, or the only one) and not empty; two otherwise. A page past
    the last one has no rows: its total is counted, so that callers can tell "no such page" from "no rows".
    `fetch` reads the page's query (`tracker.db.fetch_query` to prepare it).
    """
    page = fetch(rows[start : start + size])
    return Page(page, total_of(page, matching=matching, start=start, size=size, count=count))


def total_of(
    page: list[Any], *, matching: QuerySet, start: int, size: int, count: Callable[[QuerySet], int] = plain_count
) -> int:
    """How many rows `matching` holds, given its page of rows `start` to `start + size` (`page_with_total`)."""
    if page and len(page) < size:
        return start + len(page)
    if not page and start == 0:
        return 0
    return count(matching)
