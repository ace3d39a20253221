"""The API's browsable docs (Swagger UI, served from this site by drf-spectacular-sidecar) under the site's
Content-Security-Policy. There is no Redoc page: its footer always loads its maker's logo from a CDN.

Swagger UI is the split view: its start-up script is a file (`docs/?script=`), not inline. It sets its styles from
script, so this page, and only it, allows inline styles; script-src stays `'self'`.
"""

from csp.decorators import csp_update
from drf_spectacular.views import SpectacularSwaggerSplitView

DOCS_CSP = {"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]}

swagger_view = csp_update(DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api:schema"))
