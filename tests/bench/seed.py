"""A reseller with many customers, SIMs and usage. The account, plan and product go through the service
layer; customers, SIMs and their usage totals per cycle are batch-written as the service would store them
(seeding is not what is measured, and 2,500 SIMs one transaction at a time take minutes on moto)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from reseller_billing.dal.items import (
    AccountItem,
    AddressMap,
    CustomerItem,
    IccidRegistration,
    SimItem,
    StatusChangeMap,
    TableItem,
    UniqueValueGuard,
    UsageTotalItem,
)
from reseller_billing.logic import accounts, price_plans, products
from reseller_billing.models.accounts import AccountCreate
from reseller_billing.models.common import utcnow
from reseller_billing.models.price_plans import PricePlanCreate
from reseller_billing.models.products import ProductCreate
from reseller_billing.principal import Principal, Role
from tests.support import factories
from tests.support.iccids import iccid

OPERATOR = Principal(subject="bench", role=Role.OPERATOR)
RUN_DATE = date(2026, 11, 5)  # bills 2026-10-05 .. 2026-11-04
CYCLE_START = date(2026, 10, 5)
ACTIVATED = date(2026, 10, 12)
DATA_DAYS = (14, 18, 22, 26, 30)  # 5 x 310 MB = 1550 MB per SIM against a prorated 1024 x 24/31
SMS_DAYS = (15, 25)  # 2 x 70 messages against a prorated 100 x 24/31


def seed_reseller(
    customers: int, sims_each: int, *, invoice_type: str = "BOTH", first_serial: int = 0, registrations: bool = True
) -> str:
    """A reseller (billing-cycle day 5) whose customers each have `sims_each` SIMs with DATA and SMS
    usage, so every invoice has MRC, activation and both overage lines. Without `registrations`, the
    platform-wide ICCID registrations (which invoicing does not read) are left out, to seed faster."""
    profile = factories.reseller_profile(customer_invoice_type=invoice_type)
    account = accounts.create_account(
        OPERATOR, AccountCreate.model_validate(factories.reseller_account(reseller_profile=profile))
    ).value
    plan = price_plans.create_price_plan(account.id, PricePlanCreate.model_validate(factories.price_plan())).value
    product = products.create_product(account.id, ProductCreate.model_validate(factories.product(plan.id))).value
    now = utcnow()
    serial = first_serial
    body = factories.customer()
    with TableItem.batch_write() as batch:
        for n in range(customers):
            customer_id = f"cus_BENCH{first_serial + n:021d}"
            number = f"C-{first_serial + n:06d}"
            batch.save(
                CustomerItem(
                    *CustomerItem.key(account.id, customer_id),
                    id=customer_id,
                    account_id=account.id,
                    customer_number=number,
                    name=f"{body['name']} {n}",
                    email=body["email"],
                    address=AddressMap(**body["address"]),
                    vat_rate=Decimal(body["vat_rate"]),
                    status="ACTIVE",
                    open_sim_count=sims_each,
                    sim_count=sims_each,
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
            )
            batch.save(
                UniqueValueGuard(*UniqueValueGuard.customer_number_key(account.id, number), owner_id=customer_id)
            )
            for _ in range(sims_each):
                serial += 1
                sim = iccid(serial)
                batch.save(
                    SimItem(
                        *SimItem.key(account.id, customer_id, sim),
                        iccid=sim,
                        account_id=account.id,
                        customer_id=customer_id,
                        product_id=product.id,
                        activation_date=ACTIVATED,
                        status="ACTIVE",
                        history=[StatusChangeMap(status="ACTIVE", effective_date=ACTIVATED)],
                        created_at=now,
                        updated_at=now,
                        version=1,
                    )
                )
                if registrations:
                    batch.save(
                        IccidRegistration(
                            *IccidRegistration.key(sim),
                            iccid=sim,
                            account_id=account.id,
                            customer_id=customer_id,
                            product_id=product.id,
                            activation_date=ACTIVATED,
                        )
                    )
                for service, days, quantity in (("DATA", DATA_DAYS, 310), ("SMS", SMS_DAYS, 70)):
                    batch.save(
                        UsageTotalItem(
                            *UsageTotalItem.key(account.id, customer_id, CYCLE_START, sim, service),
                            iccid=sim,
                            service=service,
                            cycle_start=CYCLE_START,
                            quantity=Decimal(quantity * len(days)),  # its days' records, summed as they arrived
                        )
                    )
    AccountItem(*AccountItem.key(account.id)).update(actions=[AccountItem.customer_count.set(customers)])
    return account.id
