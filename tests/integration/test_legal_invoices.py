"""Invoices a reseller can legally send, through the API on moto: the profile's and customers' new fields
(each bad value a 422 naming its field, nothing stored), the profile refused when its e-invoices could not
be valid, and the `xml` artefact stored, listed, linked and valid; with FACTUR_X, the hybrid PDF."""

from __future__ import annotations

from typing import Any

import facturx  # type: ignore[import-untyped]
import pytest

from tests.integration.test_invoicing import add_customers, invoices_of, s3_object, start_run, stored_invoice
from tests.support import factories
from tests.support.catalog import build_catalog, created
from tests.support.table import stored_items

ADDRESS = {"line1": "Speicherstadt 7", "postal_code": "20457", "city": "Hamburg", "country": "DE"}
ISSUER: dict[str, Any] = {
    "legal_name": "Nordlicht IoT GmbH",
    "address": ADDRESS,
    "vat_id": "DE136695976",
    "registration_number": "HRB 123456",
    "email": "billing@nordlicht-iot.example",
}
LEGAL_PROFILE = {
    "issuer": ISSUER,
    "payment_terms_days": 14,
    "bank_account": {"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"},
    "invoice_footer": "Thank you for your business.",
}


def fields_of(answer) -> list[str]:
    return [detail["field"] for detail in answer.json["error"]["details"]]


def profile_path(catalog) -> str:
    return f"{catalog.base}/reseller-profile"


def put_profile(operator, catalog, **changes: Any):
    return operator.put(profile_path(catalog), factories.reseller_profile(**{**LEGAL_PROFILE, **changes}))


class TestProfile:
    def test_the_new_fields_are_stored_compact_and_read_back(self, operator):
        catalog = build_catalog(operator)

        answer = put_profile(operator, catalog, e_invoice_format="UBL")

        assert answer.status == 200, answer.json
        profile = operator.get(profile_path(catalog)).json
        assert profile["issuer"]["vat_id"] == "DE136695976"
        assert profile["bank_account"] == {"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}
        assert (profile["payment_terms_days"], profile["e_invoice_format"]) == (14, "UBL")
        assert profile["invoice_footer"] == "Thank you for your business."

    def test_a_profile_saved_before_has_the_defaults(self, operator):
        profile = operator.get(profile_path(build_catalog(operator))).json

        assert (profile["payment_terms_days"], profile["e_invoice_format"], profile["issuer"]) == (30, "NONE", None)

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"payment_terms_days": 121}, "payment_terms_days"),
            ({"payment_terms_days": -1}, "payment_terms_days"),
            ({"bank_account": {"iban": "DE89370400440532013001"}}, "bank_account.iban"),
            ({"bank_account": {"iban": "DE89370400440532013000", "bic": "COBA"}}, "bank_account.bic"),
            ({"issuer": {**ISSUER, "vat_id": "DE136695977"}}, "issuer.vat_id"),
            ({"issuer": {**ISSUER, "email": "billing"}}, "issuer.email"),
            ({"issuer": {**ISSUER, "peppol_id": "0208:0123456748"}}, "issuer.peppol_id"),
            ({"issuer": {**ISSUER, "address": {**ADDRESS, "country": "XX"}}}, "issuer.address.country"),
            ({"invoice_footer": "x" * 501}, "invoice_footer"),
            ({"e_invoice_format": "PDF"}, "e_invoice_format"),
        ],
    )
    def test_a_bad_value_is_422_naming_its_field_and_nothing_changes(self, operator, changes, field):
        catalog = build_catalog(operator)
        before = stored_items()

        answer = put_profile(operator, catalog, **changes)

        assert answer.status == 422
        assert field in fields_of(answer)
        assert stored_items() == before

    @pytest.mark.parametrize(
        ("issuer", "missing"),
        [
            (None, ["issuer"]),
            ({key: value for key, value in ISSUER.items() if key != "vat_id"}, ["issuer.vat_id"]),
            (
                {key: value for key, value in ISSUER.items() if key not in ("vat_id", "email")},
                ["issuer.vat_id", "issuer.email"],
            ),
        ],
    )
    @pytest.mark.parametrize("e_invoice_format", ["UBL", "FACTUR_X"])
    def test_e_invoices_that_could_not_be_valid_are_refused_when_the_profile_is_saved(
        self, operator, issuer, missing, e_invoice_format
    ):
        catalog = build_catalog(operator)
        before = stored_items()
        body = factories.reseller_profile(**{**LEGAL_PROFILE, "issuer": issuer}, e_invoice_format=e_invoice_format)

        answer = operator.put(profile_path(catalog), body)

        assert answer.status == 422
        assert answer.json["error"]["code"] == "e_invoice_invalid"
        assert fields_of(answer) == missing
        assert stored_items() == before
        body["e_invoice_format"] = "NONE"  # the same issuer is fine for PDFs alone
        assert operator.put(profile_path(catalog), body).status == 200

    def test_a_currency_with_three_decimals_cannot_carry_e_invoices(self, operator):
        profile = factories.reseller_profile(**LEGAL_PROFILE, e_invoice_format="UBL")
        before = stored_items()

        answer = operator.post("/accounts", factories.reseller_account(currency="BHD", reseller_profile=profile))

        assert answer.status == 422
        assert fields_of(answer) == ["reseller_profile.e_invoice_format"]
        assert "BHD has 3 minor digits" in answer.json["error"]["details"][0]["message"]
        assert stored_items() == before

    def test_converting_to_reseller_checks_the_profile_too(self, operator):
        account = created(operator.post("/accounts", factories.standard_account()))
        profile = factories.reseller_profile(e_invoice_format="FACTUR_X")

        answer = operator.patch(f"/accounts/{account['id']}", {"type": "RESELLER", "reseller_profile": profile})

        assert answer.status == 422
        assert fields_of(answer) == ["reseller_profile.issuer"]


class TestCustomer:
    @pytest.mark.parametrize(
        ("changes", "fields"),
        [
            ({"vat_id": "FR00303265045"}, ["vat_id"]),
            ({"vat_id": "303265045"}, ["vat_id"]),
            ({"peppol_id": "0208:0123456748"}, ["peppol_id"]),
            ({"peppol_id": "0208-0123456749"}, ["peppol_id"]),
            ({"locale": "it"}, ["locale"]),
            ({"tax_treatment": "ZERO"}, ["tax_treatment"]),
            ({"tax_exemption_reason": "x" * 201, "tax_treatment": "EXEMPT", "vat_rate": "0"}, ["tax_exemption_reason"]),
            ({"tax_treatment": "REVERSE_CHARGE", "vat_rate": "0"}, ["vat_id"]),
            ({"tax_treatment": "REVERSE_CHARGE", "vat_id": "FR40303265045"}, ["vat_rate"]),
            ({"tax_treatment": "EXEMPT", "vat_rate": "0"}, ["tax_exemption_reason"]),
            ({"tax_treatment": "EXEMPT", "vat_rate": "19", "tax_exemption_reason": "§ 4"}, ["vat_rate"]),
            ({"tax_exemption_reason": "§ 4"}, ["tax_exemption_reason"]),
        ],
    )
    def test_a_bad_value_or_contradiction_is_422_naming_the_field_and_nothing_is_stored(
        self, operator, changes, fields
    ):
        catalog = build_catalog(operator)
        before = stored_items()

        answer = operator.post(f"{catalog.base}/customers", factories.customer(number="C-2", **changes))

        assert answer.status == 422
        assert fields_of(answer) == fields
        assert stored_items() == before

    def test_the_tax_fields_are_stored_and_a_patch_is_checked_against_the_stored_customer(self, operator):
        catalog = build_catalog(operator)
        body = factories.customer(
            number="C-2",
            vat_rate="0",
            vat_id="fr 40 303 265 045",
            tax_treatment="REVERSE_CHARGE",
            locale="fr",
            peppol_id="0208:0123456749",
        )
        customer = created(operator.post(f"{catalog.base}/customers", body))
        path = f"{catalog.base}/customers/{customer['id']}"
        assert (customer["vat_id"], customer["tax_treatment"], customer["locale"]) == (
            "FR40303265045",
            "REVERSE_CHARGE",
            "fr",
        )
        before = stored_items()

        refused = operator.patch(path, {"vat_id": None})  # reverse charge needs it
        assert (refused.status, fields_of(refused)) == (422, ["vat_id"])
        assert stored_items() == before

        changed = operator.patch(
            path, {"tax_treatment": "STANDARD", "vat_rate": "20", "vat_id": None, "peppol_id": None}
        )
        assert changed.status == 200, changed.json
        assert (changed.json["vat_id"], changed.json["peppol_id"], changed.json["vat_rate"]) == (None, None, "20")
        assert operator.get(path).json == changed.json


def legal_catalog(operator, e_invoice_format: str, invoice_type: str = "BOTH"):
    catalog = build_catalog(operator)
    body = factories.reseller_profile(
        **LEGAL_PROFILE, e_invoice_format=e_invoice_format, customer_invoice_type=invoice_type
    )
    assert operator.put(profile_path(catalog), body).status == 200
    return catalog


class TestEInvoiceArtefact:
    @pytest.mark.parametrize("e_invoice_format", ["UBL", "FACTUR_X"])
    def test_xml_is_stored_listed_linked_and_valid(self, operator, queues, validate, clock, e_invoice_format):
        catalog = legal_catalog(operator, e_invoice_format)
        add_customers(operator, catalog, 2)
        clock.set("2026-11-05")  # the schedule on time: issued on the run date
        start_run(operator, catalog)
        queues.drain()

        invoices = invoices_of(operator, catalog)
        assert len(invoices) == 2
        for invoice in invoices:
            assert set(invoice["artifacts"]) == {"pdf", "json", "csv", "xml"}
            item = stored_invoice(invoice, catalog.account_id)
            xml = s3_object(item.artifacts["xml"]["key"])
            report = validate(xml)
            assert report.valid, report.errors
            assert report.syntax == ("UBL Invoice" if e_invoice_format == "UBL" else "CII (Factur-X EN 16931)")
            assert invoice["invoice_number"].encode() in xml
            link = operator.get(f"{catalog.base}/invoices/{invoice['id']}/artifacts/xml")
            assert link.status == 200
            assert "invoice.xml" in link.json["url"]
            pdf = s3_object(item.artifacts["pdf"]["key"])
            if e_invoice_format == "FACTUR_X":
                assert facturx.get_xml_from_pdf(pdf, check_xsd=True) == ("factur-x.xml", xml)
            else:
                assert b"factur-x.xml" not in pdf
            assert (invoice["payment"]["reference"], invoice["payment"]["iban"]) == (
                invoice["invoice_number"],
                "DE89370400440532013000",
            )
            assert (invoice["billing_date"], invoice["issue_date"], invoice["due_date"]) == (
                "2026-11-05",
                "2026-11-05",
                "2026-11-19",
            )
            assert invoice["issuer"]["vat_id"] == "DE136695976"
            mrc = next(line for line in invoice["lines"] if line["kind"] == "MRC")
            assert (mrc["unit_price"], mrc["sim_days"], mrc["cycle_days"], mrc["amount"]) == ("9.99", 52, 31, "16.76")

    def test_without_an_e_invoice_format_there_is_no_xml(self, operator, queues):
        catalog = legal_catalog(operator, "NONE", invoice_type="PDF")
        add_customers(operator, catalog, 1)
        start_run(operator, catalog)
        queues.drain()

        (invoice,) = invoices_of(operator, catalog)
        assert set(invoice["artifacts"]) == {"pdf"}
        assert operator.get(f"{catalog.base}/invoices/{invoice['id']}/artifacts/xml").status == 404

    def test_reverse_charge_customer_gets_category_ae_and_the_wording_in_its_language(self, operator, queues, validate):
        catalog = legal_catalog(operator, "UBL", invoice_type="RAW")
        (customer,) = add_customers(operator, catalog, 1)
        path = f"{catalog.base}/customers/{customer['id']}"
        patch = {"tax_treatment": "REVERSE_CHARGE", "vat_rate": "0", "vat_id": "PL5260250995", "locale": "de"}
        assert operator.patch(path, patch).status == 200

        preview = operator.get(f"{path}/invoice-preview?run_date=2026-11-05").json
        start_run(operator, catalog)
        queues.drain()

        (invoice,) = invoices_of(operator, catalog)
        assert (invoice["tax_category"], invoice["tax_wording"]) == (
            "AE",
            "Steuerschuldnerschaft des Leistungsempfängers",
        )
        assert (invoice["vat_amount"], invoice["customer"]["vat_id"]) == ("0.00", "PL5260250995")
        assert (preview["tax_category"], preview["payment"]["reference"]) == ("AE", None)
        xml = s3_object(stored_invoice(invoice, catalog.account_id).artifacts["xml"]["key"])
        assert b"<cbc:ID>AE</cbc:ID>" in xml
        assert validate(xml).valid
