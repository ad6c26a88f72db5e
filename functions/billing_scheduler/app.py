"""The daily EventBridge schedule (days 1-28): start the billing runs of the resellers due today."""

from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from reseller_billing.logic import billing_runs
from reseller_billing.observability import logger, metrics, traced


@logger.inject_lambda_context(clear_state=True)
@traced
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    day = datetime.fromisoformat(event.time.replace("Z", "+00:00")).date()
    started = billing_runs.run_scheduled_billing(day)
    metrics.add_metric(name="BillingRunsStarted", unit="Count", value=len(started))
    logger.info("scheduled billing runs started", extra={"day": day.isoformat(), "runs": started})
    return {"day": day.isoformat(), "runs": started}
