"""Write the sample invoice of the docs: `<stem>.pdf`, and `<stem>.png` of its first page.

    .venv/bin/python -m infra.sample_invoice docs/sample-invoice

The PNG needs `pdftoppm` (Debian: poppler-utils); it is for the docs only, no test needs it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from reseller_billing.billing.model import LineKind
from reseller_billing.models.invoice_document import (
    Address,
    BilledCustomer,
    DocumentLine,
    InvoiceDocument,
    Issuer,
)
from reseller_billing.money import round_money
from reseller_billing.rendering.pdf import render_pdf

CURRENCY = "EUR"
VAT_RATE = Decimal("19")

# (product code, product name, kind, quantity, unit price)
_CHARGES = (
    ("NL-EU-1GB", "IoT Europe 1 GB pooled", LineKind.MRC, Decimal("250"), Decimal("2.90")),
    ("NL-EU-1GB", "IoT Europe 1 GB pooled", LineKind.ACTIVATION, Decimal("40"), Decimal("1.50")),
    ("NL-EU-1GB", "IoT Europe 1 GB pooled", LineKind.OVERAGE_DATA, Decimal("1843.512"), Decimal("0.004")),
    ("NL-EU-LPWA", "LPWA Europe 10 MB", LineKind.MRC, Decimal("1200"), Decimal("0.45")),
    ("NL-GL-SMS", "Global SMS 100", LineKind.MRC, Decimal("120"), Decimal("1.20")),
    ("NL-GL-SMS", "Global SMS 100", LineKind.OVERAGE_SMS, Decimal("312"), Decimal("0.05")),
)


def sample_document() -> InvoiceDocument:
    """A reseller's invoice to its customer for January 2026: three products, EUR, 19% VAT."""
    lines = tuple(
        DocumentLine(
            product_id=f"prod-{code.lower()}",
            product_code=code,
            product_name=name,
            kind=kind,
            quantity=quantity,
            amount=round_money(quantity * price, CURRENCY),
        )
        for code, name, kind, quantity, price in _CHARGES
    )
    net = sum((line.amount for line in lines), Decimal(0))
    vat = round_money(net * VAT_RATE / 100, CURRENCY)
    return InvoiceDocument(
        id="inv_01JH5Q8Z6W2K4M7N9P3R5T7V9X",
        invoice_number="NL-2026-000417",
        issuer=Issuer(account_id="acc_nordlicht", name="Nordlicht IoT GmbH"),
        customer=BilledCustomer(
            id="acc_lodz_omega",
            customer_number="C-20931",
            name="Łódź Żółć Ñandú Ωmega Sp. z o.o.",
            email="faktury@omega-lodz.example",
            address=Address(
                line1="ul. Piotrkowska 104",
                line2="Budynek B, piętro 3",
                postal_code="90-926",
                city="Łódź",
                country="PL",
            ),
        ),
        currency=CURRENCY,
        billing_date=date(2026, 2, 1),
        issue_date=date(2026, 2, 1),
        due_date=date(2026, 3, 3),
        cycle_start=date(2026, 1, 1),
        cycle_end=date(2026, 1, 31),
        lines=lines,
        net_total=net,
        vat_rate=VAT_RATE,
        vat_amount=vat,
        gross_total=net + vat,
        sims=(),
    )


def write_sample(stem: Path) -> tuple[Path, Path]:
    """Write `<stem>.pdf` and the PNG of its first page; return both paths."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("pdftoppm not found: apt-get install poppler-utils")
    pdf = stem.with_suffix(".pdf")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(render_pdf(sample_document()))
    subprocess.run([pdftoppm, "-png", "-r", "80", "-singlefile", str(pdf), str(stem)], check=True)
    return pdf, stem.with_suffix(".png")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m infra.sample_invoice <output path without extension>")
    for path in write_sample(Path(sys.argv[1])):
        print(f"wrote {path}")
