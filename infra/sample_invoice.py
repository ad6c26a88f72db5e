"""Write the sample invoices of the docs, one per locale: `<stem>.pdf` and `<stem>.png` of its first page (en),
`<stem>-de.*` and `<stem>-fr.*`, and the English invoice's e-invoices, `<stem>-ubl.xml` (UBL, Peppol BIS
Billing 3.0) and `<stem>-cii.xml` (Factur-X EN 16931).

    .venv/bin/python -m infra.sample_invoice docs/sample-invoice

The PNGs need `pdftoppm` (Debian: poppler-utils); they are for the docs only, no test needs them. The unit
tests check that the committed XML files are what this module writes, and validate them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from reseller_billing.billing.model import LineKind
from reseller_billing.einvoice.model import REVERSE_CHARGE_WORDING
from reseller_billing.models.accounts import EInvoiceFormat
from reseller_billing.models.customers import DocumentLocale, TaxTreatment
from reseller_billing.models.invoice_document import (
    BilledCustomer,
    DocumentLine,
    InvoiceAddress,
    InvoiceDocument,
    Issuer,
    Payment,
    TaxCategory,
)
from reseller_billing.money import round_money
from reseller_billing.rendering.e_invoice import render_e_invoice
from reseller_billing.rendering.pdf import render_pdf

CURRENCY = "EUR"
CYCLE_START, CYCLE_END = date(2026, 1, 1), date(2026, 1, 31)
CYCLE_DAYS = 31
ISSUE_DATE = date(2026, 2, 1)
PAYMENT_TERMS_DAYS = 14

# (product code, product name, kind, quantity, unit price, SIM-days for MRC)
_CHARGES = (
    ("NL-EU-1GB", "IoT Europe 1 GB pooled", LineKind.MRC, Decimal("250"), Decimal("2.90"), 7626),
    ("NL-EU-1GB", "IoT Europe 1 GB pooled", LineKind.ACTIVATION, Decimal("40"), Decimal("1.50"), None),
    ("NL-EU-1GB", "IoT Europe 1 GB pooled", LineKind.OVERAGE_DATA, Decimal("1843.512"), Decimal("0.004"), None),
    ("NL-EU-LPWA", "LPWA Europe 10 MB", LineKind.MRC, Decimal("1200"), Decimal("0.45"), 37200),
    ("NL-GL-SMS", "Global SMS 100", LineKind.MRC, Decimal("120"), Decimal("1.20"), 3596),
    ("NL-GL-SMS", "Global SMS 100", LineKind.OVERAGE_SMS, Decimal("312"), Decimal("0.05"), None),
)

ISSUER = Issuer(
    account_id="acc_nordlicht",
    name="Nordlicht IoT",
    legal_name="Nordlicht IoT GmbH",
    address=InvoiceAddress(line1="Speicherstadt 7", line2=None, postal_code="20457", city="Hamburg", country="DE"),
    vat_id="DE136695976",
    registration_number="HRB 123456, Amtsgericht Hamburg",
    email="billing@nordlicht-iot.example",
    peppol_id=None,
)
FOOTER = "Nordlicht IoT GmbH · Geschäftsführerin / Managing director: Jana Nordmann · +49 40 1234567"

# The customer of each sample: cross-border business customers pay under reverse charge, a German one VAT.
_CUSTOMERS = {
    DocumentLocale.EN: BilledCustomer(
        id="cus_lodz_omega",
        customer_number="C-20931",
        name="Łódź Żółć Ñandú Ωmega Sp. z o.o.",
        email="faktury@omega-lodz.example",
        address=InvoiceAddress(
            line1="ul. Piotrkowska 104", line2="Budynek B, piętro 3", postal_code="90-926", city="Łódź", country="PL"
        ),
        vat_id="PL5260250995",
        tax_treatment=TaxTreatment.REVERSE_CHARGE,
        tax_exemption_reason=None,
        locale=DocumentLocale.EN,
        peppol_id=None,
    ),
    DocumentLocale.DE: BilledCustomer(
        id="cus_muenchen",
        customer_number="C-10417",
        name="Müller & Söhne Logistik GmbH",
        email="buchhaltung@mueller-soehne.example",
        address=InvoiceAddress(
            line1="Industriestraße 5", line2=None, postal_code="80331", city="München", country="DE"
        ),
        vat_id="DE129273398",
        tax_treatment=TaxTreatment.STANDARD,
        tax_exemption_reason=None,
        locale=DocumentLocale.DE,
        peppol_id="9930:DE129273398",
    ),
    DocumentLocale.FR: BilledCustomer(
        id="cus_lyon",
        customer_number="C-30112",
        name="Société Générale de Télématique SAS",
        email="comptabilite@sgt.example",
        address=InvoiceAddress(
            line1="12 rue de la République", line2=None, postal_code="69002", city="Lyon", country="FR"
        ),
        vat_id="FR40303265045",
        tax_treatment=TaxTreatment.REVERSE_CHARGE,
        tax_exemption_reason=None,
        locale=DocumentLocale.FR,
        peppol_id=None,
    ),
}


def sample_document(locale: DocumentLocale = DocumentLocale.EN) -> InvoiceDocument:
    """A German reseller's invoice for January 2026 to a customer who reads `locale`: three products, EUR;
    19 % VAT for the German customer, reverse charge for the others."""
    customer = _CUSTOMERS[locale]
    reverse_charge = customer.tax_treatment is TaxTreatment.REVERSE_CHARGE
    vat_rate = Decimal(0) if reverse_charge else Decimal(19)
    lines = tuple(
        DocumentLine(
            product_id=f"prod-{code.lower()}",
            product_code=code,
            product_name=name,
            kind=kind,
            quantity=quantity,
            unit_price=price,
            sim_days=sim_days,
            cycle_days=CYCLE_DAYS if sim_days is not None else None,
            amount=round_money(price * sim_days / CYCLE_DAYS if sim_days is not None else price * quantity, CURRENCY),
        )
        for code, name, kind, quantity, price, sim_days in _CHARGES
    )
    net = sum((line.amount for line in lines), Decimal(0))
    vat = round_money(net * vat_rate / 100, CURRENCY)
    number = "NL-2026-000417"
    return InvoiceDocument(
        id="inv_01JH5Q8Z6W2K4M7N9P3R5T7V9X",
        invoice_number=number,
        issuer=ISSUER,
        customer=customer,
        currency=CURRENCY,
        billing_date=ISSUE_DATE,
        issue_date=ISSUE_DATE,
        due_date=ISSUE_DATE + timedelta(days=PAYMENT_TERMS_DAYS),
        cycle_start=CYCLE_START,
        cycle_end=CYCLE_END,
        lines=lines,
        net_total=net,
        vat_rate=vat_rate,
        vat_amount=vat,
        gross_total=net + vat,
        tax_category=TaxCategory.REVERSE_CHARGE if reverse_charge else TaxCategory.STANDARD,
        tax_wording=REVERSE_CHARGE_WORDING[locale.value] if reverse_charge else None,
        payment=Payment(
            terms_days=PAYMENT_TERMS_DAYS, iban="DE89370400440532013000", bic="COBADEFFXXX", reference=number
        ),
        footer=FOOTER,
        sims=(),
    )


def sample_e_invoices() -> dict[str, bytes]:
    """The English sample's e-invoices by file suffix: `-ubl.xml` and `-cii.xml`."""
    doc = sample_document()
    return {
        "-ubl.xml": render_e_invoice(doc, EInvoiceFormat.UBL),
        "-cii.xml": render_e_invoice(doc, EInvoiceFormat.FACTUR_X),
    }


def write_samples(stem: Path) -> list[Path]:
    """Write each locale's PDF and the PNG of its first page, and the e-invoices; return the paths."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("pdftoppm not found: apt-get install poppler-utils")
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for locale in DocumentLocale:
        name = stem if locale is DocumentLocale.EN else stem.with_name(f"{stem.name}-{locale.value}")
        pdf = name.with_suffix(".pdf")
        pdf.write_bytes(render_pdf(sample_document(locale)))
        subprocess.run([pdftoppm, "-png", "-r", "80", "-singlefile", str(pdf), str(name)], check=True)
        written += [pdf, name.with_suffix(".png")]
    for suffix, xml in sample_e_invoices().items():
        path = stem.with_name(f"{stem.name}{suffix}")
        path.write_bytes(xml)
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m infra.sample_invoice <output path without extension>")
    for path in write_samples(Path(sys.argv[1])):
        print(f"wrote {path}")
