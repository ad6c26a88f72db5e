"""A reseller's customers, price plans, products and SIMs in the table.

Every multi-item rule is one transaction: a customer and its unique number, a product and its unique
code and its plan's usage count, a SIM and its platform-wide ICCID registration and its customer's
open-SIM count. So a rule holds even when two requests race."""

from __future__ import annotations

from datetime import date

from pynamodb.exceptions import DeleteError, DoesNotExist

from reseller_billing.dal.items import (
    AccountItem,
    CustomerItem,
    CycleClosure,
    IccidRegistration,
    PricePlanItem,
    ProductItem,
    SimItem,
    TableItem,
    UniqueValueGuard,
    account_pk,
    customer_pk,
)
from reseller_billing.dal.pagination import Page, query_page
from reseller_billing.dal.writes import (
    ChangedMeanwhileError,
    Transaction,
    TransactionFailed,
    condition_failed,
    save_version,
)
from reseller_billing.errors import ConflictError, ErrorCode, NotFoundError, UnprocessableError


def _stale() -> ChangedMeanwhileError:
    return ChangedMeanwhileError()


def _cycle_closed(day: date) -> ConflictError:
    return ConflictError(f"the billing cycle containing {day} is already invoiced", code=ErrorCode.CYCLE_CLOSED)


# --- customers -----------------------------------------------------------------------------------


def get_customer(account_id: str, customer_id: str) -> CustomerItem:
    try:
        return CustomerItem.get(*CustomerItem.key(account_id, customer_id), consistent_read=True)
    except DoesNotExist:
        raise NotFoundError(f"customer {customer_id} not found") from None


def list_customers(account_id: str, limit: int, cursor: str | None) -> Page[CustomerItem]:
    return query_page(
        CustomerItem, account_pk(account_id), CustomerItem.sk.startswith("CUSTOMER#"), limit=limit, cursor=cursor
    )


def insert_customer(item: CustomerItem) -> None:
    """Create the customer, claim its number within the reseller, and count it on the account."""
    tx = Transaction()
    tx.put(item, "customer", CustomerItem.pk.does_not_exist())
    guard = UniqueValueGuard(*UniqueValueGuard.customer_number_key(item.account_id, item.customer_number))
    guard.owner_id = item.id
    tx.put(guard, "number", UniqueValueGuard.pk.does_not_exist())
    account = AccountItem(*AccountItem.key(item.account_id))
    tx.update(account, "account", [AccountItem.customer_count.add(1)], AccountItem.account_type == "RESELLER")
    try:
        tx.commit()
    except TransactionFailed as failure:
        if "number" in failure.failed:
            raise ConflictError(
                f"customer number {item.customer_number} is already used by this reseller",
                code=ErrorCode.CUSTOMER_NUMBER_TAKEN,
            ) from None
        raise ConflictError(
            f"account {item.account_id} is not a reseller", code=ErrorCode.ACCOUNT_NOT_RESELLER
        ) from None


def save_customer(item: CustomerItem, expected_version: int, *, closing: bool) -> None:
    """Save a changed customer; closing it also requires that all its SIMs are RETIRED."""
    if not closing:
        save_version(item, expected_version, unchanged=CustomerItem.open_sim_count == item.open_sim_count)
        return
    item.version = expected_version + 1
    item.open_sim_count = 0  # what the condition below guarantees, whatever was read
    tx = Transaction()
    tx.put(item, "customer", (CustomerItem.version == expected_version) & (CustomerItem.open_sim_count == 0))
    try:
        tx.commit()
    except TransactionFailed as failure:
        before = failure.failed["customer"] or {}
        if int(before.get("open_sim_count", {}).get("N", "0")):
            raise ConflictError(
                "a customer can be closed only when all its SIMs are RETIRED", code=ErrorCode.CUSTOMER_HAS_ACTIVE_SIMS
            ) from None
        raise _stale() from None


# --- price plans ---------------------------------------------------------------------------------


def get_price_plan(account_id: str, plan_id: str) -> PricePlanItem:
    try:
        return PricePlanItem.get(*PricePlanItem.key(account_id, plan_id), consistent_read=True)
    except DoesNotExist:
        raise NotFoundError(f"price plan {plan_id} not found") from None


def list_price_plans(account_id: str, limit: int, cursor: str | None) -> Page[PricePlanItem]:
    return query_page(
        PricePlanItem, account_pk(account_id), PricePlanItem.sk.startswith("PRICE_PLAN#"), limit=limit, cursor=cursor
    )


def insert_price_plan(item: PricePlanItem) -> None:
    item.save(condition=PricePlanItem.pk.does_not_exist())


def save_price_plan(item: PricePlanItem, expected_version: int) -> None:
    save_version(item, expected_version, unchanged=PricePlanItem.product_count == item.product_count)


def delete_price_plan(account_id: str, plan_id: str) -> None:
    """Delete a plan no product uses (409 `price_plan_in_use` otherwise)."""
    plan = get_price_plan(account_id, plan_id)
    try:
        plan.delete(condition=PricePlanItem.product_count == 0)
    except DeleteError as error:
        if not condition_failed(error):
            raise
        raise ConflictError(
            f"price plan {plan_id} is used by products; move them to another plan first",
            code=ErrorCode.PRICE_PLAN_IN_USE,
        ) from None


# --- products ------------------------------------------------------------------------------------


def get_product(account_id: str, product_id: str) -> ProductItem:
    try:
        return ProductItem.get(*ProductItem.key(account_id, product_id), consistent_read=True)
    except DoesNotExist:
        raise NotFoundError(f"product {product_id} not found") from None


def list_products(account_id: str, limit: int, cursor: str | None) -> Page[ProductItem]:
    return query_page(
        ProductItem, account_pk(account_id), ProductItem.sk.startswith("PRODUCT#"), limit=limit, cursor=cursor
    )


def _plan_not_found(plan_id: str) -> UnprocessableError:
    return UnprocessableError(
        f"price plan {plan_id} does not exist in this account",
        code=ErrorCode.PRICE_PLAN_NOT_FOUND,
        details=[{"in": "body", "field": "price_plan_id", "message": "no such price plan in this account"}],
    )


def _count_on_plan(tx: Transaction, account_id: str, plan_id: str, delta: int, label: str) -> None:
    plan = PricePlanItem(*PricePlanItem.key(account_id, plan_id))
    tx.update(plan, label, [PricePlanItem.product_count.add(delta)], PricePlanItem.pk.exists())


def insert_product(item: ProductItem) -> None:
    """Create the product, claim its code within the reseller, and count it on its price plan."""
    tx = Transaction()
    tx.put(item, "product", ProductItem.pk.does_not_exist())
    guard = UniqueValueGuard(*UniqueValueGuard.product_code_key(item.account_id, item.code))
    guard.owner_id = item.id
    tx.put(guard, "code", UniqueValueGuard.pk.does_not_exist())
    _count_on_plan(tx, item.account_id, item.price_plan_id, 1, "plan")
    try:
        tx.commit()
    except TransactionFailed as failure:
        if "code" in failure.failed:
            raise ConflictError(
                f"product code {item.code} is already used by this reseller", code=ErrorCode.PRODUCT_CODE_TAKEN
            ) from None
        raise _plan_not_found(item.price_plan_id) from None


def save_product(item: ProductItem, expected_version: int, previous_plan_id: str) -> None:
    """Save a changed product; moving it to another plan moves its count from one plan to the other."""
    if item.price_plan_id == previous_plan_id:
        save_version(item, expected_version)
        return
    item.version = expected_version + 1
    tx = Transaction()
    tx.put(item, "product", ProductItem.version == expected_version)
    _count_on_plan(tx, item.account_id, previous_plan_id, -1, "old_plan")
    _count_on_plan(tx, item.account_id, item.price_plan_id, 1, "new_plan")
    try:
        tx.commit()
    except TransactionFailed as failure:
        if "new_plan" in failure.failed:
            raise _plan_not_found(item.price_plan_id) from None
        raise _stale() from None


def load_catalog(account_id: str) -> tuple[list[PricePlanItem], list[ProductItem]]:
    """Every price plan and product of a reseller, in one paged Query (PRICE_PLAN# .. PRODUCT#~)."""
    plans: list[PricePlanItem] = []
    products: list[ProductItem] = []
    for item in TableItem.query(
        account_pk(account_id), TableItem.sk.between("PRICE_PLAN#", "PRODUCT#~"), consistent_read=True
    ):
        if isinstance(item, PricePlanItem):
            plans.append(item)
        elif isinstance(item, ProductItem):
            products.append(item)
    return plans, products


# --- SIMs ----------------------------------------------------------------------------------------


def get_sim(account_id: str, customer_id: str, iccid: str) -> SimItem:
    try:
        return SimItem.get(*SimItem.key(account_id, customer_id, iccid), consistent_read=True)
    except DoesNotExist:
        raise NotFoundError(f"SIM {iccid} not found for customer {customer_id}") from None


def list_sims(account_id: str, customer_id: str, limit: int, cursor: str | None) -> Page[SimItem]:
    return query_page(
        SimItem, customer_pk(account_id, customer_id), SimItem.sk.startswith("SIM#"), limit=limit, cursor=cursor
    )


def insert_sim(sim: SimItem, cycle_start: date) -> None:
    """Register the ICCID platform-wide and give the SIM to the customer, if the ICCID is new, the product
    ACTIVE, the customer ACTIVE and the cycle of the activation date not yet invoiced."""
    registration = IccidRegistration(
        *IccidRegistration.key(sim.iccid),
        iccid=sim.iccid,
        account_id=sim.account_id,
        customer_id=sim.customer_id,
        activation_date=sim.activation_date,
    )
    tx = Transaction()
    tx.put(registration, "iccid", IccidRegistration.pk.does_not_exist())
    tx.put(sim, "sim", SimItem.pk.does_not_exist())
    tx.check(ProductItem, ProductItem.key(sim.account_id, sim.product_id), "product", ProductItem.status == "ACTIVE")
    customer = CustomerItem(*CustomerItem.key(sim.account_id, sim.customer_id))
    tx.update(customer, "customer", [CustomerItem.open_sim_count.add(1)], CustomerItem.status == "ACTIVE")
    tx.check(CycleClosure, CycleClosure.key(sim.account_id, cycle_start), "cycle", CycleClosure.pk.does_not_exist())
    try:
        tx.commit()
    except TransactionFailed as failure:
        if "iccid" in failure.failed or "sim" in failure.failed:
            raise ConflictError(f"ICCID {sim.iccid} is already registered", code=ErrorCode.ICCID_EXISTS) from None
        if "product" in failure.failed:
            raise ConflictError(
                f"product {sim.product_id} is RETIRED or gone and takes no new SIMs", code=ErrorCode.PRODUCT_NOT_ACTIVE
            ) from None
        if "customer" in failure.failed:
            raise ConflictError(
                f"customer {sim.customer_id} is not ACTIVE", code=ErrorCode.CUSTOMER_NOT_ACTIVE
            ) from None
        raise _cycle_closed(sim.activation_date) from None


def save_sim_status(sim: SimItem, expected_version: int, *, retiring: bool, cycle_start: date) -> None:
    """Save a SIM's new status (its history grown by one change); retiring it also records the retirement
    on its registration and releases it from its customer's open-SIM count."""
    sim.version = expected_version + 1
    tx = Transaction()
    tx.put(sim, "sim", SimItem.version == expected_version)
    tx.check(CycleClosure, CycleClosure.key(sim.account_id, cycle_start), "cycle", CycleClosure.pk.does_not_exist())
    if retiring:
        effective = sim.history[-1].effective_date
        registration = IccidRegistration(*IccidRegistration.key(sim.iccid))
        tx.update(registration, "registration", [IccidRegistration.retired_on.set(effective)])
        customer = CustomerItem(*CustomerItem.key(sim.account_id, sim.customer_id))
        tx.update(customer, "customer", [CustomerItem.open_sim_count.add(-1)])
    try:
        tx.commit()
    except TransactionFailed as failure:
        if "cycle" in failure.failed:
            raise _cycle_closed(sim.history[-1].effective_date) from None
        raise _stale() from None
