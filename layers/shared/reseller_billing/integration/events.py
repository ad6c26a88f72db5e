"""Domain events to EventBridge (models/messages.py): the detail type is the event model's name."""

from __future__ import annotations

import json
from collections.abc import Sequence

from reseller_billing.errors import ErrorCode, TransientError
from reseller_billing.integration.clients import client
from reseller_billing.models.messages import Message
from reseller_billing.settings import get_settings

SOURCE = "reseller-billing"


def publish(events: Sequence[Message]) -> None:
    """Publish events (PutEvents takes 10 entries a call); raises if EventBridge refused any."""
    eventbridge = client("events")
    bus = get_settings().event_bus_name
    for start in range(0, len(events), 10):
        entries = [
            {
                "Source": SOURCE,
                "DetailType": type(event).__name__,
                "Detail": json.dumps(event.model_dump(mode="json")),
                "EventBusName": bus,
            }
            for event in events[start : start + 10]
        ]
        response = eventbridge.put_events(Entries=entries)
        if response.get("FailedEntryCount"):
            raise TransientError("EventBridge refused some events", code=ErrorCode.EVENTS_UNAVAILABLE)
