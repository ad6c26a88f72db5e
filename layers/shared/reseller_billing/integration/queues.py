"""The queues: billing fan-out pages and per-customer invoice requests, stock allocations, and usage files
to go on with (models/messages.py)."""

from __future__ import annotations

from collections.abc import Sequence

from reseller_billing.errors import ErrorCode, TransientError
from reseller_billing.integration.clients import client
from reseller_billing.models.messages import (
    FanoutPageMessage,
    InvoiceRequestMessage,
    StockAllocationMessage,
    UsageFileMessage,
)
from reseller_billing.settings import get_settings


def send_invoice_requests(messages: Sequence[InvoiceRequestMessage]) -> None:
    """Requests of customers with more than LARGE_CUSTOMER_SIMS SIMs to the large-invoice queue (invoiced
    one per invocation, with more memory and time), the others to the invoice queue."""
    settings = get_settings()
    large = [m for m in messages if m.sims > settings.large_customer_sims]
    small = [m for m in messages if m.sims <= settings.large_customer_sims]
    if small:
        _send_batches(settings.invoice_queue, small)
    if large:
        _send_batches(settings.large_invoice_queue, large)


def _send_batches(queue_url: str, messages: Sequence[InvoiceRequestMessage]) -> None:
    """SendMessageBatch, 10 a call; entries SQS refused are sent again, up to 3 times in all."""
    sqs = client("sqs")
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


def send_stock_allocation(message: StockAllocationMessage) -> None:
    client("sqs").send_message(QueueUrl=get_settings().stock_allocation_queue, MessageBody=message.model_dump_json())


def send_usage_file(message: UsageFileMessage) -> None:
    client("sqs").send_message(QueueUrl=get_settings().usage_file_queue, MessageBody=message.model_dump_json())
