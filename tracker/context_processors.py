"""Context every page needs."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from legislation.selectors import demo_snapshot


def data_notice(request: HttpRequest) -> dict:
    """Whether the bills shown are the demo snapshot (queried only by pages that show it)."""
    return {"demo_snapshot": SimpleLazyObject(demo_snapshot)}
