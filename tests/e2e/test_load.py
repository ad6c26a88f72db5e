"""A small, bounded run of the load script (tests/bench/load.py) against the session's local stack: many
clients at once, bursts of one usage batch, racing updates with one If-Match, then nothing lost or doubled.

The stack is shared with the other e2e tests: the load creates resellers of its own and checks only them."""

from __future__ import annotations

import json
import threading
from typing import Any, cast

import pytest

from infra.local.lambda_runtime import LocalContext, isolate_event_handlers
from tests.bench.load import run_load

pytestmark = pytest.mark.xdist_group("e2e")


def test_concurrent_clients_lose_and_double_nothing(stack):
    result = run_load(
        stack.url,
        stack.aws_endpoint,
        clients=8,
        requests=120,
        seconds=6,
        seed=7,
        resellers=2,
        customers=2,
        sims=2,
        bursts=4,
        races=2,
        burst_width=5,
        billing_timeout=60,
    )
    summary = {k: result.get(k) for k in ("status", "unexpected", "failures", "bursts", "races", "usage")}
    assert result["server_errors"] == 0, json.dumps(summary, indent=1)
    assert result["unexpected_total"] == 0, json.dumps(summary, indent=1)
    assert result["failures"] == [], json.dumps(summary, indent=1)

    # Bursts: each batch posted by 5 clients at once was accepted exactly once in all.
    assert result["bursts"] == {"n": 4, "width": 5, "posts": 20, "held": 4}
    # Races: exactly one 200 per race, the 4 others 412 precondition_failed, the version moved by one.
    for what in ("customer", "profile"):
        assert result["races"][what] == {"n": 2, "held": 2, "winners": 2, "refused_412": 8}, what
    assert result["expected_refusals"].get("412 precondition_failed") == 16

    usage = result["usage"]
    assert usage["accepted"] == usage["distinct_stored"] > 0
    assert usage["accepted"] + usage["duplicates"] == usage["records_sent"]
    assert result["invoices"] == result["billable_customers"] >= 4
    assert result["invoice_documents_checked"] == result["invoices"]
    assert result["usage_totals_checked"] > 0
    assert all(result["invariants"].values()), result["invariants"]
    assert result["ok"]


def test_functions_running_at_once_in_the_local_stack_each_resolve_their_own_event():
    """What the load found: Powertools keeps the event being resolved in `BaseRouter.current_event`, one per
    process. The local stack runs every function in one process, two at once, so a function could read the
    other's body and headers (a price plan POST validated against a product's body). The local runtime
    keeps it per thread, as if each invocation had its process."""
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter, Router
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

    isolate_event_handlers()
    isolate_event_handlers()  # idempotent
    both_set = threading.Barrier(2, timeout=10)
    seen: dict[str, tuple[str, str, str]] = {}

    def invoke(name: str) -> None:
        app, router = APIGatewayRestResolver(), Router()
        app.include_router(router)
        BaseRouter.current_event = APIGatewayProxyEvent({"path": f"/{name}"})  # what resolve() does
        BaseRouter.lambda_context = cast(Any, LocalContext(f"{name}-function"))
        both_set.wait()
        seen[name] = (app.current_event.path, router.current_event.path, BaseRouter.lambda_context.function_name)

    threads = [threading.Thread(target=invoke, args=(name,)) for name in ("price-plans", "products")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {name: (f"/{name}", f"/{name}", f"{name}-function") for name in ("price-plans", "products")}
