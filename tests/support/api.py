"""A small API client for tests: the same calls in-process (werkzeug test client on the local gateway)
and over HTTP (e2e, against a running local stack)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Protocol

from infra.local.tokens import mint


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw) if self.raw else None

    @property
    def error_code(self) -> str | None:
        body = self.json
        return body["error"]["code"] if isinstance(body, dict) and "error" in body else None

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


class Transport(Protocol):
    def __call__(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Answer: ...


class HttpTransport:
    def __init__(self, base_url: str):
        self.base_url = base_url

    def __call__(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        request = urllib.request.Request(self.base_url + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, dict(response.headers.items()), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers.items()), error.read())


class WsgiTransport:
    def __init__(self, app: Any):
        from werkzeug.test import Client

        self.client = Client(app)

    def __call__(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        response = self.client.open(path, method=method, data=body, headers=headers)
        return Answer(response.status_code, dict(response.headers.items()), response.get_data())


@dataclass
class Api:
    transport: Transport
    token: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    def as_operator(self) -> Api:
        return Api(self.transport, mint("operator", subject="operator-1"))

    def as_reseller(self, account_id: str) -> Api:
        return Api(self.transport, mint("reseller", account_id, subject=f"user-of-{account_id}"))

    def anonymous(self) -> Api:
        return Api(self.transport, None)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = {**self.extra_headers, **(headers or {})}
        if self.token:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        return self.transport(method, path, data, sent)

    def get(self, path: str, **kw: Any) -> Answer:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Answer:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Answer:
        return self.call("PATCH", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Answer:
        return self.call("PUT", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Answer:
        return self.call("DELETE", path, **kw)


def wait_for_run(api: Api, path: str, timeout: float = 90) -> dict[str, Any]:
    """The billing run at `path` once it has finished (the local stack's pollers drive it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run: dict[str, Any] = api.get(path).json
        if run["status"] in ("COMPLETED", "COMPLETED_WITH_FAILURES"):
            return run
        time.sleep(0.3)
    raise AssertionError(f"billing run did not complete: {api.get(path).json}")
