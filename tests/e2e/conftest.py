"""End-to-end: `python -m infra.local` (what `make run` starts) in a subprocess on free ports, called
over real HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator

import pytest

from infra.template import ROOT
from tests.support.api import Api, HttpTransport

pytestmark = pytest.mark.xdist_group("e2e")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RunningStack:
    def __init__(self, licensed_features: str):
        self.port, self.moto_port = _free_port(), _free_port()
        env = {
            **os.environ,
            "PORT": str(self.port),
            "MOTO_PORT": str(self.moto_port),
            "LICENSED_FEATURES": licensed_features,
        }
        env.pop("TABLE_NAME", None)
        self.log = tempfile.NamedTemporaryFile(prefix="local-stack-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infra.local"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        self.aws_endpoint = f"http://127.0.0.1:{self.moto_port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"local stack exited: {self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/openapi.json", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("local stack did not start within 60 s")

    def output(self) -> str:
        with open(self.log.name, encoding="utf-8", errors="replace") as log:
            return log.read()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise


@pytest.fixture(scope="session")
def stack() -> Iterator[RunningStack]:
    running = RunningStack(licensed_features="FT-3001.007")
    yield running
    assert running.stop() == 0, "the local stack did not stop cleanly on SIGTERM"


@pytest.fixture(scope="session")
def unlicensed_stack() -> Iterator[RunningStack]:
    running = RunningStack(licensed_features="")
    yield running
    assert running.stop() == 0


@pytest.fixture
def api(stack: RunningStack) -> Api:
    return Api(HttpTransport(stack.url))


@pytest.fixture
def operator(api: Api) -> Api:
    return api.as_operator()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """On a failing e2e test, show the tail of the local stack's output next to it."""
    outcome = yield
    report = outcome.get_result()
    running = item.funcargs.get("stack") if hasattr(item, "funcargs") else None
    if report.failed and isinstance(running, RunningStack):
        report.sections.append(("local stack output (tail)", running.output()[-6000:]))
