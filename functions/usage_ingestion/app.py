"""Usage file ingestion (SQS): S3's notifications of uploaded usage files, and our own messages to go on
with a file from its checkpoint. Near the function's deadline it stops at a checkpoint and queues the
rest; a failed invocation is redelivered and goes on from the last checkpoint."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from reseller_billing.integration import queues
from reseller_billing.logic import usage_files
from reseller_billing.observability import logger, traced

# Stop at the next checkpoint when less than this is left: a batch of 1,000 lines takes a few seconds.
STOP_BEFORE_DEADLINE_MS = 90_000

processor = BatchProcessor(event_type=EventType.SQS)


def ingest(record: SQSRecord, lambda_context: LambdaContext) -> None:
    near_deadline = lambda: lambda_context.get_remaining_time_in_millis() < STOP_BEFORE_DEADLINE_MS  # noqa: E731
    for file in usage_files.files_in_message(record.body):
        if not usage_files.ingest_file(file.account_id, file.file_id, near_deadline):
            queues.send_usage_file(file)


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=ingest, processor=processor, context=context)
