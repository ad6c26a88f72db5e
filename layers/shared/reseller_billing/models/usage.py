"""Usage records: what `POST /accounts/{account_id}/usage` takes and answers, and the per-cycle totals
billing reads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from reseller_billing.billing.model import Service
from reseller_billing.errors import UsageRejection
from reseller_billing.models.common import Iccid, InputModel, OutputModel, Quantity

MAX_RECORDS = 1000
_RFC3339 = re.compile(  # ASCII digits only (Python's \d takes any script's)
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _rfc3339(value: Any) -> datetime:
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("must be an RFC 3339 timestamp with a time zone, e.g. 2026-11-05T13:45:00Z")
    try:
        return datetime.fromisoformat(value.replace("z", "Z")).astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:30:00+01:00 is before year 1 in UTC
        raise ValueError("is out of the range of dates") from None


class UsageRecord(InputModel):
    """One record; each is checked on its own, so one bad record does not refuse the others."""

    record_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")]
    iccid: Iccid
    service: Service
    quantity: Quantity
    occurred_at: Annotated[datetime, BeforeValidator(_rfc3339)]

    @model_validator(mode="after")
    def _whole_messages(self) -> UsageRecord:
        if self.service is Service.SMS and self.quantity != self.quantity.to_integral_value():
            raise PydanticCustomError("invalid_quantity", "SMS are counted in whole messages")
        return self


class UsageBatch(InputModel):
    records: Annotated[
        list[Any],
        Field(
            min_length=1,
            max_length=MAX_RECORDS,
            description=(
                "Up to 1000 records {record_id, iccid, service DATA|SMS, quantity (MB or messages; an integer "
                "or a decimal string), occurred_at (RFC 3339)}. record_id is unique per reseller: a record "
                "sent again is counted as a duplicate and changes nothing."
            ),
        ),
    ]


class RejectedRecord(OutputModel):
    index: int = Field(description="Position of the record in the request")
    record_id: str | None
    reason: UsageRejection
    message: str


class UsageResult(OutputModel):
    accepted: int
    duplicates: int
    rejected: list[RejectedRecord]


@dataclass(frozen=True, slots=True)
class CycleUsage:
    """A SIM's usage of one service in the billing cycle starting `cycle_start`: the sum of its records."""

    iccid: str
    service: Service
    cycle_start: date
    quantity: Decimal
