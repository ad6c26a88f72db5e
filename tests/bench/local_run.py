"""Figure 5: a billing run of CUSTOMERS customers x SIMS SIMs (invoice type BOTH) on the local stack:
started over HTTP, driven by the local queue pollers (one worker at a time, as one Lambda instance),
invoices per second from the POST to COMPLETED; then the worker's peak memory over a batch of 40.

    python -m tests.bench.local_run [customers] [sims]
"""

from __future__ import annotations

import json
import resource
import socket
import sys
import threading
import time
import tracemalloc
from typing import Any

from tests.bench import environment

environment.prepare()

from infra.local.stack import LocalStack  # noqa: E402
from tests.support.api import Api, HttpTransport  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run(api: Api, account_id: str) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    answer = api.post(f"/accounts/{account_id}/billing-runs", {"run_date": "2026-11-05"})
    assert answer.status == 202, answer.json
    path = f"/accounts/{account_id}/billing-runs/{answer.json['id']}"
    while True:
        run: dict[str, Any] = api.get(path).json
        if run["status"].startswith("COMPLETED"):
            return run, time.perf_counter() - started
        time.sleep(0.2)


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    sims = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    stack = LocalStack(port=_free_port(), moto_port=_free_port(), stage=environment.STAGE)
    stack.start()
    worker = stack.functions["InvoiceWorkerFunction"]
    invoke = worker.invoke
    peaks: list[int] = []
    measuring = threading.Event()

    def measured(event: dict[str, Any]) -> Any:
        if not measuring.is_set():
            return invoke(event)
        tracemalloc.start()
        try:
            return invoke(event)
        finally:
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()

    worker.invoke = measured  # type: ignore[method-assign]
    try:
        from tests.bench.seed import seed_reseller

        api = Api(HttpTransport(stack.url)).as_operator()
        account_id = seed_reseller(customers, sims)
        run, seconds = _run(api, account_id)
        # Then the worker's memory, on a small run of its own (tracemalloc would slow the timed one).
        measuring.set()
        _run(api, seed_reseller(40, sims, first_serial=10_000_000))
        deadline = time.monotonic() + 30
        while not peaks and time.monotonic() < deadline:  # the run completes before its last batch returns
            time.sleep(0.1)
        print(
            json.dumps(
                {
                    "customers": customers,
                    "sims_per_customer": sims,
                    "issued": run["issued"],
                    "status": run["status"],
                    "seconds": seconds,
                    "invoices_per_second": run["issued"] / seconds,
                    "worker_peak_heap_mb": max(peaks) / 2**20,
                    "process_max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                }
            )
        )
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
