"""Figure 7: ingesting one usage file of RECORDS records (NDJSON, 1,000 SIMs, a week of days each, decimal
quantities) from the local moto server, the way the ingestion function does it: streamed from S3, 1,000
lines a batch through usage intake, a checkpoint after each.

Measured: records per second (wall clock; moto, in its own process, does the DynamoDB work and is the
bottleneck), the ingesting process's own CPU per 1,000 records (what a Lambda spends besides waiting for
AWS), its peak RSS, the peak Python heap (tracemalloc, on a second file of 5,000 records: tracemalloc
slows Python twofold), and DynamoDB's write requests and write units per 1,000 records, counted in
botocore. Write units are estimated from the items as sent: 1 per KB started,
twice that in a transaction; a transaction's condition checks are counted like its writes; an update
is sized by the key and the attributes it writes (the whole of a usage total).

    python -m tests.bench.usage_ingestion [records]
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from typing import Any, ClassVar

from tests.bench import environment

environment.prepare()

import boto3  # noqa: E402
from botocore.client import BaseClient  # noqa: E402

from infra import template  # noqa: E402
from infra.local.aws import provision  # noqa: E402
from infra.local.dynamodb_limits import item_size, value_size  # noqa: E402

SIMS = 1000
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _units(size: int) -> int:
    return max(1, -(-size // 1024))


def _update_size(update: dict[str, Any]) -> int:
    names = sum(len(name.encode()) for name in update.get("ExpressionAttributeNames", {}).values())
    values = sum(value_size(value) for value in update.get("ExpressionAttributeValues", {}).values())
    return item_size(update["Key"]) + names + values


def write_units(operation: str, params: dict[str, Any]) -> int:
    """Write units of one DynamoDB request, estimated from its items."""
    if operation == "PutItem":
        return _units(item_size(params["Item"]))
    if operation == "UpdateItem":
        return _units(_update_size(params))
    if operation == "TransactWriteItems":
        total = 0
        for action in params["TransactItems"]:
            kind, body = next(iter(action.items()))
            size = item_size(body["Item"]) if kind == "Put" else _update_size(body) if kind == "Update" else 0
            total += 2 * _units(size or item_size(body["Key"]))
        return total
    if operation == "BatchWriteItem":
        return sum(
            _units(item_size(request["PutRequest"]["Item"])) if "PutRequest" in request else 1
            for requests in params["RequestItems"].values()
            for request in requests
        )
    return 1


class Counted:
    on = False
    requests: ClassVar[Counter[str]] = Counter()
    units = 0
    cpu_seconds = 0.0  # spent sizing items here: not the ingestion's own


_original = BaseClient._make_api_call


def _counted(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
    if Counted.on and self.meta.service_model.service_name == "dynamodb":
        Counted.requests[operation] += 1
        if operation in WRITES:
            started = time.process_time()
            Counted.units += write_units(operation, params)
            Counted.cpu_seconds += time.process_time() - started
    return _original(self, operation, params)


HEAP_RECORDS = 5000  # the file of the heap measurement (tracemalloc would slow the timed run twofold)


def _file(records: int, prefix: str) -> str:
    """A usage file, written to disk line by line (not held in memory): every SIM's records of one day,
    then the next day's, as a provider's hourly exports would come."""
    from tests.support.iccids import iccid

    path = tempfile.NamedTemporaryFile(prefix="usage-", suffix=".ndjson", delete=False).name  # noqa: SIM115
    with open(path, "w", encoding="utf-8") as out:
        for n in range(records):
            record = {
                "record_id": f"{prefix}-{n:08d}",
                "iccid": iccid(1 + n % SIMS),
                "service": "DATA" if n % 5 else "SMS",
                "quantity": f"{n % 900 + 1}.{n % 100:02d}" if n % 5 else n % 9 + 1,
                "occurred_at": f"2026-10-{13 + (n // SIMS) % 7:02d}T{n % 24:02d}:00:00Z",
            }
            out.write(json.dumps(record) + "\n")
    return path


def _uploaded(account_id: str, records: int, prefix: str) -> tuple[str, int]:
    """A usage file of `records` records, uploaded: its id and size."""
    from reseller_billing.logic import usage_files
    from reseller_billing.models.usage_files import UsageFileCreate
    from reseller_billing.settings import get_settings

    upload = usage_files.create_file(account_id, UsageFileCreate.model_validate({"format": "ndjson"}))
    path = _file(records, prefix)
    size = os.path.getsize(path)
    boto3.client("s3").upload_file(path, get_settings().usage_uploads_bucket, f"uploads/{account_id}/{upload.id}")
    os.unlink(path)
    return upload.id, size


def _ingest(account_id: str, file_id: str) -> float:
    """Ingest the file as the function does, in one go; its wall-clock seconds."""
    from reseller_billing.logic import usage_files

    started = time.perf_counter()
    assert usage_files.ingest_file(account_id, file_id, lambda: False)
    seconds = time.perf_counter() - started
    file = usage_files.get_file(account_id, file_id)
    assert file.status == "COMPLETED", file
    return seconds


def main() -> None:
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    port = _free_port()
    moto = subprocess.Popen(
        [sys.executable, "-m", "infra.local.moto_server", "127.0.0.1", str(port)],
        cwd=template.ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not _listening(port):
            if time.monotonic() > deadline:
                raise RuntimeError("the moto server did not start")
            time.sleep(0.05)
        os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
        resources = provision({"Stage": environment.STAGE})
        os.environ.update(resources.function_environment())
        os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"  # the template's INFO would print to stdout

        from reseller_billing.logic import usage_files
        from reseller_billing.settings import get_settings
        from tests.bench.seed import seed_reseller

        get_settings.cache_clear()
        account_id = seed_reseller(SIMS // 10, 10)  # SIMs active since 2026-10-12, usage dated after
        file_id, size = _uploaded(account_id, records, "bench")
        heap_file_id, _ = _uploaded(account_id, HEAP_RECORDS, "heap")

        BaseClient._make_api_call = _counted
        Counted.on = True
        cpu = time.process_time()
        seconds = _ingest(account_id, file_id)
        cpu = time.process_time() - cpu - Counted.cpu_seconds
        Counted.on = False
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        file = usage_files.get_file(account_id, file_id)

        tracemalloc.start()
        _ingest(account_id, heap_file_id)
        heap = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

        per_thousand = 1000 / records
        writes = sum(n for op, n in Counted.requests.items() if op in WRITES)
        print(
            json.dumps(
                {
                    "records": records,
                    "file_mb": size / 2**20,
                    "accepted": file.accepted,
                    "duplicates": file.duplicates,
                    "rejected": file.rejected,
                    "seconds": seconds,
                    "records_per_second": records / seconds,
                    "cpu_ms_per_1000": cpu * 1000 * per_thousand,
                    "max_rss_mb": rss / 1024,
                    "peak_heap_mb": heap / 2**20,
                    "heap_records": HEAP_RECORDS,
                    "dynamodb_write_requests_per_1000": writes * per_thousand,
                    "dynamodb_write_units_per_1000": Counted.units * per_thousand,
                    "dynamodb_requests_per_1000": {op: n * per_thousand for op, n in Counted.requests.most_common()},
                }
            )
        )
    finally:
        moto.terminate()
        moto.wait(timeout=10)


if __name__ == "__main__":
    main()
