"""The API's browsable docs (Swagger UI and Redoc, served from this site by drf-spectacular-sidecar) under the site's
Content-Security-Policy.

Swagger UI is the split view: its start-up script is a file (`docs/?script=`), not inline. Both renderers set their
styles from script (Redoc through styled-components' `<style>` elements), so these two pages, and only they, allow
inline styles; script-src stays `'self'`.
"""

from csp.decorators import csp_update
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

DOCS_CSP = {"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]}

swagger_view = csp_update(DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api:schema"))
redoc_view = csp_update(DOCS_CSP)(
    SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")
)
