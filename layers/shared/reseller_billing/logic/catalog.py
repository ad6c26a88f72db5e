"""A reseller's catalog: customers, price plans, products and SIMs. Every use case first checks that the
account is a reseller (409 `account_not_reseller`); who may call is settled at the edge (operators, or
the reseller's own users)."""

from __future__ import annotations

from reseller_billing.billing.cycles import cycle_containing
from reseller_billing.billing.model import SimStatus
from reseller_billing.dal import catalog as table
from reseller_billing.dal.items import (
    AddressMap,
    AllowanceMap,
    CustomerItem,
    MrcTierMap,
    PricePlanItem,
    ProductItem,
    SimItem,
    StatusChangeMap,
)
from reseller_billing.dal.writes import saved_with_retries
from reseller_billing.errors import ConflictError, ErrorCode, NotFoundError, UnprocessableError
from reseller_billing.etags import check_if_match
from reseller_billing.ids import new_id
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.models.catalog import (
    Address,
    Allowance,
    Customer,
    CustomerCreate,
    CustomerStatus,
    CustomerUpdate,
    MrcTier,
    PricePlan,
    PricePlanCreate,
    PricePlanUpdate,
    Product,
    ProductCreate,
    ProductStatus,
    ProductUpdate,
    Sim,
    SimAssign,
    SimStatusChange,
    StatusChange,
)
from reseller_billing.models.common import Page, utcnow

# --- customers -----------------------------------------------------------------------------------


def to_customer(item: CustomerItem) -> Customer:
    return Customer(
        id=item.id,
        account_id=item.account_id,
        customer_number=item.customer_number,
        name=item.name,
        email=item.email,
        address=Address.model_validate(item.address.as_dict()),
        vat_rate=item.vat_rate,
        status=CustomerStatus(item.status),
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def create_customer(account_id: str, request: CustomerCreate) -> CustomerItem:
    load_reseller(account_id)
    now = utcnow()
    customer_id = new_id("cus")
    item = CustomerItem(
        *CustomerItem.key(account_id, customer_id),
        id=customer_id,
        account_id=account_id,
        customer_number=request.customer_number,
        name=request.name,
        email=request.email,
        address=AddressMap(**request.address.model_dump()),
        vat_rate=request.vat_rate,
        status=CustomerStatus.ACTIVE.value,
        open_sim_count=0,
        created_at=now,
        updated_at=now,
        version=1,
    )
    table.insert_customer(item)
    return item


def get_customer(account_id: str, customer_id: str) -> CustomerItem:
    load_reseller(account_id)
    return table.get_customer(account_id, customer_id)


def list_customers(account_id: str, limit: int, cursor: str | None) -> Page[Customer]:
    load_reseller(account_id)
    page = table.list_customers(account_id, limit, cursor)
    return Page(items=[to_customer(i) for i in page.items], next_cursor=page.next_cursor)


def update_customer(account_id: str, customer_id: str, request: CustomerUpdate, if_match: str | None) -> CustomerItem:
    """Change details; `status` suspends (ACTIVE<->SUSPENDED) or closes (only when all SIMs are RETIRED;
    a CLOSED customer stays closed)."""
    return saved_with_retries(lambda: _update_customer(account_id, customer_id, request, if_match), if_match)


def _update_customer(account_id: str, customer_id: str, request: CustomerUpdate, if_match: str | None) -> CustomerItem:
    item = get_customer(account_id, customer_id)
    check_if_match(if_match, item.version)
    expected_version = item.version
    if item.status == CustomerStatus.CLOSED.value:
        raise ConflictError(f"customer {customer_id} is CLOSED", code=ErrorCode.CUSTOMER_CLOSED)
    if request.name is not None:
        item.name = request.name
    if request.email is not None:
        item.email = request.email
    if request.address is not None:
        item.address = AddressMap(**request.address.model_dump())
    if request.vat_rate is not None:
        item.vat_rate = request.vat_rate
    closing = request.status is CustomerStatus.CLOSED
    if request.status is not None:
        item.status = request.status.value
    item.updated_at = utcnow()
    table.save_customer(item, expected_version, closing=closing)
    return item


# --- price plans ---------------------------------------------------------------------------------


def to_price_plan(item: PricePlanItem, currency: str) -> PricePlan:
    return PricePlan(
        id=item.id,
        account_id=item.account_id,
        name=item.name,
        currency=currency,
        activation_fee=item.activation_fee,
        monthly_fee=item.monthly_fee,
        pool_type=item.pool_type,
        allowances=[
            Allowance(service=a.service, included=a.included, overage_price=a.overage_price) for a in item.allowances
        ],
        mrc_tiers=[MrcTier(min_active_sims=t.min_active_sims, monthly_fee=t.monthly_fee) for t in item.mrc_tiers],
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _allowance_maps(allowances: list[Allowance]) -> list[AllowanceMap]:
    return [
        AllowanceMap(service=a.service.value, included=a.included, overage_price=a.overage_price) for a in allowances
    ]


def _tier_maps(tiers: list[MrcTier]) -> list[MrcTierMap]:
    return [MrcTierMap(min_active_sims=t.min_active_sims, monthly_fee=t.monthly_fee) for t in tiers]


def create_price_plan(account_id: str, request: PricePlanCreate) -> tuple[PricePlanItem, str]:
    account, _ = load_reseller(account_id)
    now = utcnow()
    plan_id = new_id("plan")
    item = PricePlanItem(
        *PricePlanItem.key(account_id, plan_id),
        id=plan_id,
        account_id=account_id,
        name=request.name,
        activation_fee=request.activation_fee,
        monthly_fee=request.monthly_fee,
        pool_type=request.pool_type.value,
        allowances=_allowance_maps(request.allowances),
        mrc_tiers=_tier_maps(request.mrc_tiers),
        product_count=0,
        created_at=now,
        updated_at=now,
        version=1,
    )
    table.insert_price_plan(item)
    return item, account.currency


def get_price_plan(account_id: str, plan_id: str) -> tuple[PricePlanItem, str]:
    account, _ = load_reseller(account_id)
    return table.get_price_plan(account_id, plan_id), account.currency


def list_price_plans(account_id: str, limit: int, cursor: str | None) -> Page[PricePlan]:
    account, _ = load_reseller(account_id)
    page = table.list_price_plans(account_id, limit, cursor)
    return Page(items=[to_price_plan(i, account.currency) for i in page.items], next_cursor=page.next_cursor)


def update_price_plan(
    account_id: str, plan_id: str, request: PricePlanUpdate, if_match: str | None
) -> tuple[PricePlanItem, str]:
    """New prices apply from the next billing run: issued invoices keep the amounts they were issued with."""
    return saved_with_retries(lambda: _update_price_plan(account_id, plan_id, request, if_match), if_match)


def _update_price_plan(
    account_id: str, plan_id: str, request: PricePlanUpdate, if_match: str | None
) -> tuple[PricePlanItem, str]:
    item, currency = get_price_plan(account_id, plan_id)
    check_if_match(if_match, item.version)
    expected_version = item.version
    if request.name is not None:
        item.name = request.name
    if request.activation_fee is not None:
        item.activation_fee = request.activation_fee
    if request.monthly_fee is not None:
        item.monthly_fee = request.monthly_fee
    if request.pool_type is not None:
        item.pool_type = request.pool_type.value
    if request.allowances is not None:
        item.allowances = _allowance_maps(request.allowances)
    if request.mrc_tiers is not None:
        item.mrc_tiers = _tier_maps(request.mrc_tiers)
    item.updated_at = utcnow()
    table.save_price_plan(item, expected_version)
    return item, currency


def delete_price_plan(account_id: str, plan_id: str) -> None:
    load_reseller(account_id)
    table.delete_price_plan(account_id, plan_id)


# --- products ------------------------------------------------------------------------------------


def to_product(item: ProductItem) -> Product:
    return Product(
        id=item.id,
        account_id=item.account_id,
        code=item.code,
        name=item.name,
        description=item.description,
        price_plan_id=item.price_plan_id,
        status=ProductStatus(item.status),
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def create_product(account_id: str, request: ProductCreate) -> ProductItem:
    load_reseller(account_id)
    now = utcnow()
    product_id = new_id("prod")
    item = ProductItem(
        *ProductItem.key(account_id, product_id),
        id=product_id,
        account_id=account_id,
        code=request.code,
        name=request.name,
        description=request.description,
        price_plan_id=request.price_plan_id,
        status=request.status.value,
        created_at=now,
        updated_at=now,
        version=1,
    )
    table.insert_product(item)
    return item


def get_product(account_id: str, product_id: str) -> ProductItem:
    load_reseller(account_id)
    return table.get_product(account_id, product_id)


def list_products(account_id: str, limit: int, cursor: str | None) -> Page[Product]:
    load_reseller(account_id)
    page = table.list_products(account_id, limit, cursor)
    return Page(items=[to_product(i) for i in page.items], next_cursor=page.next_cursor)


def update_product(account_id: str, product_id: str, request: ProductUpdate, if_match: str | None) -> ProductItem:
    """Rename, describe, move to another plan or retire a product."""
    return saved_with_retries(lambda: _update_product(account_id, product_id, request, if_match), if_match)


def _update_product(account_id: str, product_id: str, request: ProductUpdate, if_match: str | None) -> ProductItem:
    item = get_product(account_id, product_id)
    check_if_match(if_match, item.version)
    expected_version, previous_plan = item.version, item.price_plan_id
    if request.name is not None:
        item.name = request.name
    if request.description is not None:
        item.description = request.description
    if request.price_plan_id is not None:
        item.price_plan_id = request.price_plan_id
    if request.status is not None:
        item.status = request.status.value
    item.updated_at = utcnow()
    table.save_product(item, expected_version, previous_plan)
    return item


# --- SIMs ----------------------------------------------------------------------------------------


def to_sim(item: SimItem) -> Sim:
    return Sim(
        iccid=item.iccid,
        account_id=item.account_id,
        customer_id=item.customer_id,
        product_id=item.product_id,
        activation_date=item.activation_date,
        status=SimStatus(item.status),
        history=[StatusChange(status=SimStatus(c.status), effective_date=c.effective_date) for c in item.history],
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def assign_sim(account_id: str, customer_id: str, request: SimAssign) -> SimItem:
    """Give a new SIM (an ICCID not registered anywhere on the platform) to an ACTIVE customer, under an
    ACTIVE product of the same reseller, ACTIVE from `activation_date`."""
    _, profile = load_reseller(account_id)
    table.get_customer(account_id, customer_id)
    try:
        table.get_product(account_id, request.product_id)
    except NotFoundError:
        # Like a product's price plan: a body naming what is not there is invalid input, not a missing URL.
        raise UnprocessableError(
            f"product {request.product_id} does not exist in this account",
            code=ErrorCode.PRODUCT_NOT_FOUND,
            details=[{"in": "body", "field": "product_id", "message": "no such product in this account"}],
        ) from None
    now = utcnow()
    item = SimItem(
        *SimItem.key(account_id, customer_id, request.iccid),
        iccid=request.iccid,
        account_id=account_id,
        customer_id=customer_id,
        product_id=request.product_id,
        activation_date=request.activation_date,
        status=SimStatus.ACTIVE.value,
        history=[StatusChangeMap(status=SimStatus.ACTIVE.value, effective_date=request.activation_date)],
        created_at=now,
        updated_at=now,
        version=1,
    )
    cycle = cycle_containing(request.activation_date, profile.billing_cycle_day)
    table.insert_sim(item, cycle.start)
    return item


def get_sim(account_id: str, customer_id: str, iccid: str) -> SimItem:
    load_reseller(account_id)
    return table.get_sim(account_id, customer_id, iccid)


def list_sims(account_id: str, customer_id: str, limit: int, cursor: str | None) -> Page[Sim]:
    load_reseller(account_id)
    table.get_customer(account_id, customer_id)
    page = table.list_sims(account_id, customer_id, limit, cursor)
    return Page(items=[to_sim(i) for i in page.items], next_cursor=page.next_cursor)


def _effective_date_error(message: str) -> UnprocessableError:
    return UnprocessableError(
        message,
        code=ErrorCode.INVALID_EFFECTIVE_DATE,
        details=[{"in": "body", "field": "effective_date", "message": message}],
    )


def change_sim_status(account_id: str, customer_id: str, iccid: str, request: SimStatusChange) -> SimItem:
    """Record a status change from `effective_date` on. History only grows: a change never predates the
    previous one, RETIRED is final, and an invoiced cycle is never rewritten (409 `cycle_closed`)."""
    return saved_with_retries(lambda: _change_sim_status(account_id, customer_id, iccid, request), None)


def _change_sim_status(account_id: str, customer_id: str, iccid: str, request: SimStatusChange) -> SimItem:
    _, profile = load_reseller(account_id)
    item = table.get_sim(account_id, customer_id, iccid)
    last = item.history[-1]
    if last.status == SimStatus.RETIRED.value:
        raise ConflictError(f"SIM {iccid} is RETIRED; that is final", code=ErrorCode.SIM_RETIRED)
    if request.status.value == last.status:
        raise ConflictError(f"SIM {iccid} is already {last.status}", code=ErrorCode.STATUS_UNCHANGED)
    if request.effective_date < last.effective_date:
        raise _effective_date_error(
            f"effective_date must not be before the previous change ({last.effective_date.isoformat()})"
        )
    expected_version = item.version
    item.history = [*item.history, StatusChangeMap(status=request.status.value, effective_date=request.effective_date)]
    item.status = request.status.value
    item.updated_at = utcnow()
    cycle = cycle_containing(request.effective_date, profile.billing_cycle_day)
    table.save_sim_status(item, expected_version, retiring=request.status is SimStatus.RETIRED, cycle_start=cycle.start)
    return item
