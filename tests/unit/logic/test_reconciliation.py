"""How the reconciler walks a run's fan-out: recorded pages in order, and each page known to be missing
handed to what the pass does with it (enqueue it again, or list and record it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from reseller_billing.dal import billing_runs
from reseller_billing.logic import reconciliation
from reseller_billing.models.billing_runs import BillingRunRecord, FanoutPageRecord, RunTrigger

NOW = datetime(2026, 11, 5, tzinfo=UTC)
RUN = BillingRunRecord(
    id="run_1",
    account_id="acc_1",
    run_date=date(2026, 11, 5),
    cycle_start=date(2026, 10, 5),
    cycle_end=date(2026, 11, 4),
    proration_days=31,
    trigger=RunTrigger.MANUAL,
    created_at=NOW,
    updated_at=NOW,
)


def page(number: int, next_cursor: str | None) -> FanoutPageRecord:
    return FanoutPageRecord(number, (f"cus_{number}a", f"cus_{number}b"), next_cursor)


def walk(monkeypatch: pytest.MonkeyPatch, recorded: list[FanoutPageRecord], *, fill: bool) -> list[str]:
    """The steps of a walk: "page n" for each page yielded, "missing n@cursor" for each handed over; with
    `fill`, a missing page becomes a recorded one whose next cursor is `c{n+1}` up to page 3 (the last)."""

    def pages(account_id: str, run_id: str) -> Iterator[FanoutPageRecord]:
        assert (account_id, run_id) == ("acc_1", "run_1")
        yield from recorded

    steps: list[str] = []

    def missing(gap: reconciliation._MissingPage) -> FanoutPageRecord | None:
        steps.append(f"missing {gap.page}@{gap.cursor}")
        return page(gap.page, f"c{gap.page + 1}" if gap.page < 3 else None) if fill else None

    monkeypatch.setattr(billing_runs, "fanout_pages", pages)
    for yielded in reconciliation._pages(RUN, missing):
        steps.append(f"page {yielded.page}")
    return steps


def test_a_run_that_never_fanned_out_misses_page_0(monkeypatch):
    assert walk(monkeypatch, [], fill=False) == ["missing 0@None"]


def test_a_complete_fan_out_misses_nothing(monkeypatch):
    recorded = [page(0, "c1"), page(1, "c2"), page(2, None)]

    assert walk(monkeypatch, recorded, fill=False) == ["page 0", "page 1", "page 2"]


def test_a_page_that_failed_after_enqueuing_the_next_is_a_gap_between_recorded_pages(monkeypatch):
    recorded = [page(0, "c1"), page(2, None)]

    assert walk(monkeypatch, recorded, fill=False) == ["page 0", "missing 1@c1", "page 2"]


def test_a_page_that_failed_before_enqueuing_the_next_is_missing_at_the_end(monkeypatch):
    recorded = [page(0, "c1")]

    assert walk(monkeypatch, recorded, fill=False) == ["page 0", "missing 1@c1"]


def test_pages_filled_in_lead_on_to_the_pages_after_them(monkeypatch):
    # Recording page 1 tells where page 2 starts: the walk goes on to the last page.
    assert walk(monkeypatch, [page(0, "c1")], fill=True) == [
        "page 0",
        "missing 1@c1",
        "page 1",
        "missing 2@c2",
        "page 2",
        "missing 3@c3",
        "page 3",
    ]
    assert walk(monkeypatch, [], fill=True)[:2] == ["missing 0@None", "page 0"]


def test_a_filled_gap_meets_the_recorded_page_after_it(monkeypatch):
    recorded = [page(0, "c1"), page(2, "c3"), page(3, None)]

    assert walk(monkeypatch, recorded, fill=True) == ["page 0", "missing 1@c1", "page 1", "page 2", "page 3"]
