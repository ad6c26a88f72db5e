"""Billing fan-out (SQS): send one page of a run's customers to the invoice queue."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from reseller_billing.logic import billing_runs
from reseller_billing.models.messages import FanoutPageMessage
from reseller_billing.observability import logger, traced

processor = BatchProcessor(event_type=EventType.SQS)


def fan_out(record: SQSRecord) -> None:
    billing_runs.fan_out_page(FanoutPageMessage.model_validate_json(record.body))


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=fan_out, processor=processor, context=context)
