"""SIM stock: the operator allocates ICCIDs to a reseller's stock, one by one (up to 1,000, at once) or as
a range (up to 100,000, in the background); the reseller assigns only AVAILABLE ICCIDs of its own stock
(logic/sims.py). An ICCID is in at most one account's stock."""

from __future__ import annotations

from collections.abc import Callable

from reseller_billing.dal import stock as table
from reseller_billing.errors import StockRejection
from reseller_billing.ids import new_id
from reseller_billing.integration import queues
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.models.common import Page, utcnow
from reseller_billing.models.messages import StockAllocationMessage
from reseller_billing.models.stock import (
    MAX_LISTED_REJECTIONS,
    AllocationStatus,
    IccidRange,
    RejectedIccid,
    StockAdded,
    StockAllocation,
    StockEntry,
    StockStatus,
    iccid_range,
)
from reseller_billing.principal import Principal

# ICCIDs of a range added between two checkpoints: ten transactions of 100.
ALLOCATION_CHUNK = 1000


def add_iccids(principal: Principal, account_id: str, iccids: list[str]) -> StockAdded:
    """Add listed ICCIDs to a reseller's stock, each on its own: one already in any account's stock (or
    listed twice) is rejected, the others are added."""
    principal.require_operator()
    load_reseller(account_id)
    outcome = table.add_to_stock(account_id, iccids, new_id("alloc"))
    rejected = [RejectedIccid(iccid=iccid, reason=StockRejection.ICCID_IN_STOCK) for iccid in outcome.rejected]
    return StockAdded(added=outcome.added, rejected=rejected)


def start_allocation(principal: Principal, account_id: str, requested: IccidRange) -> StockAllocation:
    """Record a range's allocation and queue it; `allocate` adds its ICCIDs in the background."""
    principal.require_operator()
    load_reseller(account_id)
    now = utcnow()
    allocation = StockAllocation(
        id=new_id("alloc"),
        account_id=account_id,
        status=AllocationStatus.QUEUED,
        first=requested.first,
        count=requested.count,
        done=0,
        added=0,
        rejected_count=0,
        rejected=[],
        created_at=now,
        updated_at=now,
    )
    table.insert_allocation(allocation)
    queues.send_stock_allocation(StockAllocationMessage(account_id=account_id, allocation_id=allocation.id))
    return allocation


def get_allocation(principal: Principal, account_id: str, allocation_id: str) -> StockAllocation:
    principal.require_operator()
    load_reseller(account_id)
    return table.get_allocation(account_id, allocation_id)


def list_stock(account_id: str, status: StockStatus | None, limit: int, cursor: str | None) -> Page[StockEntry]:
    load_reseller(account_id)
    return table.list_stock(account_id, status, limit, cursor)


def allocate(message: StockAllocationMessage, should_stop: Callable[[], bool]) -> bool:
    """Add an allocation's range to the stock from its checkpoint on, ALLOCATION_CHUNK ICCIDs between two
    checkpoints. Returns False when it stopped early because `should_stop` said so (the caller queues the
    rest), True when nothing is left to do: the range is done, or another delivery of the same message
    moved the checkpoint first and goes on with it. A chunk done again after a crash adds nothing twice:
    the ICCIDs this allocation put count as added (dal/stock.py)."""
    allocation: StockAllocation | None = table.get_allocation(message.account_id, message.allocation_id)
    while allocation is not None and allocation.done < allocation.count:
        size = min(ALLOCATION_CHUNK, allocation.count - allocation.done)
        chunk = list(iccid_range(allocation.first, allocation.done + size, skip=allocation.done))
        outcome = table.add_to_stock(allocation.account_id, chunk, allocation.id)
        room = max(0, MAX_LISTED_REJECTIONS - len(allocation.rejected))
        allocation = table.save_progress(
            allocation,
            done=allocation.done + size,
            added=outcome.added,
            rejected=len(outcome.rejected),
            listed=outcome.rejected[:room],
        )
        if allocation is not None and allocation.done < allocation.count and should_stop():
            return False
    return True
