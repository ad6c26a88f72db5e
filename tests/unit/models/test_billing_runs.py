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
            "trigger": RunTrigger.MANUAL,
            "created_at": NOW,
            "updated_at": NOW,
            **progress,
        }
    )


@pytest.mark.parametrize(
    ("progress", "status"),
    [
        ({}, BillingRunStatus.QUEUED),
        ({"fanout_enqueued": True}, BillingRunStatus.QUEUED),
        ({"customers": 500}, BillingRunStatus.RUNNING),
        ({"customers": 500, "issued": 500}, BillingRunStatus.RUNNING),  # more pages to come
        ({"customers": 3, "issued": 2, "fanout_complete": True}, BillingRunStatus.RUNNING),
        ({"customers": 3, "issued": 2, "skipped": 1, "fanout_complete": True}, BillingRunStatus.COMPLETED),
        ({"customers": 3, "issued": 2, "failed": 1, "fanout_complete": True}, BillingRunStatus.COMPLETED_WITH_FAILURES),
        ({"fanout_complete": True}, BillingRunStatus.COMPLETED),  # a reseller without customers
        # Pages counted: the last page (2) recorded, page 1 not (it failed after enqueuing page 2).
        (
            {"customers": 4, "issued": 4, "fanout_complete": True, "fanout_pages": 2, "fanout_last_page": 2},
            BillingRunStatus.RUNNING,
        ),
        (
            {"customers": 6, "issued": 6, "fanout_complete": True, "fanout_pages": 3, "fanout_last_page": 2},
            BillingRunStatus.COMPLETED,
        ),
        (
            {"fanout_complete": True, "fanout_pages": 1, "fanout_last_page": 0},
            BillingRunStatus.COMPLETED,
        ),
    ],
)
def test_status(progress, status):
    assert run(**progress).status is status
    assert run(**progress).as_billing_run().status is status


@pytest.mark.parametrize(
    ("progress", "final"),
    [
        ({"customers": 3, "issued": 2}, False),
        ({"customers": 3, "issued": 2, "failed": 1, "fanout_complete": True}, True),
        ({"customers": 3, "issued": 3, "fanout_complete": True}, True),
    ],
)
def test_a_run_is_final_once_completed_with_or_without_failures(progress, final):
    assert run(**progress).is_final is final
