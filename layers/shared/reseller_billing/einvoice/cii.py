"""An EN 16931 document as a UN/CEFACT Cross Industry Invoice (D16B), Factur-X / ZUGFeRD profile EN 16931.

Elements are written in the order the Factur-X EN 16931 schema requires. The same document gives the
same business content as `ubl.to_ubl`; only the syntax differs.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from reseller_billing.einvoice.model import Document, Line, Party
from reseller_billing.einvoice.rules import ensure_valid
from reseller_billing.einvoice.values import amount_text, decimal_text, price_text

GUIDELINE_ID = "urn:cen.eu:en16931:2017"  # BT-24: Factur-X profile EN 16931
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
_NSMAP = {"rsm": RSM, "ram": RAM, "qdt": QDT, "udt": UDT}
_DATE_FORMAT = "102"  # UNTDID 2379: CCYYMMDD
_VAT = "VAT"
_VAT_ID_SCHEME = "VA"  # a VAT identifier among the tax registrations


def to_cii(document: Document) -> bytes:
    """The document as UTF-8 CII XML, TypeCode 380 (invoice) or 381 (credit note).

    Raises `EInvoiceError` (via `rules.ensure_valid`) for a document that could not be valid.
    Equal documents give equal bytes.
    """
    ensure_valid(document)
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=_NSMAP)
    context = etree.SubElement(root, f"{{{RSM}}}ExchangedDocumentContext")
    _ram(_ram(context, "GuidelineSpecifiedDocumentContextParameter"), "ID", GUIDELINE_ID)
    header = etree.SubElement(root, f"{{{RSM}}}ExchangedDocument")
    _ram(header, "ID", document.number)
    _ram(header, "TypeCode", document.type.value)
    _date(_ram(header, "IssueDateTime"), document.issue_date)
    for note in document.notes:
        _ram(_ram(header, "IncludedNote"), "Content", note)
    transaction = etree.SubElement(root, f"{{{RSM}}}SupplyChainTradeTransaction")
    for line in document.lines:
        _line(transaction, line, document.currency)
    agreement = _ram(transaction, "ApplicableHeaderTradeAgreement")
    _ram(agreement, "BuyerReference", document.buyer_reference)
    _party(_ram(agreement, "SellerTradeParty"), document.seller)
    _party(_ram(agreement, "BuyerTradeParty"), document.buyer)
    _ram(transaction, "ApplicableHeaderTradeDelivery")
    _settlement(_ram(transaction, "ApplicableHeaderTradeSettlement"), document)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _ram(parent: etree._Element, name: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{RAM}}}{name}", attributes)
    element.text = text
    return element


def _date(parent: etree._Element, value: date, namespace: str = UDT) -> None:
    element = etree.SubElement(parent, f"{{{namespace}}}DateTimeString", format=_DATE_FORMAT)
    element.text = value.strftime("%Y%m%d")


def _amount(parent: etree._Element, name: str, amount: Decimal, currency: str) -> None:
    _ram(parent, name, amount_text(amount, currency))


def _period(parent: etree._Element, start: date | None, end: date | None) -> None:
    period = _ram(parent, "BillingSpecifiedPeriod")
    if start:
        _date(_ram(period, "StartDateTime"), start)
    if end:
        _date(_ram(period, "EndDateTime"), end)


def _line(transaction: etree._Element, line: Line, currency: str) -> None:
    item = _ram(transaction, "IncludedSupplyChainTradeLineItem")
    _ram(_ram(item, "AssociatedDocumentLineDocument"), "LineID", line.id)
    product = _ram(item, "SpecifiedTradeProduct")
    _ram(product, "Name", line.name)
    if line.description:
        _ram(product, "Description", line.description)
    price = _ram(_ram(item, "SpecifiedLineTradeAgreement"), "NetPriceProductTradePrice")
    _ram(price, "ChargeAmount", price_text(line.price, currency))
    _ram(price, "BasisQuantity", decimal_text(line.base_quantity), unitCode=line.unit_code.value)
    delivery = _ram(item, "SpecifiedLineTradeDelivery")
    _ram(delivery, "BilledQuantity", decimal_text(line.quantity), unitCode=line.unit_code.value)
    settlement = _ram(item, "SpecifiedLineTradeSettlement")
    tax = _ram(settlement, "ApplicableTradeTax")
    _ram(tax, "TypeCode", _VAT)
    _ram(tax, "CategoryCode", line.vat_category.value)
    _ram(tax, "RateApplicablePercent", decimal_text(line.vat_rate))
    if line.period_start or line.period_end:
        _period(settlement, line.period_start, line.period_end)
    _amount(
        _ram(settlement, "SpecifiedTradeSettlementLineMonetarySummation"), "LineTotalAmount", line.net_amount, currency
    )


def _party(element: etree._Element, party: Party) -> None:
    _ram(element, "Name", party.name)
    if party.registration_number:
        _ram(_ram(element, "SpecifiedLegalOrganization"), "ID", party.registration_number)
    if party.contact_name or party.telephone or party.email:
        contact = _ram(element, "DefinedTradeContact")
        if party.contact_name:
            _ram(contact, "PersonName", party.contact_name)
        if party.telephone:
            _ram(_ram(contact, "TelephoneUniversalCommunication"), "CompleteNumber", party.telephone)
        if party.email:
            _ram(_ram(contact, "EmailURIUniversalCommunication"), "URIID", party.email)
    address = _ram(element, "PostalTradeAddress")
    _ram(address, "PostcodeCode", party.address.postal_code)
    _ram(address, "LineOne", party.address.line1)
    if party.address.line2:
        _ram(address, "LineTwo", party.address.line2)
    _ram(address, "CityName", party.address.city)
    _ram(address, "CountryID", party.address.country)
    endpoint = party.electronic_address
    _ram(_ram(element, "URIUniversalCommunication"), "URIID", endpoint.identifier, schemeID=endpoint.scheme)
    if party.vat_id:
        _ram(_ram(element, "SpecifiedTaxRegistration"), "ID", party.vat_id, schemeID=_VAT_ID_SCHEME)


def _settlement(settlement: etree._Element, document: Document) -> None:
    currency, payment = document.currency, document.payment
    if payment is not None:
        _ram(settlement, "PaymentReference", payment.reference)
    _ram(settlement, "InvoiceCurrencyCode", currency)
    if payment is not None:
        means = _ram(settlement, "SpecifiedTradeSettlementPaymentMeans")
        _ram(means, "TypeCode", payment.means_code.value)
        if payment.iban:
            _ram(_ram(means, "PayeePartyCreditorFinancialAccount"), "IBANID", payment.iban)
            if payment.bic:
                _ram(_ram(means, "PayeeSpecifiedCreditorFinancialInstitution"), "BICID", payment.bic)
    for breakdown in document.vat_breakdown:
        tax = _ram(settlement, "ApplicableTradeTax")
        _amount(tax, "CalculatedAmount", breakdown.tax_amount, currency)
        _ram(tax, "TypeCode", _VAT)
        if breakdown.exemption_reason:
            _ram(tax, "ExemptionReason", breakdown.exemption_reason)
        _amount(tax, "BasisAmount", breakdown.taxable_amount, currency)
        _ram(tax, "CategoryCode", breakdown.category.value)
        if breakdown.exemption_reason_code:
            _ram(tax, "ExemptionReasonCode", breakdown.exemption_reason_code)
        _ram(tax, "RateApplicablePercent", decimal_text(breakdown.rate))
    if document.period_start or document.period_end:
        _period(settlement, document.period_start, document.period_end)
    if payment is not None or document.due_date:
        terms = _ram(settlement, "SpecifiedTradePaymentTerms")
        if payment is not None:
            _ram(terms, "Description", payment.terms)
        if document.due_date:
            _date(_ram(terms, "DueDateDateTime"), document.due_date)
    totals = document.totals
    summation = _ram(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation")
    _amount(summation, "LineTotalAmount", totals.line_total, currency)
    _amount(summation, "TaxBasisTotalAmount", totals.tax_exclusive, currency)
    _ram(summation, "TaxTotalAmount", amount_text(totals.tax_total, currency), currencyID=currency)
    _amount(summation, "GrandTotalAmount", totals.tax_inclusive, currency)
    _amount(summation, "DuePayableAmount", totals.payable, currency)
    if document.preceding_invoice:
        reference = _ram(settlement, "InvoiceReferencedDocument")
        _ram(reference, "IssuerAssignedID", document.preceding_invoice.number)
        _date(_ram(reference, "FormattedIssueDateTime"), document.preceding_invoice.issue_date, QDT)
