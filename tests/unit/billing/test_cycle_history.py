"""Billing cycles when the billing-cycle day changes: worked examples, then random histories against a
day-by-day reference (no day billed twice or never, past cycles keep their bounds)."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reseller_billing.billing.cycles import BillingCycle, CycleDayChange, CycleSchedule

DAY = timedelta(days=1)
RANDOM_HISTORIES = 300


def cycle(start: str, end: str, proration_days: int = 0) -> BillingCycle:
    return BillingCycle(date.fromisoformat(start), date.fromisoformat(end), proration_days)


def changed(schedule: CycleSchedule, day: int, on: str) -> CycleSchedule:
    return CycleSchedule(schedule.changed(day, date.fromisoformat(on)))


FIVE = CycleSchedule.fixed(5)


# --- Worked examples (docs/billing-rules.md) -----------------------------------------------------------


def test_day_5_to_10_on_nov_20() -> None:
    """The example of the rules: the running cycle keeps its bounds, a 5-day transition prorated over 31."""
    schedule = changed(FIVE, 10, "2026-11-20")
    assert schedule.history == (CycleDayChange(5, None), CycleDayChange(10, date(2026, 12, 5)))
    assert list(schedule.cycles_between(date(2026, 11, 5), date(2027, 1, 10))) == [
        cycle("2026-11-05", "2026-12-04"),  # billed on Dec 5 as before
        cycle("2026-12-05", "2026-12-09", 31),  # transition, billed on Dec 10; L = Dec 5..Jan 4
        cycle("2026-12-10", "2027-01-09"),
        cycle("2027-01-10", "2027-02-09"),
    ]
    assert schedule.cycle_billed_on(date(2026, 12, 10)) == cycle("2026-12-05", "2026-12-09", 31)
    assert schedule.cycle_billed_on(date(2026, 12, 5)) == cycle("2026-11-05", "2026-12-04")
    assert schedule.cycle_billed_on(date(2027, 1, 5)) is None  # no longer a run date
    assert schedule.cycle_billed_on(date(2026, 11, 10)) is None  # never was
    assert schedule.billing_cycle_days() == {5, 10}


def test_a_short_transition_of_one_day() -> None:
    schedule = changed(FIVE, 6, "2027-03-01")
    # cycle [Feb 5, Mar 4] ends; transition [Mar 5, Mar 5] prorated over Mar 5..Apr 4 = 31 days
    assert schedule.cycle_containing(date(2027, 3, 5)) == cycle("2027-03-05", "2027-03-05", 31)
    assert schedule.cycle_containing(date(2027, 3, 6)) == cycle("2027-03-06", "2027-04-05")


def test_a_long_transition_to_an_earlier_day() -> None:
    schedule = changed(CycleSchedule.fixed(20), 5, "2026-11-25")
    # [Nov 20, Dec 19] ends; transition [Dec 20, Jan 4] = 16 days over L = Dec 20..Jan 19 = 31
    assert schedule.cycle_containing(date(2026, 12, 31)) == cycle("2026-12-20", "2027-01-04", 31)
    longest = changed(FIVE, 4, "2026-11-20")
    # [Nov 5, Dec 4] ends; transition [Dec 5, Jan 3] = 30 days over L = 31
    transition = longest.cycle_containing(date(2026, 12, 5))
    assert transition == cycle("2026-12-05", "2027-01-03", 31)
    assert transition.is_transition
    assert transition.days == 30


def test_a_transition_through_february_and_day_28() -> None:
    schedule = changed(CycleSchedule.fixed(1), 28, "2027-01-10")
    # [Jan 1, Jan 31] ends; transition [Feb 1, Feb 27] = 27 days over L = Feb 1..Feb 28 = 28
    assert schedule.cycle_containing(date(2027, 2, 27)) == cycle("2027-02-01", "2027-02-27", 28)
    assert schedule.cycle_containing(date(2027, 2, 28)) == cycle("2027-02-28", "2027-03-27")
    leap = changed(CycleSchedule.fixed(28), 1, "2028-02-10")
    # [Jan 28, Feb 27] ends; transition [Feb 28, Feb 29] over L = Feb 28..Mar 27 = 29 (a leap year)
    assert leap.cycle_containing(date(2028, 2, 29)) == cycle("2028-02-28", "2028-02-29", 29)
    assert leap.cycle_containing(date(2028, 3, 1)) == cycle("2028-03-01", "2028-03-31")


def test_a_change_during_a_transition_keeps_that_cycle() -> None:
    schedule = changed(changed(FIVE, 10, "2026-11-20"), 20, "2026-12-07")
    assert schedule.history == (
        CycleDayChange(5, None),
        CycleDayChange(10, date(2026, 12, 5)),
        CycleDayChange(20, date(2026, 12, 10)),
    )
    assert list(schedule.cycles_between(date(2026, 12, 1), date(2027, 1, 25))) == [
        cycle("2026-11-05", "2026-12-04"),
        cycle("2026-12-05", "2026-12-09", 31),  # the transition running on Dec 7 keeps its bounds
        cycle("2026-12-10", "2026-12-19", 31),  # then a transition to 20, L = Dec 10..Jan 9
        cycle("2026-12-20", "2027-01-19"),
        cycle("2027-01-20", "2027-02-19"),
    ]


def test_a_change_replaced_before_it_takes_effect() -> None:
    first = changed(FIVE, 10, "2026-11-20")
    replaced = changed(first, 15, "2026-11-28")
    assert replaced.history == (CycleDayChange(5, None), CycleDayChange(15, date(2026, 12, 5)))
    assert replaced.cycle_containing(date(2026, 12, 5)) == cycle("2026-12-05", "2026-12-14", 31)
    undone = changed(first, 5, "2026-11-28")  # back to the day in force: nothing pending any more
    assert undone.history == (CycleDayChange(5, None),)


def test_a_change_on_a_run_date_waits_for_the_cycle_starting_that_day() -> None:
    schedule = changed(FIVE, 10, "2026-12-05")
    # Dec 5 bills [Nov 5, Dec 4] as before and starts [Dec 5, Jan 4], which keeps its bounds
    assert schedule.cycle_billed_on(date(2026, 12, 5)) == cycle("2026-11-05", "2026-12-04")
    assert schedule.cycle_containing(date(2026, 12, 5)) == cycle("2026-12-05", "2027-01-04")
    assert schedule.cycle_containing(date(2027, 1, 5)) == cycle("2027-01-05", "2027-01-09", 31)


def test_setting_the_same_day_changes_nothing() -> None:
    assert FIVE.changed(5, date(2026, 11, 20)) == FIVE.history


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ((), "starts with one entry"),
        ((CycleDayChange(5, date(2026, 1, 5)),), "starts with one entry"),
        ((CycleDayChange(29, None),), "1-28"),
        ((CycleDayChange(5, None), CycleDayChange(10, date(2026, 12, 6))), "when a cycle ends"),
        ((CycleDayChange(5, None), CycleDayChange(5, date(2026, 12, 5))), "changes the day"),
        (
            (CycleDayChange(5, None), CycleDayChange(10, date(2027, 1, 5)), CycleDayChange(12, date(2026, 12, 5))),
            "increasing",
        ),
    ],
)
def test_an_inconsistent_history_is_refused(history: tuple[CycleDayChange, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CycleSchedule(history)


# --- Random histories against a day-by-day reference ---------------------------------------------------


def month_after(day: date) -> date:
    month_index = day.year * 12 + day.month
    return day.replace(year=month_index // 12, month=month_index % 12 + 1)


def reference_cycles(
    first_day: int, changes: list[tuple[date, int]], begin: date, end: date
) -> list[tuple[date, date, int]]:
    """The rules walked one day at a time: a cycle ends the day before a date whose day of month is the
    day it heads for; a change made on day C is held until the cycle containing C ends, then starts a
    transition cycle prorated over the month starting with it; a later change replaces a held one."""
    start = begin
    while start.day != first_day:
        start -= DAY
    heading_for, proration, pending = first_day, 0, None
    pending_changes = sorted(changes, key=lambda change: change[0])  # stable: same-day changes in order
    cycles = []
    day = start
    while day <= end:
        while pending_changes and pending_changes[0][0] == day:
            _, new_day = pending_changes.pop(0)
            pending = None if new_day == heading_for else new_day
        if (day + DAY).day == heading_for:
            days = (day - start).days + 1
            cycles.append((start, day, proration or days))
            start = day + DAY
            proration = 0
            if pending is not None:
                heading_for, pending = pending, None
                proration = (month_after(start) - start).days
        day += DAY
    return cycles


@st.composite
def histories(draw: st.DrawFn) -> tuple[int, date, list[tuple[date, int]]]:
    begin = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 3 * 365)))
    day = begin
    changes = []
    for _ in range(draw(st.integers(0, 8))):
        day += timedelta(days=draw(st.sampled_from([0, 1, 3, 10, 27, 30, 31, 45, 200])))
        changes.append((day, draw(st.integers(1, 28))))
    return draw(st.integers(1, 28)), begin, changes


@settings(max_examples=RANDOM_HISTORIES, deadline=None)
@given(histories())
def test_random_histories_bill_every_day_once_and_never_move_a_past_cycle(
    case: tuple[int, date, list[tuple[date, int]]],
) -> None:
    first_day, begin, changes = case
    end = begin + timedelta(days=3 * 365)
    schedule = CycleSchedule.fixed(first_day)
    for changed_on, new_day in changes:
        before = schedule.cycle_containing(changed_on)
        earlier = list(schedule.cycles_between(begin, changed_on))
        schedule = CycleSchedule(schedule.changed(new_day, changed_on))
        assert schedule.cycle_containing(changed_on) == before  # the running cycle keeps its bounds
        assert list(schedule.cycles_between(begin, changed_on)) == earlier  # so does every past one

    expected = reference_cycles(first_day, changes, begin, end)
    found = list(schedule.cycles_between(expected[0][0], expected[-1][1]))
    assert [(c.start, c.end, c.proration_days) for c in found] == expected

    billed: dict[date, BillingCycle] = {}
    for each in found:
        assert 1 <= each.days <= 31
        assert each.days <= each.proration_days <= 31
        assert each.is_transition or each.days >= 28
        for offset in range(each.days):
            billed.setdefault(each.start + timedelta(days=offset), each)
    assert len(billed) == sum(each.days for each in found)  # no day twice
    assert sorted(billed) == [expected[0][0] + timedelta(days=n) for n in range(len(billed))]  # none left out
    run_dates = {each.run_date for each in found}
    day = expected[0][0] + DAY
    while day <= expected[-1][1]:
        assert schedule.is_run_date(day) == (day in run_dates)
        assert schedule.cycle_containing(day) == billed[day]
        day += DAY
