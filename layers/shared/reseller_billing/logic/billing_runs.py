"""Billing runs: started by the daily schedule or by hand, both the same way. A run closes the cycle for
usage, then fans out one invoice request per customer through SQS, a page of customers at a time, so
that a reseller with a million customers is fanned out by many short invocations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from reseller_billing.dal import billing as table
from reseller_billing.dal import catalog as catalog_table
from reseller_billing.dal.items import BillingRunItem
from reseller_billing.errors import ConflictError, ErrorCode, UnprocessableError
from reseller_billing.ids import fixed_id, new_id
from reseller_billing.integration import queues
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.logic.invoicing import PriceList, checked_run_date, customer_snapshot
from reseller_billing.models.common import Page, utcnow
from reseller_billing.models.invoices import BillingRun, BillingRunStatus
from reseller_billing.observability import logger
from reseller_billing.settings import get_settings

MANUAL = "MANUAL"
SCHEDULE = "SCHEDULE"


def status_of(run: BillingRunItem) -> BillingRunStatus:
    done = run.issued + run.skipped + run.failed
    if run.fanout_complete and done >= run.customers:
        return BillingRunStatus.COMPLETED_WITH_FAILURES if run.failed else BillingRunStatus.COMPLETED
    return BillingRunStatus.RUNNING if done or run.customers else BillingRunStatus.QUEUED


def to_billing_run(run: BillingRunItem) -> BillingRun:
    return BillingRun(
        id=run.id,
        account_id=run.account_id,
        run_date=run.run_date,
        cycle_start=run.cycle_start,
        cycle_end=run.cycle_end,
        trigger=run.trigger,
        status=status_of(run),
        customers=run.customers,
        issued=run.issued,
        skipped=run.skipped,
        failed=run.failed,
        created_at=run.created_at,
        updated_at=run.updated_at,
    )


def scheduled_run_id(run_date: date) -> str:
    """One scheduled run per reseller and day: a schedule that fires twice finds the run it started."""
    return fixed_id("run", datetime.combine(run_date, datetime.min.time(), UTC), "SCHEDULED")


def start_billing_run(account_id: str, run_date: date, trigger: str, today: date) -> BillingRunItem:
    """Validate, record the run with its price list, close the cycle, and enqueue the first fan-out page."""
    account, profile = load_reseller(account_id)
    if run_date > today:
        raise UnprocessableError(
            "run_date is in the future: only ended cycles are billed",
            code=ErrorCode.RUN_DATE_IN_FUTURE,
            details=[{"in": "body", "field": "run_date", "message": "after today"}],
        )
    cycle = checked_run_date(profile, run_date)
    if not profile.customer_invoice_creation:
        raise ConflictError("customer invoicing is off in this reseller's profile", code=ErrorCode.INVOICING_DISABLED)
    plans, products = catalog_table.load_catalog(account_id)
    now = utcnow()
    run_id = scheduled_run_id(run_date) if trigger == SCHEDULE else new_id("run")
    run = table.insert_run(
        BillingRunItem(
            *BillingRunItem.key(account_id, run_id),
            id=run_id,
            account_id=account_id,
            run_date=run_date,
            cycle_start=cycle.start,
            cycle_end=cycle.end,
            trigger=trigger,
            snapshot=PriceList.from_items(account, profile, plans, products).to_json(),
            created_at=now,
            updated_at=now,
        )
    )
    if run.fanout_enqueued:
        return run  # the schedule fired again for a run already under way
    table.close_cycle(account_id, cycle.start)
    queues.send_fanout_page({"account_id": account_id, "run_id": run.id, "page": 0, "cursor": None})
    table.mark_fanout_enqueued(run)
    run.fanout_enqueued = True
    return run


def start_manual_run(account_id: str, run_date: date) -> BillingRunItem:
    """A run started through the API (by an operator or the reseller's own users)."""
    return start_billing_run(account_id, run_date, MANUAL, today=utcnow().date())


def run_scheduled_billing(day: date) -> list[str]:
    """The daily schedule: start a run for every reseller whose billing-cycle day is today and whose
    customer invoicing is on. A failing reseller is logged and does not stop the others."""
    if day.day > 28:
        return []
    started, failed = [], []
    for account in table.resellers_invoicing_on(day.day):
        try:
            started.append(start_billing_run(account.id, day, SCHEDULE, today=day).id)
        except Exception:
            logger.exception("could not start the scheduled billing run", extra={"account_id": account.id})
            failed.append(account.id)
    if failed:
        # Failing the invocation makes EventBridge retry it; runs already started are found, not repeated.
        raise RuntimeError(f"billing runs failed to start for {len(failed)} resellers: {failed[:10]}")
    return started


def fan_out_page(message: dict[str, Any]) -> None:
    """Send one page of a run's customers to the invoice queue, enqueue the next page, count this one."""
    account_id, run_id, page = message["account_id"], message["run_id"], int(message["page"])
    run = table.get_run(account_id, run_id)
    customers = table.customers_page(account_id, get_settings().fanout_page_size, message.get("cursor"))
    if customers.next_cursor:
        # The next page first: pages are then fanned out by several instances at once, not in a chain.
        queues.send_fanout_page(
            {"account_id": account_id, "run_id": run_id, "page": page + 1, "cursor": customers.next_cursor}
        )
    queues.send_invoice_requests(
        [
            {
                "account_id": account_id,
                "run_id": run_id,
                "run_date": run.run_date.isoformat(),
                "customer": customer_snapshot(customer),
            }
            for customer in customers.items
        ]
    )
    table.record_fanout_page(account_id, run_id, page, len(customers.items), last=customers.next_cursor is None)


def get_run(account_id: str, run_id: str) -> BillingRunItem:
    load_reseller(account_id)
    return table.get_run(account_id, run_id)


def list_runs(account_id: str, limit: int, cursor: str | None) -> Page[BillingRun]:
    load_reseller(account_id)
    page = table.list_runs(account_id, limit, cursor)
    return Page(items=[to_billing_run(r) for r in page.items], next_cursor=page.next_cursor)
