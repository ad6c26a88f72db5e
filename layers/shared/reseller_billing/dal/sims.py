"""A customer's SIMs in the table.

A SIM is assigned in one transaction with its platform-wide ICCID registration (so an ICCID is unique
on the platform), checks that its product and customer are ACTIVE and its activation's cycle is not
invoiced, and its customer's count of SIMs not RETIRED. A status change is one transaction with the check
of its effective date's cycle, and, when it retires the SIM, the registration's retirement date (usage
intake reads it), the customer's count and its latest retirement date (a customer closes only once every
retirement has taken effect).

`status` as read is the SIM's status today (a change may be dated ahead); the item stores the status its
history ends with."""

from __future__ import annotations

from datetime import date

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from reseller_billing.billing.model import SimStatus
from reseller_billing.dal.items import (
    CustomerItem,
    CycleClosure,
    IccidRegistration,
    ProductItem,
    SimItem,
    StatusChangeMap,
    customer_pk,
)
from reseller_billing.dal.pagination import query_page
from reseller_billing.dal.writes import ChangedMeanwhileError, Transaction, TransactionFailed, set_actions
from reseller_billing.errors import ConflictError, ErrorCode, NotFoundError
from reseller_billing.models.common import Page, Versioned, utctoday
from reseller_billing.models.customers import CustomerStatus
from reseller_billing.models.products import ProductStatus
from reseller_billing.models.sims import Sim, StatusChange

# What a status change writes: the status and the history it grew, and the time.
_CHANGED = ("status", "history", "updated_at")
# Retirements racing for the customer's latest retirement date: each attempt reads it afresh.
RETIREMENT_ATTEMPTS = 5


def _sim(item: SimItem) -> Sim:
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
    ).as_of(utctoday())


def _item(sim: Sim) -> SimItem:
    return SimItem(
        *SimItem.key(sim.account_id, sim.customer_id, sim.iccid),
        iccid=sim.iccid,
        account_id=sim.account_id,
        customer_id=sim.customer_id,
        product_id=sim.product_id,
        activation_date=sim.activation_date,
        status=sim.history[-1].status.value,
        history=[StatusChangeMap(status=c.status.value, effective_date=c.effective_date) for c in sim.history],
        created_at=sim.created_at,
        updated_at=sim.updated_at,
    )


def _cycle_closed(day: date) -> ConflictError:
    return ConflictError(f"the billing cycle containing {day} is already invoiced", code=ErrorCode.CYCLE_CLOSED)


def get_sim(account_id: str, customer_id: str, iccid: str) -> Versioned[Sim]:
    try:
        item = SimItem.get(*SimItem.key(account_id, customer_id, iccid), consistent_read=True)
    except DoesNotExist:
        raise NotFoundError(f"SIM {iccid} not found for customer {customer_id}") from None
    return Versioned(_sim(item), item.version)


def list_sims(account_id: str, customer_id: str, limit: int, cursor: str | None) -> Page[Sim]:
    return query_page(
        SimItem,
        _sim,
        customer_pk(account_id, customer_id),
        SimItem.sk.startswith("SIM#"),
        limit=limit,
        cursor=cursor,
    )


def insert_sim(sim: Sim, cycle_start: date) -> Versioned[Sim]:
    """Register the ICCID platform-wide and give the SIM to the customer, if the ICCID is new, the product
    ACTIVE, the customer ACTIVE and the cycle of the activation date (starting `cycle_start`) not yet
    invoiced."""
    item = _item(sim)
    item.version = 1
    registration = IccidRegistration(
        *IccidRegistration.key(sim.iccid),
        iccid=sim.iccid,
        account_id=sim.account_id,
        customer_id=sim.customer_id,
        product_id=sim.product_id,
        activation_date=sim.activation_date,
    )
    tx = Transaction()
    tx.put(registration, "iccid", IccidRegistration.pk.does_not_exist())
    tx.put(item, "sim", SimItem.pk.does_not_exist())
    tx.check(
        ProductItem,
        ProductItem.key(sim.account_id, sim.product_id),
        "product",
        ProductItem.status == ProductStatus.ACTIVE.value,
    )
    customer = CustomerItem(*CustomerItem.key(sim.account_id, sim.customer_id))
    tx.update(
        customer,
        "customer",
        [CustomerItem.open_sim_count.add(1)],
        CustomerItem.status == CustomerStatus.ACTIVE.value,
    )
    tx.check(CycleClosure, CycleClosure.key(sim.account_id, cycle_start), "cycle", CycleClosure.pk.does_not_exist())
    try:
        tx.commit()
    except TransactionFailed as failure:
        if "iccid" in failure.failed or "sim" in failure.failed:
            raise ConflictError(f"ICCID {sim.iccid} is already registered", code=ErrorCode.ICCID_EXISTS) from None
        if "product" in failure.failed:
            raise ConflictError(
                f"product {sim.product_id} is RETIRED or gone and takes no new SIMs",
                code=ErrorCode.PRODUCT_NOT_ACTIVE,
            ) from None
        if "customer" in failure.failed:
            raise ConflictError(
                f"customer {sim.customer_id} is not ACTIVE", code=ErrorCode.CUSTOMER_NOT_ACTIVE
            ) from None
        raise _cycle_closed(sim.activation_date) from None
    return Versioned(sim.as_of(utctoday()), 1)


def save_status_change(sim: Sim, expected_version: int, cycle_start: date) -> Versioned[Sim]:
    """Save a SIM whose history grew by one change, unless that change's cycle (starting `cycle_start`)
    is invoiced; retiring it also records the retirement on its registration, releases it from its
    customer's count of SIMs not RETIRED and moves the customer's latest retirement date on."""
    for _ in range(RETIREMENT_ATTEMPTS - 1):
        try:
            return _save_status_change(sim, expected_version, cycle_start)
        except _LatestRetirementMoved:
            continue
    return _save_status_change(sim, expected_version, cycle_start)


class _LatestRetirementMoved(Exception):
    """Another SIM of the customer retired meanwhile with a later date."""


def _latest_retirement(account_id: str, customer_id: str) -> date | None:
    try:
        customer = CustomerItem.get(
            *CustomerItem.key(account_id, customer_id), consistent_read=True, attributes_to_get=["latest_retirement"]
        )
    except DoesNotExist:
        return None
    return customer.latest_retirement


def _save_status_change(sim: Sim, expected_version: int, cycle_start: date) -> Versioned[Sim]:
    item = _item(sim)
    change = sim.history[-1]
    tx = Transaction()
    tx.update(
        item,
        "sim",
        [*set_actions(item, _CHANGED), SimItem.version.set(expected_version + 1)],
        SimItem.version == expected_version,
    )
    tx.check(CycleClosure, CycleClosure.key(sim.account_id, cycle_start), "cycle", CycleClosure.pk.does_not_exist())
    if change.status is SimStatus.RETIRED:
        registration = IccidRegistration(*IccidRegistration.key(sim.iccid))
        tx.update(registration, "registration", [IccidRegistration.retired_on.set(change.effective_date)])
        customer = CustomerItem(*CustomerItem.key(sim.account_id, sim.customer_id))
        actions: list[Action] = [CustomerItem.open_sim_count.add(-1)]
        condition = None
        latest = _latest_retirement(sim.account_id, sim.customer_id)
        if latest is None or latest < change.effective_date:
            # The latest date only moves on: set it unless a later one arrived since it was read.
            actions.append(CustomerItem.latest_retirement.set(change.effective_date))
            condition = CustomerItem.latest_retirement.does_not_exist() | (
                CustomerItem.latest_retirement < change.effective_date
            )
        tx.update(customer, "customer", actions, condition)
    try:
        tx.commit()
    except TransactionFailed as failure:
        if "cycle" in failure.failed:
            raise _cycle_closed(change.effective_date) from None
        if set(failure.failed) == {"customer"}:
            raise _LatestRetirementMoved() from None
        raise ChangedMeanwhileError() from None
    return Versioned(sim.as_of(utctoday()), expected_version + 1)
