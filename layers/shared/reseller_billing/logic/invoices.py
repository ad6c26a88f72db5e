"""Reading invoices: lists, one invoice, download links for its artefacts, and previews."""

from __future__ import annotations

from datetime import date

from reseller_billing.billing.engine import ServiceNotInPlanError
from reseller_billing.dal import customers as customers_table
from reseller_billing.dal import invoices as table
from reseller_billing.errors import ConflictError, NotFoundError
from reseller_billing.ids import parse_invoice_id
from reseller_billing.integration import artifacts
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.logic.invoice_composition import compose_invoice, cycle_of_run_date
from reseller_billing.logic.pricing import price_list_for
from reseller_billing.models.common import Page, utctoday
from reseller_billing.models.invoices import ArtifactLink, Invoice, InvoiceRecord, InvoiceState
from reseller_billing.models.messages import InvoicedCustomer


def list_invoices(account_id: str, customer_id: str | None, limit: int, cursor: str | None) -> Page[Invoice]:
    load_reseller(account_id)
    page = table.list_invoices(account_id, customer_id, limit, cursor)
    return Page(items=[invoice.as_invoice() for invoice in page.items], next_cursor=page.next_cursor)


def _issued(account_id: str, invoice_id: str) -> InvoiceRecord:
    load_reseller(account_id)
    parsed = parse_invoice_id(invoice_id)
    invoice = table.get_invoice(account_id, *parsed) if parsed is not None else None
    if invoice is None or invoice.state is not InvoiceState.ISSUED:
        raise NotFoundError(f"invoice {invoice_id} not found")
    return invoice


def get_invoice(account_id: str, invoice_id: str) -> Invoice:
    return _issued(account_id, invoice_id).as_invoice()


def artifact_link(account_id: str, invoice_id: str, name: str) -> ArtifactLink:
    """A presigned GET for one artefact; 404 for an artefact the reseller's profile did not ask for."""
    invoice = _issued(account_id, invoice_id)
    stored = invoice.artifacts.get(name)
    if stored is None:
        raise NotFoundError(f"invoice {invoice_id} has no {name} artefact")
    url, expires_at = artifacts.presigned_url(stored.key, f"{invoice.invoice_number}.{name}")
    return ArtifactLink(url=url, expires_at=expires_at)


def preview_invoice(account_id: str, customer_id: str, run_date: date) -> Invoice:
    """The invoice a run on `run_date` would issue to this customer if it ran now, computed by the same
    code with the same price list (the prices in force on the cycle's first day), dated as if issued
    today; it stores nothing and allocates no number. A date ahead shows the running cycle so far."""
    account, profile = load_reseller(account_id)
    cycle = cycle_of_run_date(profile, run_date, field_in="query")
    customer = customers_table.get_customer(account_id, customer_id).value
    price_list = price_list_for(account, profile, cycle.start)
    data = table.customer_billing_data(account_id, customer_id, cycle.start)
    try:
        document = compose_invoice(price_list, InvoicedCustomer.of(customer), cycle, data, utctoday())
    except ServiceNotInPlanError as error:
        # Usage accepted before the plan version pricing this cycle took its allowance away (a change
        # effective on the cycle's first day): the run would fail this invoice too; say why.
        raise ConflictError(f"this cycle cannot be priced: {error}") from None
    return Invoice.of(document, {})
