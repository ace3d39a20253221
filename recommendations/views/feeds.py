"""Atom feeds of changes. To be built."""

from django.contrib.syndication.views import Feed
from django.http import Http404


class ChangesFeed(Feed):
    def get_object(self, request, *args, **kwargs):
        raise Http404("Not built yet.")


JurisdictionFeed = RecommendationFeed = ChangesFeed
