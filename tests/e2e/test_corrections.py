"""A correction over HTTP on the local stack: an invoice issued with the wrong VAT rate is fully credited,
the customer's data is fixed and late usage arrives in the reopened cycle, and a manual run issues the
replacement invoice. The numbers, totals and artefacts of all three documents are checked (every
artefact downloaded from its presigned URL, its SHA-256 compared, its e-invoice validated)."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from decimal import Decimal
from typing import Any

import pytest

from tests.support import factories
from tests.support.api import Api, wait_for_run
from tests.support.catalog import build_catalog, created
from tests.support.iccids import iccid

pytestmark = pytest.mark.xdist_group("e2e")

ISSUER = {
    "legal_name": "Nordlicht IoT GmbH",
    "address": {"line1": "Speicherstadt 7", "postal_code": "20457", "city": "Hamburg", "country": "DE"},
    "vat_id": "DE136695976",
    "email": "billing@nordlicht-iot.example",
}
RUN_DATE = "2026-11-05"  # bills 2026-10-05 .. 2026-11-04


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        body: bytes = response.read()
        return body


def artefacts(me: Api, path: str, document: dict[str, Any]) -> dict[str, bytes]:
    """Every artefact of a document, downloaded and checked against the SHA-256 it lists."""
    files = {}
    for name, info in document["artifacts"].items():
        body = download(me.get(f"{path}/artifacts/{name}").json["url"])
        assert hashlib.sha256(body).hexdigest() == info["sha256"], name
        files[name] = body
    return files


def run(me: Api, base: str) -> dict[str, Any]:
    started = me.post(f"{base}/billing-runs", {"run_date": RUN_DATE})
    assert started.status == 202, started.json
    return wait_for_run(me, f"{base}/billing-runs/{started.json['id']}")


def test_issue_credit_fix_and_replace(operator, api, validate):
    profile = factories.reseller_profile(
        issuer=ISSUER, e_invoice_format="UBL", credit_note_prefix="NL-CN-", invoice_number_prefix="NL-"
    )
    catalog = build_catalog(operator, name="Nordlicht Corrections", reseller_profile=profile)
    me = api.as_reseller(catalog.account_id)
    customer = created(
        me.post(f"{catalog.base}/customers", factories.customer(number="C-FIX", vat_rate="23", locale="de"))
    )
    sim = iccid(60_000)
    created(catalog.assign(me, sim, "2026-10-10", customer_id=customer["id"]))
    usage = [factories.usage_record("fix-1", sim, "1500", occurred_at="2026-10-20T08:00:00Z")]
    assert me.post(f"{catalog.base}/usage", {"records": usage}).json["accepted"] == 1

    # 1. the invoice, issued with the wrong VAT rate
    assert run(me, catalog.base)["issued"] == 1
    (original,) = me.get(f"{catalog.base}/invoices?customer_id={customer['id']}").json["items"]
    assert (original["vat_rate"], original["status"]) == ("23", "ISSUED")

    # 2. credited in full: the cycle reopens for this customer
    answer = me.post(
        f"{catalog.base}/invoices/{original['id']}/credit-notes",
        {"reason": "Falscher Steuersatz"},
        headers={"Idempotency-Key": "fix-vat-1"},
    )
    assert answer.status == 201, answer.json
    note = answer.json
    totals = ("net_total", "vat_amount", "gross_total")
    assert [note[t] for t in totals] == [original[t] for t in totals]
    credited = me.get(f"{catalog.base}/invoices/{original['id']}").json
    assert (credited["status"], credited["credited_total"]) == ("CREDITED", original["gross_total"])

    # 3. the customer's data fixed, late usage accepted in the reopened cycle
    assert me.patch(f"{catalog.base}/customers/{customer['id']}", {"vat_rate": "19"}).status == 200
    late = [factories.usage_record("fix-2", sim, "700", occurred_at="2026-10-30T08:00:00Z")]
    assert me.post(f"{catalog.base}/usage", {"records": late}).json["accepted"] == 1

    # 4. the replacement, from a manual run of the cycle
    assert run(me, catalog.base)["issued"] == 1
    invoices = me.get(f"{catalog.base}/invoices?customer_id={customer['id']}").json["items"]
    (replacement,) = [i for i in invoices if i["id"] != original["id"]]
    assert replacement["replaces_invoice_id"] == original["id"]
    assert (replacement["vat_rate"], replacement["status"], replacement["cycle_start"]) == (
        "19",
        "ISSUED",
        "2026-10-05",
    )
    assert Decimal(replacement["net_total"]) > Decimal(original["net_total"])  # the late usage

    # the three documents: numbers in their series, totals, artefacts
    assert original["invoice_number"].startswith("NL-2026-")
    assert note["credit_note_number"] == "NL-CN-2026-000001"
    assert int(replacement["invoice_number"][-6:]) > int(original["invoice_number"][-6:])
    files = {
        "invoice": artefacts(me, f"{catalog.base}/invoices/{original['id']}", original),
        "credit_note": artefacts(me, f"{catalog.base}/credit-notes/{note['id']}", note),
        "replacement": artefacts(me, f"{catalog.base}/invoices/{replacement['id']}", replacement),
    }
    for name, kind in (("invoice", "UBL Invoice"), ("credit_note", "UBL CreditNote"), ("replacement", "UBL Invoice")):
        assert set(files[name]) == {"pdf", "json", "csv", "xml"}
        report = validate(files[name]["xml"])
        assert report.valid, (name, report.errors)
        assert report.syntax == kind
    assert original["invoice_number"].encode() in files["credit_note"]["xml"]
    credit_json = json.loads(files["credit_note"]["json"])
    assert (credit_json["document_type"], credit_json["invoice"]["invoice_number"]) == (
        "credit_note",
        original["invoice_number"],
    )
    report = me.get(f"{catalog.base}/documents/csv?from=2026-01-01&to=2026-12-31")
    assert report.status == 200
    assert [row.split(",")[:2] for row in report.raw.decode().splitlines()[1:]] == sorted(
        [
            ["INVOICE", original["invoice_number"]],
            ["CREDIT_NOTE", note["credit_note_number"]],
            ["INVOICE", replacement["invoice_number"]],
        ],
        key=lambda row: (row[0], row[1]),
    )
    print(
        "\ncorrection story:",
        *(
            f"{label} {doc[field]} net {doc['net_total']} VAT {doc['vat_amount']} gross {doc['gross_total']}"
            for label, doc, field in (
                ("invoice", original, "invoice_number"),
                ("credit note", note, "credit_note_number"),
                ("replacement", replacement, "invoice_number"),
            )
        ),
        sep="\n  ",
    )
