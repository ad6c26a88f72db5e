"""E-invoices over HTTP on the local stack: a billing run with UBL and one with FACTUR_X, customers under
every tax treatment and in every locale; every `xml` downloaded from its presigned URL and validated
against the XSD and the official EN 16931 schematron, and the Factur-X PDFs' embedded XML with it."""

from __future__ import annotations

import hashlib
import urllib.request

import facturx  # type: ignore[import-untyped]
import pytest

from tests.support import factories
from tests.support.api import wait_for_run
from tests.support.catalog import build_catalog, created
from tests.support.iccids import iccid

pytestmark = pytest.mark.xdist_group("e2e")

ISSUER = {
    "legal_name": "Nordlicht IoT GmbH",
    "address": {"line1": "Speicherstadt 7", "postal_code": "20457", "city": "Hamburg", "country": "DE"},
    "vat_id": "DE136695976",
    "registration_number": "HRB 123456",
    "email": "billing@nordlicht-iot.example",
}
# Each customer's tax data: S at 19 %, Z, AE (in French, with a Peppol id), E (in German).
CUSTOMERS = (
    {"vat_rate": "19", "locale": "de", "vat_id": "DE129273398"},
    {"vat_rate": "0"},
    {
        "vat_rate": "0",
        "tax_treatment": "REVERSE_CHARGE",
        "vat_id": "FR40303265045",
        "locale": "fr",
        "peppol_id": "0208:0123456749",
    },
    {
        "vat_rate": "0",
        "tax_treatment": "EXEMPT",
        "tax_exemption_reason": "Steuerfrei nach § 4 Nr. 11b UStG",
        "locale": "de",
    },
)


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        body: bytes = response.read()
        return body


@pytest.mark.parametrize(("e_invoice_format", "serial"), [("UBL", 50_000), ("FACTUR_X", 51_000)])
def test_every_e_invoice_of_a_run_passes_the_xsd_and_the_en16931_schematron(
    operator, api, validate, e_invoice_format, serial
):
    profile = factories.reseller_profile(
        issuer=ISSUER,
        payment_terms_days=21,
        bank_account={"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"},
        invoice_footer="Nordlicht IoT GmbH · Hamburg",
        e_invoice_format=e_invoice_format,
    )
    catalog = build_catalog(operator, name=f"Nordlicht {e_invoice_format}", reseller_profile=profile)
    for n, tax_data in enumerate(CUSTOMERS):
        customer = created(operator.post(f"{catalog.base}/customers", factories.customer(number=f"C-E{n}", **tax_data)))
        created(catalog.assign(operator, iccid(serial + n), "2026-10-10", customer_id=customer["id"]))
    me = api.as_reseller(catalog.account_id)
    started = me.post(f"{catalog.base}/billing-runs", {"run_date": "2026-11-05"})
    assert started.status == 202
    run = wait_for_run(me, f"{catalog.base}/billing-runs/{started.json['id']}")
    assert (run["status"], run["issued"]) == ("COMPLETED", len(CUSTOMERS))

    invoices = me.get(f"{catalog.base}/invoices?limit=100").json["items"]
    assert sorted(invoice["tax_category"] for invoice in invoices) == ["AE", "E", "S", "Z"]
    validated = 0
    for invoice in invoices:
        assert set(invoice["artifacts"]) == {"pdf", "json", "csv", "xml"}
        xml = download(me.get(f"{catalog.base}/invoices/{invoice['id']}/artifacts/xml").json["url"])
        assert hashlib.sha256(xml).hexdigest() == invoice["artifacts"]["xml"]["sha256"]
        report = validate(xml)
        assert report.valid, (invoice["tax_category"], report.errors)
        validated += 1
        if e_invoice_format == "FACTUR_X":
            pdf = download(me.get(f"{catalog.base}/invoices/{invoice['id']}/artifacts/pdf").json["url"])
            assert facturx.get_xml_from_pdf(pdf, check_xsd=True) == ("factur-x.xml", xml)
    assert validated == len(CUSTOMERS)
