"""Conditional writes shared by the data-access modules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError

from reseller_billing.dal.items import TableItem
from reseller_billing.errors import PreconditionFailedError, TransientError

CONDITION_FAILED = "ConditionalCheckFailedException"
CANCELLED = "TransactionCanceledException"


def condition_failed(error: PutError | UpdateError | TransactWriteError) -> bool:
    return error.cause_response_code == CONDITION_FAILED


def cancelled_by(error: TransactWriteError) -> list[str | None]:
    """Per item of a cancelled transaction, why it failed (None where it did not)."""
    reasons = error.cancellation_reasons or []
    return [reason.code if reason else None for reason in reasons]


@contextmanager
def transaction_conflicts_are_transient() -> Iterator[None]:
    """Two transactions on the same item at once: let the caller's retry (or SQS) run it again."""
    try:
        yield
    except TransactWriteError as error:
        if "TransactionConflict" in cancelled_by(error) or error.cause_response_code == "TransactionInProgress":
            raise TransientError("a concurrent change got there first; retry", code="conflict_retry") from error
        raise


def save_version(item: TableItem, expected_version: int) -> None:
    """Save `item` as version `expected_version + 1` if the stored one is still `expected_version`."""
    version_attribute = type(item).version  # type: ignore[attr-defined]
    item.version = expected_version + 1  # type: ignore[attr-defined]
    try:
        item.save(condition=version_attribute == expected_version)
    except PutError as error:
        if condition_failed(error):
            raise PreconditionFailedError(
                "the resource changed while you were changing it; GET it again and retry",
                code="precondition_failed",
            ) from error
        raise
