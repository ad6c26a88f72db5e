"""Invoicing over HTTP on the local stack: catalog and usage, a billing run driven by the local queue
pollers, and the PDF and RAW artefacts downloaded from their presigned URLs."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pypdf import PdfReader

from tests.support import factories
from tests.support.api import wait_for_run
from tests.support.catalog import build_catalog, created
from tests.support.iccids import iccid

pytestmark = pytest.mark.xdist_group("e2e")

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "layers/shared/reseller_billing/schemas/invoice-2.0.schema.json").read_text()
)


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        body: bytes = response.read()
        return body


def test_a_billing_run_issues_invoices_with_downloadable_artefacts(operator, api):
    catalog = build_catalog(operator, name="Nordlicht IoT GmbH")
    customer = catalog.customer
    for serial in (1, 2):
        created(catalog.assign(operator, iccid(10_000 + serial), activation_date="2026-10-10"))
    usage = [
        factories.usage_record(f"e2e-{n}", iccid(10_000 + 1 + n % 2), "900", occurred_at="2026-10-21T09:00:00Z")
        for n in range(4)
    ]
    usage.append(usage[0])  # a duplicate in the same call
    accepted = operator.post(f"{catalog.base}/usage", {"records": usage})
    assert accepted.status == 202
    assert (accepted.json["accepted"], accepted.json["duplicates"]) == (4, 1)

    preview = operator.get(f"{catalog.customer_path}/invoice-preview?run_date=2026-11-05").json
    me = api.as_reseller(catalog.account_id)  # the reseller runs its own billing
    started = me.post(f"{catalog.base}/billing-runs", {"run_date": "2026-11-05"})
    assert started.status == 202
    run = wait_for_run(me, f"{catalog.base}/billing-runs/{started.json['id']}")
    assert (run["status"], run["customers"], run["issued"]) == ("COMPLETED", 1, 1)

    (invoice,) = me.get(f"{catalog.base}/invoices?customer_id={customer['id']}").json["items"]
    # Issued today (a catch-up run for 2026-11-05), numbered in the issue date's year, due 30 days later.
    issued = date.fromisoformat(invoice["issue_date"])
    number = f"INV-{issued.year}-000001"
    assert invoice["invoice_number"] == number
    assert (invoice["billing_date"], invoice["due_date"]) == ("2026-11-05", (issued + timedelta(days=30)).isoformat())
    assert invoice["lines"] == preview["lines"]
    assert invoice["gross_total"] == preview["gross_total"]
    assert me.get(f"{catalog.base}/invoices/{invoice['id']}").json == invoice

    bodies = {}
    for name in ("pdf", "json", "csv"):
        link = me.get(f"{catalog.base}/invoices/{invoice['id']}/artifacts/{name}")
        assert link.status == 200
        bodies[name] = download(link.json["url"])
        assert hashlib.sha256(bodies[name]).hexdigest() == invoice["artifacts"][name]["sha256"]

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(bodies["pdf"])).pages)
    for expected in (number, "Nordlicht IoT GmbH", customer["name"], invoice["gross_total"], "5 Nov 2026"):
        assert expected in text, expected

    document = json.loads(bodies["json"])
    jsonschema.validate(document, SCHEMA)
    assert document["gross_total"] == invoice["gross_total"]
    assert {sim["iccid"] for sim in document["sims"]} == {iccid(10_001), iccid(10_002)}

    rows = list(csv.DictReader(io.StringIO(bodies["csv"].decode())))
    assert [(r["kind"], r["amount"]) for r in rows] == [(line["kind"], line["amount"]) for line in invoice["lines"]]

    other = build_catalog(operator, name="Other reseller")
    assert api.as_reseller(other.account_id).get(f"{catalog.base}/invoices/{invoice['id']}").status == 404


def test_the_emulated_schedule_starts_runs_for_resellers_due_that_day(stack, operator):
    catalog = build_catalog(
        operator, name="Scheduled", reseller_profile=factories.reseller_profile(billing_cycle_day=7)
    )
    created(catalog.assign(operator, iccid(20_001), activation_date="2026-09-20"))
    request = urllib.request.Request(f"{stack.url}/_local/schedule?date=2026-11-07", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        fired = json.load(response)
    assert fired["fired"] == "2026-11-07"
    (run,) = operator.get(f"{catalog.base}/billing-runs").json["items"]
    assert run["trigger"] == "SCHEDULE"
    done = wait_for_run(operator, f"{catalog.base}/billing-runs/{run['id']}")
    assert done["issued"] == 1


def fire(stack, path: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(f"{stack.url}{path}", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_the_reconciler_fires_as_of_a_later_time_and_leaves_finished_runs_as_they_are(stack, operator):
    catalog = build_catalog(operator, name="Reconciled")
    created(catalog.assign(operator, iccid(20_101), activation_date="2026-10-10"))
    started = operator.post(f"{catalog.base}/billing-runs", {"run_date": "2026-11-05"}).json
    done = wait_for_run(operator, f"{catalog.base}/billing-runs/{started['id']}")

    status, fired = fire(stack, "/_local/reconcile")  # now: every run moved lately, nothing to do
    assert status == 200
    assert [(r["runs_left_the_list"], r["runs_requeued"], r["runs_settled"]) for r in fired["results"]] == [(0, 0, 0)]

    later = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, fired = fire(stack, f"/_local/reconcile?at={later}")
    assert status == 200
    (result,) = fired["results"]
    assert result["runs_left_the_list"] >= 1  # this run, final and quiet for "two hours"
    assert result["customers_failed"] == 0
    assert operator.get(f"{catalog.base}/billing-runs/{started['id']}").json == done

    assert fire(stack, "/_local/reconcile?at=tomorrow")[0] == 400
