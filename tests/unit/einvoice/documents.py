"""Documents for the e-invoice tests: one per tax treatment and currency the service issues.

Each builder starts from `standard_invoice` and changes what its case is about; amounts are computed the
way the billing engine computes them (each line rounded once, VAT on the net total rounded once).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from reseller_billing.einvoice.model import (
    REVERSE_CHARGE_EXEMPTION_CODE,
    REVERSE_CHARGE_WORDING,
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
)
from reseller_billing.money import round_money

CYCLE_START = date(2026, 10, 5)
CYCLE_END = date(2026, 11, 4)
ISSUE_DATE = date(2026, 11, 5)

SELLER = Party(
    name="Nordwind IoT GmbH",
    address=PostalAddress(line1="Hafenstraße 12", city="Hamburg", postal_code="20457", country="DE"),
    electronic_address=ElectronicAddress(scheme="9930", identifier="DE123456789"),
    vat_id="DE123456789",
    registration_number="HRB 123456",
    email="billing@nordwind-iot.example",
    contact_name="Accounts receivable",
    telephone="+49 40 1234567",
)
BUYER = Party(
    name="Acme Logistics AG",
    address=PostalAddress(
        line1="Industriestraße 5", line2="Halle 3", city="München", postal_code="80331", country="DE"
    ),
    electronic_address=ElectronicAddress.from_peppol_id_or_email("9930:DE987654321", "ap@acme-logistics.example"),
    vat_id="DE987654321",
    email="ap@acme-logistics.example",
)


def mrc_activation_overage_lines(category: VatCategory, rate: Decimal, currency: str) -> tuple[Line, ...]:
    """An MRC line (45 SIM-days at 10.00 per 31-day cycle), an activation line and a data overage line."""
    fee = Decimal("10.00") if currency != "JPY" else Decimal("1000")
    activation_fee = Decimal("5.00") if currency != "JPY" else Decimal("500")
    overage_price = Decimal("0.0125") if currency != "JPY" else Decimal("2")
    overage_mb = Decimal("1234.5")
    return (
        mrc_line(
            line_id="1",
            name="IoT Connect 1 GB: monthly fee per SIM",
            monthly_fee=fee,
            sim_days=45,
            cycle_days=31,
            net_amount=round_money(fee * 45 / 31, currency),
            vat_category=category,
            vat_rate=rate,
            description="2 SIMs, 45 active days in a 31-day cycle",
            period_start=CYCLE_START,
            period_end=CYCLE_END,
        ),
        Line(
            id="2",
            name="IoT Connect 1 GB: activation fee per SIM",
            quantity=Decimal(2),
            unit_code=UnitCode.ONE,
            price=activation_fee,
            net_amount=round_money(activation_fee * 2, currency),
            vat_category=category,
            vat_rate=rate,
        ),
        Line(
            id="3",
            name="IoT Connect 1 GB: data overage",
            quantity=overage_mb,
            unit_code=UnitCode.MEGABYTE,
            price=overage_price,
            net_amount=round_money(overage_mb * overage_price, currency),
            vat_category=category,
            vat_rate=rate,
        ),
    )


def document(
    lines: tuple[Line, ...],
    *,
    currency: str = "EUR",
    exemption_reason: str | None = None,
    exemption_reason_code: str | None = None,
    **changes: object,
) -> Document:
    """An invoice of `lines` (all of one VAT category and rate) with its breakdown and totals computed."""
    category, rate = lines[0].vat_category, lines[0].vat_rate
    net = sum((line.net_amount for line in lines), Decimal(0))
    tax = round_money(net * rate / 100, currency)
    base = Document(
        type=DocumentType.INVOICE,
        number="INV-2026-000042",
        issue_date=ISSUE_DATE,
        due_date=date(2026, 12, 5),
        currency=currency,
        buyer_reference="CUST-0001",
        seller=SELLER,
        buyer=BUYER,
        lines=lines,
        vat_breakdown=(
            VatBreakdown(
                category=category,
                rate=rate,
                taxable_amount=net,
                tax_amount=tax,
                exemption_reason=exemption_reason,
                exemption_reason_code=exemption_reason_code,
            ),
        ),
        totals=Totals(line_total=net, tax_exclusive=net, tax_total=tax, tax_inclusive=net + tax, payable=net + tax),
        period_start=CYCLE_START,
        period_end=CYCLE_END,
        notes=("Thank you for your business.",),
        payment=Payment(
            means_code=PaymentMeansCode.SEPA_CREDIT_TRANSFER,
            reference="INV-2026-000042",
            terms="Payable within 30 days of the issue date.",
            iban="DE89370400440532013000",
            bic="COBADEFFXXX",
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def standard_invoice() -> Document:
    """STANDARD treatment: category S at 19 %, with an MRC, an activation and an overage line."""
    return document(mrc_activation_overage_lines(VatCategory.STANDARD, Decimal(19), "EUR"))


def zero_rated_invoice() -> Document:
    """STANDARD treatment with a customer VAT rate of 0: category Z."""
    return document(mrc_activation_overage_lines(VatCategory.ZERO_RATED, Decimal(0), "EUR"))


def reverse_charge_invoice() -> Document:
    """REVERSE_CHARGE: category AE, both VAT ids, the exemption code and the wording, also as a note."""
    buyer = replace(
        BUYER,
        vat_id="FR40303265045",
        address=replace(BUYER.address, city="Lyon", postal_code="69002", country="FR"),
        electronic_address=ElectronicAddress.from_peppol_id_or_email(None, "ap@acme-logistics.example"),
    )
    return document(
        mrc_activation_overage_lines(VatCategory.REVERSE_CHARGE, Decimal(0), "EUR"),
        exemption_reason=REVERSE_CHARGE_WORDING["en"],
        exemption_reason_code=REVERSE_CHARGE_EXEMPTION_CODE,
        buyer=buyer,
        notes=(REVERSE_CHARGE_WORDING["en"], "Thank you for your business."),
    )


def exempt_invoice() -> Document:
    """EXEMPT: category E with the customer's exemption reason."""
    return document(
        mrc_activation_overage_lines(VatCategory.EXEMPT, Decimal(0), "EUR"),
        exemption_reason="Exempt under §4 Nr. 11b UStG (universal postal service)",
    )


def yen_invoice() -> Document:
    """A JPY invoice: no minor digits, so the MRC line's price reproduces the rounded amount (R120)."""
    seller = replace(
        SELLER, address=PostalAddress(line1="1-1 Marunouchi", city="Tokyo", postal_code="100-0005", country="JP")
    )
    seller = replace(seller, vat_id="JPT1234567890123")
    return document(
        mrc_activation_overage_lines(VatCategory.STANDARD, Decimal(10), "JPY"), currency="JPY", seller=seller
    )


def credit_note() -> Document:
    """A partial credit note (381) of the standard invoice's activation line, referring to the invoice."""
    activation = standard_invoice().lines[1]
    return document(
        (replace(activation, id="1"),),
        type=DocumentType.CREDIT_NOTE,
        number="CN-2026-000007",
        issue_date=date(2026, 11, 20),
        due_date=None,
        preceding_invoice=PrecedingInvoice(number="INV-2026-000042", issue_date=ISSUE_DATE),
        notes=("Activation charged twice for SIM 8949012345678901234.",),
        payment=Payment(
            means_code=PaymentMeansCode.SEPA_CREDIT_TRANSFER,
            reference="CN-2026-000007",
            terms="Refunded to your account within 14 days.",
            iban="DE89370400440532013000",
        ),
    )


def non_latin_invoice() -> Document:
    """Names, streets and cities outside ASCII, in Polish and Greek, with a Polish seller."""
    seller = Party(
        name="Łódź Żółć Sp. z o.o.",
        address=PostalAddress(line1="ul. Piotrkowska 104", city="Łódź", postal_code="90-926", country="PL"),
        electronic_address=ElectronicAddress.from_peppol_id_or_email(None, "faktury@lodz-zolc.example"),
        vat_id="PL7251234567",
        email="faktury@lodz-zolc.example",
    )
    buyer = replace(
        BUYER,
        name="Ελληνικά Δίκτυα Α.Ε.",
        address=PostalAddress(line1="Οδός Ερμού 25", city="Αθήνα", postal_code="105 63", country="GR"),
    )
    return document(
        mrc_activation_overage_lines(VatCategory.STANDARD, Decimal(23), "PLN"),
        currency="PLN",
        seller=seller,
        buyer=buyer,
    )


VALID_DOCUMENTS = {
    "standard": standard_invoice,
    "zero_rated": zero_rated_invoice,
    "reverse_charge": reverse_charge_invoice,
    "exempt": exempt_invoice,
    "yen": yen_invoice,
    "credit_note": credit_note,
    "non_latin": non_latin_invoice,
}
