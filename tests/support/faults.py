"""Fault injection for billing runs on moto: AWS calls that fail, and Lambda invocations that die.

`FaultInjector` wraps `botocore.client.BaseClient._make_api_call`, the one method every client goes
through (boto3's clients and PynamoDB's). It sits above botocore's retry handler, so an injected fault
is what the service sees once the SDK has given up. Only calls made while a function is being invoked
are touched (seeding, the test's own reads and the queue polling are left alone):

* transient faults: a seeded draw per call decides whether a chosen S3 / DynamoDB / EventBridge
  operation fails (a fixed fraction per service), with a realistic error: a throttling or 5xx
  `ClientError`, a `TransactionCanceledException` for a transaction conflict, a connection error, a
  partial `PutEvents` failure; and whether it fails before the request reached AWS or after AWS applied
  it (the answer lost on the way back, as a read timeout does);
* persistent faults: S3 keys that can never be written (`poisoned`), as a wrong key policy would, and any
  call a test names (`refused`: a function's calls that always fail, as a bug or a missing grant would);
* killed invocations: a seeded fraction of invocations die at a random call, before or after it reached
  AWS, with `WorkerKilled`, a `BaseException` that no `except Exception` in the service or in Powertools
  catches, so it escapes the handler as a Lambda crash (timeout, out of memory) does. A dead invocation
  makes no further call.

`ChaosQueues` delivers the billing queues' messages to their functions as Lambda's event source mapping
does, through the injector: partial-batch failures are retried, a crashed invocation leaves its whole
batch to be redelivered, and the visibility timeout "expires" at once (visibility set to 0) instead of
after 12 minutes. Receive counts grow as in SQS, so the queues' redrive policy (maxReceiveCount from
template.yaml) parks poison messages in the dead-letter queues.

Deterministic for a seed as long as the calls come in a deterministic order: the invoice worker's I/O
thread pool must then have one thread (see the tests)."""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from moto.core.utils import unix_time
from moto.sqs.models import SQSBackend

from infra import template
from infra.local.aws import REGION, LocalResources
from infra.local.lambda_runtime import LocalFunction
from infra.local.pollers import receive_batch, sqs_client, sqs_record


class WorkerKilled(BaseException):
    """The Lambda execution environment died mid-invocation; nothing of the batch is acknowledged."""


# Operations that fail at the configured rate, per service (botocore's service names).
FAULTY_OPERATIONS: dict[str, frozenset[str]] = {
    "s3": frozenset({"PutObject", "GetObject", "HeadObject"}),
    "dynamodb": frozenset(
        {
            "GetItem",
            "BatchGetItem",
            "Query",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "BatchWriteItem",
            "TransactWriteItems",
            "TransactGetItems",
        }
    ),
    "events": frozenset({"PutEvents"}),
}
# Calls that change something: an injected fault or kill may come after AWS applied them.
WRITES = frozenset(
    {
        "PutObject",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "PutEvents",
        "SendMessage",
        "SendMessageBatch",
    }
)
# Services whose calls may be where an invocation dies (SQS too: the fan-out dies between its sends).
KILLABLE_SERVICES = frozenset({"s3", "dynamodb", "events", "sqs"})

_ERRORS: dict[str, list[tuple[str, int, str]]] = {
    "s3": [
        ("InternalError", 500, "We encountered an internal error. Please try again."),
        ("SlowDown", 503, "Please reduce your request rate."),
        ("ServiceUnavailable", 503, "Service is unable to handle request."),
    ],
    "dynamodb": [
        ("ProvisionedThroughputExceededException", 400, "The level of configured provisioned throughput was exceeded"),
        ("ThrottlingException", 400, "Rate of requests exceeds the allowed throughput."),
        ("InternalServerError", 500, "Internal server error"),
    ],
    "events": [
        ("InternalException", 500, "An internal error occurred."),
        ("ThrottlingException", 400, "Rate exceeded."),
    ],
}


def _client_error(operation: str, code: str, status: int, message: str, **extra: Any) -> ClientError:
    response: dict[str, Any] = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {"x-amzn-requestid": "injected"}},
        **extra,
    }
    return ClientError(response, operation)


@dataclass
class FaultStats:
    """What was injected, for assertions and the report."""

    by_service: Counter[str] = field(default_factory=Counter)  # transient faults
    by_kind: Counter[str] = field(default_factory=Counter)  # "service:Operation:kind"
    persistent: int = 0  # calls refused because they touch a poisoned key
    kills: Counter[str] = field(default_factory=Counter)  # function name -> invocations killed
    kill_points: Counter[str] = field(default_factory=Counter)  # "service:Operation:before|after"
    calls: Counter[str] = field(default_factory=Counter)  # service -> calls made by the functions
    published: Counter[str] = field(default_factory=Counter)  # invoice id -> InvoiceIssued events that got out

    def summary(self) -> str:
        return (
            f"calls {dict(self.calls)}; transient faults {dict(sorted(self.by_kind.items()))}; "
            f"persistent {self.persistent}; kills {dict(self.kills)} at {dict(sorted(self.kill_points.items()))}"
        )


class FaultInjector:
    """Seeded faults in the AWS calls of function invocations (see the module's docstring).

    `rates`: per service, the fraction of its FAULTY_OPERATIONS calls that fail (transient faults).
    `kill_rate`: the fraction of invocations that die, each at a call drawn at random among the first
    `3 x messages + 4` (an invocation that makes fewer calls survives). `poisoned`: S3 keys containing one
    of these strings can never be written (a persistent fault, as a wrong key policy would be).
    `kill_last_deliveries_at`: an operation (say "PutObject") at whose first call every invocation dies
    whose batch holds a message on its last delivery before the DLQ; `kill_reaches_aws`: whether such a
    call reached AWS before the invocation died (None: a coin toss, as for every other kill). `refused`:
    (function, operation, parameters) of the calls that always fail with AccessDenied."""

    def __init__(
        self,
        seed: int,
        rates: Mapping[str, float],
        kill_rate: float = 0.0,
        poisoned: Collection[str] = (),
        kill_last_deliveries_at: str | None = None,
        kill_reaches_aws: bool | None = None,
        refused: Callable[[str, str, dict[str, Any]], bool] = lambda function, operation, params: False,
    ):
        self.random = random.Random(seed)
        self.rates = dict(rates)
        self.kill_rate = kill_rate
        self.poisoned = tuple(poisoned)
        self.kill_last_deliveries_at = kill_last_deliveries_at
        self.kill_reaches_aws = kill_reaches_aws
        self.refused = refused
        self._kill_at_operation: str | None = None
        self.stats = FaultStats()
        self._lock = threading.Lock()
        self._function: str | None = None
        self._calls = 0
        self._kill_at = 0
        self._dead = False

    # --- installing ------------------------------------------------------------------------------

    @contextmanager
    def installed(self) -> Iterator[FaultInjector]:
        original = BaseClient._make_api_call
        injector = self

        def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            return injector._call(original, client, operation, params)

        BaseClient._make_api_call = make_api_call
        try:
            yield self
        finally:
            BaseClient._make_api_call = original

    @contextmanager
    def invocation(self, function_name: str, messages: int, *, last_delivery: bool = False) -> Iterator[None]:
        """Faults apply to the calls made while this is open (from any thread: the worker's pool too).
        `last_delivery`: the batch holds a message that goes to the DLQ if this invocation fails."""
        with self._lock:
            dies = self.random.random() < self.kill_rate
            self._kill_at = self.random.randint(1, 3 * messages + 4) if dies else 0
            self._kill_at_operation = self.kill_last_deliveries_at if last_delivery else None
            self._function, self._calls, self._dead = function_name, 0, False
        try:
            yield
        finally:
            self._function, self._kill_at, self._kill_at_operation, self._dead = None, 0, None, False

    # --- deciding --------------------------------------------------------------------------------

    def _call(self, original: Callable[..., Any], client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        service: str = client.meta.service_model.service_name
        function = self._function
        if function is None:
            return original(client, operation, params)
        with self._lock:
            if self._dead:
                raise WorkerKilled(f"{function} is dead")
            self.stats.calls[service] += 1
            self._calls += 1
            kill = service in KILLABLE_SERVICES and (
                self._calls == self._kill_at or operation == self._kill_at_operation
            )
            poisoned = operation == "PutObject" and any(p in params.get("Key", "") for p in self.poisoned)
            poisoned = poisoned or self.refused(function, operation, params)
            faulty = operation in FAULTY_OPERATIONS.get(service, ())
            fault = not kill and faulty and self.random.random() < self.rates.get(service, 0.0)
            after = (kill or fault) and operation in WRITES and self.random.random() < 0.5
            if kill and operation == self._kill_at_operation and self.kill_reaches_aws is not None:
                after = self.kill_reaches_aws
            choice = self.random.random()
            if kill:
                self.stats.kills[function] += 1
                self.stats.kill_points[f"{service}:{operation}:{'after' if after else 'before'}"] += 1
                self._dead = not after
            elif poisoned:
                self.stats.persistent += 1
        if kill:
            if after:
                self._send(original, client, operation, params)
                self._dead = True
            raise WorkerKilled(f"{function} died in {service}:{operation}")
        if poisoned:
            raise _client_error(operation, "AccessDenied", 403, "Access Denied")
        if not fault:
            return self._send(original, client, operation, params)
        return self._fail(original, client, service, operation, params, after=after, choice=choice)

    def _send(self, original: Callable[..., Any], client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        answer = original(client, operation, params)
        if operation == "PutEvents":
            failed = answer.get("Entries", [])
            for n, entry in enumerate(params.get("Entries", [])):
                if n < len(failed) and failed[n].get("ErrorCode"):
                    continue
                invoice_id = json.loads(entry["Detail"]).get("invoice_id")
                if invoice_id:
                    with self._lock:
                        self.stats.published[invoice_id] += 1
        return answer

    def _count(self, service: str, operation: str, kind: str) -> None:
        with self._lock:
            self.stats.by_service[service] += 1
            self.stats.by_kind[f"{service}:{operation}:{kind}"] += 1

    def _fail(
        self,
        original: Callable[..., Any],
        client: BaseClient,
        service: str,
        operation: str,
        params: dict[str, Any],
        *,
        after: bool,
        choice: float,
    ) -> Any:
        endpoint = f"https://{service}.{REGION}.amazonaws.com/"
        if after:
            # AWS did it; the answer is lost (DynamoDB may also answer 500 for a transaction it applied).
            self._send(original, client, operation, params)
            if service == "dynamodb" and choice < 0.3:
                self._count(service, operation, "InternalServerError(applied)")
                raise _client_error(operation, "InternalServerError", 500, "Internal server error")
            self._count(service, operation, "ReadTimeout(applied)")
            raise ReadTimeoutError(endpoint_url=endpoint)
        if operation == "PutEvents" and choice < 0.4 and len(params.get("Entries", [])) > 1:
            # EventBridge takes some entries of the call and refuses the others.
            entries = params["Entries"]
            refused = set(range(1, len(entries), 2))
            kept = [e for n, e in enumerate(entries) if n not in refused]
            self._send(original, client, operation, {**params, "Entries": kept})
            self._count(service, operation, "FailedEntryCount")
            return {
                "FailedEntryCount": len(refused),
                "Entries": [
                    {"ErrorCode": "InternalFailure", "ErrorMessage": "injected"} if n in refused else {"EventId": "x"}
                    for n in range(len(entries))
                ],
            }
        if operation == "TransactWriteItems" and choice < 0.4:
            items = params.get("TransactItems", [])
            reasons = [{"Code": "None"} for _ in items]
            reasons[int(choice * 1000) % max(len(items), 1)] = {
                "Code": "TransactionConflict",
                "Message": "Transaction is ongoing for the item",
            }
            self._count(service, operation, "TransactionConflict")
            raise _client_error(
                operation,
                "TransactionCanceledException",
                400,
                "Transaction cancelled, please refer cancellation reasons for specific reasons",
                CancellationReasons=reasons,
            )
        if choice < 0.15:
            self._count(service, operation, "EndpointConnectionError")
            raise EndpointConnectionError(endpoint_url=endpoint)
        if choice < 0.25:
            self._count(service, operation, "ConnectionClosedError")
            raise ConnectionClosedError(endpoint_url=endpoint)
        errors = _ERRORS[service]
        code, status, message = errors[int(choice * 10_000) % len(errors)]
        self._count(service, operation, code)
        raise _client_error(operation, code, status, message)


@dataclass
class DeliveryStats:
    invocations: Counter[str] = field(default_factory=Counter)  # function -> invocations
    delivered: Counter[str] = field(default_factory=Counter)  # function -> messages delivered
    redelivered: Counter[str] = field(default_factory=Counter)  # function -> deliveries with receive count > 1
    crashed: Counter[str] = field(default_factory=Counter)  # function -> invocations that died
    last_deliveries_crashed: Counter[str] = field(default_factory=Counter)  # function -> messages whose last
    # delivery before the DLQ died with its invocation
    failed: Counter[str] = field(default_factory=Counter)  # function -> messages reported failed
    log: list[str] = field(default_factory=list)  # one line per invocation


@dataclass(frozen=True)
class _Consumer:
    function: LocalFunction
    queue_url: str
    queue_arn: str
    batch_size: int
    max_receive_count: int  # the queue's redrive policy: deliveries before the DLQ


class ChaosQueues:
    """Deliver the billing queues to their functions through a FaultInjector until they are empty."""

    def __init__(
        self,
        functions: dict[str, LocalFunction],
        resources: LocalResources,
        injector: FaultInjector,
        on_crash: Callable[[str], None] = lambda name: None,
    ):
        self.injector = injector
        self.on_crash = on_crash
        self.stats = DeliveryStats()
        self.consumers = []
        for name in sorted(functions):
            queue = template.queue_of(name)
            if queue is None:
                continue
            url = resources.refs[queue]
            redrive = sqs_client().get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
            policy = json.loads(redrive["Attributes"]["RedrivePolicy"])
            self.consumers.append(
                _Consumer(
                    functions[name],
                    url,
                    resources.arns[queue],
                    template.sqs_batch_size(name),
                    policy["maxReceiveCount"],
                )
            )

    def drain(self, max_rounds: int = 5_000) -> None:
        """Deliver batches until every queue (DLQs aside) is empty, as the event source mappings would."""
        for _ in range(max_rounds):
            got = sum(self.deliver(consumer) for consumer in self.consumers)
            if got == 0 and self._left() == 0:
                return
        raise AssertionError(f"queues did not drain in {max_rounds} rounds: {self.stats}")

    def deliver(self, consumer: _Consumer) -> int:
        """One invocation with one batch, as the event source mapping makes it; returns the batch's size."""
        sqs = sqs_client()
        messages = receive_batch(consumer.queue_url, consumer.batch_size, wait_seconds=0)
        if not messages:
            return 0
        name = consumer.function.name
        receives = [int(m["Attributes"]["ApproximateReceiveCount"]) for m in messages]
        self.stats.invocations[name] += 1
        self.stats.delivered[name] += len(messages)
        self.stats.redelivered[name] += sum(n > 1 for n in receives)
        event = {"Records": [sqs_record(m, consumer.queue_arn) for m in messages]}
        crashed = False
        last_delivery = any(n >= consumer.max_receive_count for n in receives)
        try:
            with self.injector.invocation(name, len(messages), last_delivery=last_delivery):
                result = consumer.function.invoke(event) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except WorkerKilled:
            # Lambda deletes nothing of a crashed invocation's batch; a fresh environment takes over.
            crashed = True
            self.stats.crashed[name] += 1
            self.stats.last_deliveries_crashed[name] += sum(n >= consumer.max_receive_count for n in receives)
            self.on_crash(name)
            failed = {m["MessageId"] for m in messages}
        except Exception:
            failed = {m["MessageId"] for m in messages}
        self.stats.failed[name] += len(failed)
        self.stats.log.append(
            f"{name}: {len(messages)} messages (receive counts {dict(sorted(Counter(receives).items()))}), "
            f"{len(failed)} failed{', died' if crashed else ''}"
        )
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            sqs.delete_message_batch(
                QueueUrl=consumer.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start : start + 10])
                ],
            )
        for message in messages:
            if message["MessageId"] in failed:
                # The visibility timeout runs out at once: the message can be received again.
                sqs.change_message_visibility(
                    QueueUrl=consumer.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
        return len(messages)

    def _left(self) -> int:
        sqs = sqs_client()
        total = 0
        for consumer in self.consumers:
            attributes = sqs.get_queue_attributes(
                QueueUrl=consumer.queue_url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            total += int(attributes["ApproximateNumberOfMessages"]) + int(
                attributes["ApproximateNumberOfMessagesNotVisible"]
            )
        return total


@contextmanager
def quick_sqs_retention_check() -> Iterator[None]:
    """moto checks each message it hands out against the queue's retention period by computing every queue
    attribute (counting the messages: quadratic in the queue's length, seconds per run here); read the one
    attribute instead. Same answer."""
    original = SQSBackend.is_message_valid_based_on_retention_period

    def valid(backend: SQSBackend, queue_name: str, message: Any) -> bool:
        retention = int(getattr(backend.get_queue(queue_name), "message_retention_period"))  # noqa: B009
        return bool(retention + message.sent_timestamp / 1000 > unix_time())

    SQSBackend.is_message_valid_based_on_retention_period = valid  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        SQSBackend.is_message_valid_based_on_retention_period = original  # type: ignore[method-assign]


def read_all(queue_url: str) -> list[dict[str, Any]]:
    """Every message on a queue (a dead-letter queue, say), left on it and visible again afterwards."""
    sqs = sqs_client()
    messages: list[dict[str, Any]] = []
    while True:
        received = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=600
        ).get("Messages", [])
        if not received:
            break
        messages += received
    for message in messages:
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    return messages


def redrive(dead_letter_url: str, source_url: str) -> int:
    """Move every message of a dead-letter queue back to its source queue (SQS's DLQ redrive)."""
    sqs = sqs_client()
    moved = 0
    while True:
        received = sqs.receive_message(QueueUrl=dead_letter_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not received:
            return moved
        for message in received:
            sqs.send_message(QueueUrl=source_url, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=dead_letter_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
