"""Invoice documents for the renderer tests: valid by default, override what a test is about."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from reseller_billing.billing.model import LineKind
from reseller_billing.models.customers import DocumentLocale, TaxTreatment
from reseller_billing.models.invoice_document import (
    BilledCustomer,
    DocumentLine,
    InvoiceAddress,
    InvoiceDocument,
    Issuer,
    Payment,
    SimDetail,
    TaxCategory,
)
from reseller_billing.money import round_money

CUSTOMER_NAME = "Łódź Żółć Ñandú Ωmega"
KINDS = tuple(LineKind)


def invoice_document(
    *,
    line_count: int = 4,
    currency: str = "EUR",
    vat_rate: Decimal = Decimal("19"),
    customer_name: str = CUSTOMER_NAME,
    city: str = "Łódź",
    locale: DocumentLocale = DocumentLocale.EN,
    **overrides: Any,
) -> InvoiceDocument:
    """A consistent invoice: net is the sum of the lines, VAT and gross follow from it; an MRC line's
    amount is its unit_price × sim_days / cycle_days."""
    lines = tuple(_line(n, currency) for n in range(line_count))
    net = sum((line.amount for line in lines), Decimal(0))
    vat = round_money(net * vat_rate / 100, currency)
    fields: dict[str, Any] = {
        "id": "inv_01JH5Q0000000000000000TEST",
        "invoice_number": "INV-2026-000042",
        "issuer": Issuer(
            account_id="acc-reseller-1",
            name="Nordlicht IoT GmbH",
            legal_name=None,
            address=None,
            vat_id=None,
            registration_number=None,
            email=None,
            peppol_id=None,
        ),
        "customer": BilledCustomer(
            id="acc-customer-1",
            customer_number="C-10042",
            name=customer_name,
            email="billing@example.com",
            address=InvoiceAddress(line1="ul. Piotrkowska 104", postal_code="90-926", city=city, country="PL"),
            vat_id=None,
            tax_treatment=TaxTreatment.STANDARD,
            tax_exemption_reason=None,
            locale=locale,
            peppol_id=None,
        ),
        "currency": currency,
        "billing_date": date(2026, 2, 1),
        "issue_date": date(2026, 2, 1),
        "due_date": date(2026, 2, 1) + timedelta(days=30),
        "cycle_start": date(2026, 1, 1),
        "cycle_end": date(2026, 1, 31),
        "lines": lines,
        "net_total": round_money(net, currency),
        "vat_rate": vat_rate,
        "vat_amount": vat,
        "gross_total": round_money(net + vat, currency),
        "tax_category": TaxCategory.STANDARD if vat_rate else TaxCategory.ZERO_RATED,
        "tax_wording": None,
        "payment": Payment(terms_days=30, iban=None, bic=None, reference="INV-2026-000042"),
        "footer": None,
        "sims": (
            SimDetail(
                iccid="8949000000000000001",
                product_id="prod-0",
                kind=LineKind.MRC,
                active_days=31,
                quantity=Decimal(1),
                amount=Decimal("4.123457"),
            ),
            SimDetail(
                iccid="8949000000000000002",
                product_id="prod-0",
                kind=LineKind.MRC,
                active_days=3,
                quantity=Decimal(1),
                amount=Decimal("0.398400"),
            ),
        ),
    }
    return InvoiceDocument(**{**fields, **overrides})


def _line(n: int, currency: str) -> DocumentLine:
    kind = KINDS[n % len(KINDS)]
    amount = round_money(Decimal("12.345") * (n + 1), currency)
    if kind is LineKind.MRC:  # two SIMs all through a 31-day cycle: the fee twice
        return _document_line(n, kind, amount, unit_price=amount / 2, sim_days=62, cycle_days=31)
    return _document_line(n, kind, amount, unit_price=amount / 4)


def _document_line(
    n: int,
    kind: LineKind,
    amount: Decimal,
    *,
    unit_price: Decimal,
    sim_days: int | None = None,
    cycle_days: int | None = None,
) -> DocumentLine:
    return DocumentLine(
        product_id=f"prod-{n % 7}",
        product_code=f"IOT-EU-{n % 7:03d}",
        product_name=f"Connect {n % 7} Europe",
        kind=kind,
        quantity=Decimal(10 + n),
        unit_price=unit_price,
        sim_days=sim_days,
        cycle_days=cycle_days,
        amount=amount,
    )


@pytest.fixture
def make_document() -> Callable[..., InvoiceDocument]:
    """`invoice_document`, for tests to call with their overrides."""
    return invoice_document
