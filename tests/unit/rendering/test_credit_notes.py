"""A credit note's artefacts: the canonical JSON, the CSV of its lines, and a PDF titled "Credit note" in
the customer's language that references the invoice it credits and says why."""

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from reseller_billing.models.accounts import EInvoiceFormat, InvoiceType, ResellerProfile
from reseller_billing.models.credit_notes import CreditedInvoice, CreditNoteDocument, CreditNoteDocumentLine
from reseller_billing.models.customers import DocumentLocale
from reseller_billing.models.invoice_document import InvoiceDocument
from reseller_billing.rendering.credit_notes import render_credit_note_artifacts
from tests.unit.rendering.conftest import invoice_document


def credit_note_of(invoice: InvoiceDocument, credited: dict[int, Decimal]) -> CreditNoteDocument:
    net = sum(credited.values(), Decimal(0))
    vat = (net * invoice.vat_rate / 100).quantize(Decimal("0.01"))
    assert invoice.invoice_number is not None
    return CreditNoteDocument(
        id="cn_TEST",
        credit_note_number="=CN-2026-000007",
        reason="Wrong VAT rate",
        invoice=CreditedInvoice(id=invoice.id, invoice_number=invoice.invoice_number, issue_date=invoice.issue_date),
        issuer=invoice.issuer,
        customer=invoice.customer,
        currency=invoice.currency,
        issue_date=date(2026, 2, 10),
        cycle_start=invoice.cycle_start,
        cycle_end=invoice.cycle_end,
        lines=tuple(
            CreditNoteDocumentLine(
                line=n,
                product_id=invoice.lines[n].product_id,
                product_code=invoice.lines[n].product_code,
                product_name=invoice.lines[n].product_name,
                kind=invoice.lines[n].kind,
                amount=amount,
            )
            for n, amount in credited.items()
        ),
        net_total=net,
        vat_rate=invoice.vat_rate,
        vat_amount=vat,
        gross_total=net + vat,
        tax_category=invoice.tax_category,
        tax_wording=invoice.tax_wording,
        footer=invoice.footer,
    )


def profile() -> ResellerProfile:
    return ResellerProfile(
        customer_invoice_creation=True,
        customer_invoice_type=InvoiceType.BOTH,
        billing_cycle_day=1,
        e_invoice_format=EInvoiceFormat.NONE,
    )


@pytest.mark.parametrize(
    ("locale", "title", "reference"),
    [
        (DocumentLocale.EN, "CREDIT NOTE", "Credits invoice INV-2026-000042"),
        (DocumentLocale.DE, "GUTSCHRIFT", "Zu Rechnung INV-2026-000042"),
        (DocumentLocale.FR, "AVOIR", "Avoir sur la facture INV-2026-000042"),
    ],
)
def test_the_pdf_is_a_credit_note_in_the_customers_language_referencing_the_invoice(locale, title, reference):
    invoice = invoice_document(locale=locale)
    note = credit_note_of(invoice, {0: invoice.lines[0].amount, 1: Decimal("1.00")})

    files = render_credit_note_artifacts(note, invoice, profile())

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(files["pdf"])).pages)
    assert title in text
    assert reference in text
    assert "Wrong VAT rate" in text
    assert "=CN-2026-000007" in text


def test_json_is_the_canonical_credit_note_and_csv_its_lines_safe_for_spreadsheets():
    invoice = invoice_document()
    note = credit_note_of(invoice, {2: Decimal("3.50")})

    files = render_credit_note_artifacts(note, invoice, profile())

    document = json.loads(files["json"])
    assert (document["document_type"], document["credit_note_number"]) == ("credit_note", "=CN-2026-000007")
    assert document["invoice"] == {"id": invoice.id, "invoice_number": "INV-2026-000042", "issue_date": "2026-02-01"}
    assert [(x["line"], x["amount"]) for x in document["lines"]] == [(2, "3.50")]
    rows = files["csv"].decode().splitlines()
    assert rows[0].startswith("credit_note_number,issue_date,invoice_number,invoice_issue_date")
    assert rows[1].startswith("'=CN-2026-000007,2026-02-10,INV-2026-000042,2026-02-01,EUR,2,")
    assert rows[1].split(",")[9] == "3.50"


def test_a_part_of_an_mrc_line_is_one_sim_day_of_a_one_day_cycle_at_the_credited_amount():
    invoice = invoice_document()
    mrc = next(n for n, line in enumerate(invoice.lines) if line.kind.value == "MRC")
    note = credit_note_of(invoice, {mrc: Decimal("2.00"), 1: invoice.lines[1].amount})

    shaped = note.as_invoice_document(invoice)

    part, whole = shaped.lines
    assert (part.quantity, part.unit_price, part.sim_days, part.cycle_days, part.amount) == (
        Decimal(1),
        Decimal("2.00"),
        1,
        1,
        Decimal("2.00"),
    )
    assert whole == invoice.lines[1]
    assert (shaped.invoice_number, shaped.payment.reference, shaped.sims) == ("=CN-2026-000007", "INV-2026-000042", ())
