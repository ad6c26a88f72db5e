"""An EN 16931 document as a UBL 2.1 Invoice or CreditNote following Peppol BIS Billing 3.0.

Elements are written in the order the UBL 2.1 schemas require. Peppol allows one document note
(PEPPOL-EN16931-R002), so the notes (BT-22) are joined by line breaks into one `cbc:Note`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from reseller_billing.einvoice.model import Document, DocumentType, Line, Party, VatBreakdown
from reseller_billing.einvoice.rules import ensure_valid
from reseller_billing.einvoice.values import amount_text, decimal_text, price_text

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"  # BT-24
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"  # BT-23
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_VAT = "VAT"


def to_ubl(document: Document) -> bytes:
    """The document as UTF-8 UBL 2.1 XML: an Invoice for type 380, a CreditNote for 381.

    Raises `EInvoiceError` (via `rules.ensure_valid`) for a document that could not be valid.
    Equal documents give equal bytes.
    """
    ensure_valid(document)
    credit_note = document.type is DocumentType.CREDIT_NOTE
    root_ns = CREDIT_NOTE_NS if credit_note else INVOICE_NS
    root = etree.Element(f"{{{root_ns}}}{'CreditNote' if credit_note else 'Invoice'}", nsmap=_nsmap(root_ns))
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", document.number)
    _cbc(root, "IssueDate", _date(document.issue_date))
    if document.due_date and not credit_note:
        _cbc(root, "DueDate", _date(document.due_date))
    _cbc(root, "CreditNoteTypeCode" if credit_note else "InvoiceTypeCode", document.type.value)
    if document.notes:
        _cbc(root, "Note", "\n".join(document.notes))
    _cbc(root, "DocumentCurrencyCode", document.currency)
    _cbc(root, "BuyerReference", document.buyer_reference)
    if document.period_start or document.period_end:
        _period(root, document.period_start, document.period_end)
    if document.preceding_invoice:
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", document.preceding_invoice.number)
        _cbc(reference, "IssueDate", _date(document.preceding_invoice.issue_date))
    _party(_cac(root, "AccountingSupplierParty"), document.seller)
    _party(_cac(root, "AccountingCustomerParty"), document.buyer)
    _payment(root, document)
    _tax_total(root, document)
    _monetary_total(root, document)
    for line in document.lines:
        _line(root, line, document.currency, credit_note)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _nsmap(root_ns: str) -> dict[str, str]:
    return {None: root_ns, "cac": CAC, "cbc": CBC}  # type: ignore[dict-item]  # None: the default namespace


def _cbc(parent: etree._Element, name: str, text: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{CBC}}}{name}", attributes)
    element.text = text
    return element


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{CAC}}}{name}")


def _date(value: date) -> str:
    return value.isoformat()


def _amount(parent: etree._Element, name: str, amount: Decimal, currency: str) -> None:
    _cbc(parent, name, amount_text(amount, currency), currencyID=currency)


def _period(parent: etree._Element, start: date | None, end: date | None) -> None:
    period = _cac(parent, "InvoicePeriod")
    if start:
        _cbc(period, "StartDate", _date(start))
    if end:
        _cbc(period, "EndDate", _date(end))


def _party(role: etree._Element, party: Party) -> None:
    element = _cac(role, "Party")
    _cbc(element, "EndpointID", party.electronic_address.identifier, schemeID=party.electronic_address.scheme)
    address = _cac(element, "PostalAddress")
    _cbc(address, "StreetName", party.address.line1)
    if party.address.line2:
        _cbc(address, "AdditionalStreetName", party.address.line2)
    _cbc(address, "CityName", party.address.city)
    _cbc(address, "PostalZone", party.address.postal_code)
    _cbc(_cac(address, "Country"), "IdentificationCode", party.address.country)
    if party.vat_id:
        tax_scheme = _cac(element, "PartyTaxScheme")
        _cbc(tax_scheme, "CompanyID", party.vat_id)
        _cbc(_cac(tax_scheme, "TaxScheme"), "ID", _VAT)
    legal_entity = _cac(element, "PartyLegalEntity")
    _cbc(legal_entity, "RegistrationName", party.name)
    if party.registration_number:
        _cbc(legal_entity, "CompanyID", party.registration_number)
    if party.contact_name or party.telephone or party.email:
        contact = _cac(element, "Contact")
        for name, value in (
            ("Name", party.contact_name),
            ("Telephone", party.telephone),
            ("ElectronicMail", party.email),
        ):
            if value:
                _cbc(contact, name, value)


def _payment(root: etree._Element, document: Document) -> None:
    payment = document.payment
    if payment is None:
        return
    means = _cac(root, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", payment.means_code.value)
    if document.due_date and document.type is DocumentType.CREDIT_NOTE:
        _cbc(means, "PaymentDueDate", _date(document.due_date))
    _cbc(means, "PaymentID", payment.reference)
    if payment.iban:
        account = _cac(means, "PayeeFinancialAccount")
        _cbc(account, "ID", payment.iban)
        if payment.bic:
            _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", payment.bic)
    _cbc(_cac(root, "PaymentTerms"), "Note", payment.terms)


def _tax_total(root: etree._Element, document: Document) -> None:
    currency = document.currency
    total = _cac(root, "TaxTotal")
    _amount(total, "TaxAmount", document.totals.tax_total, currency)
    for breakdown in document.vat_breakdown:
        subtotal = _cac(total, "TaxSubtotal")
        _amount(subtotal, "TaxableAmount", breakdown.taxable_amount, currency)
        _amount(subtotal, "TaxAmount", breakdown.tax_amount, currency)
        _tax_category(subtotal, breakdown)


def _tax_category(parent: etree._Element, breakdown: VatBreakdown) -> None:
    category = _cac(parent, "TaxCategory")
    _cbc(category, "ID", breakdown.category.value)
    _cbc(category, "Percent", decimal_text(breakdown.rate))
    if breakdown.exemption_reason_code:
        _cbc(category, "TaxExemptionReasonCode", breakdown.exemption_reason_code)
    if breakdown.exemption_reason:
        _cbc(category, "TaxExemptionReason", breakdown.exemption_reason)
    _cbc(_cac(category, "TaxScheme"), "ID", _VAT)


def _monetary_total(root: etree._Element, document: Document) -> None:
    currency, totals = document.currency, document.totals
    monetary = _cac(root, "LegalMonetaryTotal")
    _amount(monetary, "LineExtensionAmount", totals.line_total, currency)
    _amount(monetary, "TaxExclusiveAmount", totals.tax_exclusive, currency)
    _amount(monetary, "TaxInclusiveAmount", totals.tax_inclusive, currency)
    _amount(monetary, "PayableAmount", totals.payable, currency)


def _line(root: etree._Element, line: Line, currency: str, credit_note: bool) -> None:
    element = _cac(root, "CreditNoteLine" if credit_note else "InvoiceLine")
    _cbc(element, "ID", line.id)
    quantity = "CreditedQuantity" if credit_note else "InvoicedQuantity"
    _cbc(element, quantity, decimal_text(line.quantity), unitCode=line.unit_code.value)
    _amount(element, "LineExtensionAmount", line.net_amount, currency)
    if line.period_start or line.period_end:
        _period(element, line.period_start, line.period_end)
    item = _cac(element, "Item")
    if line.description:
        _cbc(item, "Description", line.description)
    _cbc(item, "Name", line.name)
    category = _cac(item, "ClassifiedTaxCategory")
    _cbc(category, "ID", line.vat_category.value)
    _cbc(category, "Percent", decimal_text(line.vat_rate))
    _cbc(_cac(category, "TaxScheme"), "ID", _VAT)
    price = _cac(element, "Price")
    _cbc(price, "PriceAmount", price_text(line.price, currency), currencyID=currency)
    _cbc(price, "BaseQuantity", decimal_text(line.base_quantity), unitCode=line.unit_code.value)
