"""The `xml` artefact: the canonical invoice as an EN 16931 e-invoice in both syntaxes, for every tax
category, validated against the XSD and the official EN 16931 schematron; the Factur-X hybrid PDF."""

from decimal import Decimal
from pathlib import Path

import facturx  # type: ignore[import-untyped]
import pytest
from lxml import etree

from infra.sample_invoice import ISSUER, sample_document, sample_e_invoices
from reseller_billing.einvoice.model import DocumentType, PrecedingInvoice, VatCategory
from reseller_billing.einvoice.rules import EInvoiceError
from reseller_billing.einvoice.ubl import to_ubl
from reseller_billing.models.accounts import EInvoiceFormat, ResellerProfile
from reseller_billing.models.customers import DocumentLocale, TaxTreatment
from reseller_billing.models.invoice_document import InvoiceDocument, Payment, TaxCategory
from reseller_billing.rendering.artifacts import render_artifacts
from reseller_billing.rendering.e_invoice import NotAnEInvoiceError, einvoice_document, render_e_invoice

DOCS = Path(__file__).resolve().parents[3] / "docs"
UBL = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
CII_RAM = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}


def with_treatment(doc: InvoiceDocument, category: TaxCategory) -> InvoiceDocument:
    """The sample German invoice (19 %) under another tax category, totals recomputed as the engine would."""
    treatment, rate, wording, vat_id = {
        TaxCategory.STANDARD: (TaxTreatment.STANDARD, Decimal(19), None, "DE129273398"),
        TaxCategory.ZERO_RATED: (TaxTreatment.STANDARD, Decimal(0), None, None),
        TaxCategory.REVERSE_CHARGE: (
            TaxTreatment.REVERSE_CHARGE,
            Decimal(0),
            "Steuerschuldnerschaft des Leistungsempfängers",
            "DE129273398",
        ),
        TaxCategory.EXEMPT: (TaxTreatment.EXEMPT, Decimal(0), "Steuerfrei nach § 4 Nr. 11b UStG", None),
    }[category]
    customer = doc.customer.model_copy(
        update={
            "tax_treatment": treatment,
            "vat_id": vat_id,
            "tax_exemption_reason": wording if treatment is TaxTreatment.EXEMPT else None,
        }
    )
    vat = (doc.net_total * rate / 100).quantize(Decimal("0.01"))
    return doc.model_copy(
        update={
            "customer": customer,
            "vat_rate": rate,
            "vat_amount": vat,
            "gross_total": doc.net_total + vat,
            "tax_category": category,
            "tax_wording": wording,
        }
    )


@pytest.mark.parametrize("e_invoice_format", [EInvoiceFormat.UBL, EInvoiceFormat.FACTUR_X])
@pytest.mark.parametrize("category", list(TaxCategory))
def test_every_tax_category_passes_the_xsd_and_the_en16931_schematron(validate, e_invoice_format, category):
    doc = with_treatment(sample_document(DocumentLocale.DE), category)

    report = validate(render_e_invoice(doc, e_invoice_format))

    assert report.valid, report.errors
    # The one warning CII always gets (docs/e-invoicing.md): the empty delivery element.
    assert {w.rule for w in report.warnings} <= {"PEPPOL-EN16931-R008"}


def test_the_mapping_carries_the_legal_details(validate):
    doc = with_treatment(sample_document(DocumentLocale.DE), TaxCategory.REVERSE_CHARGE)

    document = einvoice_document(doc, DocumentType.INVOICE)
    xml = etree.fromstring(to_ubl(document))

    def text(path: str) -> list[str]:
        return [str(node.text) for node in xml.iterfind(path, UBL)]

    assert text("cbc:IssueDate") == ["2026-02-01"]
    assert text("cbc:DueDate") == ["2026-02-15"]
    assert text("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID") == ["DE136695976"]
    assert text("cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID") == ["DE129273398"]
    assert text("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") == ["DE129273398"]  # its peppol_id
    assert text("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID") == ["billing@nordlicht-iot.example"]
    assert text("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == ["DE89370400440532013000"]
    assert text("cac:PaymentMeans/cbc:PaymentID") == ["NL-2026-000417"]
    assert text("cac:PaymentTerms/cbc:Note") == ["Zahlbar innerhalb von 14 Tagen ab Rechnungsdatum."]
    assert text("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReasonCode") == ["VATEX-EU-AE"]
    assert text("cbc:Note")[0].startswith("Steuerschuldnerschaft des Leistungsempfängers\n")
    # An MRC line: sim_days DAY at the fee per cycle_days days.
    mrc = xml.find("cac:InvoiceLine", UBL)
    assert mrc is not None
    assert mrc.findtext("cbc:InvoicedQuantity", namespaces=UBL) == "7626"
    assert mrc.xpath("cbc:InvoicedQuantity/@unitCode", namespaces=UBL) == ["DAY"]
    assert mrc.findtext("cac:Price/cbc:PriceAmount", namespaces=UBL) == "2.90"
    assert mrc.findtext("cac:Price/cbc:BaseQuantity", namespaces=UBL) == "31"
    assert mrc.findtext("cbc:LineExtensionAmount", namespaces=UBL) == "713.40"
    assert validate(to_ubl(document)).valid


def test_the_document_type_is_a_parameter_for_credit_notes(validate):
    doc = sample_document(DocumentLocale.DE)
    preceding = PrecedingInvoice(number="NL-2026-000400", issue_date=doc.issue_date)

    credit_note = einvoice_document(doc.numbered("CN-2026-000001"), DocumentType.CREDIT_NOTE, preceding)

    assert credit_note.type is DocumentType.CREDIT_NOTE
    assert credit_note.preceding_invoice == preceding
    assert credit_note.vat_breakdown[0].category is VatCategory.STANDARD
    report = validate(to_ubl(credit_note))
    assert report.syntax == "UBL CreditNote"
    assert report.valid, report.errors


def test_a_preview_or_a_profile_without_issuer_gets_no_e_invoice(make_document):
    with pytest.raises(NotAnEInvoiceError):
        render_e_invoice(sample_document().model_copy(update={"invoice_number": None}), EInvoiceFormat.UBL)
    with pytest.raises(NotAnEInvoiceError):
        render_e_invoice(make_document(), EInvoiceFormat.UBL)


def test_a_document_that_could_not_be_valid_is_refused_before_writing():
    doc = sample_document(DocumentLocale.DE)
    doc = doc.model_copy(update={"issuer": ISSUER.model_copy(update={"vat_id": None})})

    with pytest.raises(EInvoiceError) as refused:
        render_e_invoice(doc, EInvoiceFormat.FACTUR_X)

    assert [v.rule for v in refused.value.violations] == ["BR-S-02"]


def profile(e_invoice_format: EInvoiceFormat, invoice_type: str = "BOTH") -> ResellerProfile:
    return ResellerProfile.model_validate(
        {
            "customer_invoice_creation": True,
            "customer_invoice_type": invoice_type,
            "billing_cycle_day": 1,
            "issuer": ISSUER.model_dump(include={"legal_name", "address", "vat_id", "email"}),
            "e_invoice_format": e_invoice_format,
        }
    )


def test_factur_x_makes_the_pdf_a_hybrid_that_carries_the_xml_artefact(validate):
    files = render_artifacts(sample_document(), profile(EInvoiceFormat.FACTUR_X))

    assert list(files) == ["pdf", "json", "csv", "xml"]
    filename, embedded = facturx.get_xml_from_pdf(files["pdf"], check_xsd=True)
    assert (filename, embedded) == ("factur-x.xml", files["xml"])
    assert facturx.get_level(etree.fromstring(embedded)) == "en16931"
    assert validate(embedded).valid
    assert files == render_artifacts(sample_document(), profile(EInvoiceFormat.FACTUR_X))  # deterministic


def test_ubl_adds_the_xml_and_leaves_the_pdf_as_it_is():
    files = render_artifacts(sample_document(), profile(EInvoiceFormat.UBL, "PDF"))

    assert list(files) == ["pdf", "xml"]
    xml = files["xml"]
    assert isinstance(xml, bytes)
    assert xml.startswith(b"<?xml")
    assert b"<Invoice" in xml[:400]
    assert b"factur-x.xml" not in files["pdf"]
    assert render_artifacts(sample_document(), profile(EInvoiceFormat.NONE, "PDF")) == {"pdf": files["pdf"]}


@pytest.mark.parametrize("suffix", ["-ubl.xml", "-cii.xml"])
def test_the_committed_sample_e_invoices_are_what_the_code_writes_and_are_valid(validate, suffix):
    committed = (DOCS / f"sample-invoice{suffix}").read_bytes()

    assert committed == sample_e_invoices()[suffix], "run: make sample-invoice"
    assert validate(committed).valid


def means_code(doc: InvoiceDocument) -> str:
    payment = einvoice_document(doc, DocumentType.INVOICE).payment
    assert payment is not None
    return payment.means_code


def test_the_payment_means_follow_the_bank_account_and_currency():
    doc = sample_document()
    without_bank = doc.model_copy(update={"payment": Payment(terms_days=0, iban=None, bic=None, reference="X")})

    assert means_code(doc) == "58"
    assert means_code(without_bank) == "1"
    assert means_code(doc.model_copy(update={"currency": "CHF"})) == "30"
