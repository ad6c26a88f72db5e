"""The artefacts of a credit note, as the reseller's profile asks, under the names an invoice's have:
`json` (the canonical credit note), `csv` (its lines), `pdf` (a credit note in the customer's locale,
referencing the invoice it credits) and `xml` (UBL CreditNote / CII type 381, through the invoice's
EN 16931 mapping with the document type as a parameter)."""

from __future__ import annotations

import csv
import io
import json

from reseller_billing.models.accounts import EInvoiceFormat, ResellerProfile
from reseller_billing.models.credit_notes import CreditNoteDocument
from reseller_billing.models.invoice_document import InvoiceDocument
from reseller_billing.rendering.raw import json_scalar, user_text_cell

CSV_COLUMNS = (
    "credit_note_number",
    "issue_date",
    "invoice_number",
    "invoice_issue_date",
    "currency",
    "line",
    "product_code",
    "product_name",
    "kind",
    "amount",
    "tax_category",
)


def render_credit_note_json(doc: CreditNoteDocument) -> bytes:
    """The canonical credit note as `invoice.json` is written: UTF-8, compact, amounts as strings."""
    text = json.dumps(doc.model_dump(), ensure_ascii=False, separators=(",", ":"), default=json_scalar)
    return (text + "\n").encode("utf-8")


def render_credit_note_csv(doc: CreditNoteDocument) -> bytes:
    """A header row, then one row per credited line (positive amounts); RFC 4180, UTF-8 without BOM."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in doc.lines:
        writer.writerow(
            (
                user_text_cell(doc.credit_note_number),
                doc.issue_date.isoformat(),
                user_text_cell(doc.invoice.invoice_number),
                doc.invoice.issue_date.isoformat(),
                doc.currency,
                str(line.line),
                user_text_cell(line.product_code),
                user_text_cell(line.product_name),
                line.kind.value,
                format(line.amount, "f"),
                doc.tax_category.value,
            )
        )
    return buffer.getvalue().encode("utf-8")


def render_credit_note_artifacts(
    doc: CreditNoteDocument, invoice: InvoiceDocument, profile: ResellerProfile
) -> dict[str, bytes]:
    """Artefact name -> bytes for the credit note `doc` of `invoice`, as the profile asks (render_artifacts'
    rules: RAW, PDF, BOTH, and `xml` with an e-invoice format; FACTUR_X embeds it in the PDF)."""
    shaped = doc.as_invoice_document(invoice)
    rendered: dict[str, bytes] = {}
    names = profile.artifact_names
    if "xml" in names:
        from reseller_billing.einvoice.model import DocumentType, PrecedingInvoice
        from reseller_billing.rendering.e_invoice import render_e_invoice

        preceding = PrecedingInvoice(number=doc.invoice.invoice_number, issue_date=doc.invoice.issue_date)
        rendered["xml"] = render_e_invoice(shaped, profile.e_invoice_format, DocumentType.CREDIT_NOTE, preceding)
    for name in names:
        if name == "json":
            rendered[name] = render_credit_note_json(doc)
        elif name == "csv":
            rendered[name] = render_credit_note_csv(doc)
        elif name == "pdf":
            from reseller_billing.rendering.pdf import CreditedInvoiceRef, render_pdf

            ref = CreditedInvoiceRef(doc.invoice.invoice_number, doc.invoice.issue_date, doc.reason)
            pdf = render_pdf(shaped, credits=ref)
            if profile.e_invoice_format is EInvoiceFormat.FACTUR_X:
                from reseller_billing.einvoice.facturx_pdf import embed_facturx

                pdf = embed_facturx(pdf, rendered["xml"])
            rendered[name] = pdf
    return {name: rendered[name] for name in names}
