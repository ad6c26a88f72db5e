"""The artefacts of an invoice, rendered from its canonical document as the reseller's profile asks."""

from __future__ import annotations

from reseller_billing.models.accounts import EInvoiceFormat, ResellerProfile
from reseller_billing.models.invoice_document import InvoiceDocument
from reseller_billing.rendering.raw import JsonArtifact, render_csv

Rendered = bytes | JsonArtifact


def render_artifacts(doc: InvoiceDocument, profile: ResellerProfile) -> dict[str, Rendered]:
    """Artefact name -> bytes: RAW = invoice.json + invoice.csv, PDF = invoice.pdf, BOTH = all three, and
    `xml` with an e-invoice format. With FACTUR_X the PDF is the PDF/A-3 hybrid carrying the XML.
    invoice.json, which grows with the SIMs, is encoded as it is stored (JsonArtifact)."""
    rendered: dict[str, Rendered] = {}
    names = profile.artifact_names
    if "xml" in names:
        from reseller_billing.rendering.e_invoice import render_e_invoice  # lxml only where e-invoices are made

        xml = rendered["xml"] = render_e_invoice(doc, profile.e_invoice_format)
    for name in names:
        if name == "json":
            rendered[name] = JsonArtifact(doc)
        elif name == "csv":
            rendered[name] = render_csv(doc)
        elif name == "pdf":
            from reseller_billing.rendering.pdf import render_pdf  # fpdf2 and Babel only where PDFs are made

            pdf = render_pdf(doc)
            if profile.e_invoice_format is EInvoiceFormat.FACTUR_X:
                from reseller_billing.einvoice.facturx_pdf import embed_facturx

                pdf = embed_facturx(pdf, xml)
            rendered[name] = pdf
    return {name: rendered[name] for name in names}
