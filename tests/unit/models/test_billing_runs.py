"""A billing run's status, from how far its fan-out got and the outcomes counted."""

from datetime import UTC, date, datetime

import pytest

from reseller_billing.models.billing_runs import BillingRunRecord, BillingRunStatus, RunTrigger

NOW = datetime(2026, 11, 5, tzinfo=UTC)


def run(**progress: object) -> BillingRunRecord:
    return BillingRunRecord.model_validate(
        {
            "id": "run_1",
            "account_id": "acc_1",
            "run_date": date(2026, 11, 5),
            "cycle_start": date(2026, 10, 5),
            "cycle_end": date(2026, 11, 4),
            "proration_days": 31,
            "trigger": RunTrigger.MANUAL,
            "created_at": NOW,
            "updated_at": NOW,
            **progress,
        }
    )


LAST = {"fanout_complete": True, "fanout_pages": 1, "fanout_last_page": 0}  # one page, recorded


@pytest.mark.parametrize(
    ("progress", "status"),
    [
        ({}, BillingRunStatus.QUEUED),
        ({"fanout_enqueued": True}, BillingRunStatus.QUEUED),
        ({"customers": 500, "fanout_pages": 1}, BillingRunStatus.RUNNING),
        ({"customers": 500, "issued": 500, "fanout_pages": 1}, BillingRunStatus.RUNNING),  # more pages to come
        ({"customers": 3, "issued": 2, **LAST}, BillingRunStatus.RUNNING),
        ({"customers": 3, "issued": 2, "skipped": 1, **LAST}, BillingRunStatus.COMPLETED),
        ({"customers": 3, "issued": 2, "failed": 1, **LAST}, BillingRunStatus.COMPLETED_WITH_FAILURES),
        (LAST, BillingRunStatus.COMPLETED),  # a reseller without customers
        # The last page (2) recorded, page 1 not (it failed after enqueuing page 2): not complete.
        (
            {"customers": 4, "issued": 4, "fanout_complete": True, "fanout_pages": 2, "fanout_last_page": 2},
            BillingRunStatus.RUNNING,
        ),
        (
            {"customers": 6, "issued": 6, "fanout_complete": True, "fanout_pages": 3, "fanout_last_page": 2},
            BillingRunStatus.COMPLETED,
        ),
        # A run started before pages were counted: its last page recorded is enough, as it was.
        ({"counts_pages": False, "customers": 3, "issued": 3, "fanout_complete": True}, BillingRunStatus.COMPLETED),
        ({"counts_pages": False, "customers": 3, "issued": 3}, BillingRunStatus.RUNNING),
    ],
)
def test_status(progress, status):
    assert run(**progress).status is status
    assert run(**progress).as_billing_run().status is status


def test_only_completed_runs_are_final():
    assert [status.is_final for status in BillingRunStatus] == [False, False, True, True]


@pytest.mark.parametrize(
    ("progress", "final"),
    [
        ({"customers": 3, "issued": 2}, False),
        ({"customers": 3, "issued": 2, "failed": 1, **LAST}, True),
        ({"customers": 3, "issued": 3, **LAST}, True),
    ],
)
def test_a_run_is_final_once_completed_with_or_without_failures(progress, final):
    assert run(**progress).is_final is final
