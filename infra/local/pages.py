"""What the local gateway serves besides the API: the console (`console/`, as CloudFront serves it in AWS,
with the same security headers), its `config.json`, Swagger UI at `/docs` from vendored files (no CDN:
it works offline), and the token endpoint of the console's local sign-in page. The token endpoint is
local only: in AWS the console signs in with Cognito and nothing mints tokens."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.utils import redirect, send_from_directory
from werkzeug.wrappers import Request, Response

from infra.local.tokens import mint
from infra.template import ROOT

CONSOLE_DIR = ROOT / "console"
SWAGGER_UI_DIR = Path(__file__).parent / "swagger_ui"
TOKEN_PATH = "/_local/token"

# Module scripts need a JavaScript type whatever the platform's mimetypes table says.
CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".md": "text/markdown",
}

SWAGGER_UI = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Reseller billing API</title>
<link rel="icon" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", persistAuthorization: true,
  validatorUrl: null});</script>
</body></html>
"""

_IMPORT_MAP = re.compile(r'<script type="importmap">(.*?)</script>', re.DOTALL)


@cache
def import_map_source() -> str:
    """The CSP source that allows the console's one inline script, its import map: 'sha256-...'."""
    found = _IMPORT_MAP.search((CONSOLE_DIR / "index.html").read_text(encoding="utf-8"))
    if found is None:
        raise RuntimeError("console/index.html has no import map")
    digest = hashlib.sha256(found.group(1).encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def content_security_policy(connect_sources: list[str]) -> str:
    """The console's policy: its own files only, one hashed inline import map, API calls to its own origin,
    `connect_sources` (the sign-in service, the artefacts' storage) and PDFs in blob: frames."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", import_map_source()],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", *connect_sources],
        "frame-src": ["blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def security_headers(connect_sources: list[str]) -> dict[str, str]:
    """The headers of the template's ConsoleResponseHeadersPolicy, less HSTS (there is no TLS locally)."""
    return {
        "Content-Security-Policy": content_security_policy(connect_sources),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _error(status: int, code: str, message: str) -> Response:
    return _json({"error": {"code": code, "message": message, "details": []}}, status)


@dataclass(frozen=True)
class Pages:
    """`serve(request)` answers the requests for these pages and None for any other (the API's)."""

    jwt_secret: str
    licensed_features: str
    artifacts_origin: str

    def serve(self, request: Request) -> Response | None:
        path, method = request.path, request.method
        if method == "POST" and path == TOKEN_PATH:
            return self._token(request)
        if method not in ("GET", "HEAD"):
            return None
        if path in ("/", "/console"):
            return redirect("/console/")
        if path == "/console/config.json":
            return self._console_file(_json(self.console_config()))
        if path.startswith("/console/"):
            return self._console_file(self._file(CONSOLE_DIR, path.removeprefix("/console/") or "index.html", request))
        if path in ("/docs", "/docs/"):
            return Response(SWAGGER_UI, content_type="text/html; charset=utf-8")
        if path.startswith("/docs/"):
            return self._file(SWAGGER_UI_DIR, path.removeprefix("/docs/"), request)
        return None

    def console_config(self) -> dict[str, Any]:
        """config.json as `make deploy-console` writes it in AWS, with local sign-in instead of Cognito."""
        return {"auth": "local", "licensed_features": self.licensed_features}

    def _file(self, directory: Path, name: str, request: Request) -> Response:
        mimetype = CONTENT_TYPES.get(Path(name).suffix)
        try:
            response = send_from_directory(directory, name, request.environ, mimetype=mimetype, max_age=0)
        except NotFound:
            return Response("not found\n", status=404, content_type="text/plain")
        response.headers["Cache-Control"] = "no-cache"
        return response

    def _console_file(self, response: Response) -> Response:
        response.headers.update(security_headers([self.artifacts_origin]))
        return response

    def _token(self, request: Request) -> Response:
        """{role: operator | reseller, account_id?} -> {token}: the local sign-in page's user, as Cognito would
        sign them in."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or body.get("role") not in ("operator", "reseller"):
            return _error(422, "validation_error", "send {role: operator | reseller, account_id}")
        account_id = body.get("account_id")
        if body["role"] == "reseller" and not (isinstance(account_id, str) and account_id):
            return _error(422, "validation_error", "a reseller user needs account_id")
        role = str(body["role"])
        subject = f"console-{role}-{account_id}" if role == "reseller" else "console-operator"
        token = mint(role, account_id if role == "reseller" else None, subject=subject, secret=self.jwt_secret)
        return _json({"token": token})
