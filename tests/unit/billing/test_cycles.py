"""Billing cycles: bounds for cycle days 1, 15 and 28 across month lengths, leap years and year ends."""

from datetime import date, timedelta

import pytest

from reseller_billing.billing.cycles import BillingCycle, CycleSchedule, cycle_starting


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        # cycle day 1: the calendar month
        (date(2028, 1, 1), date(2028, 1, 31), 31),
        (date(2027, 2, 1), date(2027, 2, 28), 28),
        (date(2028, 2, 1), date(2028, 2, 29), 29),  # leap year
        (date(2028, 4, 1), date(2028, 4, 30), 30),
        (date(2028, 12, 1), date(2028, 12, 31), 31),
        # cycle day 15: the length of the month the cycle starts in
        (date(2028, 1, 15), date(2028, 2, 14), 31),
        (date(2027, 2, 15), date(2027, 3, 14), 28),
        (date(2028, 2, 15), date(2028, 3, 14), 29),
        (date(2028, 4, 15), date(2028, 5, 14), 30),
        (date(2027, 12, 15), date(2028, 1, 14), 31),  # across the year end
        # cycle day 28
        (date(2028, 1, 28), date(2028, 2, 27), 31),
        (date(2027, 2, 28), date(2027, 3, 27), 28),
        (date(2028, 2, 28), date(2028, 3, 27), 29),
        (date(2028, 6, 28), date(2028, 7, 27), 30),
        (date(2028, 12, 28), date(2029, 1, 27), 31),
    ],
)
def test_cycle_starting(start: date, end: date, days: int) -> None:
    cycle = cycle_starting(start)
    assert cycle == BillingCycle(start=start, end=end)
    assert cycle.days == days
    assert cycle.run_date == end + timedelta(days=1)
    assert cycle.run_date.day == start.day


@pytest.mark.parametrize(
    ("run_date", "start", "end"),
    [
        (date(2028, 3, 1), date(2028, 2, 1), date(2028, 2, 29)),
        (date(2027, 3, 1), date(2027, 2, 1), date(2027, 2, 28)),
        (date(2029, 1, 1), date(2028, 12, 1), date(2028, 12, 31)),
        (date(2028, 1, 15), date(2027, 12, 15), date(2028, 1, 14)),
        (date(2028, 3, 15), date(2028, 2, 15), date(2028, 3, 14)),
        (date(2028, 3, 28), date(2028, 2, 28), date(2028, 3, 27)),
        (date(2029, 1, 28), date(2028, 12, 28), date(2029, 1, 27)),
    ],
)
def test_cycle_billed_on(run_date: date, start: date, end: date) -> None:
    cycle = CycleSchedule.fixed(run_date.day).cycle_billed_on(run_date)
    assert cycle is not None
    assert (cycle.start, cycle.end) == (start, end)
    assert cycle.run_date == run_date


@pytest.mark.parametrize("run_date", [date(2028, 1, 29), date(2028, 3, 30), date(2028, 12, 31)])
def test_no_cycle_is_billed_after_day_28(run_date: date) -> None:
    for cycle_day in range(1, 29):
        assert CycleSchedule.fixed(cycle_day).cycle_billed_on(run_date) is None


@pytest.mark.parametrize(
    ("day", "cycle_day", "start", "end"),
    [
        (date(2028, 2, 29), 1, date(2028, 2, 1), date(2028, 2, 29)),
        (date(2028, 2, 1), 1, date(2028, 2, 1), date(2028, 2, 29)),
        (date(2028, 1, 10), 15, date(2027, 12, 15), date(2028, 1, 14)),
        (date(2028, 1, 14), 15, date(2027, 12, 15), date(2028, 1, 14)),
        (date(2028, 1, 15), 15, date(2028, 1, 15), date(2028, 2, 14)),
        (date(2028, 2, 27), 28, date(2028, 1, 28), date(2028, 2, 27)),
        (date(2028, 2, 29), 28, date(2028, 2, 28), date(2028, 3, 27)),
        (date(2028, 12, 31), 28, date(2028, 12, 28), date(2029, 1, 27)),
        (date(2029, 1, 1), 28, date(2028, 12, 28), date(2029, 1, 27)),
    ],
)
def test_cycle_containing(day: date, cycle_day: int, start: date, end: date) -> None:
    assert CycleSchedule.fixed(cycle_day).cycle_containing(day) == BillingCycle(start=start, end=end)


def test_cycles_tile_the_calendar() -> None:
    """Every day from Dec 2027 (year end, leap February) to Jan 2029 lies in the cycle found for it."""
    for cycle_day in range(1, 29):
        schedule = CycleSchedule.fixed(cycle_day)
        day = date(2027, 12, 1)
        while day <= date(2029, 1, 31):
            cycle = schedule.cycle_containing(day)
            assert day in cycle
            assert cycle.start.day == cycle_day
            assert 28 <= cycle.days <= 31
            assert not cycle.is_transition
            assert schedule.cycle_billed_on(cycle.run_date) == cycle
            assert schedule.cycle_containing(cycle.run_date) == cycle_starting(cycle.run_date)
            day += timedelta(days=1)


def test_membership() -> None:
    cycle = cycle_starting(date(2028, 2, 15))
    assert date(2028, 2, 15) in cycle
    assert date(2028, 3, 14) in cycle
    assert date(2028, 2, 14) not in cycle
    assert date(2028, 3, 15) not in cycle
    assert "2028-02-20" not in cycle
