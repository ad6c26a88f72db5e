"""Billing runs: the API's request and answer, and the run as stored with its progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from reseller_billing.models.common import InputModel, IsoDate, OutputModel, Resource, ResourceId, Timestamp

MAX_CHOSEN_CUSTOMERS = 1000


class RunTrigger(StrEnum):
    """What started a run: a request to the API, or the daily schedule."""

    MANUAL = "MANUAL"
    SCHEDULE = "SCHEDULE"


class RunOutcome(StrEnum):
    """What a run did for one customer: issued its invoice, skipped it (no charges, or already invoiced
    for the cycle), or failed (its invoice request is in the dead-letter queue)."""

    ISSUED = "ISSUED"
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"


class SkipReason(StrEnum):
    NO_CHARGES = "no_charges"
    ALREADY_INVOICED = "already_invoiced"


@dataclass(frozen=True, slots=True)
class FanoutPageRecord:
    """A page of a run's customers as the fan-out sent them to the invoice queue: their ids (in id order)
    and where the next page starts (None after the last)."""

    page: int
    customer_ids: tuple[str, ...]
    next_cursor: str | None


class BillingRunStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    COMPLETED_WITH_FAILURES = "COMPLETED_WITH_FAILURES"

    @property
    def is_final(self) -> bool:
        """A final run does nothing more: another run of its cycle may start."""
        return self in (BillingRunStatus.COMPLETED, BillingRunStatus.COMPLETED_WITH_FAILURES)


class BillingRunRequest(InputModel):
    run_date: IsoDate = Field(
        description="A run date of the reseller's cycles; bills the cycle that ended the day before"
    )
    customer_ids: Annotated[list[ResourceId], Field(min_length=1, max_length=MAX_CHOSEN_CUSTOMERS)] | None = Field(
        default=None,
        description="Only these customers of the account (up to 1,000), e.g. to issue a replacement invoice; "
        "absent: every customer",
    )


class BillingRun(Resource):
    account_id: str
    run_date: date
    cycle_start: date
    cycle_end: date
    trigger: RunTrigger
    status: BillingRunStatus
    customers: int
    issued: int
    skipped: int
    failed: int
    customer_ids: list[str] | None = Field(default=None, description="A run for chosen customers: their ids")


class BillingRunRecord(OutputModel):
    """A run as stored: what it bills, how far its fan-out got, and its customers' outcomes counted."""

    id: str
    account_id: str
    run_date: date
    cycle_start: date
    cycle_end: date
    proration_days: int = Field(description="What MRC and allowances are prorated over: the cycle's days, or L")
    trigger: RunTrigger
    fanout_enqueued: bool = False
    fanout_complete: bool = False
    counts_pages: bool = True
    fanout_pages: int = 0
    fanout_last_page: int | None = None
    customers: int = 0
    issued: int = 0
    skipped: int = 0
    failed: int = 0
    requeued: int = 0
    customer_ids: tuple[str, ...] | None = None  # a run for chosen customers: their ids, sorted
    created_at: Timestamp
    updated_at: Timestamp

    @property
    def fanned_out(self) -> bool:
        """Every page fanned out and counted. Pages run in parallel (each enqueues the next before its own
        work), so the last can be recorded while one before it still fails: all of them must be."""
        if not self.counts_pages:
            return self.fanout_complete  # started before pages were counted: its last page is enough
        return self.fanout_last_page is not None and self.fanout_pages > self.fanout_last_page

    @property
    def status(self) -> BillingRunStatus:
        """Complete once every page is fanned out and every customer counted; until then queued or running."""
        done = self.issued + self.skipped + self.failed
        if self.fanned_out and done >= self.customers:
            return BillingRunStatus.COMPLETED_WITH_FAILURES if self.failed else BillingRunStatus.COMPLETED
        return BillingRunStatus.RUNNING if done or self.customers else BillingRunStatus.QUEUED

    @property
    def is_final(self) -> bool:
        return self.status.is_final

    def as_billing_run(self) -> BillingRun:
        return BillingRun(
            id=self.id,
            account_id=self.account_id,
            run_date=self.run_date,
            cycle_start=self.cycle_start,
            cycle_end=self.cycle_end,
            trigger=self.trigger,
            status=self.status,
            customers=self.customers,
            issued=self.issued,
            skipped=self.skipped,
            failed=self.failed,
            customer_ids=list(self.customer_ids) if self.customer_ids is not None else None,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )
