"""Atom feeds of the latest changes: every change (`/feeds/changes/`), a jurisdiction's
(`/feeds/jurisdictions/<code>/`) and a recommendation's (`/feeds/recommendations/<code>/`).

Entries are the rows of the changes page, written in the same words (`change_title`): regressions and threats
start with "Regression:" or "At risk:". An unknown code is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from legislation.selectors import jurisdiction_get

from ..selectors import change_list_recent, recommendation_get
from .changes import change_present

FEED_SIZE = 50


@dataclass(frozen=True)
class FeedPage:
    """What one feed shows: its title, page, address and the changes, newest first."""

    title: str
    subtitle: str
    link: str
    feed_path: str
    rows: list[dict[str, Any]]
    host: str


class ChangesFeed(Feed):
    """Every change, newest first."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FeedPage:
        return FeedPage(
            title="Changes: Recommendation tracker",
            subtitle="Bills that changed stage and recommendations whose progress changed, newest first.",
            link=reverse("changes"),
            feed_path=request.path,
            rows=self.rows(),
            host=request.get_host(),
        )

    def rows(self, **filters: Any) -> list[dict[str, Any]]:
        return [change_present(row) for row in change_list_recent(limit=FEED_SIZE, **filters).rows]

    # Feed-level values, from the page get_object built (Feed instances are shared by every request).
    def title(self, obj: FeedPage) -> str:
        return obj.title

    def subtitle(self, obj: FeedPage) -> str:
        return obj.subtitle

    def link(self, obj: FeedPage) -> str:
        return obj.link

    def feed_url(self, obj: FeedPage) -> str:
        return obj.feed_path

    def feed_guid(self, obj: FeedPage) -> str:
        return f"tag:{obj.host.split(':')[0]},2019:{obj.feed_path}"

    def items(self, obj: FeedPage) -> list[dict[str, Any]]:
        return [{**row, "host": obj.host.split(":")[0]} for row in obj.rows]

    # Entries.
    def item_title(self, item: dict[str, Any]) -> str:
        return item["title"]

    def item_description(self, item: dict[str, Any]) -> str:
        details = [item["summary"] + "."]
        if item["kind"] == "stage":
            details.append(item["bill_title"])
            if item["stage_date"]:
                details.append(f"Reached on {item['stage_date']:%B %-d, %Y}.")
        elif item["reason"]:
            details.append(item["reason"])
        return " ".join(details)

    def item_link(self, item: dict[str, Any]) -> str:
        return item["path"]

    def item_guid(self, item: dict[str, Any]) -> str:
        return f"tag:{item['host']},2019:change/{item['id']}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: dict[str, Any]) -> datetime:
        return item["at"]

    def item_updateddate(self, item: dict[str, Any]) -> datetime:
        return item["at"]


class JurisdictionFeed(ChangesFeed):
    """The changes in one jurisdiction: its bills' stage changes and its progress changes."""

    def get_object(self, request: HttpRequest, *args: Any, code: str, **kwargs: Any) -> FeedPage:
        jurisdiction = jurisdiction_get(code=code)
        if jurisdiction is None:
            raise Http404("No jurisdiction has this code.")
        return FeedPage(
            title=f"Changes in {jurisdiction.name}: Recommendation tracker",
            subtitle=f"Bills in {jurisdiction.name} that changed stage, and changes of progress there, newest first.",
            link=reverse("jurisdiction", kwargs={"code": jurisdiction.code}),
            feed_path=request.path,
            rows=self.rows(jurisdictions=[jurisdiction]),
            host=request.get_host(),
        )


class RecommendationFeed(ChangesFeed):
    """The changes for one recommendation: its progress changes and the stage changes of the bills linked to it."""

    def get_object(self, request: HttpRequest, *args: Any, code: str, **kwargs: Any) -> FeedPage:
        recommendation = recommendation_get(code=code)
        if recommendation is None:
            raise Http404("No recommendation has this code.")
        return FeedPage(
            title=f"Changes for {recommendation.code}: Recommendation tracker",
            subtitle=f"{recommendation.code} {recommendation.title}: changes of progress and of linked bills.",
            link=reverse("recommendation", kwargs={"code": recommendation.code}),
            feed_path=request.path,
            rows=self.rows(recommendation=recommendation.code),
            host=request.get_host(),
        )
