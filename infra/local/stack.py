"""The whole local stack in one process: moto server, provisioned resources, the gateway, queue pollers
and the emulated schedule."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from werkzeug.serving import BaseWSGIServer, make_server

from infra import template
from infra.local.aws import REGION, LocalResources, provision
from infra.local.gateway import Gateway
from infra.local.lambda_runtime import LocalFunction, load_functions
from infra.local.pages import Pages
from infra.local.tokens import DEFAULT_SECRET


def _wait_for_port(host: str, port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the moto server exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"the moto server did not listen on {host}:{port} within {timeout} s")


@dataclass
class LocalStack:
    host: str = "127.0.0.1"
    port: int = 3000
    moto_port: int = 5000
    licensed_features: str = "FT-3001.007"
    jwt_secret: str = DEFAULT_SECRET
    access_log: bool = False
    stage: str = "local"
    resources: LocalResources | None = None
    functions: dict[str, LocalFunction] = field(default_factory=dict)
    _moto: subprocess.Popen[bytes] | None = None
    _server: BaseWSGIServer | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def aws_endpoint(self) -> str:
        return f"http://{self.host}:{self.moto_port}"

    def start(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the gateway's request lines
        self._moto = subprocess.Popen(
            [sys.executable, "-m", "infra.local.moto_server", self.host, str(self.moto_port)],
            cwd=template.ROOT,
            stdout=subprocess.DEVNULL,
        )
        _wait_for_port(self.host, self.moto_port, self._moto)
        os.environ.update(
            AWS_ENDPOINT_URL=self.aws_endpoint,
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",
            AWS_DEFAULT_REGION=REGION,
            AWS_REGION=REGION,
            POWERTOOLS_TRACE_DISABLED="true",
            POWERTOOLS_DEV="false",
            POWERTOOLS_METRICS_DISABLED=os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
        )
        self.resources = provision({"Stage": self.stage, "LicensedFeatures": self.licensed_features})
        os.environ.update(self.resources.function_environment())
        self.functions = load_functions()

        from infra.local.pollers import start_pollers
        from infra.local.schedule import DailySchedule, RateSchedule, admin_routes
        from infra.openapi import build_spec

        schedule = DailySchedule(self.functions, self._stopping)
        rates = RateSchedule(self.functions, self._stopping)
        gateway = Gateway(
            routes=template.api_routes(),
            functions=self.functions,
            jwt_secret=self.jwt_secret,
            openapi=build_spec,
            admin=admin_routes(schedule, rates),
            pages=Pages(self.jwt_secret, self.licensed_features, artifacts_origin=self.aws_endpoint),
            access_log=self.access_log,
        )
        self._server = make_server(self.host, self.port, gateway, threaded=True)
        self._threads = [
            threading.Thread(target=self._server.serve_forever, name="gateway", daemon=True),
            *start_pollers(self.functions, self.resources, self._stopping),
            threading.Thread(target=schedule.run, name="schedule", daemon=True),
            threading.Thread(target=rates.run, name="rate-schedules", daemon=True),
        ]
        for thread in self._threads:
            if not thread.is_alive():
                thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._moto is not None:
            self._moto.terminate()
            self._moto.wait(timeout=10)
