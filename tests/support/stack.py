"""`python -m infra.local` (what `make run` starts) in a subprocess on free loopback ports: the e2e tests'
stack and the load script's."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from infra.template import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RunningStack:
    def __init__(self, licensed_features: str):
        self.port, self.moto_port = free_port(), free_port()
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
                self.kill()  # its moto server, if it got that far
                raise RuntimeError(f"local stack exited: {self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/openapi.json", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.kill()
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

    def kill(self) -> None:
        """Stop the stack and its moto child at once (a watchdog's last resort)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
