"""Every 15 minutes (EventBridge): settle the billing runs that stopped moving (logic/reconciliation.py), and
finish the credit notes left numbered but not issued or announced (logic/credit_notes.py)."""

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from reseller_billing.logic import credit_notes, reconciliation
from reseller_billing.models.common import utcnow
from reseller_billing.observability import logger, metrics, traced

# A credit note younger than this may still be finished by the request that numbered it.
CREDIT_NOTE_GRACE = timedelta(minutes=5)


@logger.inject_lambda_context(clear_state=True)
@traced
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    # The later of the schedule's time and the clock: a retried event is judged by the time it runs, and the
    # local stack can fire the schedule "as of" a later time.
    now = max(datetime.fromisoformat(event.time.replace("Z", "+00:00")), utcnow())
    done = reconciliation.reconcile_runs(now)
    metrics.add_metric(name="RunsRequeued", unit="Count", value=done.runs_requeued)
    metrics.add_metric(name="RunsSettled", unit="Count", value=done.runs_settled)
    metrics.add_metric(name="CustomersReconciledFailed", unit="Count", value=done.customers_failed)
    finished = credit_notes.finish_unfinished_credit_notes(created_before=now - CREDIT_NOTE_GRACE)
    metrics.add_metric(name="CreditNotesFinished", unit="Count", value=finished)
    logger.info("billing runs reconciled", extra={"as_of": now.isoformat(), **asdict(done)})
    return {"as_of": now.isoformat(), **asdict(done), "credit_notes_finished": finished}
