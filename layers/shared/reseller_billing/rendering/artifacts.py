"""The artefacts of an invoice, rendered from its canonical document as the reseller's profile asks."""

from __future__ import annotations

from reseller_billing.models.accounts import InvoiceType
from reseller_billing.models.invoice_document import InvoiceDocument
from reseller_billing.rendering.raw import render_csv, render_json


def render_artifacts(doc: InvoiceDocument, invoice_type: InvoiceType) -> dict[str, bytes]:
    """RAW = invoice.json + invoice.csv, PDF = invoice.pdf, BOTH = all three: artefact name -> bytes."""
    rendered: dict[str, bytes] = {}
    for name in invoice_type.artifact_names:
        if name == "json":
            rendered[name] = render_json(doc)
        elif name == "csv":
            rendered[name] = render_csv(doc)
        else:
            from reseller_billing.rendering.pdf import render_pdf  # fpdf2 only where PDFs are made

            rendered[name] = render_pdf(doc)
    return rendered
