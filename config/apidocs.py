"""The API documentation pages (Swagger UI at /api/docs/, Redoc at /api/redoc/), from our own static files
(drf-spectacular-sidecar) and for signed-in users only, like the schema (SPECTACULAR_SETTINGS SERVE_PERMISSIONS).

A browser without a session is sent to the login page; the schema itself answers 401 (an outside system fetches
it with its API token). Swagger UI is the split view: its start script is a separate same-origin request, no
inline script. Redoc's styled components write <style> elements: they carry the request's nonce
(static/js/redoc-init.js); its search runs in a worker made from a blob: URL.
"""

from csp.constants import NONCE
from csp.decorators import csp_update
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated


class LoginFirst:
    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated | AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


class SwaggerView(LoginFirst, SpectacularSwaggerSplitView):
    pass


class RedocView(LoginFirst, SpectacularRedocView):
    pass


swagger = SwaggerView.as_view(url_name="schema")
# Two <style> elements the Redoc bundle writes while it loads, before it knows the nonce: an empty one (later
# filled through the CSSOM) and its scrollbar styles. Their hashes belong to the pinned drf-spectacular-sidecar;
# after an upgrade tests/security/test_csp_browser.py names the new ones.
REDOC_LOAD_STYLES = [
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
]
redoc = csp_update({"style-src": [NONCE, *REDOC_LOAD_STYLES], "worker-src": ["blob:"]})(
    RedocView.as_view(url_name="schema")
)
