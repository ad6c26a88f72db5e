"""The benchmark's typical invoice: one customer, 10 SIMs on one product, 4 lines (MRC, activation,
DATA and SMS overage), computed by the real engine and composed into the canonical document."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from reseller_billing.billing.cycles import cycle_starting
from reseller_billing.billing.model import (
    Allowance,
    BillingInput,
    MrcTier,
    PoolType,
    PricePlan,
    Product,
    Service,
    Sim,
    SimStatus,
    StatusChange,
)
from reseller_billing.logic.invoice_composition import compose_document
from reseller_billing.logic.pricing import PriceList
from reseller_billing.models.accounts import ResellerProfile
from reseller_billing.models.invoice_document import InvoiceDocument
from reseller_billing.models.messages import InvoicedCustomer
from tests.support.iccids import iccid

CYCLE = cycle_starting(date(2026, 10, 5))
PLAN = PricePlan(
    id="plan_bench",
    activation_fee=Decimal("5.00"),
    monthly_fee=Decimal("9.99"),
    pool_type=PoolType.INDIVIDUAL,
    allowances=(
        Allowance(Service.DATA, Decimal(1024), Decimal("0.004")),
        Allowance(Service.SMS, Decimal(100), Decimal("0.05")),
    ),
    mrc_tiers=(MrcTier(5, Decimal("8.99")), MrcTier(50, Decimal("7.49"))),
)
PRODUCT = Product(id="prod_bench", code="IOT-EU-1GB", name="IoT Europe 1 GB", price_plan_id=PLAN.id)


def billing_input(sims: int = 10) -> BillingInput:
    fleet = []
    usage: dict[tuple[str, Service], Decimal] = {}
    for n in range(sims):
        activated = date(2026, 10, 12) if n % 3 == 0 else date(2026, 1, 10)
        history = [StatusChange(SimStatus.ACTIVE, activated)]
        if n % 4 == 1:
            history += [
                StatusChange(SimStatus.SUSPENDED, date(2026, 10, 20)),
                StatusChange(SimStatus.ACTIVE, date(2026, 10, 27)),
            ]
        fleet.append(Sim(iccid(n + 1), PRODUCT.id, activated, tuple(history)))
        usage[(iccid(n + 1), Service.DATA)] = Decimal("1550.5")
        usage[(iccid(n + 1), Service.SMS)] = Decimal(140)
    return BillingInput(
        cycle=CYCLE,
        currency="EUR",
        vat_rate=Decimal("19"),
        sims=tuple(fleet),
        usage=usage,
        products={PRODUCT.id: PRODUCT},
        plans={PLAN.id: PLAN},
    )


def price_list() -> PriceList:
    profile = ResellerProfile(customer_invoice_creation=True, customer_invoice_type="BOTH", billing_cycle_day=5)
    return PriceList(
        account_id="acc_bench",
        issuer_name="Nordlicht IoT GmbH",
        currency="EUR",
        profile=profile,
        products={PRODUCT.id: PRODUCT},
        plans={PLAN.id: PLAN},
    )


def customer(name: str = "Omega Logistics Sp. z o.o.") -> InvoicedCustomer:
    return InvoicedCustomer.model_validate(
        {
            "id": "cus_BENCH",
            "customer_number": "C-000001",
            "name": name,
            "email": "billing@omega.example",
            "address": {
                "line1": "ul. Piotrkowska 104",
                "line2": None,
                "postal_code": "90-926",
                "city": "Lodz",
                "country": "PL",
            },
            "vat_rate": "19",
        }
    )


def document(name: str = "Omega Logistics Sp. z o.o.", *, sims: int = 10) -> InvoiceDocument:
    from reseller_billing.billing.engine import compute_invoice

    computed = compute_invoice(billing_input(sims))
    return compose_document(price_list(), customer(name), CYCLE, computed, "INV-2026-000001", CYCLE.run_date)


def long_document(lines: int) -> InvoiceDocument:
    """An invoice with `lines` lines: many products, 4 lines each."""
    doc = document()
    return doc.model_copy(
        update={
            "lines": tuple(
                line.model_copy(update={"product_code": f"IOT-{n:04d}", "product_name": f"IoT product {n}"})
                for n in range(lines // len(doc.lines))
                for line in doc.lines
            )
        }
    )
