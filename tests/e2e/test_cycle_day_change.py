"""The billing-cycle day changed on the local stack, with the daily schedule fired day by day through
`/_local/schedule?date=` across the change: the days the issued invoices charge are exactly the days
the SIMs were ACTIVE, none twice and none left out, every activation fee once.

The stack runs on the real clock, so the change is made today (T): the schedule is fired for the days
before T (runs on time, as they would have been), then the cycle day goes from 5 to 20, then the
schedule is fired for the days after T, through the transition cycle and beyond."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from reseller_billing.billing.model import SimStatus
from tests.support import factories
from tests.support.api import Api, wait_for_run
from tests.support.catalog import Catalog, build_catalog, created
from tests.support.iccids import iccid

pytestmark = pytest.mark.xdist_group("e2e")

DAY = timedelta(days=1)


def fire(stack, day: date) -> None:
    request = urllib.request.Request(f"{stack.url}/_local/schedule?date={day.isoformat()}", method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        assert json.load(response)["fired"] == day.isoformat()


def download(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as response:
        document: dict[str, Any] = json.load(response)
        return document


def status_on(history: list[tuple[str, date]], day: date) -> str | None:
    status = None
    for changed_to, effective in history:
        if effective <= day:
            status = changed_to
    return status


def all_pages(api: Api, path: str) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        page = api.get(f"{path}{'&' if '?' in path else '?'}limit=100" + (f"&cursor={cursor}" if cursor else "")).json
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_invoices_charge_exactly_the_active_days_across_a_change_from_day_5_to_20(stack, operator):
    today = datetime.now(UTC).date()
    catalog: Catalog = build_catalog(operator, name="Day changer")
    histories = {
        iccid(30_001): [("ACTIVE", today - 75 * DAY)],
        iccid(30_002): [("ACTIVE", today - 40 * DAY), ("SUSPENDED", today - 20 * DAY), ("ACTIVE", today - 10 * DAY)],
        iccid(30_003): [("ACTIVE", today - 30 * DAY), ("RETIRED", today + 35 * DAY)],  # retirement scheduled
    }
    for sim, history in histories.items():
        created(catalog.assign(operator, sim, history[0][1].isoformat()))
        for status, effective in history[1:]:
            answer = operator.post(
                f"{catalog.sim_path(sim)}/status", {"status": status, "effective_date": effective.isoformat()}
            )
            assert answer.status == 200, answer.json
    records = [
        factories.usage_record(f"day-change-{n}", iccid(30_001), 100, occurred_at=f"{today - n * DAY}T06:00:00Z")
        for n in (70, 45, 20, 1)
    ]
    assert operator.post(f"{catalog.base}/usage", {"records": records}).json["accepted"] == len(records)

    first, last = today - 80 * DAY, today + 100 * DAY
    day = first
    while day <= today:
        fire(stack, day)
        day += DAY
    changed = operator.put(f"{catalog.base}/reseller-profile", factories.reseller_profile(billing_cycle_day=20))
    assert changed.status == 200, changed.json
    assert [e["billing_cycle_day"] for e in changed.json["billing_cycle_history"]] == [5, 20]
    while day <= last:
        fire(stack, day)
        day += DAY

    runs = all_pages(operator, f"{catalog.base}/billing-runs")
    assert runs, "the schedule started no run"
    for run in runs:
        assert wait_for_run(operator, f"{catalog.base}/billing-runs/{run['id']}")["status"] == "COMPLETED"
    assert all(run["trigger"] == "SCHEDULE" for run in runs)
    invoices = sorted(
        all_pages(operator, f"{catalog.base}/invoices?customer_id={catalog.customer['id']}"),
        key=lambda invoice: invoice["cycle_start"],
    )
    assert len(invoices) == len(runs)  # the SIM active throughout gives every cycle an invoice

    cycles = [(date.fromisoformat(i["cycle_start"]), date.fromisoformat(i["cycle_end"])) for i in invoices]
    for (_, earlier_end), (later_start, _) in pairwise(cycles):
        assert later_start == earlier_end + DAY  # back to back: no day twice, none left out
    starts = [start.day for start, _ in cycles]
    transitions = [(start, end) for start, end in cycles if start.day == 5 and end.day == 19]
    assert len(transitions) == 1, cycles
    switch = starts.index(20)
    assert set(starts[:switch]) == {5}, starts
    assert set(starts[switch:]) == {20}, starts
    assert cycles[0][0] <= histories[iccid(30_001)][0][1]

    charged: dict[str, int] = dict.fromkeys(histories, 0)
    activations: dict[str, int] = dict.fromkeys(histories, 0)
    for invoice in invoices:
        link = operator.get(f"{catalog.base}/invoices/{invoice['id']}/artifacts/json").json["url"]
        for row in download(link)["sims"]:
            if row["kind"] == "MRC":
                charged[row["iccid"]] += row["active_days"]
            elif row["kind"] == "ACTIVATION":
                activations[row["iccid"]] += 1
    covered = [cycles[0][0] + n * DAY for n in range((cycles[-1][1] - cycles[0][0]).days + 1)]
    active = {
        sim: sum(status_on(history, d) == SimStatus.ACTIVE.value for d in covered) for sim, history in histories.items()
    }
    assert charged == active
    assert activations == dict.fromkeys(histories, 1)
    assert cycles[-1][1] >= today + 35 * DAY  # past the scheduled retirement
