"""The EventBridge schedule, emulated: at the template's time each day (days 1-28) the scheduled functions
get the event EventBridge would send. `POST /_local/schedule?date=YYYY-MM-DD` fires it for any date."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from werkzeug.wrappers import Request, Response

from infra import template
from infra.local.lambda_runtime import LocalFunction

FIRE_AT = time(0, 5, tzinfo=UTC)


def scheduled_event(day: date) -> dict[str, Any]:
    fired = datetime.combine(day, FIRE_AT)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": fired.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "eu-west-1",
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/local-daily-billing"],
        "detail": {},
    }


class DailySchedule:
    def __init__(self, functions: dict[str, LocalFunction], stopping: threading.Event):
        self.stopping = stopping
        self.targets = [
            functions[name]
            for name, definition in template.functions().items()
            if any(e["Type"] in ("Schedule", "ScheduleV2") for e in definition.events.values())
        ]

    def fire(self, day: date) -> list[Any]:
        return [target.invoke(scheduled_event(day)) for target in self.targets]

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


def admin_routes(schedule: DailySchedule) -> dict[str, Any]:
    def fire(request: Request) -> Response:
        try:
            day = date.fromisoformat(request.args.get("date") or datetime.now(UTC).date().isoformat())
        except ValueError:
            return Response(
                json.dumps(
                    {"error": {"code": "validation_error", "message": "date must be YYYY-MM-DD", "details": []}}
                ),
                status=400,
                content_type="application/json",
            )
        results = schedule.fire(day)
        return Response(
            json.dumps({"fired": day.isoformat(), "results": results}, default=str), content_type="application/json"
        )

    return {"/_local/schedule": fire}
