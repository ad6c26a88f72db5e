"""The billing queues: fan-out pages and per-customer invoice requests (models/messages.py)."""

from __future__ import annotations

from collections.abc import Sequence

from reseller_billing.errors import ErrorCode, TransientError
from reseller_billing.integration.clients import client
from reseller_billing.models.messages import FanoutPageMessage, InvoiceRequestMessage
from reseller_billing.settings import get_settings


def send_invoice_requests(messages: Sequence[InvoiceRequestMessage]) -> None:
    """SendMessageBatch, 10 a call; entries SQS refused are sent again, up to 3 times in all."""
    sqs = client("sqs")
    queue_url = get_settings().invoice_queue
    for start in range(0, len(messages), 10):
        entries = [
            {"Id": str(i), "MessageBody": message.model_dump_json()}
            for i, message in enumerate(messages[start : start + 10])
        ]
        for _ in range(3):
            failed = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries).get("Failed", [])
            if not failed:
                break
            retry = {f["Id"] for f in failed}
            entries = [e for e in entries if e["Id"] in retry]
        else:
            raise TransientError(f"SQS refused {len(entries)} messages", code=ErrorCode.QUEUE_UNAVAILABLE)


def send_fanout_page(message: FanoutPageMessage) -> None:
    client("sqs").send_message(QueueUrl=get_settings().billing_fanout_queue, MessageBody=message.model_dump_json())
