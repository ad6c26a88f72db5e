"""Figure 3: PDF render time with the bundled Unicode font, next to the same page in fpdf2's core
Helvetica (the floor fpdf2 allows), a 40-page invoice, and the size of a one-page PDF."""

from __future__ import annotations

import io
import json
import statistics
import time

from pypdf import PdfReader

from reseller_billing.models.invoice_document import InvoiceDocument
from reseller_billing.rendering.pdf import render_pdf
from tests.bench.workload import document, long_document

RENDERS = 50
LONG_PAGES = 40


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _document_of_pages(pages: int) -> InvoiceDocument:
    """A long invoice that fills exactly `pages` pages (found by rendering, rows per page vary)."""
    lines = pages * 24
    for _ in range(8):
        doc = long_document(lines)
        got = _pages(render_pdf(doc))
        if got == pages:
            return doc
        lines = max(4, round(lines * (pages - 0.5) / got) if got > pages else round(lines * (pages + 0.5) / got))
    return doc


def _median_ms(render: object, doc: object) -> float:
    times = []
    for _ in range(RENDERS):
        started = time.perf_counter()
        render(doc)  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    doc = document()  # latin-1 names, so that the core font can draw the same page
    started = time.perf_counter()
    render_pdf(doc)  # the first render in a process parses the fonts
    first_ms = (time.perf_counter() - started) * 1000
    render_pdf(doc, font="core")
    bundled, core = [], []
    for _ in range(3):  # interleaved, so that machine noise hits both alike
        bundled.append(_median_ms(render_pdf, doc))
        core.append(_median_ms(lambda d: render_pdf(d, font="core"), doc))
    unicode_doc = document("Łódź Żółć Ñandú Ωmega Sp. z o.o.")
    long_doc = _document_of_pages(LONG_PAGES)
    started = time.perf_counter()
    long_pdf = render_pdf(long_doc)
    long_ms = (time.perf_counter() - started) * 1000

    print(
        json.dumps(
            {
                "bundled_ms": min(bundled),
                "core_ms": min(core),
                "ratio": min(bundled) / min(core),
                "first_render_ms": first_ms,
                "one_page_bytes": len(render_pdf(unicode_doc)),
                "long_pages": _pages(long_pdf),
                "long_ms": long_ms,
                "long_bytes": len(long_pdf),
            }
        )
    )


if __name__ == "__main__":
    main()
