"""Figure 1: AWS requests per issued invoice over a billing run, counted at the botocore level.

A run of CUSTOMERS customers x SIMS SIMs with usage, invoice type BOTH, on moto in this process: the
start of the run, the fan-out and every invoice-worker batch are counted (the SQS polling that Lambda's
event source mapping does is not the functions' own and is left out).

    python -m tests.bench.requests_per_invoice [customers] [sims]
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from typing import Any

from tests.bench import environment

environment.prepare()

from botocore.client import BaseClient  # noqa: E402
from moto import mock_aws  # noqa: E402

from infra.local import moto_patches  # noqa: E402
from infra.local.aws import provision  # noqa: E402


class _Counting:
    # Not thread-local: the worker stores artefacts from a thread pool. The queue driver runs one
    # invocation at a time and polls outside them, so what is counted is the functions' own calls.
    on = False


calls: Counter[str] = Counter()
largest_transaction = {"bytes": 0, "actions": 0}
_original = BaseClient._make_api_call


def _counted(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
    if _Counting.on:
        calls[f"{self.meta.service_model.service_name}:{operation}"] += 1
        if operation == "TransactWriteItems":
            size = _transaction_bytes(params["TransactItems"])
            if size > largest_transaction["bytes"]:
                largest_transaction.update(bytes=size, actions=len(params["TransactItems"]))
    return _original(self, operation, params)


def _transaction_bytes(actions: list[dict[str, Any]]) -> int:
    """A transaction's size as DynamoDB counts it against its 4 MB (infra/local/dynamodb_limits.py): a
    Put's item, the key of the others and an Update's values."""
    from infra.local.dynamodb_limits import item_size, value_size

    total = 0
    for action in actions:
        kind, operation = next(iter(action.items()))
        if kind == "Put":
            total += item_size(operation["Item"])
        else:
            total += item_size(operation["Key"])
            if kind == "Update":
                total += sum(value_size(v) for v in operation.get("ExpressionAttributeValues", {}).values())
    return total


def counted(fn: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _Counting.on = True
        try:
            return fn(*args, **kwargs)
        finally:
            _Counting.on = False

    return wrapper


def measure(customers: int, sims: int) -> dict[str, Any]:
    import os

    from infra.local.lambda_runtime import load_functions
    from reseller_billing.logic import billing_runs
    from reseller_billing.settings import get_settings
    from tests.bench.seed import RUN_DATE, seed_reseller
    from tests.support.billing import QueueDriver

    resources = provision({"Stage": environment.STAGE})
    os.environ.update(resources.function_environment())
    get_settings.cache_clear()
    functions = load_functions()
    for function in functions.values():
        function.invoke = counted(function.invoke)  # type: ignore[method-assign]
    account_id = seed_reseller(customers, sims)

    BaseClient._make_api_call = _counted
    started = time.perf_counter()
    run = counted(billing_runs.start_manual_run)(account_id, RUN_DATE)
    QueueDriver(functions, resources).drain()
    elapsed = time.perf_counter() - started
    BaseClient._make_api_call = _original

    done = billing_runs.get_run(account_id, run.id)
    total = sum(calls.values())
    return {
        "customers": customers,
        "sims_per_customer": sims,
        "issued": done.issued,
        "skipped": done.skipped,
        "failed": done.failed,
        "requests": total,
        "requests_per_invoice": total / done.issued,
        "by_operation": {op: round(n / done.issued, 3) for op, n in calls.most_common()},
        "largest_transaction_bytes": largest_transaction["bytes"],
        "largest_transaction_actions": largest_transaction["actions"],
        "seconds": elapsed,
    }


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    sims = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    moto_patches.apply()
    with mock_aws():
        print(json.dumps(measure(customers, sims)))


if __name__ == "__main__":
    main()
