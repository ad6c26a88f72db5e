"""Reading invoices: lists, one invoice, download links for its artefacts, and previews."""

from __future__ import annotations

from datetime import date
from typing import Any

from reseller_billing.dal import billing as table
from reseller_billing.dal.billing import ISSUED
from reseller_billing.dal.items import InvoiceItem
from reseller_billing.errors import NotFoundError
from reseller_billing.integration import artifacts
from reseller_billing.logic import invoicing
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.models.common import Page
from reseller_billing.models.invoices import ArtifactLink, Invoice


def list_invoices(account_id: str, customer_id: str | None, limit: int, cursor: str | None) -> Page[Invoice]:
    load_reseller(account_id)
    page = table.list_invoices(account_id, customer_id, limit, cursor)
    return Page(items=[invoicing.invoice_of(item) for item in page.items], next_cursor=page.next_cursor)


def _issued(account_id: str, invoice_id: str) -> InvoiceItem:
    load_reseller(account_id)
    customer_id, cycle_start = invoicing.parse_invoice_id(invoice_id)
    item = table.get_invoice(account_id, customer_id, cycle_start)
    if item is None or item.status != ISSUED:
        raise NotFoundError(f"invoice {invoice_id} not found")
    return item


def get_invoice(account_id: str, invoice_id: str) -> Invoice:
    return invoicing.invoice_of(_issued(account_id, invoice_id))


def artifact_link(account_id: str, invoice_id: str, name: str) -> ArtifactLink:
    """A presigned GET for one artefact; 404 for an artefact the reseller's profile did not ask for."""
    item = _issued(account_id, invoice_id)
    stored_artifacts: dict[str, Any] = item.artifacts or {}
    stored = stored_artifacts.get(name)
    if stored is None:
        raise NotFoundError(f"invoice {invoice_id} has no {name} artefact")
    url, expires_at = artifacts.presigned_url(stored["key"], f"{item.invoice_number}.{name}")
    return ArtifactLink(url=url, expires_at=expires_at)


def preview_invoice(account_id: str, customer_id: str, run_date: date) -> Invoice:
    return invoicing.preview_invoice(account_id, customer_id, run_date)
