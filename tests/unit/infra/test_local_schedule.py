"""The local stack's schedules follow template.yaml's: the daily cron to the billing scheduler, the rate to
the reconciler, each with the event EventBridge sends."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from typing import Any

import pytest

from infra import template
from infra.local.schedule import DailySchedule, RateSchedule, rate_seconds, scheduled_event


class Recorded:
    """A function that records the events it is invoked with."""

    def __init__(self, name: str):
        self.name = name
        self.events: list[dict[str, Any]] = []

    def invoke(self, event: dict[str, Any]) -> str:
        self.events.append(event)
        return self.name


@pytest.fixture
def functions() -> dict[str, Any]:
    return {name: Recorded(name) for name in template.functions()}


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(15 minutes)", 900), ("rate(1 minute)", 60), ("rate(2 hours)", 7200), ("rate(1 day)", 86400)],
)
def test_rate_expressions(expression, seconds):
    assert rate_seconds(expression) == seconds


@pytest.mark.parametrize("expression", ["cron(5 0 1-28 * ? *)", "rate(15 fortnights)", "rate(x minutes)"])
def test_other_expressions_are_no_rates(expression):
    assert rate_seconds(expression) is None


def test_the_daily_schedule_fires_the_scheduler_and_the_rate_schedule_the_reconciler(functions):
    stopping = threading.Event()
    daily, rates = DailySchedule(functions, stopping), RateSchedule(functions, stopping)

    assert daily.fire(date(2026, 11, 5)) == ["BillingSchedulerFunction"]
    assert rates.fire(datetime(2026, 11, 5, 14, 0, tzinfo=UTC)) == ["BillingReconcilerFunction"]
    assert functions["BillingSchedulerFunction"].events[0]["time"] == "2026-11-05T00:05:00Z"
    assert functions["BillingReconcilerFunction"].events[0]["time"] == "2026-11-05T14:00:00Z"
    assert [seconds for _, seconds in rates.targets] == [900]


def test_the_event_is_eventbridges_scheduled_event():
    event = scheduled_event(datetime(2026, 11, 5, 14, 0, 7, 999, tzinfo=UTC))

    assert (event["source"], event["detail-type"], event["time"]) == (
        "aws.events",
        "Scheduled Event",
        "2026-11-05T14:00:07Z",
    )
