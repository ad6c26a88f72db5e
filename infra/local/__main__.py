"""`make run`: start the local stack and serve until Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import signal
import sys
import threading

from infra.local.stack import LocalStack


def main() -> int:
    stack = LocalStack(
        port=int(os.environ.get("PORT", "3000")),
        moto_port=int(os.environ.get("MOTO_PORT", "5000")),
        licensed_features=os.environ.get("LICENSED_FEATURES", "FT-3001.007"),
        jwt_secret=os.environ.get("LOCAL_JWT_SECRET", "local-dev-secret"),
        access_log=True,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stack.start()
    assert stack.resources is not None
    print(
        f"""
Reseller billing, local stack
  Console       {stack.url}/console/
  API           {stack.url}
  OpenAPI       {stack.url}/openapi.json
  Swagger UI    {stack.url}/docs
  AWS (moto)    {stack.aws_endpoint}   table {stack.resources.refs.get("Table")}
  Licensed      {stack.licensed_features or "(none)"}
  Token         .venv/bin/python -m infra.local.tokens operator
  Schedule      curl -X POST '{stack.url}/_local/schedule?date=YYYY-MM-DD'
  Reconcile     curl -X POST '{stack.url}/_local/reconcile?at=YYYY-MM-DDTHH:MM:SSZ'
Ctrl-C stops everything.""",
        flush=True,
    )
    stop.wait()
    print("stopping...", flush=True)
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
