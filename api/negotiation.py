"""Content negotiation: an unknown `?format=` is a 400 naming the parameter (DRF says 404), and an Accept header
that no renderer matches gets the default representation (JSON) instead of a 406.

A browser asking for `text/html` without `*/*`, a feed reader or a curl with a stray Accept would otherwise get
nothing readable; RFC 9110 (12.5.1) lets a server disregard the header and send its default instead.
"""

from django.http import Http404
from rest_framework.exceptions import NotAcceptable, NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) == "":
            # `?format=` with no value is a mistake, not a request for the default (as an unknown format is).
            formats = ", ".join(renderer.format for renderer in renderers)
            raise ValidationError({self.settings.URL_FORMAT_OVERRIDE: [f"Empty format; use one of: {formats}."]})
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except (Http404, NotFound) as exc:
            formats = ", ".join(renderer.format for renderer in renderers)
            raise ValidationError(
                {self.settings.URL_FORMAT_OVERRIDE: [f"Unknown format; use one of: {formats}."]}
            ) from exc
        except NotAcceptable:
            # The format asked for by `?format=` (known by now), else the view's first renderer.
            fmt = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
            renderer = self.filter_renderers(renderers, fmt)[0] if fmt else renderers[0]
            return renderer, renderer.media_type
