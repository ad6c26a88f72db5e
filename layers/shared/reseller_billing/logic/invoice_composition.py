"""Composing an invoice: from a customer's SIMs and usage in a cycle and the reseller's price list, through
the billing rules (billing/engine.py), to the canonical invoice document. Billing runs and previews both
come through here, so a preview shows exactly what a run on that date would issue."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from reseller_billing.billing.cycles import BillingCycle, cycle_billed_on
from reseller_billing.billing.engine import compute_invoice
from reseller_billing.billing.model import BillingInput, ComputedInvoice, Service
from reseller_billing.errors import ErrorCode, UnprocessableError
from reseller_billing.ids import invoice_id
from reseller_billing.logic.pricing import PriceList
from reseller_billing.models.accounts import ResellerProfile
from reseller_billing.models.invoice_document import BilledCustomer, DocumentLine, InvoiceDocument, Issuer, SimDetail
from reseller_billing.models.invoices import CustomerBillingData
from reseller_billing.models.messages import InvoicedCustomer


def cycle_of_run_date(profile: ResellerProfile, run_date: date) -> BillingCycle:
    """The cycle billed on `run_date`, which must be the reseller's billing-cycle day (422 otherwise)."""
    if run_date.day != profile.billing_cycle_day:
        raise UnprocessableError(
            f"run_date must fall on the reseller's billing-cycle day ({profile.billing_cycle_day})",
            code=ErrorCode.RUN_DATE_NOT_CYCLE_DAY,
            details=[{"in": "body", "field": "run_date", "message": "not the billing-cycle day"}],
        )
    return cycle_billed_on(run_date)


def compose_invoice(
    price_list: PriceList, customer: InvoicedCustomer, cycle: BillingCycle, data: CustomerBillingData
) -> InvoiceDocument:
    """The customer's invoice for the cycle, without a number; no lines means nothing to invoice. SIMs on
    a product the price list does not know (created after the run started) are not billed by it."""
    sims = tuple(sim for sim in data.sims if sim.product_id in price_list.products)
    billed = {sim.iccid for sim in sims}
    usage: dict[tuple[str, Service], Decimal] = defaultdict(Decimal)
    for total in data.usage:
        if total.iccid in billed and total.day in cycle:
            usage[(total.iccid, total.service)] += total.quantity
    computed = compute_invoice(
        BillingInput(
            cycle=cycle,
            currency=price_list.currency,
            vat_rate=customer.vat_rate,
            sims=sims,
            usage=usage,
            products=price_list.products,
            plans=price_list.plans,
        )
    )
    return compose_document(price_list, customer, cycle, computed, None)


def compose_document(
    price_list: PriceList,
    customer: InvoicedCustomer,
    cycle: BillingCycle,
    computed: ComputedInvoice,
    number: str | None,
) -> InvoiceDocument:
    """The canonical invoice: what invoice.json holds and the PDF and CSV show."""
    products = price_list.products
    return InvoiceDocument(
        id=invoice_id(customer.id, cycle.start),
        invoice_number=number,
        issuer=Issuer(account_id=price_list.account_id, name=price_list.issuer_name),
        customer=BilledCustomer(
            id=customer.id,
            customer_number=customer.customer_number,
            name=customer.name,
            email=customer.email,
            address=customer.address,
        ),
        currency=price_list.currency,
        issue_date=cycle.run_date,
        cycle_start=cycle.start,
        cycle_end=cycle.end,
        lines=tuple(
            DocumentLine(
                product_id=line.product_id,
                product_code=products[line.product_id].code,
                product_name=products[line.product_id].name,
                kind=line.kind,
                quantity=line.quantity,
                amount=line.amount,
            )
            for line in computed.lines
        ),
        net_total=computed.net_total,
        vat_rate=computed.vat_rate,
        vat_amount=computed.vat_amount,
        gross_total=computed.gross_total,
        sims=tuple(
            SimDetail(
                iccid=c.iccid,
                product_id=c.product_id,
                kind=c.kind,
                active_days=c.active_days,
                quantity=c.quantity,
                amount=c.amount,
            )
            for c in computed.sim_charges
        ),
    )
