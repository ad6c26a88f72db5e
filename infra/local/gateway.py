"""A local API Gateway: each HTTP request becomes the REST API (v1) proxy event API Gateway would send,
after the checks its Cognito authorizer would make (here: an HS256 JWT signed with LOCAL_JWT_SECRET)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import jwt
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from infra.local.lambda_runtime import LocalFunction
from infra.local.pages import Pages
from infra.template import Route


def _error(status: int, code: str, message: str) -> Response:
    body = json.dumps({"error": {"code": code, "message": message, "details": []}})
    return Response(body, status=status, content_type="application/json")


class Gateway:
    """WSGI application: /openapi.json, the pages (console, /docs, the console's local sign-in), /_local/* admin
    routes, and the API routes of template.yaml."""

    def __init__(
        self,
        routes: list[Route],
        functions: dict[str, LocalFunction],
        jwt_secret: str,
        openapi: Callable[[], dict[str, Any]],
        admin: dict[str, Callable[[Request], Response]] | None = None,
        pages: Pages | None = None,
        stage: str = "local",
        access_log: bool = False,
    ):
        self.routes = routes
        self.functions = functions
        self.jwt_secret = jwt_secret
        self.openapi = openapi
        self.admin = admin or {}
        self.pages = pages
        self.stage = stage
        self.access_log = access_log

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        started = time.perf_counter()
        response = self.dispatch(request)
        if self.access_log:
            elapsed = (time.perf_counter() - started) * 1000
            print(
                f"{request.method} {request.full_path.rstrip('?')} -> {response.status_code} ({elapsed:.0f} ms)",
                flush=True,
            )
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if request.path == "/openapi.json" and request.method == "GET":
            return Response(json.dumps(self.openapi()), content_type="application/json")
        page = self.pages.serve(request) if self.pages else None
        if page is not None:
            return page
        if request.path in self.admin and request.method == "POST":
            return self.admin[request.path](request)
        for route in self.routes:
            match = route.pattern.match(request.path)
            if match and route.method == request.method:
                return self._invoke(request, route, match.groupdict())
        # API Gateway answers an unknown route with MISSING_AUTHENTICATION_TOKEN, mapped to 404 in the template.
        return _error(404, "not_found", "no such route")

    def _claims(self, request: Request) -> dict[str, str] | None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not token:
            return None
        try:
            claims = jwt.decode(token, self.jwt_secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})
        except jwt.PyJWTError:
            return None
        # API Gateway's Cognito authorizer hands claims to the function as strings.
        return {k: ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in claims.items()}

    def _invoke(self, request: Request, route: Route, path_parameters: dict[str, str]) -> Response:
        claims = self._claims(request)
        if claims is None:
            return _error(401, "unauthorized", "missing or invalid token")
        raw = request.get_data()
        try:
            body, is_base64 = (raw.decode(), False) if raw else (None, False)
        except UnicodeDecodeError:
            body, is_base64 = base64.b64encode(raw).decode(), True
        headers = dict(request.headers.items())
        query = request.args
        event = {
            "resource": route.path,
            "path": request.path,
            "httpMethod": request.method,
            "headers": headers,
            "multiValueHeaders": {k: request.headers.getlist(k) for k in headers},
            "queryStringParameters": {k: query.getlist(k)[-1] for k in query} or None,
            "multiValueQueryStringParameters": {k: query.getlist(k) for k in query} or None,
            "pathParameters": path_parameters or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": route.path,
                "httpMethod": request.method,
                "path": f"/{self.stage}{request.path}",
                "stage": self.stage,
                "requestId": str(uuid.uuid4()),
                "requestTimeEpoch": int(time.time() * 1000),
                "accountId": "123456789012",
                "apiId": "local",
                "protocol": "HTTP/1.1",
                "identity": {"sourceIp": request.remote_addr, "userAgent": request.user_agent.string},
                "authorizer": {"claims": claims},
            },
            "body": body,
            "isBase64Encoded": is_base64,
        }
        result = self.functions[route.function].invoke(event)
        answer_headers = Headers()
        for name, values in (result.get("multiValueHeaders") or {}).items():
            for value in values:
                answer_headers.add(name, value)
        for name, value in (result.get("headers") or {}).items():
            answer_headers[name] = value
        payload = result.get("body") or ""
        data = base64.b64decode(payload) if result.get("isBase64Encoded") else payload
        return Response(data, status=result["statusCode"], headers=answer_headers)
