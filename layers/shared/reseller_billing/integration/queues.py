"""The billing queues: fan-out pages and per-customer invoice requests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from reseller_billing.errors import ErrorCode, TransientError
from reseller_billing.integration.clients import client
from reseller_billing.settings import get_settings


def _send_batch(queue_url: str, bodies: Sequence[dict[str, Any]]) -> None:
    sqs = client("sqs")
    for start in range(0, len(bodies), 10):
        entries = [
            {"Id": str(i), "MessageBody": json.dumps(body, separators=(",", ":"))}
            for i, body in enumerate(bodies[start : start + 10])
        ]
        for _ in range(3):
            failed = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries).get("Failed", [])
            if not failed:
                break
            retry = {f["Id"] for f in failed}
            entries = [e for e in entries if e["Id"] in retry]
        else:
            raise TransientError(f"SQS refused {len(entries)} messages", code=ErrorCode.QUEUE_UNAVAILABLE)


def send_invoice_requests(bodies: Sequence[dict[str, Any]]) -> None:
    _send_batch(get_settings().invoice_queue, bodies)


def send_fanout_page(body: dict[str, Any]) -> None:
    client("sqs").send_message(
        QueueUrl=get_settings().billing_fanout_queue, MessageBody=json.dumps(body, separators=(",", ":"))
    )
