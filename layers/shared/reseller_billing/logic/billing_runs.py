"""Billing runs: started by the daily schedule or by hand, both the same way. A run closes the cycle for
usage, then fans out one invoice request per customer through SQS, a page of customers at a time, so
that a reseller with a million customers is fanned out by many short invocations."""

from __future__ import annotations

from datetime import UTC, date, datetime

from reseller_billing.dal import billing_runs as table
from reseller_billing.dal import customers as customers_table
from reseller_billing.errors import ConflictError, ErrorCode, UnprocessableError
from reseller_billing.ids import fixed_id, new_id
from reseller_billing.integration import queues
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.logic.invoice_composition import cycle_of_run_date
from reseller_billing.logic.pricing import current_price_list
from reseller_billing.models.billing_runs import BillingRun, BillingRunRecord, RunTrigger
from reseller_billing.models.common import Page, utcnow
from reseller_billing.models.messages import FanoutPageMessage, InvoicedCustomer, InvoiceRequestMessage
from reseller_billing.observability import logger
from reseller_billing.settings import get_settings


def scheduled_run_id(run_date: date) -> str:
    """One scheduled run per reseller and day: a schedule that fires twice finds the run it started."""
    return fixed_id("run", datetime.combine(run_date, datetime.min.time(), UTC), "SCHEDULED")


def start_billing_run(account_id: str, run_date: date, trigger: RunTrigger, today: date) -> BillingRunRecord:
    """Validate, record the run with its price list, close the cycle, and enqueue the first fan-out page."""
    account, profile = load_reseller(account_id)
    if run_date > today:
        raise UnprocessableError(
            "run_date is in the future: only ended cycles are billed",
            code=ErrorCode.RUN_DATE_IN_FUTURE,
            details=[{"in": "body", "field": "run_date", "message": "after today"}],
        )
    cycle = cycle_of_run_date(profile, run_date)
    if not profile.customer_invoice_creation:
        raise ConflictError("customer invoicing is off in this reseller's profile", code=ErrorCode.INVOICING_DISABLED)
    price_list = current_price_list(account, profile)
    now = utcnow()
    run = table.insert_run(
        BillingRunRecord(
            id=scheduled_run_id(run_date) if trigger is RunTrigger.SCHEDULE else new_id("run"),
            account_id=account_id,
            run_date=run_date,
            cycle_start=cycle.start,
            cycle_end=cycle.end,
            trigger=trigger,
            created_at=now,
            updated_at=now,
        ),
        price_list.to_json(),
    )
    if run.fanout_enqueued:
        return run  # the schedule fired again for a run already under way
    table.close_cycle(account_id, cycle.start)
    queues.send_fanout_page(FanoutPageMessage(account_id=account_id, run_id=run.id, page=0, cursor=None))
    return table.mark_fanout_enqueued(run)


def start_manual_run(account_id: str, run_date: date) -> BillingRun:
    """A run started through the API (by an operator or the reseller's own users)."""
    return start_billing_run(account_id, run_date, RunTrigger.MANUAL, today=utcnow().date()).as_billing_run()


def run_scheduled_billing(day: date) -> list[str]:
    """The daily schedule: start a run for every reseller whose billing-cycle day is today and whose
    customer invoicing is on. A failing reseller is logged and does not stop the others."""
    if day.day > 28:
        return []
    started, failed = [], []
    for account_id in table.resellers_invoicing_on(day.day):
        try:
            started.append(start_billing_run(account_id, day, RunTrigger.SCHEDULE, today=day).id)
        except Exception:
            logger.exception("could not start the scheduled billing run", extra={"account_id": account_id})
            failed.append(account_id)
    if failed:
        # Failing the invocation makes EventBridge retry it; runs already started are found, not repeated.
        raise RuntimeError(f"billing runs failed to start for {len(failed)} resellers: {failed[:10]}")
    return started


def fan_out_page(message: FanoutPageMessage) -> None:
    """Send one page of a run's customers to the invoice queue, enqueue the next page, count this one."""
    run = table.get_run(message.account_id, message.run_id)
    customers = customers_table.list_customers(message.account_id, get_settings().fanout_page_size, message.cursor)
    if customers.next_cursor:
        # The next page first: pages are then fanned out by several instances at once, not in a chain.
        queues.send_fanout_page(message.model_copy(update={"page": message.page + 1, "cursor": customers.next_cursor}))
    queues.send_invoice_requests(
        [
            InvoiceRequestMessage(
                account_id=run.account_id,
                run_id=run.id,
                run_date=run.run_date,
                customer=InvoicedCustomer.of(customer),
            )
            for customer in customers.items
        ]
    )
    table.record_fanout_page(
        message.account_id, message.run_id, message.page, [c.id for c in customers.items], customers.next_cursor
    )


def get_run(account_id: str, run_id: str) -> BillingRun:
    load_reseller(account_id)
    return table.get_run(account_id, run_id).as_billing_run()


def list_runs(account_id: str, limit: int, cursor: str | None) -> Page[BillingRun]:
    load_reseller(account_id)
    page = table.list_runs(account_id, limit, cursor)
    return Page(items=[run.as_billing_run() for run in page.items], next_cursor=page.next_cursor)
