"""The e-invoice artefact (`xml`): the canonical invoice mapped onto the EN 16931 semantic model
(`einvoice.model`), written as UBL (Peppol BIS Billing 3.0) or CII (Factur-X EN 16931).

One mapping for both syntaxes, and for both document types: an invoice (380) now, a credit note (381)
with the invoice it corrects. docs/e-invoicing.md lists which field goes where.
"""

from __future__ import annotations

from decimal import Decimal

from reseller_billing.billing.model import LineKind
from reseller_billing.einvoice.cii import to_cii
from reseller_billing.einvoice.model import (
    REVERSE_CHARGE_EXEMPTION_CODE,
    Document,
    DocumentType,
    ElectronicAddress,
    Line,
    Party,
    Payment,
    PaymentMeansCode,
    PostalAddress,
    PrecedingInvoice,
    Totals,
    UnitCode,
    VatBreakdown,
    VatCategory,
    mrc_line,
    price_reproducing,
)
from reseller_billing.einvoice.ubl import to_ubl
from reseller_billing.models.accounts import EInvoiceFormat
from reseller_billing.models.invoice_document import DocumentLine, InvoiceAddress, InvoiceDocument, TaxCategory
from reseller_billing.rendering.labels import charge_in_words, payment_terms_text

_CATEGORIES = {
    TaxCategory.STANDARD: VatCategory.STANDARD,
    TaxCategory.ZERO_RATED: VatCategory.ZERO_RATED,
    TaxCategory.REVERSE_CHARGE: VatCategory.REVERSE_CHARGE,
    TaxCategory.EXEMPT: VatCategory.EXEMPT,
}
_UNITS = {
    LineKind.ACTIVATION: UnitCode.ONE,
    LineKind.OVERAGE_DATA: UnitCode.MEGABYTE,
    LineKind.OVERAGE_SMS: UnitCode.ONE,
}


class NotAnEInvoiceError(ValueError):
    """The document lacks what every e-invoice has: a number (a preview) or the issuer's details."""


def render_e_invoice(
    doc: InvoiceDocument,
    e_invoice_format: EInvoiceFormat,
    document_type: DocumentType = DocumentType.INVOICE,
    preceding_invoice: PrecedingInvoice | None = None,
) -> bytes:
    """The invoice (or, with `document_type` CREDIT_NOTE, the credit note correcting `preceding_invoice`)
    as UBL or CII XML bytes; equal documents give equal bytes.

    Raises `EInvoiceError` (422 `e_invoice_invalid`) for a document that could not pass EN 16931."""
    document = einvoice_document(doc, document_type, preceding_invoice)
    if e_invoice_format is EInvoiceFormat.UBL:
        return to_ubl(document)
    if e_invoice_format is EInvoiceFormat.FACTUR_X:
        return to_cii(document)
    raise ValueError(f"no e-invoice for format {e_invoice_format}")


def einvoice_document(
    doc: InvoiceDocument, document_type: DocumentType, preceding_invoice: PrecedingInvoice | None = None
) -> Document:
    """The EN 16931 document of `doc`: an invoice (380), or a credit note (381) correcting
    `preceding_invoice` (then `doc` holds the credited lines and totals, as positive amounts)."""
    if doc.invoice_number is None:
        raise NotAnEInvoiceError("a preview has no number and gets no e-invoice")
    issuer, customer = doc.issuer, doc.customer
    if issuer.legal_name is None or issuer.address is None:
        raise NotAnEInvoiceError("the reseller profile has no issuer: legal name and address are needed")
    category = _CATEGORIES[doc.tax_category]
    reverse_charge = category is VatCategory.REVERSE_CHARGE
    notes = tuple(note for note in (doc.tax_wording if reverse_charge else None, doc.footer) if note)
    return Document(
        type=document_type,
        number=doc.invoice_number,
        issue_date=doc.issue_date,
        due_date=doc.due_date,
        currency=doc.currency,
        buyer_reference=customer.customer_number,
        seller=Party(
            name=issuer.legal_name,
            address=_address(issuer.address),
            electronic_address=ElectronicAddress.from_peppol_id_or_email(issuer.peppol_id, issuer.email or ""),
            vat_id=issuer.vat_id,
            registration_number=issuer.registration_number,
            email=issuer.email,
        ),
        buyer=Party(
            name=customer.name,
            address=_address(customer.address),
            electronic_address=ElectronicAddress.from_peppol_id_or_email(customer.peppol_id, customer.email),
            vat_id=customer.vat_id,
            email=customer.email,
        ),
        lines=tuple(_line(doc, str(position), line, category) for position, line in enumerate(doc.lines, start=1)),
        vat_breakdown=(
            VatBreakdown(
                category=category,
                rate=doc.vat_rate,
                taxable_amount=doc.net_total,
                tax_amount=doc.vat_amount,
                exemption_reason=doc.tax_wording,
                exemption_reason_code=REVERSE_CHARGE_EXEMPTION_CODE if reverse_charge else None,
            ),
        ),
        totals=Totals(
            line_total=doc.net_total,
            tax_exclusive=doc.net_total,
            tax_total=doc.vat_amount,
            tax_inclusive=doc.gross_total,
            payable=doc.gross_total,
        ),
        period_start=doc.cycle_start,
        period_end=doc.cycle_end,
        notes=notes,
        preceding_invoice=preceding_invoice,
        payment=Payment(
            means_code=_means(doc),
            reference=doc.payment.reference or doc.invoice_number,
            terms=payment_terms_text(doc.payment.terms_days, doc.customer.locale),
            iban=doc.payment.iban,
            bic=doc.payment.bic,
        ),
    )


def _means(doc: InvoiceDocument) -> PaymentMeansCode:
    if doc.payment.iban is None:
        return PaymentMeansCode.NOT_DEFINED
    # SEPA credit transfers are in euro; an IBAN paid in another currency is a plain credit transfer.
    return PaymentMeansCode.SEPA_CREDIT_TRANSFER if doc.currency == "EUR" else PaymentMeansCode.CREDIT_TRANSFER


def _address(address: InvoiceAddress) -> PostalAddress:
    return PostalAddress(
        line1=address.line1,
        line2=address.line2,
        city=address.city,
        postal_code=address.postal_code,
        country=address.country,
    )


def _line(doc: InvoiceDocument, line_id: str, line: DocumentLine, category: VatCategory) -> Line:
    name = f"{line.product_name}: {charge_in_words(line.kind, doc.customer.locale)}"
    if line.kind is LineKind.MRC:
        if line.sim_days is None or line.cycle_days is None:
            raise ValueError(f"MRC line {line_id} lacks sim_days or cycle_days")
        # sim_days DAY at unit_price per cycle_days: EN 16931's line amount is exactly the service's rule.
        return mrc_line(
            line_id=line_id,
            name=name,
            monthly_fee=line.unit_price,
            sim_days=line.sim_days,
            cycle_days=line.cycle_days,
            net_amount=line.amount,
            vat_category=category,
            vat_rate=doc.vat_rate,
            description=f"{line.product_code}: {_plain(line.quantity)} SIMs, {line.sim_days} SIM-days "
            f"of a {line.cycle_days}-day cycle",
        )
    return Line(
        id=line_id,
        name=name,
        quantity=line.quantity,
        unit_code=_UNITS[line.kind],
        # In a currency without minor digits the rounded amount can be 0.5 off quantity × unit price.
        price=price_reproducing(line.amount, line.unit_price, line.quantity),
        net_amount=line.amount,
        vat_category=category,
        vat_rate=doc.vat_rate,
        description=line.product_code,
    )


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"
