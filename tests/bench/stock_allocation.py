"""Figure 8: SIM stock on the local stack. A range of COUNT ICCIDs (default 100,000, the most one request
takes) from the POST's 202 to its allocation COMPLETED, driven by the local queue poller as one Lambda
instance; and the answer time of a list of 1,000 ICCIDs (added while the request waits) and of a SIM
batch of 1,000 SIMs.

    python -m tests.bench.stock_allocation [count]
"""

from __future__ import annotations

import json
import socket
import sys
import time

from tests.bench import environment

environment.prepare()

from infra.local.stack import LocalStack  # noqa: E402
from tests.support import factories  # noqa: E402
from tests.support.api import Api, HttpTransport  # noqa: E402
from tests.support.catalog import build_catalog  # noqa: E402
from tests.support.iccids import iccid  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    stack = LocalStack(port=_free_port(), moto_port=_free_port(), stage=environment.STAGE)
    stack.start()
    try:
        operator = Api(HttpTransport(stack.url)).as_operator()
        catalog = build_catalog(operator, name="Bench Stock GmbH")

        started = time.perf_counter()
        answer = operator.post(f"{catalog.base}/sim-stock", {"range": {"first": iccid(1, "894988"), "count": count}})
        accepted = time.perf_counter() - started
        assert answer.status == 202, answer.json
        location = answer.header("Location") or ""
        while (allocation := operator.get(location).json)["status"] != "COMPLETED":
            time.sleep(0.5)
        allocated = time.perf_counter() - started
        assert allocation["added"] == count, allocation

        listed = [iccid(n, "894989") for n in range(1, 1001)]
        started = time.perf_counter()
        answer = operator.post(f"{catalog.base}/sim-stock", {"iccids": listed})
        list_seconds = time.perf_counter() - started
        assert answer.json == {"added": 1000, "rejected": []}, answer.json

        sims = [factories.sim(number, catalog.product["id"], "2026-10-10") for number in listed]
        started = time.perf_counter()
        answer = operator.post(f"{catalog.customer_path}/sim-batches", {"sims": sims})
        batch_seconds = time.perf_counter() - started
        assert answer.json == {"created": 1000, "rejected": []}, answer.json
        print(
            json.dumps(
                {
                    "range": count,
                    "range_answer_ms": accepted * 1000,
                    "range_seconds": allocated,
                    "iccids_per_second": count / allocated,
                    "list_1000_seconds": list_seconds,
                    "batch_1000_seconds": batch_seconds,
                }
            )
        )
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
