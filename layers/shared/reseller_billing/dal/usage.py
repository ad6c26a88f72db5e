"""Usage in the table: raw records (their key is the dedupe key) and per-SIM totals per billing cycle,
written together.

A record and the total it adds to are written in one transaction, so a record counts exactly once: a record
sent again, or by two requests at the same moment, fails its `attribute_not_exists` condition and changes
nothing. The same transaction checks that the record's cycle has not been closed by a billing run.

A record from a usage file remembers its source (file and line). When a batch of lines is ingested again
after a crash, the records its first attempt wrote fail their condition too, but with their own source:
they count as accepted, and their totals, added in that first transaction, are not added again."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from reseller_billing.billing.model import Service
from reseller_billing.dal.items import (
    REOPENED,
    CycleClosure,
    CycleReopening,
    IccidRegistration,
    SimItem,
    UsageRecordItem,
    UsageTotalItem,
)
from reseller_billing.dal.writes import Transaction, TransactionFailed
from reseller_billing.errors import TransientError
from reseller_billing.models.common import utcnow
from reseller_billing.models.sims import SimRegistration

MAX_TRANSACTION_ITEMS = 100
RETRIES = 6


@dataclass(frozen=True, slots=True)
class UsageWrite:
    record_id: str
    customer_id: str
    iccid: str
    service: Service
    quantity: Decimal
    occurred_at: datetime
    cycle_start: date
    source: str | None = None
    reopened: bool = False  # the cycle is closed but reopened for the customer (a full credit)

    @property
    def cycle_guard(self) -> tuple[str, date]:
        """What the write's transaction checks: the cycle still open, or still reopened for the customer."""
        return (self.customer_id if self.reopened else "", self.cycle_start)

    @property
    def total_key(self) -> tuple[str, date, str, Service]:
        return (self.customer_id, self.cycle_start, self.iccid, self.service)


@dataclass
class UsageOutcome:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    cycle_closed: list[str] = field(default_factory=list)


def registrations(iccids: Iterable[str]) -> dict[str, SimRegistration]:
    """The platform-wide registrations of these ICCIDs (BatchGetItem, 100 keys a call)."""
    keys = [IccidRegistration.key(iccid) for iccid in set(iccids)]
    return {
        r.iccid: SimRegistration(
            iccid=r.iccid,
            account_id=r.account_id,
            customer_id=r.customer_id,
            product_id=r.product_id,
            activation_date=r.activation_date,
            retired_on=r.retired_on,
        )
        for r in IccidRegistration.batch_get(keys, consistent_read=True)
    }


def products_of_sims(account_id: str, sims: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The products of SIMs (customer id, ICCID) whose registration does not say (BatchGetItem), by ICCID."""
    keys = [SimItem.key(account_id, customer_id, iccid) for customer_id, iccid in set(sims)]
    return {sim.iccid: sim.product_id for sim in SimItem.batch_get(keys, consistent_read=True)}


def closed_cycles(account_id: str, cycle_starts: Iterable[date]) -> set[date]:
    keys = [CycleClosure.key(account_id, start) for start in set(cycle_starts)]
    return {c.cycle_start for c in CycleClosure.batch_get(keys, consistent_read=True)}


def reopened_cycles(account_id: str, cycles: Iterable[tuple[str, date]]) -> set[tuple[str, date]]:
    """Those of (customer id, cycle start) that a full credit reopened and no replacement closed yet."""
    keys = [CycleReopening.key(account_id, customer_id, start) for customer_id, start in set(cycles)]
    return {
        (item.pk.rsplit("#", 1)[1], item.cycle_start)
        for item in CycleReopening.batch_get(keys, consistent_read=True)
        if item.state == REOPENED
    }


def _transaction(account_id: str, writes: list[UsageWrite]) -> Transaction:
    received_at = utcnow()
    tx = Transaction()
    totals: dict[tuple[str, date, str, Service], Decimal] = {}
    for write in writes:
        record = UsageRecordItem(
            *UsageRecordItem.key(account_id, write.record_id),
            record_id=write.record_id,
            account_id=account_id,
            customer_id=write.customer_id,
            iccid=write.iccid,
            service=write.service.value,
            quantity=write.quantity,
            occurred_at=write.occurred_at.isoformat(),
            received_at=received_at,
            source=write.source,
        )
        tx.put(record, f"record:{write.record_id}", UsageRecordItem.pk.does_not_exist())
        totals[write.total_key] = totals.get(write.total_key, Decimal(0)) + write.quantity
    for (customer_id, cycle_start, iccid, service), quantity in totals.items():
        total = UsageTotalItem(*UsageTotalItem.key(account_id, customer_id, cycle_start, iccid, service))
        actions = [
            UsageTotalItem.quantity.add(quantity),
            UsageTotalItem.entity.set(UsageTotalItem),
            UsageTotalItem.iccid.set(iccid),
            UsageTotalItem.service.set(service.value),
            UsageTotalItem.cycle_start.set(cycle_start),
        ]
        tx.update(total, f"total:{customer_id}:{cycle_start}:{iccid}:{service.value}", actions)
    for guard in {w.cycle_guard for w in writes}:
        customer_id, start = guard
        if customer_id:
            key = CycleReopening.key(account_id, customer_id, start)
            tx.check(CycleReopening, key, _guard_label(guard), CycleReopening.state == REOPENED)
        else:
            key = CycleClosure.key(account_id, start)
            tx.check(CycleClosure, key, _guard_label(guard), CycleClosure.pk.does_not_exist())
    return tx


def _guard_label(guard: tuple[str, date]) -> str:
    """One label per guard: two customers' reopenings of one cycle fail (or hold) each on its own."""
    customer_id, start = guard
    return f"cycle:{customer_id}:{start.isoformat()}"


def _operations(writes: list[UsageWrite]) -> int:
    return len(writes) + len({w.total_key for w in writes}) + len({w.cycle_guard for w in writes})


def _next_chunk(pending: list[UsageWrite]) -> list[UsageWrite]:
    chunk: list[UsageWrite] = []
    for write in pending:
        if _operations([*chunk, write]) > MAX_TRANSACTION_ITEMS:
            break
        chunk.append(write)
    return chunk


def _written_by(stored: dict[str, Any] | None, write: UsageWrite) -> bool:
    """Whether the stored record is this very write, done before (the same file and line)."""
    return write.source is not None and (stored or {}).get("source", {}).get("S") == write.source


def record_usage(account_id: str, writes: list[UsageWrite]) -> UsageOutcome:
    """Write records and their totals; each record ends up accepted, duplicate, or refused as cycle_closed."""
    outcome = UsageOutcome()
    pending = list(writes)
    attempt = 0
    while pending:
        chunk = _next_chunk(pending)
        try:
            _transaction(account_id, chunk).commit()
        except TransactionFailed as failure:
            stored = {
                label.split(":", 1)[1]: before
                for label, before in failure.failed.items()
                if label.startswith("record:")
            }
            closed = {label for label in failure.failed if label.startswith("cycle:")}
            redone = {w.record_id for w in chunk if w.record_id in stored and _written_by(stored[w.record_id], w)}
            outcome.accepted += [w.record_id for w in chunk if w.record_id in redone]
            outcome.duplicates += [w.record_id for w in chunk if w.record_id in stored and w.record_id not in redone]
            outcome.cycle_closed += [
                w.record_id for w in chunk if _guard_label(w.cycle_guard) in closed and w.record_id not in stored
            ]
            pending = [w for w in pending if w.record_id not in stored and _guard_label(w.cycle_guard) not in closed]
            continue
        except TransientError:
            attempt += 1
            if attempt > RETRIES:
                raise
            time.sleep(min(0.05 * 2**attempt, 1.0))
            continue
        outcome.accepted += [w.record_id for w in chunk]
        pending = pending[len(chunk) :]
    return outcome
