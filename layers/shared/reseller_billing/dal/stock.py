"""SIM stock in the table.

An ICCID in stock is one item keyed by the ICCID alone (`STOCK#{iccid}`), so it can be in at most one
account's stock: ICCIDs are put in transactions of up to 100, each on the condition that its item does
not exist. A cancelled transaction names the ICCIDs already in some stock (rejected), and the rest are put
again. Each item remembers the allocation that added it, so an allocation done again after a crash counts
its own earlier puts as added rather than rejected. The account lists its stock in GSI1, by status then
ICCID. Assigning a SIM turns its stock item ASSIGNED in the assignment's own transaction (dal/sims.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from reseller_billing.dal.items import (
    ListingIndex,
    RejectedIccidMap,
    StockAllocationItem,
    StockItem,
    stock_listing_pk,
)
from reseller_billing.dal.pagination import query_page
from reseller_billing.dal.writes import Transaction, TransactionFailed, commit_retrying, condition_failed
from reseller_billing.errors import NotFoundError, StockRejection
from reseller_billing.models.common import Page, utcnow
from reseller_billing.models.stock import (
    AllocationStatus,
    RejectedIccid,
    StockAllocation,
    StockEntry,
    StockStatus,
)

MAX_TRANSACTION_ITEMS = 100


@dataclass
class StockOutcome:
    added: int = 0
    rejected: list[str] = field(default_factory=list)  # in the order asked


def _stock_item(account_id: str, iccid: str, allocation_id: str) -> StockItem:
    item = StockItem(
        *StockItem.key(iccid),
        iccid=iccid,
        account_id=account_id,
        status=StockStatus.AVAILABLE.value,
        allocation_id=allocation_id,
        created_at=utcnow(),
    )
    item.gsi1pk, item.gsi1sk = StockItem.listing_key(account_id, StockStatus.AVAILABLE.value, iccid)
    return item


def _added_by(before: dict[str, Any] | None, allocation_id: str) -> bool:
    return bool((before or {}).get("allocation_id", {}).get("S") == allocation_id)


def add_to_stock(account_id: str, iccids: Sequence[str], allocation_id: str) -> StockOutcome:
    """Put each ICCID in the account's stock unless it is in some account's stock already (then it is
    rejected; so is an ICCID asked for twice). ICCIDs this same allocation put before count as added."""
    outcome = StockOutcome()
    unique: list[str] = []
    seen: set[str] = set()
    rejected: set[str] = set()
    for iccid in iccids:
        if iccid in seen:
            rejected.add(iccid)
        else:
            seen.add(iccid)
            unique.append(iccid)
    for start in range(0, len(unique), MAX_TRANSACTION_ITEMS):
        pending = unique[start : start + MAX_TRANSACTION_ITEMS]
        while pending:
            tx = Transaction()
            for iccid in pending:
                tx.put(_stock_item(account_id, iccid, allocation_id), f"stock:{iccid}", StockItem.pk.does_not_exist())
            try:
                commit_retrying(tx)
            except TransactionFailed as failure:
                held = {label.split(":", 1)[1]: before for label, before in failure.failed.items()}
                outcome.added += sum(1 for before in held.values() if _added_by(before, allocation_id))
                rejected.update(iccid for iccid, before in held.items() if not _added_by(before, allocation_id))
                pending = [iccid for iccid in pending if iccid not in held]
                continue
            outcome.added += len(pending)
            pending = []
    listed: set[str] = set()
    for iccid in iccids:
        if iccid in rejected and iccid not in listed:
            listed.add(iccid)
            outcome.rejected.append(iccid)
    return outcome


def assign_in(tx: Transaction, account_id: str, customer_id: str, iccid: str, label: str) -> None:
    """Add to `tx`: the ICCID, AVAILABLE in this account's stock, becomes ASSIGNED to the customer. The
    condition fails alike for an ICCID in no stock, in another account's, or assigned already."""
    item = StockItem(*StockItem.key(iccid))
    _, listing_sk = StockItem.listing_key(account_id, StockStatus.ASSIGNED.value, iccid)
    tx.update(
        item,
        label,
        [
            StockItem.status.set(StockStatus.ASSIGNED.value),
            StockItem.customer_id.set(customer_id),
            StockItem.gsi1sk.set(listing_sk),
        ],
        (StockItem.account_id == account_id) & (StockItem.status == StockStatus.AVAILABLE.value),
    )


def _entry(item: StockItem) -> StockEntry:
    return StockEntry(iccid=item.iccid, status=StockStatus(item.status), customer_id=item.customer_id)


def list_stock(account_id: str, status: StockStatus | None, limit: int, cursor: str | None) -> Page[StockEntry]:
    """The account's stock from GSI1, by status then ICCID (one status with `status`)."""
    condition = ListingIndex.gsi1sk.startswith(f"{status.value}#") if status else None
    return query_page(
        StockItem, _entry, stock_listing_pk(account_id), condition, limit=limit, cursor=cursor, index="GSI1"
    )


# --- allocations of ranges -------------------------------------------------------------------------


def _allocation(item: StockAllocationItem) -> StockAllocation:
    return StockAllocation(
        id=item.id,
        account_id=item.account_id,
        status=AllocationStatus(item.status),
        first=item.first,
        count=item.iccid_count,
        done=item.done,
        added=item.added,
        rejected_count=item.rejected_count,
        rejected=[RejectedIccid(iccid=r.iccid, reason=StockRejection(r.reason)) for r in item.rejected],
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def insert_allocation(allocation: StockAllocation) -> None:
    item = StockAllocationItem(
        *StockAllocationItem.key(allocation.account_id, allocation.id),
        id=allocation.id,
        account_id=allocation.account_id,
        status=allocation.status.value,
        first=allocation.first,
        iccid_count=allocation.count,
        created_at=allocation.created_at,
        updated_at=allocation.updated_at,
    )
    item.save(condition=StockAllocationItem.pk.does_not_exist())


def get_allocation(account_id: str, allocation_id: str) -> StockAllocation:
    try:
        item = StockAllocationItem.get(*StockAllocationItem.key(account_id, allocation_id), consistent_read=True)
    except DoesNotExist:
        raise NotFoundError(f"allocation {allocation_id} not found") from None
    return _allocation(item)


def save_progress(
    allocation: StockAllocation, done: int, added: int, rejected: int, listed: Sequence[str]
) -> StockAllocation | None:
    """Move the allocation's checkpoint from `allocation.done` to `done`, adding the counts of the ICCIDs
    in between and listing `listed` of its rejected ones; COMPLETED when the range is done. None when the
    checkpoint had moved meanwhile (another delivery of the same allocation got there first)."""
    status = AllocationStatus.COMPLETED if done >= allocation.count else AllocationStatus.RUNNING
    now = utcnow()
    item = StockAllocationItem(*StockAllocationItem.key(allocation.account_id, allocation.id))
    new = [RejectedIccidMap(iccid=iccid, reason=StockRejection.ICCID_IN_STOCK.value) for iccid in listed]
    actions: list[Action] = [
        StockAllocationItem.done.set(done),
        StockAllocationItem.status.set(status.value),
        StockAllocationItem.updated_at.set(now),
        StockAllocationItem.added.add(added),
        StockAllocationItem.rejected_count.add(rejected),
    ]
    if new:
        actions.append(StockAllocationItem.rejected.set(StockAllocationItem.rejected.append(new)))
    try:
        item.update(actions=actions, condition=StockAllocationItem.done == allocation.done)
    except UpdateError as error:
        if not condition_failed(error):
            raise
        return None
    listed_rejections = [
        *allocation.rejected,
        *(RejectedIccid(iccid=iccid, reason=StockRejection.ICCID_IN_STOCK) for iccid in listed),
    ]
    return allocation.model_copy(
        update={
            "done": done,
            "status": status,
            "added": allocation.added + added,
            "rejected_count": allocation.rejected_count + rejected,
            "rejected": listed_rejections,
            "updated_at": now,
        }
    )
