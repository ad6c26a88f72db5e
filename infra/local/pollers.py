"""Drive SQS-triggered functions from the local queues, as Lambda's event source mapping does: batches,
partial-batch failures (`batchItemFailures`), redelivery after the visibility timeout and, through the
queue's redrive policy, the dead-letter queue."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import boto3

from infra import template
from infra.local.aws import REGION, LocalResources
from infra.local.lambda_runtime import LocalFunction

# Locally a failed message comes back after this many seconds rather than the template's timeout.
RETRY_AFTER_SECONDS = 1


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """A received message as Lambda's SQS event source puts it in `Records`."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


@cache
def sqs_client() -> Any:
    return boto3.client("sqs", region_name=REGION)


def receive_batch(queue_url: str, batch_size: int, wait_seconds: int) -> list[dict[str, Any]]:
    """Up to `batch_size` messages, as an event source's batching window gathers them."""
    messages: list[dict[str, Any]] = []
    while len(messages) < batch_size:
        received = (
            sqs_client()
            .receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=min(batch_size - len(messages), 10),
                WaitTimeSeconds=0 if messages else wait_seconds,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            .get("Messages", [])
        )
        if not received:
            break
        messages += received
    return messages


def deliver(function: LocalFunction, queue_url: str, queue_arn: str, batch_size: int, wait_seconds: int = 1) -> int:
    """Receive one batch and invoke the function with it; returns how many messages it got."""
    sqs = sqs_client()
    messages = receive_batch(queue_url, batch_size, wait_seconds)
    if not messages:
        return 0
    event = {"Records": [sqs_record(m, queue_arn) for m in messages]}
    try:
        result = function.invoke(event) or {}
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
    except Exception:
        failed = {m["MessageId"] for m in messages}
    done = [m for m in messages if m["MessageId"] not in failed]
    for start in range(0, len(done), 10):
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start : start + 10])
            ],
        )
    for message in messages:
        if message["MessageId"] in failed:
            sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=RETRY_AFTER_SECONDS
            )
    return len(messages)


def poll(function: LocalFunction, queue_url: str, queue_arn: str, batch_size: int, stopping: threading.Event) -> None:
    while not stopping.is_set():
        deliver(function, queue_url, queue_arn, batch_size)


def start_pollers(
    functions: dict[str, LocalFunction], resources: LocalResources, stopping: threading.Event
) -> list[threading.Thread]:
    threads = []
    for name, function in functions.items():
        queue = template.queue_of(name)
        if queue is None:
            continue
        thread = threading.Thread(
            target=poll,
            args=(function, resources.refs[queue], resources.arns[queue], template.sqs_batch_size(name), stopping),
            name=f"poller-{name}",
            daemon=True,
        )
        thread.start()
        threads.append(thread)
    return threads
