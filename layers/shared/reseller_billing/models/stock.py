"""SIM stock: the ICCIDs the operator allocated to an account, which only that account may assign to its
customers. API input and output, and the allocation of a range (done in the background)."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BeforeValidator, ConfigDict, Field, model_validator

from reseller_billing.errors import StockRejection
from reseller_billing.iccid import luhn_check_digit
from reseller_billing.models.common import Iccid, InputModel, OutputModel, Timestamp, whole_number

MAX_LISTED_ICCIDS = 1000
MAX_RANGE_COUNT = 100_000
# An allocation lists at most this many of its rejected ICCIDs (all of them are counted): a range of
# 100,000 rejected ICCIDs would not fit in one item or one answer.
MAX_LISTED_REJECTIONS = 1000


class StockStatus(StrEnum):
    AVAILABLE = "AVAILABLE"
    ASSIGNED = "ASSIGNED"


def iccid_range(first: str, count: int, skip: int = 0) -> Iterator[str]:
    """`first` and the ICCIDs after it, `count` in all: the digits before the check digit counted on from
    `first`'s (same length, leading zeros kept), each with its own Luhn check digit; the first `skip` of
    them left out."""
    payload = first[:-1]
    start = int(payload)
    for number in range(start + skip, start + count):
        digits = f"{number:0{len(payload)}d}"
        yield digits + str(luhn_check_digit(digits))


class IccidRange(InputModel):
    first: Iccid = Field(description="The range's first ICCID (19 or 20 digits, valid Luhn check digit)")
    count: Annotated[int, Field(strict=True, ge=1, le=MAX_RANGE_COUNT), BeforeValidator(whole_number)] = Field(
        description="How many ICCIDs, `first` included: the digits before the check digit count on from first's"
    )

    @model_validator(mode="after")
    def _fits_in_the_digits(self) -> Self:
        payload = self.first[:-1]
        if int(payload) + self.count - 1 >= 10 ** len(payload):
            raise ValueError(f"a range of {self.count} from {self.first} runs past {len(self.first)} digits")
        return self

    def iccids(self) -> Iterator[str]:
        return iccid_range(self.first, self.count)


class StockAddition(InputModel):
    """ICCIDs to add to a reseller's stock: `iccids`, up to 1,000, added while the request waits (201), or
    a `range` of up to 100,000, added in the background (202 and an allocation to follow)."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["iccids"]}, {"required": ["range"]}]})

    iccids: Annotated[list[Iccid], Field(min_length=1, max_length=MAX_LISTED_ICCIDS)] | None = None
    range: IccidRange | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if (self.iccids is None) == (self.range is None):
            raise ValueError("send either iccids or a range")
        return self


class RejectedIccid(OutputModel):
    iccid: str
    reason: StockRejection


class StockAdded(OutputModel):
    """What a list of ICCIDs did: `added` counts the ICCIDs now in the account's stock."""

    added: int
    rejected: list[RejectedIccid]


class AllocationStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"


class StockAllocation(OutputModel):
    """A range being added to an account's stock. `rejected` lists the first 1,000 rejected ICCIDs in range
    order; `rejected_count` counts them all."""

    id: str
    account_id: str
    status: AllocationStatus
    first: str
    count: int
    done: int = Field(description="ICCIDs of the range handled so far")
    added: int
    rejected_count: int
    rejected: list[RejectedIccid]
    created_at: Timestamp
    updated_at: Timestamp


class StockEntry(OutputModel):
    iccid: str
    status: StockStatus
    customer_id: str | None = Field(None, description="The customer the SIM is assigned to (ASSIGNED only)")
