"""The documents report: a reseller's issued invoices and credit notes of a period, paged or as one CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

from reseller_billing.dal import credit_notes as table
from reseller_billing.errors import UnprocessableError
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.models.common import Page
from reseller_billing.models.documents import AccountingDocument
from reseller_billing.rendering.raw import user_text_cell

CSV_PAGE = 100
# A row is at most ≈ 235 bytes (the longest prefix, ids and amounts): ≈ 4.7 MB, within the 6 MB a Lambda
# function may answer (API Gateway takes 10 MB).
MAX_CSV_ROWS = 20_000
CSV_COLUMNS = (
    "type",
    "number",
    "issue_date",
    "customer_id",
    "currency",
    "net_total",
    "vat_amount",
    "gross_total",
    "id",
    "invoice_id",
)


def _period(first: date, last: date) -> None:
    if last < first:
        raise UnprocessableError(
            "`to` is before `from`",
            details=[{"in": "query", "field": "to", "message": "before `from`", "type": "value_error"}],
        )


def list_documents(
    account_id: str, first: date, last: date, limit: int, cursor: str | None
) -> Page[AccountingDocument]:
    """Issued invoices and credit notes with issue dates from `first` to `last` (inclusive), by issue date,
    type and number."""
    load_reseller(account_id)
    _period(first, last)
    return table.list_documents(account_id, first, last, limit, cursor)


def documents_csv(account_id: str, first: date, last: date) -> str:
    """The whole period as CSV (a header row, then one row per document; RFC 4180). More than
    MAX_CSV_ROWS documents: 422, naming the period, to be asked for in parts."""
    load_reseller(account_id)
    _period(first, last)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    rows = 0
    cursor: str | None = None
    while True:
        page = table.list_documents(account_id, first, last, CSV_PAGE, cursor)
        for doc in page.items:
            writer.writerow(
                (
                    doc.type.value,
                    user_text_cell(doc.number),
                    doc.issue_date.isoformat(),
                    doc.customer_id,
                    doc.currency,
                    format(doc.net_total, "f"),
                    format(doc.vat_amount, "f"),
                    format(doc.gross_total, "f"),
                    doc.id,
                    doc.invoice_id or "",
                )
            )
        rows += len(page.items)
        if rows > MAX_CSV_ROWS:
            raise UnprocessableError(
                f"the period has more than {MAX_CSV_ROWS} documents; export it in shorter periods",
                details=[
                    {"in": "query", "field": "to", "message": "period too large for one CSV", "type": "value_error"}
                ],
            )
        if page.next_cursor is None:
            return buffer.getvalue()
        cursor = page.next_cursor
