"""The EventBridge schedules of template.yaml, emulated: the scheduled functions get the event EventBridge
would send them.

* Daily (`cron(...)`: the billing scheduler), at the template's time on days 1-28.
  `POST /_local/schedule?date=YYYY-MM-DD` fires it for any date.
* Every so often (`rate(...)`: the billing-run reconciler, every 15 minutes), from the stack's start.
  `POST /_local/reconcile?at=2026-11-05T14:00:00Z` fires it at once as of that time (default: now); a time
  hours ahead shows what it does with a run that stopped, without waiting for it.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from werkzeug.wrappers import Request, Response

from infra import template
from infra.local.lambda_runtime import LocalFunction

FIRE_AT = time(0, 5, tzinfo=UTC)
_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def scheduled_event(at: date | datetime) -> dict[str, Any]:
    """The event EventBridge sends at `at`; a date alone is the daily schedule's firing time that day."""
    if not isinstance(at, datetime):
        at = datetime.combine(at, FIRE_AT)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "eu-west-1",
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/local-schedule"],
        "detail": {},
    }


def _schedules(functions: dict[str, LocalFunction]) -> list[tuple[LocalFunction, str]]:
    """(function, schedule expression) of every Schedule event of the template."""
    return [
        (functions[name], str(event["Properties"]["Schedule"]))
        for name, definition in template.functions().items()
        for event in definition.events.values()
        if event["Type"] in ("Schedule", "ScheduleV2")
    ]


def rate_seconds(expression: str) -> int | None:
    """The period of a `rate(...)` expression, None for any other."""
    match = _RATE.fullmatch(expression)
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).removesuffix("s")] if match else None


class DailySchedule:
    def __init__(self, functions: dict[str, LocalFunction], stopping: threading.Event):
        self.stopping = stopping
        self.targets = [function for function, expression in _schedules(functions) if expression.startswith("cron(")]

    def fire(self, day: date) -> list[Any]:
        return [target.invoke(scheduled_event(datetime.combine(day, FIRE_AT))) for target in self.targets]

    def run(self) -> None:
        while True:
            now = datetime.now(UTC)
            upcoming = datetime.combine(now.date(), FIRE_AT)
            if upcoming <= now:
                upcoming += timedelta(days=1)
            if self.stopping.wait((upcoming - now).total_seconds()):
                return
            if upcoming.day <= 28:
                self.fire(upcoming.date())


class RateSchedule:
    """The `rate(...)` schedules: each target every its period, the first time one period after the start."""

    def __init__(self, functions: dict[str, LocalFunction], stopping: threading.Event):
        self.stopping = stopping
        self.targets = [
            (function, seconds)
            for function, expression in _schedules(functions)
            if (seconds := rate_seconds(expression)) is not None
        ]

    def fire(self, at: datetime) -> list[Any]:
        return [function.invoke(scheduled_event(at)) for function, _ in self.targets]

    def run(self) -> None:
        if not self.targets:
            return
        started = datetime.now(UTC)
        due = {function.name: started + timedelta(seconds=seconds) for function, seconds in self.targets}
        while True:
            upcoming = min(due.values())
            if self.stopping.wait(max((upcoming - datetime.now(UTC)).total_seconds(), 0)):
                return
            for function, seconds in self.targets:
                if due[function.name] <= datetime.now(UTC):
                    function.invoke(scheduled_event(due[function.name]))
                    due[function.name] += timedelta(seconds=seconds)


def _bad_request(message: str) -> Response:
    body = {"error": {"code": "validation_error", "message": message, "details": []}}
    return Response(json.dumps(body), status=400, content_type="application/json")


def _fired(what: str, results: list[Any]) -> Response:
    return Response(json.dumps({"fired": what, "results": results}, default=str), content_type="application/json")


def admin_routes(daily: DailySchedule, rates: RateSchedule) -> dict[str, Callable[[Request], Response]]:
    def fire_daily(request: Request) -> Response:
        try:
            day = date.fromisoformat(request.args.get("date") or datetime.now(UTC).date().isoformat())
        except ValueError:
            return _bad_request("date must be YYYY-MM-DD")
        return _fired(day.isoformat(), daily.fire(day))

    def fire_rates(request: Request) -> Response:
        text = request.args.get("at")
        try:
            at = datetime.fromisoformat(text.replace("Z", "+00:00")) if text else datetime.now(UTC)
        except ValueError:
            return _bad_request("at must be an RFC 3339 time such as 2026-11-05T14:00:00Z")
        if at.tzinfo is None:
            return _bad_request("at needs a time zone, such as Z")
        return _fired(at.isoformat(), rates.fire(at))

    return {"/_local/schedule": fire_daily, "/_local/reconcile": fire_rates}
