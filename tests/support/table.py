"""Reading and arranging the table directly in integration tests (moto in-process): a Scan is fine here,
it proves that a refused request wrote nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from reseller_billing.dal.items import CycleClosure, TableItem


def stored_items() -> dict[tuple[str, str], dict[str, Any]]:
    """Every stored item but idempotency records (they store answers, not data), by key."""
    return {(i.pk, i.sk): i.serialize() for i in TableItem.scan() if not i.pk.startswith("IDEMPOTENCY")}


def item_count() -> int:
    return len(stored_items())


def close_cycle(account_id: str, cycle_start: date) -> None:
    """Mark a reseller's cycle closed, as a billing run starting for it does."""
    CycleClosure(
        *CycleClosure.key(account_id, cycle_start), cycle_start=cycle_start, closed_at=datetime.now(UTC)
    ).save()
