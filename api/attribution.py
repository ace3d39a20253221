"""Credit for LegiScan data, which is licensed under CC BY 4.0 and must be attributed wherever it is shown."""

from __future__ import annotations

from django.http import HttpResponseBase

LEGISCAN_URL = "https://legiscan.com/"
CC_BY_URL = "https://creativecommons.org/licenses/by/4.0/"
LEGISCAN_ATTRIBUTION = (
    f"Contains legislative data from LegiScan ({LEGISCAN_URL}), licensed under the Creative Commons Attribution "
    f"4.0 International License (CC BY 4.0, {CC_BY_URL})."
)
# RFC 8288 links: where the data comes from and under which licence.
LEGISCAN_LINKS = f'<{LEGISCAN_URL}>; rel="via"; title="LegiScan", <{CC_BY_URL}>; rel="license"'


def credit_legiscan(response: HttpResponseBase) -> None:
    """Add the LegiScan credit to a response's `Link` header (keeping pagination links) and `X-Attribution`."""
    existing = response.get("Link")
    response["Link"] = f"{existing}, {LEGISCAN_LINKS}" if existing else LEGISCAN_LINKS
    response["X-Attribution"] = LEGISCAN_ATTRIBUTION
