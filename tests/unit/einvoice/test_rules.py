"""The serialisers refuse what could not be valid; the profile check names what an issuer lacks."""

from dataclasses import replace
from decimal import Decimal

import pytest

from reseller_billing.einvoice.cii import to_cii
from reseller_billing.einvoice.model import (
    DocumentType,
    ElectronicAddress,
    Payment,
    PaymentMeansCode,
    PostalAddress,
    VatCategory,
    mrc_line,
)
from reseller_billing.einvoice.rules import EInvoiceError, missing_for_e_invoice, violations
from reseller_billing.einvoice.ubl import to_ubl
from tests.unit.einvoice.documents import (
    SELLER,
    VALID_DOCUMENTS,
    credit_note,
    document,
    exempt_invoice,
    mrc_activation_overage_lines,
    reverse_charge_invoice,
    standard_invoice,
)

ADDRESS = PostalAddress(line1="Hafenstraße 12", city="Hamburg", postal_code="20457", country="DE")


def rules_broken(doc):
    return {violation.rule for violation in violations(doc)}


@pytest.mark.parametrize("name", VALID_DOCUMENTS)
def test_the_valid_documents_break_no_rule(name):
    assert violations(VALID_DOCUMENTS[name]()) == ()


@pytest.mark.parametrize("serialise", [to_ubl, to_cii])
def test_a_missing_seller_vat_id_is_refused_with_its_rule(serialise):
    doc = replace(standard_invoice(), seller=replace(SELLER, vat_id=None))

    with pytest.raises(EInvoiceError) as refused:
        serialise(doc)

    assert refused.value.status == 422
    assert refused.value.code == "e_invoice_invalid"
    assert refused.value.details == [{"rule": "BR-S-02", "message": "the seller VAT identifier (BT-31) is missing"}]


@pytest.mark.parametrize("serialise", [to_ubl, to_cii])
def test_a_currency_with_three_minor_digits_is_refused(serialise):
    lines = mrc_activation_overage_lines(VatCategory.STANDARD, Decimal(10), "BHD")

    with pytest.raises(EInvoiceError) as refused:
        serialise(document(lines, currency="BHD"))

    assert [v.rule for v in refused.value.violations] == ["BR-DEC"]


def test_an_unknown_currency_is_refused():
    assert rules_broken(replace(standard_invoice(), currency="XYZ")) == {"BR-CL-04"}


def test_an_amount_finer_than_the_currency_is_refused():
    doc = standard_invoice()
    line = replace(doc.lines[1], net_amount=Decimal("10.001"))

    assert "BR-DEC-23" in rules_broken(replace(doc, lines=(doc.lines[0], line, doc.lines[2])))


def test_wrong_totals_are_refused():
    doc = standard_invoice()
    totals = doc.totals

    assert rules_broken(replace(doc, totals=replace(totals, line_total=totals.line_total + 1))) >= {"BR-CO-10"}
    assert rules_broken(replace(doc, totals=replace(totals, payable=totals.payable + 1))) == {"BR-CO-16"}
    assert rules_broken(replace(doc, totals=replace(totals, tax_total=totals.tax_total + 1))) >= {"BR-CO-14"}


def test_a_tax_amount_that_is_not_the_rate_of_the_taxable_amount_is_refused():
    doc = standard_invoice()
    breakdown = replace(doc.vat_breakdown[0], tax_amount=doc.vat_breakdown[0].tax_amount + Decimal("0.01"))
    totals = replace(
        doc.totals, tax_total=breakdown.tax_amount, tax_inclusive=doc.totals.tax_exclusive + breakdown.tax_amount
    )

    assert rules_broken(
        replace(doc, vat_breakdown=(breakdown,), totals=replace(totals, payable=totals.tax_inclusive))
    ) == {"BR-S-09"}


def test_vat_categories_keep_their_rates_and_exemption_reasons():
    standard, exempt, reverse = standard_invoice(), exempt_invoice(), reverse_charge_invoice()

    with_reason = replace(standard.vat_breakdown[0], exemption_reason="no reason")
    assert rules_broken(replace(standard, vat_breakdown=(with_reason,))) == {"BR-S-10"}
    without_reason = replace(exempt.vat_breakdown[0], exemption_reason=None)
    assert rules_broken(replace(exempt, vat_breakdown=(without_reason,))) == {"BR-E-10"}
    assert rules_broken(replace(reverse, buyer=replace(reverse.buyer, vat_id=None))) == {"BR-AE-02"}
    zero_at_19 = document(mrc_activation_overage_lines(VatCategory.ZERO_RATED, Decimal(19), "EUR"))
    assert "BR-Z-05" in rules_broken(zero_at_19)


def test_a_line_whose_amount_is_not_quantity_times_price_is_refused():
    doc = standard_invoice()
    line = replace(doc.lines[1], price=Decimal("5.02"))

    assert rules_broken(replace(doc, lines=(doc.lines[0], line, doc.lines[2]))) == {"PEPPOL-EN16931-R120"}


def test_a_credit_note_without_the_invoice_it_corrects_is_refused():
    assert rules_broken(replace(credit_note(), preceding_invoice=None)) == {"BR-55"}
    assert rules_broken(replace(standard_invoice(), type=DocumentType.CREDIT_NOTE)) == {"BR-55"}


def test_a_credit_note_due_date_needs_payment_instructions_to_be_carried_in():
    assert rules_broken(replace(credit_note(), due_date=credit_note().issue_date, payment=None)) == {"BT-9"}


def test_a_credit_transfer_without_an_iban_is_refused():
    payment = Payment(means_code=PaymentMeansCode.SEPA_CREDIT_TRANSFER, reference="INV-1", terms="30 days")

    assert rules_broken(replace(standard_invoice(), payment=payment)) == {"BR-61"}
    not_defined = replace(payment, means_code=PaymentMeansCode.NOT_DEFINED)
    assert violations(replace(standard_invoice(), payment=not_defined)) == ()


def test_identifiers_and_codes_outside_their_code_lists_are_refused():
    doc = standard_invoice()

    assert rules_broken(replace(doc, seller=replace(SELLER, vat_id="123456789"))) == {"BR-CO-09"}
    unknown_scheme = ElectronicAddress(scheme="9999", identifier="x")
    assert rules_broken(replace(doc, seller=replace(SELLER, electronic_address=unknown_scheme))) == {"BR-CL-25"}
    assert rules_broken(replace(doc, seller=replace(SELLER, address=replace(ADDRESS, country="XX")))) == {"BR-CL-14"}


def test_empty_text_and_control_characters_are_refused():
    doc = standard_invoice()

    assert rules_broken(replace(doc, buyer_reference=" ")) == {"PEPPOL-EN16931-R008"}
    assert rules_broken(replace(doc, notes=("line\x07bell",))) == {"XML"}


def test_mrc_line_keeps_the_fee_when_the_rounding_stays_within_r120():
    line = mrc_line(
        line_id="1",
        name="MRC",
        monthly_fee=Decimal("10.00"),
        sim_days=45,
        cycle_days=31,
        net_amount=Decimal("14.52"),
        vat_category=VatCategory.STANDARD,
        vat_rate=Decimal(19),
    )

    assert (line.quantity, line.price, line.base_quantity) == (Decimal(45), Decimal("10.00"), Decimal(31))


def test_mrc_line_without_days_is_refused():
    with pytest.raises(ValueError, match="positive sim_days"):
        mrc_line(
            line_id="1",
            name="MRC",
            monthly_fee=Decimal(10),
            sim_days=0,
            cycle_days=31,
            net_amount=Decimal(0),
            vat_category=VatCategory.STANDARD,
            vat_rate=Decimal(19),
        )


def test_electronic_address_is_the_peppol_id_or_else_the_email():
    assert ElectronicAddress.from_peppol_id_or_email("0208:0123456749", "a@b.example") == ElectronicAddress(
        scheme="0208", identifier="0123456749"
    )
    assert ElectronicAddress.from_peppol_id_or_email(None, "a@b.example") == ElectronicAddress("EM", "a@b.example")


def test_a_complete_issuer_lacks_nothing():
    assert (
        missing_for_e_invoice(
            legal_name="Nordwind IoT GmbH", address=ADDRESS, vat_id="DE123456789", email="b@n.example"
        )
        == ()
    )


def test_missing_issuer_fields_are_named():
    assert missing_for_e_invoice(legal_name=" ", address=None, vat_id=None, email=None) == (
        "legal_name",
        "address",
        "vat_id",
        "email",
    )


def test_a_vat_id_without_country_prefix_is_named():
    assert missing_for_e_invoice(legal_name="N", address=ADDRESS, vat_id="123456789", email="b@n.example") == (
        "vat_id",
    )
