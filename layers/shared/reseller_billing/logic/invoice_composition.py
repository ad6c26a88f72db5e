"""Composing an invoice: from a customer's SIMs and usage in a cycle and the reseller's price list, through
the billing rules (billing/engine.py), to the canonical invoice document. Billing runs and previews both
come through here, so a preview shows exactly what a run on that date would issue."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from reseller_billing.billing.cycles import BillingCycle
from reseller_billing.billing.engine import compute_invoice
from reseller_billing.billing.model import BillingInput, ComputedInvoice, Service
from reseller_billing.einvoice.model import REVERSE_CHARGE_WORDING
from reseller_billing.errors import ErrorCode, UnprocessableError
from reseller_billing.ids import invoice_id
from reseller_billing.logic.pricing import PriceList
from reseller_billing.models.accounts import ResellerProfileState
from reseller_billing.models.customers import TaxTreatment
from reseller_billing.models.invoice_document import (
    BilledCustomer,
    DocumentLine,
    InvoiceAddress,
    InvoiceDocument,
    Issuer,
    Payment,
    SimDetail,
    TaxCategory,
)
from reseller_billing.models.invoices import CustomerBillingData
from reseller_billing.models.messages import InvoicedCustomer


def cycle_of_run_date(profile: ResellerProfileState, run_date: date, field_in: str = "body") -> BillingCycle:
    """The cycle billed on `run_date`, which must be a run date of the reseller's cycles (422 otherwise):
    the day after one of its cycles ends, as its billing-cycle history has them."""
    cycle = profile.schedule.cycle_billed_on(run_date)
    if cycle is None:
        ends = profile.schedule.cycle_containing(run_date).run_date
        raise UnprocessableError(
            f"no billing cycle of this reseller ends the day before {run_date}; the cycle running then is "
            f"billed on {ends}",
            code=ErrorCode.RUN_DATE_NOT_CYCLE_DAY,
            details=[{"in": field_in, "field": "run_date", "message": "not a run date of the reseller's cycles"}],
        )
    return cycle


def compose_invoice(
    price_list: PriceList, customer: InvoicedCustomer, cycle: BillingCycle, data: CustomerBillingData, on: date
) -> InvoiceDocument:
    """The customer's invoice for the cycle, without a number, dated as if issued `on`; no lines means
    nothing to invoice. SIMs on a product the price list does not know (created after the run started)
    are not billed by it."""
    sims = tuple(sim for sim in data.sims if sim.product_id in price_list.products)
    billed = {sim.iccid for sim in sims}
    usage: dict[tuple[str, Service], Decimal] = defaultdict(Decimal)
    for total in data.usage:
        if total.iccid in billed and total.cycle_start == cycle.start:
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
    return compose_document(price_list, customer, cycle, computed, None, on)


def numbered(doc: InvoiceDocument, number: str, issue_date: date, payment_terms_days: int) -> InvoiceDocument:
    """The invoice with the number allocated on `issue_date` (also its payment reference), due
    `payment_terms_days` later."""
    return doc.numbered(number).model_copy(
        update={"issue_date": issue_date, "due_date": issue_date + timedelta(days=payment_terms_days)}
    )


def tax_category_and_wording(customer: InvoicedCustomer) -> tuple[TaxCategory, str | None]:
    """The VAT category of the customer's invoices (docs/domain.md: S, or Z at rate 0; AE; E) and what the
    invoice states about it: the reverse-charge mention in the customer's language, or the exemption reason."""
    if customer.tax_treatment is TaxTreatment.REVERSE_CHARGE:
        return TaxCategory.REVERSE_CHARGE, REVERSE_CHARGE_WORDING[customer.locale.value]
    if customer.tax_treatment is TaxTreatment.EXEMPT:
        return TaxCategory.EXEMPT, customer.tax_exemption_reason
    return (TaxCategory.STANDARD if customer.vat_rate > 0 else TaxCategory.ZERO_RATED), None


def _issuer(price_list: PriceList) -> Issuer:
    details = price_list.profile.issuer
    if details is None:
        return Issuer(
            account_id=price_list.account_id,
            name=price_list.issuer_name,
            legal_name=None,
            address=None,
            vat_id=None,
            registration_number=None,
            email=None,
            peppol_id=None,
        )
    return Issuer(
        account_id=price_list.account_id,
        name=price_list.issuer_name,
        legal_name=details.legal_name,
        address=InvoiceAddress.model_validate(details.address.model_dump()),
        vat_id=details.vat_id,
        registration_number=details.registration_number,
        email=details.email,
        peppol_id=details.peppol_id,
    )


def compose_document(
    price_list: PriceList,
    customer: InvoicedCustomer,
    cycle: BillingCycle,
    computed: ComputedInvoice,
    number: str | None,
    issue_date: date,
) -> InvoiceDocument:
    """The canonical invoice: what invoice.json holds and the PDF, CSV and e-invoice show. Billed on the
    cycle's run date, issued on `issue_date`, due as the reseller's payment terms say."""
    products = price_list.products
    profile = price_list.profile
    category, wording = tax_category_and_wording(customer)
    bank = profile.bank_account
    return InvoiceDocument(
        id=invoice_id(customer.id, cycle.start),
        invoice_number=number,
        issuer=_issuer(price_list),
        customer=BilledCustomer(
            id=customer.id,
            customer_number=customer.customer_number,
            name=customer.name,
            email=customer.email,
            address=customer.address,
            vat_id=customer.vat_id,
            tax_treatment=customer.tax_treatment,
            tax_exemption_reason=customer.tax_exemption_reason,
            locale=customer.locale,
            peppol_id=customer.peppol_id,
        ),
        currency=price_list.currency,
        billing_date=cycle.run_date,
        issue_date=issue_date,
        due_date=issue_date + timedelta(days=profile.payment_terms_days),
        cycle_start=cycle.start,
        cycle_end=cycle.end,
        lines=tuple(
            DocumentLine(
                product_id=line.product_id,
                product_code=products[line.product_id].code,
                product_name=products[line.product_id].name,
                kind=line.kind,
                quantity=line.quantity,
                unit_price=line.unit_price,
                sim_days=line.sim_days,
                cycle_days=line.cycle_days,
                amount=line.amount,
            )
            for line in computed.lines
        ),
        net_total=computed.net_total,
        vat_rate=computed.vat_rate,
        vat_amount=computed.vat_amount,
        gross_total=computed.gross_total,
        tax_category=category,
        tax_wording=wording,
        payment=Payment(
            terms_days=profile.payment_terms_days,
            iban=bank.iban if bank else None,
            bic=bank.bic if bank else None,
            reference=number,
        ),
        footer=profile.invoice_footer,
        # Built unvalidated from the engine's typed charges, sharing their values and one fields set: a
        # validated SimDetail is about twice the size, and a large invoice holds several per SIM.
        sims=tuple(
            SimDetail.model_construct(
                _SIM_DETAIL_FIELDS,
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


_SIM_DETAIL_FIELDS = set(SimDetail.model_fields)  # never changed: the models are frozen
