"""The reconciler through its function (BillingReconcilerFunction, as its schedule invokes it) on runs that
finished and on a run whose start died half-way. The runs that stopped under faults are in
test_billing_faults.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.local.lambda_runtime import LocalFunction
from infra.local.schedule import scheduled_event
from reseller_billing.dal import billing_runs as runs_table
from tests.support import factories
from tests.support.catalog import build_catalog, created
from tests.support.iccids import iccid
from tests.support.table import stored_items


def reconcile(functions: dict[str, LocalFunction], hours_later: float) -> dict[str, Any]:
    answer: dict[str, Any] = functions["BillingReconcilerFunction"].invoke(
        scheduled_event(datetime.now(UTC) + timedelta(hours=hours_later))
    )
    return answer


def listed(account_id: str, run_id: str) -> bool:
    return (account_id, run_id) in set(runs_table.unfinished_runs())


def test_a_run_without_customers_completes_and_leaves_the_list_once_quiet(operator, functions, queues):
    account = created(operator.post("/accounts", factories.reseller_account()))
    run = operator.post(f"/accounts/{account['id']}/billing-runs", {"run_date": "2026-11-05"}).json
    queues.drain()

    done = operator.get(f"/accounts/{account['id']}/billing-runs/{run['id']}").json
    assert (done["status"], done["customers"]) == ("COMPLETED", 0)
    assert listed(account["id"], run["id"])

    before = stored_items()
    assert reconcile(functions, 0)["runs_left_the_list"] == 0  # it moved just now: nothing is written
    assert stored_items() == before
    assert reconcile(functions, 2)["runs_left_the_list"] == 1
    assert not listed(account["id"], run["id"])
    assert operator.get(f"/accounts/{account['id']}/billing-runs/{run['id']}").json == done


def test_a_run_whose_start_died_before_its_first_page_is_fanned_out_by_the_reconciler(
    operator, functions, queues, monkeypatch: pytest.MonkeyPatch
):
    """The API function died after storing the run, before closing the cycle and enqueuing page 0 (a
    manual run has no retry): the run would stay QUEUED, and its cycle open, for ever."""
    catalog = build_catalog(operator)
    created(catalog.assign(operator, iccid(80_001), activation_date="2026-10-10"))
    with monkeypatch.context() as dying:
        dying.setattr(runs_table, "close_cycle", died)
        assert operator.post(f"{catalog.base}/billing-runs", {"run_date": "2026-11-05"}).status == 500
    (run,) = operator.get(f"{catalog.base}/billing-runs").json["items"]
    assert run["status"] == "QUEUED"

    first = reconcile(functions, 2)
    assert (first["runs_requeued"], first["pages_requeued"]) == (1, 1), first
    usage = factories.usage_record("late-1", iccid(80_001), "10", occurred_at="2026-10-20T08:00:00Z")
    late = operator.post(f"{catalog.base}/usage", {"records": [usage]}).json
    assert [r["reason"] for r in late["rejected"]] == ["cycle_closed"]  # closed before any page went out
    queues.drain()

    done = operator.get(f"{catalog.base}/billing-runs/{run['id']}").json
    assert (done["status"], done["customers"], done["issued"], done["skipped"]) == ("COMPLETED", 1, 1, 0)


def died(*_: object) -> None:
    raise RuntimeError("the function died here")
