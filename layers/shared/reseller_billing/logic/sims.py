"""A customer's SIMs: assignment and status changes along a history that only grows. Every use case first
checks that the account is a reseller (409 `account_not_reseller`)."""

from __future__ import annotations

from datetime import datetime

from reseller_billing.billing.model import SimStatus
from reseller_billing.dal import customers as customers_table
from reseller_billing.dal import products as products_table
from reseller_billing.dal import sims as table
from reseller_billing.dal.writes import saved_with_retries
from reseller_billing.errors import ConflictError, ErrorCode, NotFoundError, UnprocessableError
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.models.common import Page, Versioned, utcnow
from reseller_billing.models.sims import Sim, SimAssign, SimStatusChange, StatusChange


def check_status_change(sim: Sim, change: SimStatusChange) -> None:
    """The rules of a SIM's status timeline: RETIRED is final (409 `sim_retired`), a change changes the
    status (409 `status_unchanged`), and no change predates the previous one (422
    `invalid_effective_date`). Whether the change's cycle is invoiced is checked when it is saved."""
    last = sim.history[-1]
    if last.status is SimStatus.RETIRED:
        when = "retires" if last.scheduled else "retired"
        message = f"SIM {sim.iccid} {when} on {last.effective_date.isoformat()}; that is final"
        raise ConflictError(message, code=ErrorCode.SIM_RETIRED)
    if change.status is last.status:
        raise ConflictError(f"SIM {sim.iccid} is already {last.status}", code=ErrorCode.STATUS_UNCHANGED)
    if change.effective_date < last.effective_date:
        message = f"effective_date must not be before the previous change ({last.effective_date.isoformat()})"
        raise UnprocessableError(
            message,
            code=ErrorCode.INVALID_EFFECTIVE_DATE,
            details=[{"in": "body", "field": "effective_date", "message": message}],
        )


def with_status_change(sim: Sim, change: SimStatusChange, now: datetime) -> Sim:
    """`sim` with `change` appended to its history (checked by `check_status_change`)."""
    history = [*sim.history, StatusChange(status=change.status, effective_date=change.effective_date)]
    return sim.model_copy(update={"status": change.status, "history": history, "updated_at": now})


def assign_sim(account_id: str, customer_id: str, request: SimAssign) -> Versioned[Sim]:
    """Give a new SIM (an ICCID AVAILABLE in the account's SIM stock, else 422 `iccid_not_in_stock`) to an
    ACTIVE customer, under an ACTIVE product of the same reseller, ACTIVE from `activation_date`."""
    _, profile = load_reseller(account_id)
    customers_table.get_customer(account_id, customer_id)
    try:
        products_table.get_product(account_id, request.product_id)
    except NotFoundError:
        # Like a product's price plan: a body naming what is not there is invalid input, not a missing URL.
        raise UnprocessableError(
            f"product {request.product_id} does not exist in this account",
            code=ErrorCode.PRODUCT_NOT_FOUND,
            details=[{"in": "body", "field": "product_id", "message": "no such product in this account"}],
        ) from None
    sim = new_sim(account_id, customer_id, request, utcnow())
    cycle = profile.schedule.cycle_containing(request.activation_date)
    return table.insert_sim(sim, cycle.start)


def new_sim(account_id: str, customer_id: str, request: SimAssign, now: datetime) -> Sim:
    """The SIM `request` assigns: ACTIVE from its activation date."""
    return Sim(
        iccid=request.iccid,
        account_id=account_id,
        customer_id=customer_id,
        product_id=request.product_id,
        activation_date=request.activation_date,
        status=SimStatus.ACTIVE,
        history=[StatusChange(status=SimStatus.ACTIVE, effective_date=request.activation_date)],
        created_at=now,
        updated_at=now,
    )


def get_sim(account_id: str, customer_id: str, iccid: str) -> Versioned[Sim]:
    load_reseller(account_id)
    return table.get_sim(account_id, customer_id, iccid)


def list_sims(account_id: str, customer_id: str, limit: int, cursor: str | None) -> Page[Sim]:
    load_reseller(account_id)
    customers_table.get_customer(account_id, customer_id)
    return table.list_sims(account_id, customer_id, limit, cursor)


def change_sim_status(account_id: str, customer_id: str, iccid: str, request: SimStatusChange) -> Versioned[Sim]:
    """Record a status change from `effective_date` on, which may lie ahead (the change is then scheduled).
    History only grows, and an invoiced cycle is never rewritten (409 `cycle_closed`)."""
    return saved_with_retries(lambda: _change_sim_status(account_id, customer_id, iccid, request), None)


def _change_sim_status(account_id: str, customer_id: str, iccid: str, request: SimStatusChange) -> Versioned[Sim]:
    _, profile = load_reseller(account_id)
    stored = table.get_sim(account_id, customer_id, iccid)
    check_status_change(stored.value, request)
    sim = with_status_change(stored.value, request, utcnow())
    cycle = profile.schedule.cycle_containing(request.effective_date)
    return table.save_status_change(sim, stored.version, cycle.start)
