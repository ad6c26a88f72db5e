"""Domain events to EventBridge."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from reseller_billing.errors import ErrorCode, TransientError
from reseller_billing.integration.clients import client
from reseller_billing.settings import get_settings

SOURCE = "reseller-billing"


def publish(detail_type: str, details: Sequence[dict[str, Any]]) -> None:
    """Publish events (PutEvents takes 10 entries a call); raises if EventBridge refused any."""
    events = client("events")
    bus = get_settings().event_bus_name
    for start in range(0, len(details), 10):
        entries = [
            {"Source": SOURCE, "DetailType": detail_type, "Detail": json.dumps(d, default=str), "EventBusName": bus}
            for d in details[start : start + 10]
        ]
        response = events.put_events(Entries=entries)
        if response.get("FailedEntryCount"):
            raise TransientError("EventBridge refused some events", code=ErrorCode.EVENTS_UNAVAILABLE)
