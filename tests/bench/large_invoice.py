"""Figure 9: one customer with SIMS SIMs, each with usage (DATA and SMS totals of the cycle, as ingestion
stores them: one total per SIM, service and cycle, whatever the days), invoiced by the large-customer
worker (invoice type BOTH). moto runs as a server in a process of its own (with the DynamoDB limits), so
this process holds only the worker: its wall time, its peak Python heap (tracemalloc, in a second run of
the same invoice, as tracemalloc slows what it traces) and its peak RSS.

    python -m tests.bench.large_invoice [sims]
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import time
import tracemalloc
from typing import Any

from tests.bench import environment

environment.prepare()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _moto_server() -> tuple[subprocess.Popen[bytes], str]:
    from infra.local.stack import _wait_for_port

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local.moto_server", "127.0.0.1", str(port)], stdout=subprocess.DEVNULL
    )
    _wait_for_port("127.0.0.1", port, process)
    return process, f"http://127.0.0.1:{port}"


def measure(sims: int) -> dict[str, Any]:
    from infra.local.aws import provision
    from infra.local.lambda_runtime import load_functions
    from infra.local.pollers import deliver, receive_batch
    from reseller_billing.dal import invoices as invoices_table
    from reseller_billing.dal.items import InvoiceItem, TableItem
    from reseller_billing.logic import billing_runs, invoice_issuing
    from reseller_billing.settings import get_settings
    from tests.bench.seed import RUN_DATE, seed_reseller

    resources = provision({"Stage": environment.STAGE})
    os.environ.update(resources.function_environment())
    get_settings.cache_clear()
    functions = load_functions()
    seeding = time.perf_counter()
    account_id = seed_reseller(1, sims, registrations=False)
    seeded_in = time.perf_counter() - seeding

    rss_before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    fanout, worker = functions["BillingFanoutFunction"], functions["LargeInvoiceWorkerFunction"]
    queue = (resources.refs["LargeInvoiceQueue"], resources.arns["LargeInvoiceQueue"])
    run = billing_runs.start_manual_run(account_id, RUN_DATE)
    assert deliver(fanout, resources.refs["BillingFanoutQueue"], resources.arns["BillingFanoutQueue"], 1, 0) == 1
    (message,) = receive_batch(queue[0], 1, 0)
    event = {"Records": [_sqs_record(message, queue[1])]}

    reading = _timed(invoices_table, "customer_billing_data")
    started = time.perf_counter()
    assert worker.invoke(event) == {"batchItemFailures": []}
    seconds = time.perf_counter() - started
    read_seconds = sum(reading)
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # The same invoice again, traced: the worker finds it issued (no heap to speak of), so issue it anew.
    invoice = next(
        i for i in TableItem.query(f"ACCOUNT#{account_id}#CUSTOMER#cus_BENCH{0:021d}") if isinstance(i, InvoiceItem)
    )
    issued = {name: a["size"] for name, a in (invoice.artifacts or {}).items()}
    invoice.delete()
    invoice_issuing._runs.clear()
    invoice_issuing._counters.clear()
    tracemalloc.start()
    assert worker.invoke(event) == {"batchItemFailures": []}
    peak_heap = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    done = billing_runs.get_run(account_id, run.id)
    return {
        "sims": sims,
        "issued": done.issued,
        "seconds": seconds,
        "read_seconds": read_seconds,
        "peak_heap_mb": peak_heap / 2**20,
        "max_rss_mb": max_rss_mb,
        "max_rss_before_mb": rss_before_mb,
        "artifact_bytes": issued,
        "seeded_seconds": seeded_in,
    }


def _timed(module: Any, name: str) -> list[float]:
    """Times each call of `module.name` from now on (the Query of the customer's SIMs and usage, which the
    moto server answers far slower than DynamoDB: the rest is the worker's own time)."""
    spent: list[float] = []
    real = getattr(module, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    setattr(module, name, timed)
    return spent


def _sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    from infra.local.pollers import sqs_record

    record: dict[str, Any] = sqs_record(message, queue_arn)
    return record


def main() -> None:
    sims = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    process, endpoint = _moto_server()
    os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local")
    try:
        print(json.dumps(measure(sims)))
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
