"""A large fleet over HTTP on the local stack: the operator adds a range of several thousand ICCIDs to a
reseller's stock, the reseller onboards them to one customer in SIM batches of 1,000, uploads a usage file
for all of them to its presigned URL (S3's notification reaches the ingestion function through the local
queue), bills the customer, and finds every ICCID in `invoice.json`."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from typing import Any

import pytest

from tests.support.api import Api, wait_for_run
from tests.support.catalog import build_catalog
from tests.support.iccids import iccid

pytestmark = pytest.mark.xdist_group("e2e")

SIMS = 3000
FIRST = iccid(1, prefix="894977")  # a block of ICCIDs no other e2e test uses
BATCH = 1000


def _until(api: Api, path: str, done: set[str], timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, Any] = api.get(path).json
        if body["status"] in done:
            return body
        time.sleep(0.5)
    raise AssertionError(f"{path} did not finish: {api.get(path).json}")


def _put(url: str, body: bytes) -> int:
    """PUT the file as any HTTP client would: the URL carries everything (the content type is not signed)."""
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": "application/x-ndjson"})
    with urllib.request.urlopen(request, timeout=60) as response:
        status: int = response.status
        return status


def test_thousands_of_sims_from_stock_to_invoice(operator: Api, api: Api) -> None:
    timings: dict[str, float] = {}
    catalog = build_catalog(operator, name=f"E2E Fleet {uuid.uuid4().hex[:6]}")  # billing cycle day 5
    me = api.as_reseller(catalog.account_id)

    started = time.perf_counter()
    allocation = operator.post(f"{catalog.base}/sim-stock", {"range": {"first": FIRST, "count": SIMS}})
    assert allocation.status == 202, allocation.json
    done = _until(operator, allocation.header("Location") or "", {"COMPLETED"})
    assert (done["added"], done["rejected_count"]) == (SIMS, 0)
    timings["stock"] = time.perf_counter() - started
    stock = me.get(f"{catalog.base}/sim-stock?status=AVAILABLE&limit=100").json
    assert stock["items"][0]["iccid"] == FIRST
    assert stock["next_cursor"]

    iccids = [iccid(n, prefix="894977") for n in range(1, SIMS + 1)]
    started = time.perf_counter()
    for start in range(0, SIMS, BATCH):
        sims = [
            {"iccid": number, "product_id": catalog.product["id"], "activation_date": "2026-10-10"}
            for number in iccids[start : start + BATCH]
        ]
        answer = me.post(f"{catalog.customer_path}/sim-batches", {"sims": sims})
        assert answer.status == 200, answer.json
        assert answer.json == {"created": BATCH, "rejected": []}
    timings["batches"] = time.perf_counter() - started
    assert me.get(f"{catalog.base}/sim-stock?status=AVAILABLE").json["items"] == []

    records = [
        {
            "record_id": f"fleet-{n}",
            "iccid": number,
            "service": "DATA",
            "quantity": str(1000 + n % 100),
            "occurred_at": f"2026-10-{12 + n % 20}T08:00:00Z",
        }
        for n, number in enumerate(iccids)
    ]
    content = "".join(json.dumps(record) + "\n" for record in records).encode()
    started = time.perf_counter()
    upload = me.post(f"{catalog.base}/usage-files", {"format": "ndjson"})
    assert upload.status == 201, upload.json
    assert _put(upload.json["upload_url"], content) == 200
    file = _until(me, f"{catalog.base}/usage-files/{upload.json['id']}", {"COMPLETED", "FAILED"})
    timings["usage_file"] = time.perf_counter() - started
    assert (file["status"], file["accepted"], file["duplicates"], file["rejected"]) == ("COMPLETED", SIMS, 0, 0)

    started = time.perf_counter()
    run = me.post(f"{catalog.base}/billing-runs", {"run_date": "2026-11-05"})
    assert run.status == 202
    finished = wait_for_run(me, f"{catalog.base}/billing-runs/{run.json['id']}", timeout=240)
    assert (finished["status"], finished["issued"]) == ("COMPLETED", 1)
    timings["billing"] = time.perf_counter() - started

    (invoice,) = me.get(f"{catalog.base}/invoices").json["items"]
    mrc = next(line for line in invoice["lines"] if line["kind"] == "MRC")
    assert mrc["quantity"] == str(SIMS)
    link = me.get(f"{catalog.base}/invoices/{invoice['id']}/artifacts/json").json["url"]
    with urllib.request.urlopen(link, timeout=30) as response:
        document = json.load(response)
    kinds: dict[str, set[str]] = {}
    for detail in document["sims"]:
        kinds.setdefault(detail["kind"], set()).add(detail["iccid"])
    # Each SIM is charged its MRC and activation, and its usage (1,000 MB or more) over its prorated
    # allowance (1,024 MB x 26/31 days): every ICCID on every kind of line.
    assert kinds == {key: set(iccids) for key in ("MRC", "ACTIVATION", "OVERAGE_DATA")}
    print(f"\nlarge fleet: {SIMS} SIMs, {len(records)} records, {len(invoice['lines'])} invoice lines; {timings}")
