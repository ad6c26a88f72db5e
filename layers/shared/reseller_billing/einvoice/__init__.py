"""Structured e-invoices (EN 16931): one semantic model, two serialisers, and the Factur-X PDF.

* `model` — the EN 16931 semantic model of an invoice or credit note (business terms BT-n, groups BG-n).
* `rules` — what a document must satisfy before it is written; what a reseller profile still lacks.
* `ubl` — UBL 2.1 Invoice / CreditNote following Peppol BIS Billing 3.0.
* `cii` — UN/CEFACT Cross Industry Invoice D16B, Factur-X profile EN 16931.
* `facturx_pdf` — a PDF/A-3 with the CII embedded as `factur-x.xml`.

Pure: no I/O, no clock. docs/e-invoicing.md maps the service's invoice onto the business terms.
"""
