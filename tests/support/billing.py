"""Drive the SQS-triggered functions in-process until the queues are empty (integration tests, benchmarks)."""

from __future__ import annotations

from infra import template
from infra.local.aws import LocalResources
from infra.local.lambda_runtime import LocalFunction
from infra.local.pollers import deliver, sqs_client


class QueueDriver:
    def __init__(self, functions: dict[str, LocalFunction], resources: LocalResources):
        self.functions = functions
        self.resources = resources
        self.consumers = [
            (functions[name], resources.refs[queue], resources.arns[queue], template.sqs_batch_size(name))
            for name in functions
            if (queue := template.queue_of(name)) is not None
        ]

    def drain(self, max_rounds: int = 10_000) -> int:
        """Deliver batches until every queue is empty; returns the number of messages delivered."""
        delivered = 0
        for _ in range(max_rounds):
            got = sum(deliver(fn, url, arn, batch, wait_seconds=0) for fn, url, arn, batch in self.consumers)
            if got == 0 and self.in_flight() == 0:
                return delivered
            delivered += got
        raise RuntimeError("queues did not drain")

    def in_flight(self) -> int:
        sqs = sqs_client()
        total = 0
        for _, url, _, _ in self.consumers:
            attributes = sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )["Attributes"]
            total += int(attributes["ApproximateNumberOfMessages"]) + int(
                attributes["ApproximateNumberOfMessagesNotVisible"]
            )
        return total
