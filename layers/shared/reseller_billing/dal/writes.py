"""Conditional writes and transactions shared by the data-access modules."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from reseller_billing.dal.items import TableItem
from reseller_billing.errors import ErrorCode, PreconditionFailedError, TransientError

CONDITION_FAILED = "ConditionalCheckFailedException"
SAVE_ATTEMPTS = 5
COMMIT_ATTEMPTS = 7

T = TypeVar("T")


class ChangedMeanwhileError(PreconditionFailedError):
    """The stored item moved between the read and the save of a read-modify-write."""

    def __init__(self, message: str = "the resource changed while you were changing it; GET it again and retry"):
        super().__init__(message, code=ErrorCode.PRECONDITION_FAILED)


def saved_with_retries(change: Callable[[], T], if_match: str | None) -> T:
    """Run a read-modify-write again when the item moved under it, if the caller sent no If-Match: it
    asked for no precondition, so it must not get a 412. Each attempt reads and checks afresh.

    Counters that move without a version change (SIMs on a customer, products on a plan, customers on an
    account) never make an edit fail: an edit writes only the attributes it owns (`update_version`)."""
    for _ in range(SAVE_ATTEMPTS - 1):
        try:
            return change()
        except ChangedMeanwhileError:
            if if_match is not None:
                raise
    return change()


def response_code(error: PutError | UpdateError | DeleteError | TransactWriteError) -> str | None:
    """DynamoDB's error code behind a PynamoDB error, or None when there was no answer (a read timeout, a
    closed connection). PynamoDB's own `cause_response_code` raises AttributeError on those: their
    `response` attribute is None."""
    response = getattr(error.cause, "response", None) or {}
    code: str | None = response.get("Error", {}).get("Code")
    return code


def refused_as_invalid(error: BaseException) -> bool:
    """DynamoDB refused the request itself (a ValidationException: an item or a transaction over its size
    limit, say): sent again as it is, it is refused again, unlike a throttled or conflicting request."""
    if isinstance(error, PutError | UpdateError | DeleteError | TransactWriteError):
        return response_code(error) == "ValidationException"
    return False


def condition_failed(error: PutError | UpdateError | DeleteError | TransactWriteError) -> bool:
    return response_code(error) == CONDITION_FAILED


class TransactionFailed(Exception):
    """A transaction was cancelled because of some of its conditions: `failed` names them."""

    def __init__(self, failed: dict[str, dict[str, Any] | None]):
        super().__init__(f"transaction cancelled by {sorted(failed)}")
        self.failed = failed  # label -> the item as it was (for puts/updates asked to return it), or None


class Transaction:
    """TransactWriteItems with a label on each operation, so a cancellation says which conditions failed.

    PynamoDB sends condition checks, deletes, puts, then updates: the labels follow that order."""

    def __init__(self) -> None:
        self._labels: dict[str, list[str]] = {"check": [], "delete": [], "put": [], "update": []}
        self._ops: list[tuple[str, Any, dict[str, Any]]] = []

    def __len__(self) -> int:
        return len(self._ops)

    def put(self, item: TableItem, label: str, condition: Condition | None = None) -> None:
        self._labels["put"].append(label)
        self._ops.append(("put", item, {"condition": condition, "return_values": "ALL_OLD"}))

    def update(
        self, item: TableItem, label: str, actions: Sequence[Action], condition: Condition | None = None
    ) -> None:
        self._labels["update"].append(label)
        self._ops.append(
            ("update", item, {"actions": list(actions), "condition": condition, "return_values": "ALL_OLD"})
        )

    def check(self, model: type[TableItem], key: tuple[str, str], label: str, condition: Condition) -> None:
        self._labels["check"].append(label)
        self._ops.append(("check", model, {"hash_key": key[0], "range_key": key[1], "condition": condition}))

    def delete(self, item: TableItem, label: str, condition: Condition | None = None) -> None:
        self._labels["delete"].append(label)
        self._ops.append(("delete", item, {"condition": condition}))

    def commit(self, token: str | None = None) -> None:
        """Write all or nothing. Raises TransactionFailed naming the failed conditions, or TransientError
        when another transaction held one of the items (the caller, or SQS, retries)."""
        connection = TableItem._get_connection().connection
        try:
            with TransactWrite(connection=connection, client_request_token=token) as tx:
                for kind, target, kwargs in self._ops:
                    if kind == "put":
                        tx.save(target, **kwargs)
                    elif kind == "update":
                        tx.update(target, **kwargs)
                    elif kind == "check":
                        tx.condition_check(target, **kwargs)
                    else:
                        tx.delete(target, **kwargs)
        except TransactWriteError as error:
            labels = [*self._labels["check"], *self._labels["delete"], *self._labels["put"], *self._labels["update"]]
            reasons = error.cancellation_reasons or []
            codes = [reason.code if reason else None for reason in reasons]
            if "TransactionConflict" in codes or response_code(error) == "TransactionInProgressException":
                raise TransientError(
                    "a concurrent change got there first; retry", code=ErrorCode.CONFLICT_RETRY
                ) from error
            failed = {
                label: (reason.raw_item if reason else None)
                for label, reason in zip(labels, reasons, strict=False)
                if reason is not None and reason.code == "ConditionalCheckFailed"
            }
            if not failed:
                raise
            raise TransactionFailed(failed) from error


def commit_retrying(tx: Transaction) -> None:
    """Commit `tx`; while another transaction holds one of its items (TransientError), wait a little longer
    each time and commit again, up to COMMIT_ATTEMPTS times. TransactionFailed goes to the caller at once."""
    for attempt in range(1, COMMIT_ATTEMPTS + 1):
        try:
            tx.commit()
            return
        except TransientError:
            if attempt == COMMIT_ATTEMPTS:
                raise
            time.sleep(min(0.05 * 2**attempt, 1.0))


def set_actions(item: TableItem, attributes: Iterable[str]) -> list[Action]:
    """SET each named attribute to the item's value (REMOVE it when the value is None)."""
    model = type(item)
    actions: list[Action] = []
    for name in attributes:
        attribute = getattr(model, name)
        value = getattr(item, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    return actions


def update_version(
    item: TableItem, attributes: Iterable[str], expected_version: int, condition: Condition | None = None
) -> int:
    """Write `attributes` of `item` as version `expected_version + 1`, if the stored one is still
    `expected_version` (and `condition` holds); returns the new version. Attributes not named, such as
    counters, keep what is stored. ChangedMeanwhileError if a condition failed."""
    version_attribute = type(item).version  # type: ignore[attr-defined]
    unchanged = version_attribute == expected_version
    if condition is not None:
        unchanged &= condition
    try:
        item.update(
            actions=[*set_actions(item, attributes), version_attribute.set(expected_version + 1)], condition=unchanged
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise
        raise ChangedMeanwhileError() from error
    return expected_version + 1
