"""template.yaml's billing path, read as data: every run reaches a final status because the reconciler is
wired as its code assumes, and every dead-letter queue raises an alarm."""

from __future__ import annotations

from typing import Any

import pytest

from infra import template
from infra.template import properties

RECONCILER = "BillingReconcilerFunction"


def variables(function: str) -> dict[str, Any]:
    found: dict[str, Any] = properties(function).get("Environment", {}).get("Variables", {})
    return found


def dead_letter_queues() -> set[str]:
    """Queues that are a queue's redrive target or a function's dead-letter queue."""
    found = set()
    for name in template.of_type("AWS::SQS::Queue"):
        redrive = properties(name).get("RedrivePolicy")
        if redrive:
            found.add(redrive["deadLetterTargetArn"]["Fn::GetAtt"][0])
    for name in template.of_type("AWS::Serverless::Function"):
        target = properties(name).get("DeadLetterQueue", {}).get("TargetArn")
        if target:
            found.add(target["Fn::GetAtt"][0])
    return found


def test_the_dead_letter_queues_are_found():
    assert {"InvoiceDeadLetterQueue", "BillingFanoutDeadLetterQueue", "ReconcilerDeadLetterQueue"} <= (
        dead_letter_queues()
    )


@pytest.mark.parametrize("queue", sorted(dead_letter_queues()))
def test_every_dead_letter_queue_raises_an_alarm(queue):
    alarms = [
        props
        for props in map(properties, template.of_type("AWS::CloudWatch::Alarm"))
        if props.get("Namespace") == "AWS/SQS"
        and props.get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}} in props.get("Dimensions", [])
    ]
    assert alarms, f"{queue} has no alarm on its visible messages"
    assert (alarms[0]["Threshold"], alarms[0]["ComparisonOperator"]) == (0, "GreaterThanThreshold")


@pytest.mark.parametrize(
    "function",
    sorted(n for n, f in template.functions().items() if any(e["Type"] == "Schedule" for e in f.events.values())),
)
def test_scheduled_functions_park_failed_events_in_a_dead_letter_queue(function):
    assert properties(function)["DeadLetterQueue"]["Type"] == "SQS"


def test_the_reconciler_runs_every_15_minutes_one_pass_at_a_time():
    (event,) = template.functions()[RECONCILER].events.values()
    assert (event["Type"], event["Properties"]["Schedule"]) == ("Schedule", "rate(15 minutes)")
    assert properties(RECONCILER)["ReservedConcurrentExecutions"] == 1


def test_the_reconciler_records_pages_of_the_fan_outs_size():
    assert variables(RECONCILER)["FANOUT_PAGE_SIZE"] == variables("BillingFanoutFunction")["FANOUT_PAGE_SIZE"]


def test_the_reconciler_sends_large_customers_to_their_lane_as_the_fan_out_does():
    for name in ("LARGE_CUSTOMER_SIMS", "LARGE_INVOICE_QUEUE_URL"):
        assert variables(RECONCILER)[name] == variables("BillingFanoutFunction")[name]


def test_large_customers_are_invoiced_one_per_invocation_by_the_same_code_with_more_memory_and_time():
    small, large = properties("InvoiceWorkerFunction"), properties("LargeInvoiceWorkerFunction")
    assert (large["CodeUri"], large["Handler"]) == (small["CodeUri"], small["Handler"])
    assert template.queue_of("LargeInvoiceWorkerFunction") == "LargeInvoiceQueue"
    assert template.sqs_batch_size("LargeInvoiceWorkerFunction") == 1
    assert large["Timeout"] == 900
    assert large["MemorySize"] > small["MemorySize"]
    assert properties("LargeInvoiceQueue")["VisibilityTimeout"] >= large["Timeout"]
    assert variables("LargeInvoiceWorkerFunction") == variables("InvoiceWorkerFunction")


@pytest.mark.parametrize("queue", ["InvoiceQueue", "LargeInvoiceQueue", "BillingFanoutQueue"])
def test_a_run_is_reconciled_only_once_no_message_of_it_can_still_be_retried(queue):
    props = properties(queue)
    retried_for = int(props["VisibilityTimeout"]) * int(props["RedrivePolicy"]["maxReceiveCount"])
    assert int(variables(RECONCILER)["RECONCILE_AFTER_SECONDS"]) > retried_for


def test_the_unfinished_runs_index_projects_nothing_a_run_updates():
    (table,) = template.of_type("AWS::DynamoDB::Table").values()
    (index,) = [i for i in table["Properties"]["GlobalSecondaryIndexes"] if i["IndexName"] == "GSI3"]
    assert index["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["entity", "id", "account_id"]}


def test_settled_runs_raise_an_alarm():
    (alarm,) = [
        p
        for p in map(properties, template.of_type("AWS::CloudWatch::Alarm"))
        if p.get("MetricName") == "CustomersReconciledFailed"
    ]
    assert alarm["Namespace"] == "ResellerBilling"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "reseller-billing"}]
