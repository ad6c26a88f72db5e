"""Computing an invoice: from a customer's SIMs and usage and the reseller's price list to the canonical
invoice document. Billing runs and previews both come through here, so a preview shows exactly what a run
on that date would issue."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from reseller_billing.billing.cycles import BillingCycle, cycle_billed_on
from reseller_billing.billing.engine import compute_invoice
from reseller_billing.billing.model import (
    Allowance,
    BillingInput,
    ComputedInvoice,
    MrcTier,
    PoolType,
    PricePlan,
    Product,
    Service,
    Sim,
    SimStatus,
    StatusChange,
)
from reseller_billing.dal import billing as table
from reseller_billing.dal import catalog as catalog_table
from reseller_billing.dal.billing import CustomerBillingData
from reseller_billing.dal.items import AccountItem, CustomerItem, InvoiceItem, PricePlanItem, ProductItem
from reseller_billing.errors import ErrorCode, NotFoundError, UnprocessableError
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.models.accounts import InvoiceType, ResellerProfile
from reseller_billing.models.invoice_document import (
    Address,
    BilledCustomer,
    DocumentLine,
    InvoiceDocument,
    Issuer,
    SimDetail,
)
from reseller_billing.models.invoices import ArtifactInfo, Invoice, InvoiceLine


@dataclass(frozen=True)
class PriceList:
    """What a billing run prices with: the reseller as issuer, its profile and its catalog, as the run
    started (stored on the run, so every invoice of a run uses the same prices)."""

    account_id: str
    issuer_name: str
    currency: str
    profile: ResellerProfile
    products: dict[str, Product]
    plans: dict[str, PricePlan]

    def to_json(self) -> dict[str, Any]:
        return {
            "account": {"id": self.account_id, "name": self.issuer_name, "currency": self.currency},
            "profile": self.profile.model_dump(mode="json"),
            "products": [
                {"id": p.id, "code": p.code, "name": p.name, "price_plan_id": p.price_plan_id}
                for p in self.products.values()
            ],
            "plans": [
                {
                    "id": p.id,
                    "activation_fee": str(p.activation_fee),
                    "monthly_fee": str(p.monthly_fee),
                    "pool_type": p.pool_type.value,
                    "allowances": [
                        {"service": a.service.value, "included": str(a.included), "overage_price": str(a.overage_price)}
                        for a in p.allowances
                    ],
                    "mrc_tiers": [
                        {"min_active_sims": t.min_active_sims, "monthly_fee": str(t.monthly_fee)} for t in p.mrc_tiers
                    ],
                }
                for p in self.plans.values()
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PriceList:
        plans = {
            p["id"]: PricePlan(
                id=p["id"],
                activation_fee=Decimal(p["activation_fee"]),
                monthly_fee=Decimal(p["monthly_fee"]),
                pool_type=PoolType(p["pool_type"]),
                allowances=tuple(
                    Allowance(Service(a["service"]), Decimal(a["included"]), Decimal(a["overage_price"]))
                    for a in p["allowances"]
                ),
                mrc_tiers=tuple(MrcTier(int(t["min_active_sims"]), Decimal(t["monthly_fee"])) for t in p["mrc_tiers"]),
            )
            for p in data["plans"]
        }
        products = {p["id"]: Product(p["id"], p["code"], p["name"], p["price_plan_id"]) for p in data["products"]}
        account = data["account"]
        return cls(
            account_id=account["id"],
            issuer_name=account["name"],
            currency=account["currency"],
            profile=ResellerProfile.model_validate(data["profile"]),
            products=products,
            plans=plans,
        )

    @classmethod
    def from_items(
        cls,
        account: AccountItem,
        profile: ResellerProfile,
        plans: list[PricePlanItem],
        products: list[ProductItem],
    ) -> PriceList:
        return cls(
            account_id=account.id,
            issuer_name=account.name,
            currency=account.currency,
            profile=profile,
            products={p.id: Product(p.id, p.code, p.name, p.price_plan_id) for p in products},
            plans={
                p.id: PricePlan(
                    id=p.id,
                    activation_fee=p.activation_fee,
                    monthly_fee=p.monthly_fee,
                    pool_type=PoolType(p.pool_type),
                    allowances=tuple(Allowance(Service(a.service), a.included, a.overage_price) for a in p.allowances),
                    mrc_tiers=tuple(MrcTier(int(t.min_active_sims), t.monthly_fee) for t in p.mrc_tiers),
                )
                for p in plans
            },
        )


def current_price_list(account_id: str) -> PriceList:
    account, profile = load_reseller(account_id)
    plans, products = catalog_table.load_catalog(account_id)
    return PriceList.from_items(account, profile, plans, products)


def customer_snapshot(item: CustomerItem) -> dict[str, Any]:
    """The billed customer as the invoice shows it (carried in each invoice request of a run)."""
    return {
        "id": item.id,
        "customer_number": item.customer_number,
        "name": item.name,
        "email": item.email,
        "address": item.address.as_dict(),
        "vat_rate": str(item.vat_rate),
    }


def invoice_id(customer_id: str, cycle_start: date) -> str:
    """Deterministic: one invoice per (customer, cycle) can only ever have this id."""
    return f"inv_{customer_id.removeprefix('cus_')}_{cycle_start.strftime('%Y%m%d')}"


def parse_invoice_id(value: str) -> tuple[str, date]:
    """(customer id, cycle start) of an invoice id; 404 for anything that is not one."""
    try:
        prefix, customer, day = value.split("_")
        if prefix != "inv" or len(day) != 8:
            raise ValueError(value)
        return f"cus_{customer}", date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        raise NotFoundError(f"invoice {value} not found") from None


def invoice_number(profile: ResellerProfile, year: int, number: int) -> str:
    return f"{profile.invoice_number_prefix}{year}-{number:06d}"


def compute(
    price_list: PriceList, customer: dict[str, Any], cycle: BillingCycle, data: CustomerBillingData
) -> ComputedInvoice:
    """The billing rules applied to one customer's cycle."""
    sims = tuple(
        Sim(
            iccid=s.iccid,
            product_id=s.product_id,
            activation_date=s.activation_date,
            history=tuple(StatusChange(SimStatus(c.status), c.effective_date) for c in s.history),
        )
        for s in data.sims
        if s.product_id in price_list.products
    )
    billed = {sim.iccid for sim in sims}
    usage: dict[tuple[str, Service], Decimal] = defaultdict(Decimal)
    for total in data.usage:
        if total.iccid in billed and cycle.start <= total.usage_date <= cycle.end:
            usage[(total.iccid, Service(total.service))] += total.quantity
    return compute_invoice(
        BillingInput(
            cycle=cycle,
            currency=price_list.currency,
            vat_rate=Decimal(customer["vat_rate"]),
            sims=sims,
            usage=usage,
            products=price_list.products,
            plans=price_list.plans,
        )
    )


def compose_document(
    price_list: PriceList,
    customer: dict[str, Any],
    cycle: BillingCycle,
    computed: ComputedInvoice,
    number: str | None,
) -> InvoiceDocument:
    """The canonical invoice: what invoice.json holds and the PDF and CSV show."""
    products = price_list.products
    return InvoiceDocument(
        id=invoice_id(customer["id"], cycle.start),
        invoice_number=number,
        issuer=Issuer(account_id=price_list.account_id, name=price_list.issuer_name),
        customer=BilledCustomer(
            id=customer["id"],
            customer_number=customer["customer_number"],
            name=customer["name"],
            email=customer["email"],
            address=Address.model_validate(customer["address"]),
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


def render_artifacts(doc: InvoiceDocument, invoice_type: InvoiceType) -> dict[str, bytes]:
    """The artefacts the profile asks for: RAW = invoice.json + invoice.csv, PDF = invoice.pdf."""
    from reseller_billing.rendering.raw import render_csv, render_json

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


def to_invoice(doc: InvoiceDocument, artifacts: dict[str, ArtifactInfo], issued_at: datetime | None = None) -> Invoice:
    return Invoice(
        id=doc.id if doc.invoice_number else None,
        invoice_number=doc.invoice_number,
        account_id=doc.issuer.account_id,
        customer_id=doc.customer.id,
        currency=doc.currency,
        issue_date=doc.issue_date,
        cycle_start=doc.cycle_start,
        cycle_end=doc.cycle_end,
        lines=[InvoiceLine.model_validate(line.model_dump()) for line in doc.lines],
        net_total=doc.net_total,
        vat_rate=doc.vat_rate,
        vat_amount=doc.vat_amount,
        gross_total=doc.gross_total,
        artifacts=artifacts,
        issued_at=issued_at,
    )


def invoice_of(item: InvoiceItem) -> Invoice:
    artifacts = {
        name: ArtifactInfo(sha256=a["sha256"], size=int(a["size"])) for name, a in (item.artifacts or {}).items()
    }
    return to_invoice(InvoiceDocument.model_validate(item.document), artifacts, item.issued_at)


def checked_run_date(profile: ResellerProfile, run_date: date) -> BillingCycle:
    """The cycle billed on `run_date`, which must be the reseller's billing-cycle day (422 otherwise)."""
    if run_date.day != profile.billing_cycle_day:
        raise UnprocessableError(
            f"run_date must fall on the reseller's billing-cycle day ({profile.billing_cycle_day})",
            code=ErrorCode.RUN_DATE_NOT_CYCLE_DAY,
            details=[{"in": "body", "field": "run_date", "message": "not the billing-cycle day"}],
        )
    return cycle_billed_on(run_date)


def preview_invoice(account_id: str, customer_id: str, run_date: date) -> Invoice:
    """The invoice a run on `run_date` would issue to this customer now, computed by the same code; it
    stores nothing and allocates no number. A date ahead shows the running cycle so far."""
    price_list = current_price_list(account_id)
    cycle = checked_run_date(price_list.profile, run_date)
    customer = catalog_table.get_customer(account_id, customer_id)
    data = table.customer_billing_data(account_id, customer_id, cycle.start, cycle.end)
    computed = compute(price_list, customer_snapshot(customer), cycle, data)
    return to_invoice(compose_document(price_list, customer_snapshot(customer), cycle, computed, None), {})
