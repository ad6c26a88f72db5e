"""Stock allocation (SQS): add a range to a reseller's SIM stock, chunk by chunk from its checkpoint; near
the function's deadline, queue the rest for the next invocation."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from reseller_billing.integration import queues
from reseller_billing.logic import stock
from reseller_billing.models.messages import StockAllocationMessage
from reseller_billing.observability import logger, traced

# Stop after the chunk in hand when less than this is left: a chunk takes a few seconds.
STOP_BEFORE_DEADLINE_MS = 60_000

processor = BatchProcessor(event_type=EventType.SQS)


def allocate(record: SQSRecord, lambda_context: LambdaContext) -> None:
    message = StockAllocationMessage.model_validate_json(record.body)
    near_deadline = lambda: lambda_context.get_remaining_time_in_millis() < STOP_BEFORE_DEADLINE_MS  # noqa: E731
    finished = stock.allocate(message, near_deadline)
    if not finished:
        queues.send_stock_allocation(message)


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=allocate, processor=processor, context=context)
