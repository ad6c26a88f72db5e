"""Every document the service issues, as UBL and as CII, passes the XSD and the EN 16931 schematron."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from infra.einvoice.validate import Syntax
from reseller_billing.einvoice.cii import to_cii
from reseller_billing.einvoice.model import REVERSE_CHARGE_EXEMPTION_CODE
from reseller_billing.einvoice.ubl import CUSTOMIZATION_ID, PROFILE_ID, to_ubl
from tests.unit.einvoice.documents import (
    VALID_DOCUMENTS,
    credit_note,
    non_latin_invoice,
    reverse_charge_invoice,
    standard_invoice,
    yen_invoice,
)

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
# CII requires ram:ApplicableHeaderTradeDelivery, and a service invoice has nothing to put in it; the
# Factur-X rules flag the empty element as a warning (PEPPOL-EN16931-R008, "still status warning").
CII_EMPTY_DELIVERY = ("PEPPOL-EN16931-R008", "ApplicableHeaderTradeDelivery")


def xpath(xml: bytes, path: str) -> list[str]:
    found = etree.fromstring(xml).xpath(path, namespaces=NS)
    assert isinstance(found, list)
    return [str(value) for value in found]


@pytest.mark.parametrize("name", VALID_DOCUMENTS)
def test_ubl_passes_xsd_and_schematron_without_error_or_warning(name, validate):
    document = VALID_DOCUMENTS[name]()

    report = validate(to_ubl(document))

    assert report.errors == ()
    assert report.warnings == ()
    assert report.syntax is (Syntax.UBL_CREDIT_NOTE if name == "credit_note" else Syntax.UBL_INVOICE)


@pytest.mark.parametrize("name", VALID_DOCUMENTS)
def test_cii_passes_xsd_and_schematron_without_error(name, validate):
    report = validate(to_cii(VALID_DOCUMENTS[name]()))

    assert report.syntax is Syntax.CII
    assert report.errors == ()
    assert [(w.rule, w.location.split("/*:")[-1].split("[")[0]) for w in report.warnings] == [CII_EMPTY_DELIVERY]


def test_equal_documents_give_equal_bytes():
    assert to_ubl(standard_invoice()) == to_ubl(standard_invoice())
    assert to_cii(standard_invoice()) == to_cii(standard_invoice())


def test_ubl_carries_the_peppol_identifiers_endpoints_and_buyer_reference():
    xml = to_ubl(standard_invoice())

    assert xpath(xml, "/*/cbc:CustomizationID/text()") == [CUSTOMIZATION_ID]
    assert xpath(xml, "/*/cbc:ProfileID/text()") == [PROFILE_ID]
    assert xpath(xml, "/*/cbc:InvoiceTypeCode/text()") == ["380"]
    assert xpath(xml, "/*/cbc:BuyerReference/text()") == ["CUST-0001"]
    assert xpath(xml, "//cac:AccountingSupplierParty//cbc:EndpointID/@schemeID") == ["9930"]
    assert xpath(xml, "//cac:AccountingCustomerParty//cbc:EndpointID/text()") == ["DE987654321"]
    assert xpath(xml, "//cac:AccountingSupplierParty//cac:Contact/cbc:Telephone/text()") == ["+49 40 1234567"]
    assert xpath(xml, "/*/cbc:DueDate/text()") == ["2026-12-05"]
    assert xpath(xml, "//cac:PayeeFinancialAccount/cbc:ID/text()") == ["DE89370400440532013000"]
    assert xpath(xml, "//cac:PaymentTerms/cbc:Note/text()") == ["Payable within 30 days of the issue date."]


def test_mrc_line_is_sim_days_at_the_monthly_fee_per_cycle_days():
    ubl, cii = to_ubl(standard_invoice()), to_cii(standard_invoice())

    line = "//cac:InvoiceLine[cbc:ID='1']"
    assert xpath(ubl, f"{line}/cbc:InvoicedQuantity/text()") == ["45"]
    assert xpath(ubl, f"{line}/cbc:InvoicedQuantity/@unitCode") == ["DAY"]
    assert xpath(ubl, f"{line}/cac:Price/cbc:PriceAmount/text()") == ["10.00"]
    assert xpath(ubl, f"{line}/cac:Price/cbc:BaseQuantity/text()") == ["31"]
    assert xpath(ubl, f"{line}/cbc:LineExtensionAmount/text()") == ["14.52"]  # 10.00 × 45 / 31 = 14.516…
    item = "//ram:IncludedSupplyChainTradeLineItem[ram:AssociatedDocumentLineDocument/ram:LineID='1']"
    assert xpath(cii, f"{item}//ram:BilledQuantity/text()") == ["45"]
    assert xpath(cii, f"{item}//ram:NetPriceProductTradePrice/ram:ChargeAmount/text()") == ["10.00"]
    assert xpath(cii, f"{item}//ram:NetPriceProductTradePrice/ram:BasisQuantity/text()") == ["31"]
    assert xpath(cii, f"{item}//ram:LineTotalAmount/text()") == ["14.52"]


def test_overage_and_activation_lines_use_their_units_and_a_base_quantity_of_one():
    ubl = to_ubl(standard_invoice())

    assert xpath(ubl, "//cac:InvoiceLine/cbc:InvoicedQuantity/@unitCode") == ["DAY", "C62", "4L"]
    assert xpath(ubl, "//cac:InvoiceLine[cbc:ID='3']/cac:Price/cbc:PriceAmount/text()") == ["0.0125"]
    assert xpath(ubl, "//cac:InvoiceLine[cbc:ID!='1']/cac:Price/cbc:BaseQuantity/text()") == ["1", "1"]


def test_yen_amounts_have_no_decimals_and_the_mrc_price_reproduces_the_rounded_amount():
    document = yen_invoice()
    ubl = to_ubl(document)

    assert xpath(ubl, "//cac:LegalMonetaryTotal/cbc:PayableAmount/text()") == [
        "5413"
    ]  # 1452 + 1000 + 2469 = 4921, VAT 492
    mrc = document.lines[0]
    assert mrc.net_amount == Decimal(1452)  # 1000 × 45 / 31 = 1451.6…
    assert xpath(ubl, "//cac:InvoiceLine[cbc:ID='1']/cac:Price/cbc:PriceAmount/text()") == ["1000.27"]
    assert abs(mrc.quantity * mrc.price / mrc.base_quantity - mrc.net_amount) <= Decimal("0.01")


def test_credit_note_refers_to_the_invoice_it_corrects():
    ubl, cii = to_ubl(credit_note()), to_cii(credit_note())

    assert xpath(ubl, "/*/cbc:CreditNoteTypeCode/text()") == ["381"]
    assert xpath(ubl, "//cac:CreditNoteLine/cbc:CreditedQuantity/text()") == ["2"]
    assert xpath(ubl, "//cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID/text()") == ["INV-2026-000042"]
    assert xpath(ubl, "//cac:InvoiceDocumentReference/cbc:IssueDate/text()") == ["2026-11-05"]
    assert xpath(ubl, "//cac:LegalMonetaryTotal/cbc:PayableAmount/text()") == ["11.90"]
    assert xpath(cii, "//rsm:ExchangedDocument/ram:TypeCode/text()") == ["381"]
    assert xpath(cii, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()") == ["INV-2026-000042"]
    assert xpath(cii, "//ram:InvoiceReferencedDocument//qdt:DateTimeString/text()") == ["20261105"]


def test_a_credit_note_due_date_goes_into_its_payment_means(validate):
    document = replace(credit_note(), due_date=date(2026, 12, 4))
    ubl = to_ubl(document)

    assert xpath(ubl, "//cac:PaymentMeans/cbc:PaymentDueDate/text()") == ["2026-12-04"]
    assert validate(ubl).errors == ()
    assert xpath(to_cii(document), "//ram:SpecifiedTradePaymentTerms//udt:DateTimeString/text()") == ["20261204"]


def test_reverse_charge_states_the_exemption_and_both_vat_ids():
    ubl, cii = to_ubl(reverse_charge_invoice()), to_cii(reverse_charge_invoice())

    assert xpath(ubl, "//cac:TaxSubtotal/cac:TaxCategory/cbc:ID/text()") == ["AE"]
    assert xpath(ubl, "//cac:TaxCategory/cbc:TaxExemptionReasonCode/text()") == [REVERSE_CHARGE_EXEMPTION_CODE]
    assert xpath(ubl, "//cac:TaxCategory/cbc:TaxExemptionReason/text()") == ["Reverse charge"]
    assert xpath(ubl, "//cac:PartyTaxScheme/cbc:CompanyID/text()") == ["DE123456789", "FR40303265045"]
    assert xpath(ubl, "/*/cbc:Note/text()") == ["Reverse charge\nThank you for your business."]
    assert xpath(ubl, "//cac:AccountingCustomerParty//cbc:EndpointID/@schemeID") == ["EM"]
    assert xpath(ubl, "//cac:AccountingCustomerParty//cbc:EndpointID/text()") == ["ap@acme-logistics.example"]
    assert xpath(cii, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:ExemptionReason/text()") == [
        "Reverse charge"
    ]
    assert xpath(cii, "//ram:SpecifiedTaxRegistration/ram:ID/text()") == ["DE123456789", "FR40303265045"]
    assert xpath(cii, "//rsm:ExchangedDocument/ram:IncludedNote/ram:Content/text()") == [
        "Reverse charge",
        "Thank you for your business.",
    ]


def test_non_latin_names_survive_both_syntaxes():
    ubl, cii = to_ubl(non_latin_invoice()), to_cii(non_latin_invoice())

    assert xpath(ubl, "//cac:PartyLegalEntity/cbc:RegistrationName/text()") == [
        "Łódź Żółć Sp. z o.o.",
        "Ελληνικά Δίκτυα Α.Ε.",
    ]
    assert xpath(cii, "//ram:SellerTradeParty/ram:PostalTradeAddress/ram:CityName/text()") == ["Łódź"]
    assert xpath(cii, "//ram:BuyerTradeParty/ram:Name/text()") == ["Ελληνικά Δίκτυα Α.Ε."]
