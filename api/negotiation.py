"""Content negotiation that answers an unknown `?format=` with a 400 naming the parameter (DRF says 404)."""

from django.http import Http404
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except (Http404, NotFound) as exc:
            formats = ", ".join(renderer.format for renderer in renderers)
            raise ValidationError(
                {self.settings.URL_FORMAT_OVERRIDE: [f"Unknown format; use one of: {formats}."]}
            ) from exc
