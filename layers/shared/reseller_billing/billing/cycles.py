"""Billing cycles: one month, starting on the reseller's billing-cycle day (1-28), dates in UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class BillingCycle:
    """The cycle [start, end] (inclusive) billed on `run_date`, day D of the month after `start`."""

    start: date
    end: date

    @property
    def run_date(self) -> date:
        return self.end + timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    return day.replace(year=month_index // 12, month=month_index % 12 + 1)


def cycle_starting(start: date) -> BillingCycle:
    """The cycle that starts on `start` (its day is the cycle day, 1-28)."""
    return BillingCycle(start=start, end=_add_months(start, 1) - timedelta(days=1))


def cycle_billed_on(run_date: date) -> BillingCycle:
    """The cycle that ended the day before `run_date`; `run_date.day` is the cycle day."""
    if run_date.day > 28:
        raise ValueError("billing cycle days are 1-28")
    return cycle_starting(_add_months(run_date, -1))


def cycle_containing(day: date, billing_cycle_day: int) -> BillingCycle:
    """The cycle of a reseller with `billing_cycle_day` that contains `day`."""
    start = day.replace(day=billing_cycle_day)
    if day.day < billing_cycle_day:
        start = _add_months(start, -1)
    return cycle_starting(start)
