"""The EN 16931 semantic model of an invoice or credit note: frozen dataclasses named after the business terms.

Comments cite the business term (BT-n) or group (BG-n) of EN 16931-1 each field carries. Amounts are Decimal
in the document currency and positive on a credit note too (EN 16931: the document type says which way
the money goes). Nothing here checks a document; `rules.violations` does, and both serialisers call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum


class DocumentType(StrEnum):
    """BT-3, from UNTDID 1001."""

    INVOICE = "380"  # commercial invoice
    CREDIT_NOTE = "381"


class VatCategory(StrEnum):
    """BT-118 / BT-151, from UNTDID 5305 as EN 16931 restricts it."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"


class UnitCode(StrEnum):
    """BT-130 / BT-150, from UN/ECE Recommendation 20 (with Rec 21)."""

    DAY = "DAY"  # SIM-days of a monthly recurring charge
    ONE = "C62"  # a SIM activated, an SMS
    MEGABYTE = "4L"  # data (10^6 bytes)


class PaymentMeansCode(StrEnum):
    """BT-81, from UNTDID 4461."""

    NOT_DEFINED = "1"  # no bank account on the profile
    CREDIT_TRANSFER = "30"
    SEPA_CREDIT_TRANSFER = "58"


# The VAT exemption reason code (BT-121, CEF VATEX list) for reverse charge, and the wording (BT-120) in each
# language a customer's documents come in (EU VAT Directive art. 226 (11a) asks for the mention "Reverse charge").
REVERSE_CHARGE_EXEMPTION_CODE = "VATEX-EU-AE"
REVERSE_CHARGE_WORDING = {
    "en": "Reverse charge",
    "de": "Steuerschuldnerschaft des Leistungsempfängers",
    "fr": "Autoliquidation",
}

# The electronic address schemes (BT-34-1 / BT-49-1) of the CEF EAS code list, as EN 16931 validation
# artefacts 1.3.16 (rule BR-CL-25) accept them. "EM" is e-mail; Peppol's own list leaves it out (see docs).
_EAS_CODES = (
    "0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0147 0151 0154 0158 0170 0177 0183 0184 "
    "0188 0190 0191 0192 0193 0194 0195 0196 0198 0199 0200 0201 0202 0203 0204 0205 0208 0209 0210 0211 "
    "0212 0213 0215 0216 0217 0218 0219 0220 0221 0225 0230 0235 0240 0242 0244 0245 0246 0248 9910 9913 "
    "9914 9915 9918 9919 9920 9922 9923 9924 9925 9926 9927 9928 9929 9930 9931 9932 9933 9934 9935 9936 "
    "9937 9938 9939 9940 9941 9942 9943 9944 9945 9946 9947 9948 9949 9950 9951 9952 9953 9957 9959 AN "
    "AQ AS AU EM"
)
ELECTRONIC_ADDRESS_SCHEMES = frozenset(_EAS_CODES.split())
EMAIL_SCHEME = "EM"


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """BG-5 (seller) / BG-8 (buyer)."""

    line1: str  # BT-35 / BT-50
    city: str  # BT-37 / BT-52
    postal_code: str  # BT-38 / BT-53
    country: str  # BT-40 / BT-55, ISO 3166-1 alpha-2
    line2: str | None = None  # BT-36 / BT-51


@dataclass(frozen=True, slots=True)
class ElectronicAddress:
    """BT-34 (seller) / BT-49 (buyer): where the document can be delivered, with its scheme (BT-34-1 / BT-49-1)."""

    scheme: str  # CEF EAS code, e.g. "0208" Belgian enterprise number, "9930" German VAT id, "EM" e-mail
    identifier: str

    @classmethod
    def from_peppol_id_or_email(cls, peppol_id: str | None, email: str) -> ElectronicAddress:
        """The party's Peppol participant id (`scheme:identifier`) when it has one, else its e-mail address
        (docs/e-invoicing.md)."""
        if peppol_id:
            scheme, _, identifier = peppol_id.partition(":")
            return cls(scheme=scheme, identifier=identifier)
        return cls(scheme=EMAIL_SCHEME, identifier=email)


@dataclass(frozen=True, slots=True)
class Party:
    """BG-4 seller (the reseller) / BG-7 buyer (its customer)."""

    name: str  # BT-27 / BT-44, the legal name
    address: PostalAddress
    electronic_address: ElectronicAddress
    vat_id: str | None = None  # BT-31 / BT-48, with its ISO 3166 country prefix ("EL" for Greece)
    registration_number: str | None = None  # BT-30 / BT-47, legal registration identifier
    email: str | None = None  # BT-43 seller contact e-mail / BT-58 buyer contact e-mail
    # Peppol's German rules (DE-R-005, DE-R-006) want both when seller and buyer are in Germany.
    contact_name: str | None = None  # BT-41 / BT-56 contact point
    telephone: str | None = None  # BT-42 / BT-57


@dataclass(frozen=True, slots=True)
class Line:
    """BG-25, one invoice line: net_amount = quantity × price / base_quantity within PEPPOL-EN16931-R120's 0.02."""

    id: str  # BT-126
    name: str  # BT-153 item name
    quantity: Decimal  # BT-129
    unit_code: UnitCode  # BT-130, also the unit of the base quantity (BT-150)
    price: Decimal  # BT-146 item net price, any precision
    net_amount: Decimal  # BT-131, at the currency's minor unit
    vat_category: VatCategory  # BT-151
    vat_rate: Decimal  # BT-152, percent
    base_quantity: Decimal = Decimal(1)  # BT-149, the quantity the price is for
    description: str | None = None  # BT-154
    period_start: date | None = None  # BT-134
    period_end: date | None = None  # BT-135


@dataclass(frozen=True, slots=True)
class VatBreakdown:
    """BG-23, one per VAT category and rate."""

    category: VatCategory  # BT-118
    rate: Decimal  # BT-119, percent
    taxable_amount: Decimal  # BT-116
    tax_amount: Decimal  # BT-117
    exemption_reason: str | None = None  # BT-120
    exemption_reason_code: str | None = None  # BT-121, CEF VATEX, e.g. "VATEX-EU-AE"


@dataclass(frozen=True, slots=True)
class Payment:
    """BG-16 payment instructions with BT-20 payment terms."""

    means_code: PaymentMeansCode  # BT-81
    reference: str  # BT-83 remittance information: the invoice number
    terms: str  # BT-20, e.g. "Payable within 30 days"
    iban: str | None = None  # BT-84, required for credit transfer
    bic: str | None = None  # BT-86


@dataclass(frozen=True, slots=True)
class PrecedingInvoice:
    """BG-3, the invoice a credit note corrects."""

    number: str  # BT-25
    issue_date: date  # BT-26


@dataclass(frozen=True, slots=True)
class Totals:
    """BG-22 document totals. No document-level allowances, charges or prepayments in this service."""

    line_total: Decimal  # BT-106, the sum of the lines' net amounts
    tax_exclusive: Decimal  # BT-109
    tax_total: Decimal  # BT-110
    tax_inclusive: Decimal  # BT-112
    payable: Decimal  # BT-115


@dataclass(frozen=True, slots=True)
class Document:
    """An invoice or credit note: everything EN 16931 needs from the service's invoice."""

    type: DocumentType  # BT-3
    number: str  # BT-1
    issue_date: date  # BT-2
    currency: str  # BT-5, ISO 4217
    buyer_reference: str  # BT-10, the customer number
    seller: Party  # BG-4
    buyer: Party  # BG-7
    lines: tuple[Line, ...]  # BG-25
    vat_breakdown: tuple[VatBreakdown, ...]  # BG-23
    totals: Totals  # BG-22
    due_date: date | None = None  # BT-9
    period_start: date | None = None  # BT-73, the billing cycle (BG-14)
    period_end: date | None = None  # BT-74
    notes: tuple[str, ...] = ()  # BT-22, e.g. the reverse-charge mention, the invoice footer
    preceding_invoice: PrecedingInvoice | None = None  # BG-3, required on a credit note
    payment: Payment | None = None  # BG-16 and BT-20


# PEPPOL-EN16931-R120 lets a line's net amount differ from quantity × price / base quantity by 0.02.
R120_TOLERANCE = Decimal("0.02")


def mrc_line(
    *,
    line_id: str,
    name: str,
    monthly_fee: Decimal,
    sim_days: int,
    cycle_days: int,
    net_amount: Decimal,
    vat_category: VatCategory,
    vat_rate: Decimal,
    description: str | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
) -> Line:
    """A monthly recurring charge as an EN 16931 line: `sim_days` DAY at `monthly_fee` per `cycle_days` days.

    The service charges fee × sim_days / cycle_days rounded once (docs/billing-rules.md), which is exactly BT-131 =
    BT-129 × BT-146 / BT-149. In a currency with 2 minor digits the rounding moves the amount by at most
    0.005, inside R120's tolerance. In a currency without minor digits (JPY) it can move it by up to 0.5:
    then the price becomes the fee that reproduces the rounded amount, net × cycle_days / sim_days, with as
    few decimals as keep it within half the tolerance.
    """
    if sim_days <= 0 or cycle_days <= 0:
        raise ValueError("an MRC line needs positive sim_days and cycle_days")
    return Line(
        id=line_id,
        name=name,
        quantity=Decimal(sim_days),
        unit_code=UnitCode.DAY,
        price=price_reproducing(net_amount, monthly_fee, Decimal(sim_days), Decimal(cycle_days)),
        base_quantity=Decimal(cycle_days),
        net_amount=net_amount,
        vat_category=vat_category,
        vat_rate=vat_rate,
        description=description,
        period_start=period_start,
        period_end=period_end,
    )


def price_reproducing(
    net_amount: Decimal, price: Decimal, quantity: Decimal, base_quantity: Decimal = Decimal(1)
) -> Decimal:
    """`price` when quantity × price / base_quantity is within half of R120's tolerance of `net_amount`
    (the line was rounded once to a currency with minor digits); else the price that reproduces the
    rounded amount, net × base_quantity / quantity, with as few decimals (at least 2) as keep it there.
    A currency without minor digits (JPY) moves an amount by up to 0.5 when it is rounded."""
    # Compared multiplied out by base_quantity, so that no division rounds.
    allowed = R120_TOLERANCE / 2 * base_quantity
    if abs(price * quantity - net_amount * base_quantity) <= allowed:
        return price
    with localcontext() as context:
        context.prec = 60
        exact = net_amount * base_quantity / quantity
        places = 2
        while True:
            fitted = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
            if abs(fitted * quantity - net_amount * base_quantity) <= allowed:
                return fitted
            places += 1
