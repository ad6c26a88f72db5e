"""The service's clock in in-process tests: a test that depends on today (a cycle-day change, a price
version, a SIM's status, an invoice's issue date) sets the day it runs on."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from reseller_billing.models import common


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self._monkeypatch = monkeypatch

    def set(self, day: str | date, at: time = time(12, 0)) -> None:
        """From now on the service's "now" is `day` at `at` UTC (noon unless said otherwise)."""
        when = datetime.combine(date.fromisoformat(day) if isinstance(day, str) else day, at, UTC)
        self._monkeypatch.setattr(common, "clock", lambda: when)
