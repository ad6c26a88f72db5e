"""Invoice documents for the renderer tests: valid by default, override what a test is about."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from reseller_billing.billing.model import LineKind
from reseller_billing.models.invoice_document import (
    Address,
    BilledCustomer,
    DocumentLine,
    InvoiceDocument,
    Issuer,
    SimDetail,
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
    **overrides: Any,
) -> InvoiceDocument:
    """A consistent invoice: net is the sum of the lines, VAT and gross follow from it."""
    lines = tuple(
        DocumentLine(
            product_id=f"prod-{n % 7}",
            product_code=f"IOT-EU-{n % 7:03d}",
            product_name=f"Connect {n % 7} Europe",
            kind=KINDS[n % len(KINDS)],
            quantity=Decimal(10 + n),
            amount=round_money(Decimal("12.345") * (n + 1), currency),
        )
        for n in range(line_count)
    )
    net = sum((line.amount for line in lines), Decimal(0))
    vat = round_money(net * vat_rate / 100, currency)
    fields: dict[str, Any] = {
        "id": "inv_01JH5Q0000000000000000TEST",
        "invoice_number": "INV-2026-000042",
        "issuer": Issuer(account_id="acc-reseller-1", name="Nordlicht IoT GmbH"),
        "customer": BilledCustomer(
            id="acc-customer-1",
            customer_number="C-10042",
            name=customer_name,
            email="billing@example.com",
            address=Address(line1="ul. Piotrkowska 104", postal_code="90-926", city=city, country="PL"),
        ),
        "currency": currency,
        "billing_date": date(2026, 2, 1),
        "issue_date": date(2026, 2, 2),
        "due_date": date(2026, 3, 4),
        "cycle_start": date(2026, 1, 1),
        "cycle_end": date(2026, 1, 31),
        "lines": lines,
        "net_total": round_money(net, currency),
        "vat_rate": vat_rate,
        "vat_amount": vat,
        "gross_total": round_money(net + vat, currency),
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


@pytest.fixture
def make_document() -> Callable[..., InvoiceDocument]:
    """`invoice_document`, for tests to call with their overrides."""
    return invoice_document
