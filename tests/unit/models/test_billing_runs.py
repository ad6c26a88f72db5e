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
    ],
)
def test_status(progress, status):
    assert run(**progress).status is status
    assert run(**progress).as_billing_run().status is status


def test_only_completed_runs_are_final():
    assert [status.is_final for status in BillingRunStatus] == [False, False, True, True]
