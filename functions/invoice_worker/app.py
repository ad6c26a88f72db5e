"""Invoice worker (SQS batches): issue one invoice per message; failed messages are reported back as
partial-batch failures and redelivered, then go to the DLQ."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import SQSEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from reseller_billing.logic.invoice_issuing import InvoiceRequest, issue_invoices
from reseller_billing.models.messages import InvoiceRequestMessage
from reseller_billing.observability import logger, metrics, traced


@logger.inject_lambda_context(clear_state=True)
@traced
@metrics.log_metrics
@event_source(data_class=SQSEvent)
def lambda_handler(event: SQSEvent, context: LambdaContext) -> dict[str, Any]:
    requests, unreadable = [], []
    for record in event.records:
        try:
            message = InvoiceRequestMessage.model_validate_json(record.body)
        except ValidationError:
            logger.exception("unreadable invoice request", extra={"message_id": record.message_id})
            unreadable.append(record.message_id)  # redelivered, then parked in the DLQ
            continue
        receive_count = int(record.attributes.approximate_receive_count)
        requests.append(
            InvoiceRequest(record.message_id, message.account_id, message.run_id, message.customer, receive_count)
        )
    failed = [*unreadable, *issue_invoices(requests)]
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
