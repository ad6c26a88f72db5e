"""What a document must satisfy before it is written as an e-invoice, and what a reseller profile lacks for one.

The serialisers refuse a document that could not pass the EN 16931 rules (and the Peppol BIS rules that
concern this service's documents) instead of writing an invalid file: `ensure_valid` raises
`EInvoiceError` listing each violated rule by its identifier. `missing_for_e_invoice` is the same
question asked early, when a reseller saves `e_invoice_format`, so the API can answer 422 then.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from reseller_billing.einvoice.model import (
    ELECTRONIC_ADDRESS_SCHEMES,
    R120_TOLERANCE,
    Document,
    DocumentType,
    Party,
    PaymentMeansCode,
    PostalAddress,
    VatCategory,
)
from reseller_billing.errors import ErrorCode, UnprocessableError
from reseller_billing.money import UnknownCurrencyError, minor_units, round_money

# EN 16931 allows at most 2 decimals on every amount (the BR-DEC rules).
MAX_AMOUNT_DECIMALS = 2
_ZERO = Decimal(0)
# XML 1.0 refuses C0 control characters other than tab, line feed and carriage return.
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ZERO_RATE_CATEGORIES = (VatCategory.ZERO_RATED, VatCategory.EXEMPT, VatCategory.REVERSE_CHARGE)
_CATEGORY_RULES = {
    VatCategory.STANDARD: "BR-S",
    VatCategory.ZERO_RATED: "BR-Z",
    VatCategory.EXEMPT: "BR-E",
    VatCategory.REVERSE_CHARGE: "BR-AE",
}


@dataclass(frozen=True, slots=True)
class Violation:
    """One rule a document breaks: its identifier in EN 16931 (BR-…) or Peppol BIS (PEPPOL-…), and why."""

    rule: str
    message: str


class EInvoiceError(UnprocessableError):
    """The document cannot be written as a valid EN 16931 e-invoice; `violations` says why."""

    default_code = ErrorCode.E_INVOICE_INVALID

    def __init__(self, violations: tuple[Violation, ...]):
        super().__init__(
            "the document cannot be a valid EN 16931 e-invoice: " + "; ".join(v.message for v in violations),
            details=[{"rule": v.rule, "message": v.message} for v in violations],
        )
        self.violations = violations


def ensure_valid(document: Document) -> None:
    """Raise `EInvoiceError` unless `document` satisfies every rule `violations` checks."""
    found = violations(document)
    if found:
        raise EInvoiceError(found)


def violations(document: Document) -> tuple[Violation, ...]:
    """Every rule `document` breaks, in a stable order; empty when it can be written.

    Checked: the currency (ISO 4217, at most 2 minor digits), every amount at the currency's minor unit,
    the totals (BR-CO-10, -13 … -16), each VAT category's breakdown, rate and exemption reason (BR-S, BR-Z,
    BR-E, BR-AE), the parties' VAT identifiers and countries, each line's net amount against quantity ×
    price / base quantity (PEPPOL-EN16931-R120), periods, the credit note's preceding invoice (BG-3), the
    payment account for a credit transfer (BR-61), and that no text is empty (PEPPOL-EN16931-R008).
    """
    try:
        digits = minor_units(document.currency)
    except UnknownCurrencyError:
        return (Violation("BR-CL-04", f"currency {document.currency!r} is not an ISO 4217 currency"),)
    if digits > MAX_AMOUNT_DECIMALS:
        return (
            Violation(
                "BR-DEC",
                f"{document.currency} has {digits} minor digits; EN 16931 allows at most {MAX_AMOUNT_DECIMALS}",
            ),
        )
    return (
        *_texts(document),
        *_amounts(document, digits),
        *_totals(document),
        *_vat(document),
        *_parties(document),
        *_lines(document),
        *_references(document),
    )


def missing_for_e_invoice(
    *,
    legal_name: str | None,
    address: PostalAddress | None,
    vat_id: str | None,
    email: str | None,
) -> tuple[str, ...]:
    """The issuer fields a reseller profile lacks for `e_invoice_format` other than NONE, by their names.

    `vat_id` is also named when it has no ISO 3166 country prefix (BR-CO-09): it could never pass.
    """
    missing = [
        field
        for field, value in (("legal_name", legal_name), ("address", address), ("vat_id", vat_id), ("email", email))
        if value is None or (isinstance(value, str) and not value.strip())
    ]
    if vat_id and vat_id.strip() and not _has_country_prefix(vat_id):
        missing.append("vat_id")
    return tuple(missing)


def _texts(document: Document) -> Iterator[Violation]:
    for where, text in _all_texts(document):
        if not text.strip():
            yield Violation("PEPPOL-EN16931-R008", f"{where} is empty")
        elif _NOT_XML_TEXT.search(text):
            yield Violation("XML", f"{where} holds a control character XML cannot carry")


def _all_texts(document: Document) -> Iterator[tuple[str, str]]:
    yield "number (BT-1)", document.number
    yield "buyer reference (BT-10)", document.buyer_reference
    for role, party in (("seller", document.seller), ("buyer", document.buyer)):
        yield f"{role} name", party.name
        yield f"{role} address line 1", party.address.line1
        yield f"{role} city", party.address.city
        yield f"{role} postal code", party.address.postal_code
        yield f"{role} electronic address", party.electronic_address.identifier
        for label, optional in (
            ("address line 2", party.address.line2),
            ("VAT identifier", party.vat_id),
            ("registration number", party.registration_number),
            ("e-mail", party.email),
            ("contact name", party.contact_name),
            ("telephone", party.telephone),
        ):
            if optional is not None:
                yield f"{role} {label}", optional
    for line in document.lines:
        yield f"line {line.id} identifier", line.id
        yield f"line {line.id} item name", line.name
        if line.description is not None:
            yield f"line {line.id} description", line.description
    for breakdown in document.vat_breakdown:
        for label, optional in (
            ("exemption reason", breakdown.exemption_reason),
            ("code", breakdown.exemption_reason_code),
        ):
            if optional is not None:
                yield f"{breakdown.category} {label}", optional
    for position, note in enumerate(document.notes, start=1):
        yield f"note {position}", note
    if document.payment is not None:
        yield "payment reference (BT-83)", document.payment.reference
        yield "payment terms (BT-20)", document.payment.terms
        for label, optional in (("IBAN", document.payment.iban), ("BIC", document.payment.bic)):
            if optional is not None:
                yield label, optional
    if document.preceding_invoice is not None:
        yield "preceding invoice number (BT-25)", document.preceding_invoice.number


def _amounts(document: Document, digits: int) -> Iterator[Violation]:
    totals = document.totals
    amounts = [("BR-DEC-23", f"line {line.id} net amount", line.net_amount) for line in document.lines]
    for breakdown in document.vat_breakdown:
        amounts.append(("BR-DEC-19", f"{breakdown.category} taxable amount", breakdown.taxable_amount))
        amounts.append(("BR-DEC-20", f"{breakdown.category} tax amount", breakdown.tax_amount))
    amounts += [
        ("BR-DEC-09", "line total (BT-106)", totals.line_total),
        ("BR-DEC-12", "total without VAT (BT-109)", totals.tax_exclusive),
        ("BR-DEC-13", "VAT total (BT-110)", totals.tax_total),
        ("BR-DEC-14", "total with VAT (BT-112)", totals.tax_inclusive),
        ("BR-DEC-18", "amount due (BT-115)", totals.payable),
    ]
    for rule, where, amount in amounts:
        if not amount.is_finite() or amount != round_money(amount, document.currency):
            yield Violation(rule, f"{where} {amount} is not an amount with {digits} decimals in {document.currency}")


def _totals(document: Document) -> Iterator[Violation]:
    totals = document.totals
    line_sum = sum((line.net_amount for line in document.lines), _ZERO)
    tax_sum = sum((breakdown.tax_amount for breakdown in document.vat_breakdown), _ZERO)
    checks = (
        ("BR-CO-10", totals.line_total == line_sum, f"line total {totals.line_total} is not the lines' sum {line_sum}"),
        ("BR-CO-13", totals.tax_exclusive == totals.line_total, "total without VAT is not the line total"),
        ("BR-CO-14", totals.tax_total == tax_sum, f"VAT total {totals.tax_total} is not the breakdown's sum {tax_sum}"),
        (
            "BR-CO-15",
            totals.tax_inclusive == totals.tax_exclusive + totals.tax_total,
            "total with VAT is not the total without VAT plus the VAT total",
        ),
        ("BR-CO-16", totals.payable == totals.tax_inclusive, "amount due is not the total with VAT"),
    )
    for rule, holds, message in checks:
        if not holds:
            yield Violation(rule, message)


def _vat(document: Document) -> Iterator[Violation]:
    if not document.vat_breakdown:
        yield Violation("BR-CO-18", "the document has no VAT breakdown")
    taxable: dict[tuple[VatCategory, Decimal], Decimal] = defaultdict(lambda: _ZERO)
    for line in document.lines:
        taxable[line.vat_category, line.vat_rate] += line.net_amount
        yield from _rate(f"line {line.id}", line.vat_category, line.vat_rate)
    seen: set[tuple[VatCategory, Decimal]] = set()
    for breakdown in document.vat_breakdown:
        key = (breakdown.category, breakdown.rate)
        prefix = _CATEGORY_RULES[breakdown.category]
        if key in seen:
            yield Violation(f"{prefix}-08", f"two VAT breakdowns for {breakdown.category} at {breakdown.rate} %")
        seen.add(key)
        if key not in taxable:
            yield Violation(f"{prefix}-08", f"VAT breakdown {breakdown.category} at {breakdown.rate} % has no line")
        elif breakdown.taxable_amount != taxable[key]:
            yield Violation(
                f"{prefix}-08",
                f"{breakdown.category} taxable amount {breakdown.taxable_amount} is not its lines' sum {taxable[key]}",
            )
        yield from _rate(f"VAT breakdown {breakdown.category}", breakdown.category, breakdown.rate)
        expected_tax = round_money(breakdown.taxable_amount * breakdown.rate / 100, document.currency)
        if breakdown.tax_amount != expected_tax:
            yield Violation(
                f"{prefix}-09",
                f"{breakdown.category} tax amount {breakdown.tax_amount} is not {expected_tax}, "
                f"{breakdown.rate} % of {breakdown.taxable_amount}",
            )
        has_reason = bool(breakdown.exemption_reason or breakdown.exemption_reason_code)
        if breakdown.category in (VatCategory.STANDARD, VatCategory.ZERO_RATED) and has_reason:
            yield Violation(f"{prefix}-10", f"{breakdown.category} must not carry a VAT exemption reason")
        if breakdown.category in (VatCategory.EXEMPT, VatCategory.REVERSE_CHARGE) and not has_reason:
            yield Violation(f"{prefix}-10", f"{breakdown.category} needs a VAT exemption reason text or code")
    for key in taxable.keys() - seen:
        yield Violation(f"{_CATEGORY_RULES[key[0]]}-08", f"no VAT breakdown for {key[0]} at {key[1]} %")


def _rate(where: str, category: VatCategory, rate: Decimal) -> Iterator[Violation]:
    if category is VatCategory.STANDARD and not rate > 0:
        yield Violation("BR-S-05", f"{where}: standard rated VAT needs a rate above zero")
    if category in _ZERO_RATE_CATEGORIES and rate != 0:
        yield Violation(f"{_CATEGORY_RULES[category]}-05", f"{where}: category {category} needs a rate of zero")


def _parties(document: Document) -> Iterator[Violation]:
    seller, buyer = document.seller, document.buyer
    if not seller.vat_id:
        # Every category this service uses (S, Z, E, AE) needs the seller's VAT identifier (BR-S-02 and kin).
        yield Violation("BR-S-02", "the seller VAT identifier (BT-31) is missing")
    categories = {line.vat_category for line in document.lines}
    if VatCategory.REVERSE_CHARGE in categories and not buyer.vat_id:
        yield Violation("BR-AE-02", "reverse charge needs the buyer VAT identifier (BT-48)")
    for role, party in (("seller", seller), ("buyer", buyer)):
        yield from _party(role, party)


def _party(role: str, party: Party) -> Iterator[Violation]:
    if party.vat_id and not _has_country_prefix(party.vat_id):
        yield Violation("BR-CO-09", f"{role} VAT identifier {party.vat_id!r} has no ISO 3166 country prefix")
    if party.address.country not in _country_codes():
        yield Violation("BR-CL-14", f"{role} country {party.address.country!r} is not an ISO 3166-1 alpha-2 code")
    if party.electronic_address.scheme not in ELECTRONIC_ADDRESS_SCHEMES:
        yield Violation(
            "BR-CL-25",
            f"{role} electronic address scheme {party.electronic_address.scheme!r} is not in the CEF EAS code list",
        )


def _lines(document: Document) -> Iterator[Violation]:
    if not document.lines:
        yield Violation("BR-16", "the document has no line")
    ids = [line.id for line in document.lines]
    if len(set(ids)) != len(ids):
        yield Violation("BR-21", "line identifiers are not unique")
    for line in document.lines:
        if line.price < 0:
            yield Violation("BR-27", f"line {line.id}: the item net price is negative")
        if not line.base_quantity > 0:
            yield Violation("PEPPOL-EN16931-R121", f"line {line.id}: the base quantity is not above zero")
        elif abs(line.quantity * line.price / line.base_quantity - line.net_amount) > R120_TOLERANCE:
            yield Violation(
                "PEPPOL-EN16931-R120",
                f"line {line.id}: net amount {line.net_amount} is not quantity {line.quantity} × price "
                f"{line.price} / base quantity {line.base_quantity}",
            )
        yield from _period(f"line {line.id}", "BR-30", line.period_start, line.period_end)
        if document.period_start and line.period_start and line.period_start < document.period_start:
            yield Violation("PEPPOL-EN16931-R110", f"line {line.id} starts before the invoicing period")
        if document.period_end and line.period_end and line.period_end > document.period_end:
            yield Violation("PEPPOL-EN16931-R111", f"line {line.id} ends after the invoicing period")


def _period(where: str, rule: str, start: date | None, end: date | None) -> Iterator[Violation]:
    if start and end and end < start:
        yield Violation(rule, f"{where}: the period ends before it starts")


def _references(document: Document) -> Iterator[Violation]:
    yield from _period("the invoicing period", "BR-29", document.period_start, document.period_end)
    if document.type is DocumentType.CREDIT_NOTE and document.preceding_invoice is None:
        yield Violation("BR-55", "a credit note needs the invoice it corrects (BG-3)")
    payment = document.payment
    credit_transfer = (PaymentMeansCode.CREDIT_TRANSFER, PaymentMeansCode.SEPA_CREDIT_TRANSFER)
    if payment is not None and payment.means_code in credit_transfer and not payment.iban:
        yield Violation("BR-61", "a credit transfer needs the payment account identifier (BT-84, the IBAN)")
    if document.type is DocumentType.CREDIT_NOTE and document.due_date and payment is None:
        # UBL has no due date on a credit note but in its payment means (cac:PaymentMeans/cbc:PaymentDueDate).
        yield Violation("BT-9", "a credit note's due date needs payment instructions (BG-16) to be carried in")


def _has_country_prefix(vat_id: str) -> bool:
    return vat_id[:2] in _vat_prefixes()


@cache
def _country_codes() -> frozenset[str]:
    import iso3166  # ~18 ms at import: only when a document is checked

    return frozenset(iso3166.countries_by_alpha2)


@cache
def _vat_prefixes() -> frozenset[str]:
    # BR-CO-09's list: ISO 3166 plus EL (Greece), XI (Northern Ireland) and 1A; Kosovo has no EU prefix.
    return (_country_codes() | {"EL", "XI", "1A"}) - {"XK"}
