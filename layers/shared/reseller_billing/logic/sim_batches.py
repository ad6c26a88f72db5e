"""Bulk onboarding: up to 1,000 SIMs of one customer in a request. Each SIM is checked and assigned on its
own, as `POST .../sims` would assign it, and either created or rejected with the error code that request
would answer (`iccid_not_in_stock`, `product_not_found`, ...); the others are kept. The SIMs that pass go
to the table many to a transaction (dal/sims.py)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from reseller_billing.dal import customers as customers_table
from reseller_billing.dal import products as products_table
from reseller_billing.dal import sims as table
from reseller_billing.errors import ErrorCode, NotFoundError
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.logic.sims import new_sim
from reseller_billing.models.common import utcnow
from reseller_billing.models.sim_batches import RejectedSim, SimBatchResult
from reseller_billing.models.sims import Sim, SimAssign

_MESSAGES = {
    ErrorCode.ICCID_NOT_IN_STOCK: "not AVAILABLE in this account's SIM stock",
    ErrorCode.ICCID_EXISTS: "the ICCID is already registered",
    ErrorCode.PRODUCT_NOT_ACTIVE: "the product is RETIRED and takes no new SIMs",
    ErrorCode.CUSTOMER_NOT_ACTIVE: "the customer is not ACTIVE",
    ErrorCode.CYCLE_CLOSED: "the activation date lies in a billing cycle already invoiced",
}


def _rejected(index: int, iccid: str, reason: ErrorCode, message: str) -> RejectedSim:
    return RejectedSim(index=index, iccid=iccid, reason=reason, message=message)


def _invalid(index: int, raw: Any, error: ValidationError) -> RejectedSim:
    iccid = raw.get("iccid") if isinstance(raw, dict) else None
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"])
    return RejectedSim(
        index=index,
        iccid=iccid if isinstance(iccid, str) else None,
        reason=ErrorCode.VALIDATION_ERROR,
        message=f"{field}: {first['msg']}" if field else first["msg"],
    )


def create_sims(account_id: str, customer_id: str, raw_sims: list[Any]) -> SimBatchResult:
    """Assign each SIM of the batch to the customer (404 if there is no such customer). An ICCID listed
    twice is rejected the second time: the first takes it from the stock."""
    _, profile = load_reseller(account_id)
    customers_table.get_customer(account_id, customer_id)
    now = utcnow()
    rejected: list[RejectedSim] = []
    products: dict[str, bool] = {}
    sims: list[Sim] = []
    index_of: dict[str, int] = {}
    for index, raw in enumerate(raw_sims):
        try:
            request = SimAssign.model_validate(raw)
        except ValidationError as error:
            rejected.append(_invalid(index, raw, error))
            continue
        if request.iccid in index_of:
            earlier = f"listed earlier in this batch (at {index_of[request.iccid]})"
            rejected.append(_rejected(index, request.iccid, ErrorCode.ICCID_NOT_IN_STOCK, earlier))
            continue
        if request.product_id not in products:
            products[request.product_id] = _product_exists(account_id, request.product_id)
        if not products[request.product_id]:
            unknown = f"product {request.product_id} does not exist in this account"
            rejected.append(_rejected(index, request.iccid, ErrorCode.PRODUCT_NOT_FOUND, unknown))
            continue
        index_of[request.iccid] = index
        sims.append(new_sim(account_id, customer_id, request, now))
    cycle_starts = {sim.iccid: profile.schedule.cycle_containing(sim.activation_date).start for sim in sims}
    outcome = table.insert_sims(sims, cycle_starts)
    rejected += [
        _rejected(index_of[iccid], iccid, reason, _MESSAGES[reason]) for iccid, reason in outcome.rejected.items()
    ]
    return SimBatchResult(created=len(outcome.created), rejected=sorted(rejected, key=lambda r: r.index))


def _product_exists(account_id: str, product_id: str) -> bool:
    try:
        products_table.get_product(account_id, product_id)
    except NotFoundError:
        return False
    return True
