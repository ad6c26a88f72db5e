"""The new profile and customer fields: checked with python-stdnum and iso3166, refused by field name."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from reseller_billing.models.accounts import BankAccount, EInvoiceFormat, IssuerDetails, ResellerProfile
from reseller_billing.models.customers import CustomerCreate, CustomerUpdate, TaxTreatment, tax_rule_violations

ADDRESS = {"line1": "Speicherstadt 7", "postal_code": "20457", "city": "Hamburg", "country": "DE"}
CUSTOMER = {"customer_number": "C-1", "name": "Acme", "email": "ap@acme.example", "address": ADDRESS}


def refused_field(model, data) -> str:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(data)
    (error,) = refused.value.errors()
    return ".".join(str(part) for part in error["loc"])


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("DE 136 695 976", "DE136695976"),
        ("de136695976", "DE136695976"),
        ("EL094259216", "EL094259216"),  # Greece's EU prefix
        ("XI925901618", "XI925901618"),  # Northern Ireland
        ("GB 980 7806 84", "GB980780684"),  # stdnum.gb.vat
        ("NO 974 760 673 MVA", "NO974760673MVA"),  # stdnum.no.mva
        ("US12-3456789", "US123456789"),  # no VAT module for US: its form only
    ],
)
def test_a_vat_id_is_checked_by_country_and_stored_compact(written, stored):
    assert CustomerCreate.model_validate({**CUSTOMER, "vat_id": written}).vat_id == stored


@pytest.mark.parametrize("bad", ["DE136695977", "FR00303265045", "136695976", "XX1234567", "GB123", "D"])
def test_a_vat_id_with_wrong_check_digits_or_no_country_prefix_is_refused(bad):
    assert refused_field(CustomerCreate, {**CUSTOMER, "vat_id": bad}) == "vat_id"


@pytest.mark.parametrize("good", ["0208:0123456749", "9930:DE136695976", "0088:4000001000005", "0060:123456789"])
def test_a_peppol_id_is_scheme_colon_identifier(good):
    assert CustomerCreate.model_validate({**CUSTOMER, "peppol_id": good}).peppol_id == good


@pytest.mark.parametrize("bad", ["0208:0123456748", "9999:123", "EM:ap@acme.example", "0208", ":123", "0208:"])
def test_a_peppol_id_with_an_unknown_scheme_or_bad_check_digits_is_refused(bad):
    assert refused_field(CustomerCreate, {**CUSTOMER, "peppol_id": bad}) == "peppol_id"


def test_locale_and_tax_treatment_take_their_values_only():
    assert refused_field(CustomerCreate, {**CUSTOMER, "locale": "es"}) == "locale"
    assert refused_field(CustomerCreate, {**CUSTOMER, "tax_treatment": "ZERO"}) == "tax_treatment"
    assert refused_field(CustomerCreate, {**CUSTOMER, "tax_exemption_reason": "x" * 201}) == "tax_exemption_reason"
    customer = CustomerCreate.model_validate(CUSTOMER)
    assert (customer.locale, customer.tax_treatment, customer.vat_id) == ("en", TaxTreatment.STANDARD, None)


@pytest.mark.parametrize(
    ("rate", "vat_id", "treatment", "reason", "fields"),
    [
        (Decimal(19), None, TaxTreatment.STANDARD, None, []),
        (Decimal(0), "FR40303265045", TaxTreatment.REVERSE_CHARGE, None, []),
        (Decimal(0), None, TaxTreatment.EXEMPT, "Art. 132", []),
        (Decimal(19), "FR40303265045", TaxTreatment.REVERSE_CHARGE, None, ["vat_rate"]),
        (Decimal(0), None, TaxTreatment.REVERSE_CHARGE, None, ["vat_id"]),
        (Decimal("0.5"), None, TaxTreatment.EXEMPT, None, ["vat_rate", "tax_exemption_reason"]),
        (Decimal(19), None, TaxTreatment.STANDARD, "Art. 132", ["tax_exemption_reason"]),
    ],
)
def test_tax_rules_name_each_contradicting_field(rate, vat_id, treatment, reason, fields):
    assert [field for field, _ in tax_rule_violations(rate, vat_id, treatment, reason)] == fields


def test_a_patch_removes_vat_id_reason_and_peppol_id_with_null_but_nothing_else():
    assert CustomerUpdate.model_validate({"vat_id": None, "peppol_id": None}).model_fields_set == {
        "vat_id",
        "peppol_id",
    }
    with pytest.raises(ValidationError, match="locale cannot be null"):
        CustomerUpdate.model_validate({"locale": None})


def test_the_patch_schema_offers_null_only_for_the_clearable_fields():
    properties = CustomerUpdate.model_json_schema()["properties"]

    assert {"type": "null"} in properties["vat_id"]["anyOf"]
    assert "anyOf" not in properties["locale"]


@pytest.mark.parametrize(
    ("iban", "stored"),
    [("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"), ("gb82west12345698765432", "GB82WEST12345698765432")],
)
def test_an_iban_is_checked_by_its_check_digits_and_stored_compact(iban, stored):
    assert BankAccount.model_validate({"iban": iban}).iban == stored


@pytest.mark.parametrize(
    ("account", "field"),
    [
        ({"iban": "DE89370400440532013001"}, "iban"),
        ({"iban": "XX89370400440532013000"}, "iban"),
        ({"iban": "DE89370400440532013000", "bic": "COBADEF"}, "bic"),
        ({"iban": "DE89370400440532013000", "bic": "COBAXXFFXXX"}, "bic"),  # XX is no country
    ],
)
def test_a_bad_iban_or_bic_is_refused_by_name(account, field):
    assert refused_field(BankAccount, account) == field


PROFILE = {"customer_invoice_creation": True, "customer_invoice_type": "PDF", "billing_cycle_day": 5}


def test_profile_defaults_and_bounds():
    profile = ResellerProfile.model_validate(PROFILE)

    assert (profile.payment_terms_days, profile.e_invoice_format, profile.issuer, profile.bank_account) == (
        30,
        EInvoiceFormat.NONE,
        None,
        None,
    )
    assert refused_field(ResellerProfile, {**PROFILE, "payment_terms_days": 121}) == "payment_terms_days"
    assert refused_field(ResellerProfile, {**PROFILE, "payment_terms_days": "30"}) == "payment_terms_days"
    assert refused_field(ResellerProfile, {**PROFILE, "invoice_footer": "x" * 501}) == "invoice_footer"
    assert refused_field(ResellerProfile, {**PROFILE, "e_invoice_format": "XRECHNUNG"}) == "e_invoice_format"
    bad_issuer = {"legal_name": "N", "address": {**ADDRESS, "country": "ZZ"}}
    assert refused_field(ResellerProfile, {**PROFILE, "issuer": bad_issuer}) == "issuer.address.country"


def test_the_artefacts_of_a_profile_add_xml_with_an_e_invoice_format():
    issuer = IssuerDetails.model_validate({"legal_name": "N", "address": ADDRESS}).model_dump()

    assert ResellerProfile.model_validate(PROFILE).artifact_names == ("pdf",)
    assert ResellerProfile.model_validate({**PROFILE, "issuer": issuer, "e_invoice_format": "UBL"}).artifact_names == (
        "pdf",
        "xml",
    )
