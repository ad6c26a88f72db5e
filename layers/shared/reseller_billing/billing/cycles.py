"""Billing cycles over time: one month from the reseller's billing-cycle day (1-28), dates in UTC, and
the transition cycles that join two cycle days when the day changes (docs/billing-rules.md).

A reseller's cycle day is not a constant but a history, `billing_cycle_history`: the first entry's day
governs every cycle before the next entry; an entry (D, F) makes F the first day of a transition cycle
[F, T-1], T being the first date after F whose day of month is D, after which cycles follow D. F is
always the day after a cycle ended, so no cycle is ever moved, cut or overlapped: every day belongs to
exactly one cycle, whatever the history.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class BillingCycle:
    """The cycle [start, end] (inclusive), billed on `run_date`, the day after it ends.

    `proration_days` is what MRC and allowances are prorated over: the cycle's own days, or for a
    transition cycle L, the days of a one-month cycle starting on the same day (L > `days`).
    """

    start: date
    end: date
    proration_days: int = 0  # 0: the cycle's own days

    def __post_init__(self) -> None:
        if self.proration_days == 0:
            object.__setattr__(self, "proration_days", self.days)

    @property
    def run_date(self) -> date:
        return self.end + _DAY

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def is_transition(self) -> bool:
        return self.days < self.proration_days

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class CycleDayChange:
    """One entry of `billing_cycle_history`: `billing_cycle_day` governs from `effective_from` on (the
    first day of its transition cycle); the first entry's `effective_from` is None (since ever)."""

    billing_cycle_day: int
    effective_from: date | None


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months; its day of month must exist in the target month (days 1-28 do)."""
    month_index = day.year * 12 + day.month - 1 + months
    return day.replace(year=month_index // 12, month=month_index % 12 + 1)


def cycle_starting(start: date) -> BillingCycle:
    """The one-month cycle that starts on `start` (its day is the cycle day, 1-28)."""
    return BillingCycle(start=start, end=add_months(start, 1) - _DAY)


def _standard_cycle_containing(day: date, billing_cycle_day: int) -> BillingCycle:
    start = day.replace(day=billing_cycle_day)
    if day.day < billing_cycle_day:
        start = add_months(start, -1)
    return cycle_starting(start)


def _first_day_after(day: date, day_of_month: int) -> date:
    """The first date after `day` whose day of month is `day_of_month` (1-28)."""
    candidate = day.replace(day=day_of_month)
    return candidate if candidate > day else add_months(candidate, 1)


def cycle_billed_on(run_date: date) -> BillingCycle:
    """The cycle that ended the day before `run_date` for a reseller whose cycle day never changed."""
    if run_date.day > 28:
        raise ValueError("billing cycle days are 1-28")
    return cycle_starting(add_months(run_date, -1))


def cycle_containing(day: date, billing_cycle_day: int) -> BillingCycle:
    """The cycle containing `day` for a reseller whose cycle day never changed."""
    return _standard_cycle_containing(day, billing_cycle_day)


class CycleSchedule:
    """A reseller's billing cycles, past and future, from its billing-cycle history (oldest first).

    Pure and cheap: a handful of entries, dates computed on demand.
    """

    def __init__(self, history: Sequence[CycleDayChange]):
        if not history or history[0].effective_from is not None:
            raise ValueError("a billing-cycle history starts with one entry whose effective_from is None")
        starts = [change.effective_from for change in history[1:]]
        if any(start is None for start in starts) or starts != sorted(starts):  # type: ignore[type-var]
            raise ValueError("later entries of a billing-cycle history need increasing effective_from dates")
        for change in history:
            if not 1 <= change.billing_cycle_day <= 28:
                raise ValueError("billing cycle days are 1-28")
        self.history = tuple(history)
        self._starts: list[date] = [start for start in starts if start is not None]
        for position, start in enumerate(self._starts, start=1):
            if history[position].billing_cycle_day == history[position - 1].billing_cycle_day:
                raise ValueError("an entry of a billing-cycle history changes the day")
            if not CycleSchedule(history[:position]).is_run_date(start):
                raise ValueError(f"a new billing-cycle day takes effect when a cycle ends, not on {start}")

    @classmethod
    def fixed(cls, billing_cycle_day: int) -> CycleSchedule:
        """The schedule of a reseller that never changed its cycle day."""
        return cls((CycleDayChange(billing_cycle_day, None),))

    def cycle_containing(self, day: date) -> BillingCycle:
        """The one cycle that contains `day`."""
        position = bisect_right(self._starts, day)  # entries effective on or before `day`
        change = self.history[position]
        if position == 0:
            return _standard_cycle_containing(day, change.billing_cycle_day)
        first = self._starts[position - 1]
        transition_end = _first_day_after(first, change.billing_cycle_day) - _DAY
        if day <= transition_end:
            return BillingCycle(first, transition_end, cycle_starting(first).days)
        return _standard_cycle_containing(day, change.billing_cycle_day)

    def cycle_billed_on(self, run_date: date) -> BillingCycle | None:
        """The cycle that ended the day before `run_date`, or None if no cycle ends then."""
        cycle = self.cycle_containing(run_date - _DAY)
        return cycle if cycle.end == run_date - _DAY else None

    def is_run_date(self, day: date) -> bool:
        return self.cycle_billed_on(day) is not None

    def cycles_between(self, first: date, last: date) -> Iterator[BillingCycle]:
        """The cycles that overlap [first, last], in order."""
        day = first
        while day <= last:
            cycle = self.cycle_containing(day)
            yield cycle
            day = cycle.run_date

    def billing_cycle_days(self) -> frozenset[int]:
        """Every cycle day of the history: the days of the month on which its run dates can fall."""
        return frozenset(change.billing_cycle_day for change in self.history)

    def day_in_force(self, day: date) -> int:
        """The billing-cycle day that `day`'s entry sets (the profile's day as of `day`)."""
        return self.history[bisect_right(self._starts, day)].billing_cycle_day

    def changed(self, billing_cycle_day: int, today: date) -> tuple[CycleDayChange, ...]:
        """The history after the cycle day is set to `billing_cycle_day` on `today`.

        The cycle containing today keeps its bounds; the new day takes effect the day after it ends,
        through a transition cycle. A change not yet in effect is replaced (or just dropped, when the
        day set is the one already governing the cycles after today's)."""
        if not 1 <= billing_cycle_day <= 28:
            raise ValueError("billing cycle days are 1-28")
        kept = tuple(c for c in self.history if c.effective_from is None or c.effective_from <= today)
        if kept[-1].billing_cycle_day == billing_cycle_day:
            return kept
        next_start = CycleSchedule(kept).cycle_containing(today).run_date
        return (*kept, CycleDayChange(billing_cycle_day, next_start))
