"""The RAW artefacts: `invoice.json`, the canonical invoice, and `invoice.csv`, its lines.

Both are deterministic: equal documents give equal bytes, so an artefact's SHA-256 identifies its content.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reseller_billing.models.invoice_document import InvoiceDocument

CSV_COLUMNS = (
    "invoice_number",
    "issue_date",
    "cycle_start",
    "cycle_end",
    "currency",
    "product_code",
    "product_name",
    "kind",
    "quantity",
    "amount",
    # Schema 2.0: appended, so that an import reading the first columns by position reads what it did.
    "unit_price",
    "sim_days",
    "cycle_days",
    "billing_date",
    "due_date",
    "tax_category",
)


JSON_CHUNK_BYTES = 256 * 1024


def render_json(doc: InvoiceDocument) -> bytes:
    """`invoice.json`: UTF-8, keys in model order, no insignificant whitespace, a final newline.

    Amounts and quantities are strings in fixed-point notation with the digits the model holds ("11.30",
    never 11.3 or "1.13E+1"), as `schemas/invoice-<version>.schema.json` describes them.
    """
    return b"".join(json_chunks(doc))


def json_chunks(doc: InvoiceDocument) -> Iterator[bytes]:
    """`invoice.json` (the bytes render_json gives) in pieces of about JSON_CHUNK_BYTES: the per-SIM detail
    (`sims`, the last field) is encoded a SIM at a time, so a 100,000-SIM invoice is never held whole."""
    head = json.dumps(doc.model_dump(exclude={"sims"}), ensure_ascii=False, separators=(",", ":"), default=json_scalar)
    pieces = [head[:-1], ',"sims":[']
    size = 0
    for n, sim in enumerate(doc.sims):
        row = json.dumps(sim.model_dump(), ensure_ascii=False, separators=(",", ":"), default=json_scalar)
        pieces.append("," + row if n else row)
        size += len(row) + 1
        if size >= JSON_CHUNK_BYTES:
            yield "".join(pieces).encode("utf-8")
            pieces, size = [], 0
    pieces.append("]}\n")
    yield "".join(pieces).encode("utf-8")


@dataclass(frozen=True)
class JsonArtifact:
    """`invoice.json` to be written as it is encoded (integration/artifacts.py streams it to S3); each
    iteration encodes it again, the same bytes each time."""

    doc: InvoiceDocument

    def __iter__(self) -> Iterator[bytes]:
        return json_chunks(self.doc)


def render_csv(doc: InvoiceDocument) -> bytes:
    """`invoice.csv`: a header row, then one row per invoice line; RFC 4180 (CRLF), UTF-8 without BOM.

    A preview has an empty invoice_number. Cells a user wrote (product code and name, the invoice number's
    prefix) never start a formula when the file is opened in a spreadsheet (`user_text_cell`). `sim_days` and
    `cycle_days` are empty but on MRC lines.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    invoice = (
        user_text_cell(doc.invoice_number or ""),
        doc.issue_date.isoformat(),
        doc.cycle_start.isoformat(),
        doc.cycle_end.isoformat(),
        doc.currency,
    )
    for line in doc.lines:
        writer.writerow(
            (
                *invoice,
                user_text_cell(line.product_code),
                user_text_cell(line.product_name),
                line.kind.value,
                _decimal(line.quantity),
                _decimal(line.amount),
                _decimal(line.unit_price),
                "" if line.sim_days is None else str(line.sim_days),
                "" if line.cycle_days is None else str(line.cycle_days),
                doc.billing_date.isoformat(),
                doc.due_date.isoformat(),
                doc.tax_category.value,
            )
        )
    return buffer.getvalue().encode("utf-8")


# What makes Excel, LibreOffice and Google Sheets read a cell as a formula (OWASP, CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def user_text_cell(text: str) -> str:
    """A CSV cell of text a user wrote: one that would start a formula (`=HYPERLINK(...)`, `+1`, `@SUM`) gets
    a leading `'`, which spreadsheets show as text. Numbers the service writes are not user text."""
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def json_scalar(value: object) -> str:
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def _decimal(value: Decimal) -> str:
    # `str()` switches to exponent notation for some values (1E+2, 1E-7); "f" never does and keeps the
    # value's digits, so "11.30" stays "11.30".
    return format(value, "f")
