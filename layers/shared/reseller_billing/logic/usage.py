"""Usage intake: each record is checked on its own and either accepted, counted as a duplicate, or
rejected with a reason. Nothing is silently dropped: a record the invoice of its cycle could not bill (its
cycle invoiced already, or a service its SIM's plan does not price in that cycle) is rejected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from reseller_billing.billing.model import Service
from reseller_billing.dal import usage as table
from reseller_billing.dal.pricing import load_price_catalog
from reseller_billing.dal.usage import UsageWrite
from reseller_billing.errors import UsageRejection
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.models.common import utcnow
from reseller_billing.models.price_plans import PricePlanRecord
from reseller_billing.models.products import Product
from reseller_billing.models.sims import SimRegistration
from reseller_billing.models.usage import RejectedRecord, UsageRecord, UsageResult

# A device's clock may run a little ahead; beyond this a timestamp is refused as being in the future.
CLOCK_SKEW = timedelta(minutes=5)

_FIELD_REASONS = {
    "iccid": UsageRejection.INVALID_ICCID,
    "service": UsageRejection.UNKNOWN_SERVICE,
    "quantity": UsageRejection.INVALID_QUANTITY,
    "occurred_at": UsageRejection.INVALID_OCCURRED_AT,
}


def _parse(index: int, raw: Any) -> UsageRecord | RejectedRecord:
    record_id = raw.get("record_id") if isinstance(raw, dict) else None
    record_id = record_id if isinstance(record_id, str) else None
    try:
        return UsageRecord.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        reason = (
            UsageRejection.INVALID_QUANTITY
            if first["type"] == "invalid_quantity"
            else _FIELD_REASONS.get(field, UsageRejection.INVALID_RECORD)
        )
        message = f"{field}: {first['msg']}" if field else first["msg"]
        return RejectedRecord(index=index, record_id=record_id, reason=reason, message=message)


def check_record(
    record: UsageRecord, registration: SimRegistration | None, account_id: str, now: datetime
) -> tuple[UsageRejection, str] | None:
    """Why a well-formed record of reseller `account_id` is rejected, given its SIM's registration, if it
    is: an ICCID that is not one of this reseller's SIMs, a time in the future, a day before the SIM's
    activation or from its retirement on. None: it may be written (its cycle may still turn out to be
    closed)."""
    day = record.occurred_at.date()
    if registration is None or registration.account_id != account_id:
        # The same answer whether the ICCID is unknown or another reseller's: no reseller learns whose it is.
        return UsageRejection.UNKNOWN_ICCID, f"SIM {record.iccid} is not one of this reseller's SIMs"
    if record.occurred_at > now + CLOCK_SKEW:
        return UsageRejection.INVALID_OCCURRED_AT, "occurred_at is in the future"
    if day < registration.activation_date:
        return UsageRejection.BEFORE_ACTIVATION, f"SIM activated on {registration.activation_date}"
    if registration.retired_on is not None and day >= registration.retired_on:
        return UsageRejection.SIM_RETIRED, f"SIM retired on {registration.retired_on}"
    return None


def services_priced(
    product_id: str, cycle_start: date, plans: dict[str, PricePlanRecord], products: dict[str, Product]
) -> frozenset[Service]:
    """The services the product's plan prices in the cycle starting `cycle_start`: those its version in
    force on that day has an allowance for (a free one is `included` 0 at `overage_price` "0")."""
    product = products.get(product_id)
    plan = plans.get(product.plan_on(cycle_start)) if product is not None else None
    if plan is None:
        return frozenset()
    return frozenset(allowance.service for allowance in plan.version_on(cycle_start).allowances)


def _in_closed_cycles(
    account_id: str, candidates: list[tuple[int, UsageWrite]]
) -> tuple[set[date], list[tuple[int, UsageWrite]]]:
    """The closed cycles among the writes', and the writes, those in a cycle a full credit reopened for
    their customer marked so: such a cycle takes that customer's usage again."""
    closed = table.closed_cycles(account_id, (w.cycle_start for _, w in candidates))
    reopened = table.reopened_cycles(
        account_id, {(w.customer_id, w.cycle_start) for _, w in candidates if w.cycle_start in closed}
    )
    marked = [
        (index, replace(write, reopened=True) if (write.customer_id, write.cycle_start) in reopened else write)
        for index, write in candidates
    ]
    return closed, marked


def ingest_usage(account_id: str, raw_records: list[Any], sources: Sequence[str] | None = None) -> UsageResult:
    """Accept usage for a reseller's SIMs. A record is rejected when it is malformed, fails
    `check_record`, is of a service its SIM's plan does not price in the record's cycle, or is dated in
    a cycle already invoiced. A record_id seen before is a duplicate and changes nothing. Cycles are the
    reseller's as its billing-cycle history has them, so a cycle invoiced before the cycle day changed
    stays closed. A record written before from the same source (`sources`, one per record: a usage file's
    line) counts as accepted, not as a duplicate: that only happens when that source is ingested again."""
    _, profile = load_reseller(account_id)
    rejected: list[RejectedRecord] = []
    records: list[tuple[int, UsageRecord]] = []
    seen: set[str] = set()
    duplicates_in_request = 0
    for index, raw in enumerate(raw_records):
        parsed = _parse(index, raw)
        if isinstance(parsed, RejectedRecord):
            rejected.append(parsed)
        elif parsed.record_id in seen:
            duplicates_in_request += 1
        else:
            seen.add(parsed.record_id)
            records.append((index, parsed))

    registrations = table.registrations(r.iccid for _, r in records)
    now = utcnow()
    checked: list[tuple[int, UsageRecord, SimRegistration]] = []
    for index, record in records:
        registration = registrations.get(record.iccid)
        rejection = check_record(record, registration, account_id, now)
        if rejection is not None:
            reason, message = rejection
            rejected.append(RejectedRecord(index=index, record_id=record.record_id, reason=reason, message=message))
            continue
        assert registration is not None  # check_record rejects a record without one
        checked.append((index, record, registration))

    product_of = {r.iccid: r.product_id for _, _, r in checked if r.product_id is not None}
    unknown = [(r.customer_id, r.iccid) for _, _, r in checked if r.product_id is None]
    if unknown:
        product_of.update(table.products_of_sims(account_id, unknown))
    plans, products = load_price_catalog(account_id) if checked else ({}, {})
    schedule = profile.schedule
    candidates: list[tuple[int, UsageWrite]] = []
    for index, record, registration in checked:
        cycle_start = schedule.cycle_containing(record.occurred_at.date()).start
        product_id = product_of.get(record.iccid, "")
        if record.service not in services_priced(product_id, cycle_start, plans, products):
            message = (
                f"the plan of product {product_id} has no {record.service} allowance in the cycle from {cycle_start}"
            )
            rejected.append(
                RejectedRecord(
                    index=index, record_id=record.record_id, reason=UsageRejection.SERVICE_NOT_IN_PLAN, message=message
                )
            )
            continue
        write = UsageWrite(
            record_id=record.record_id,
            customer_id=registration.customer_id,
            iccid=record.iccid,
            service=record.service,
            quantity=record.quantity,
            occurred_at=record.occurred_at,
            cycle_start=cycle_start,
            source=sources[index] if sources is not None else None,
        )
        candidates.append((index, write))

    closed, candidates = _in_closed_cycles(account_id, candidates)
    writes: list[UsageWrite] = []
    index_of: dict[str, int] = {}
    for index, write in candidates:
        if write.cycle_start in closed and not write.reopened:
            rejected.append(
                RejectedRecord(
                    index=index,
                    record_id=write.record_id,
                    reason=UsageRejection.CYCLE_CLOSED,
                    message=f"the cycle starting {write.cycle_start} is already invoiced",
                )
            )
        else:
            writes.append(write)
            index_of[write.record_id] = index

    outcome = table.record_usage(account_id, writes)
    for record_id in outcome.cycle_closed:
        rejected.append(
            RejectedRecord(
                index=index_of[record_id],
                record_id=record_id,
                reason=UsageRejection.CYCLE_CLOSED,
                message="the record's cycle was invoiced while it was being written",
            )
        )
    return UsageResult(
        accepted=len(outcome.accepted),
        duplicates=duplicates_in_request + len(outcome.duplicates),
        rejected=sorted(rejected, key=lambda r: r.index),
    )
