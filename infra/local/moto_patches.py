"""Fixes to moto's DynamoDB, applied wherever the service runs on moto (local stack, tests, benchmarks).

moto's TransactWriteItems (5.2) deep-copies every table it touches before each transaction so that it can
roll back: the cost grows with the table (seconds per transaction on a billing day's worth of usage).
And moto takes no lock, so two transactions in two threads interleave, which DynamoDB never does.

The replacement evaluates every condition against the state before the transaction, writes nothing if
any fails, and otherwise applies all writes; one lock serialises it with moto's other DynamoDB reads and
writes.
That is DynamoDB's contract for transactions (all-or-nothing, isolated), without the copy.

And moto's Query on a table reads and sorts every item of the table to find one partition's (0.4 s per
Query on a 25,000-item table); here it reads the partition, as DynamoDB does.

And moto writes DynamoDB answers through a serializer that walks the API's shape for every attribute
value (60 ms for a 40-item Query); the result is already DynamoDB JSON, so it is written as it is.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import ConditionalCheckFailed, ItemSizeToUpdateTooLarge, TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoResult

from infra.local import dynamodb_limits

_WRITE_LOCK = threading.RLock()
_applied = False


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    # The request's limits (100 actions, one per item, 4 MB, ...) were checked as it arrived (dynamodb_limits).
    with _WRITE_LOCK:
        planned: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []
        errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
        for entry in transact_items:
            op_type, op = next(iter(entry.items()))
            table_name = op["TableName"]
            table = self.get_table(table_name)
            if op_type == "Put":
                key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = op["Item"][table.range_key_attr]
            else:
                key = op["Key"]
            planned.append((op_type, table_name, key, op))
            condition = op.get("ConditionExpression")
            current = self.get_item(table_name, key)
            if condition is not None and not get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            ).expr(current):
                old = None
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                    old = current.to_json()["Attributes"]
                errors.append(("ConditionalCheckFailed", ConditionalCheckFailed().message, old))
            else:
                errors.append((None, None, None))
        if any(code is not None for code, _, _ in errors):
            raise TransactionCanceledException(errors)
        _apply_updates(self, planned)
        for op_type, table_name, key, op in planned:
            names = op.get("ExpressionAttributeNames") or {}
            if op_type == "Put":
                self.put_item(table_name, op["Item"], expression_attribute_names=names)
            elif op_type == "Delete":
                self.delete_item(table_name, key, expression_attribute_names=names)


def _apply_updates(self: DynamoDBBackend, planned: list[tuple[str, str, dict[str, Any], dict[str, Any]]]) -> None:
    """The transaction's updates, before its puts and deletes: an update can still fail (an item grown past
    400 KB), and then the transaction is cancelled with the updates applied before it put back."""
    applied: list[Callable[[], None]] = []
    for index, (op_type, table_name, key, op) in enumerate(planned):
        if op_type != "Update":
            continue
        restore = dynamodb_limits.item_restorer(self, table_name, key)
        try:
            self.update_item(
                table_name,
                key,
                update_expression=op["UpdateExpression"],
                expression_attribute_names=op.get("ExpressionAttributeNames") or {},
                expression_attribute_values=op.get("ExpressionAttributeValues") or {},
            )
        except ItemSizeToUpdateTooLarge as error:
            for put_back in reversed(applied):
                put_back()
            reasons: list[tuple[str | None, str | None, None]] = [(None, None, None)] * len(planned)
            reasons[index] = ("ValidationError", error.message, None)
            raise TransactionCanceledException(reasons) from None
        applied.append(restore)


_table_query = Table.query


def _partition_query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    if index_name is not None or hash_key is None or not self.range_key_attr:
        return _table_query(self, hash_key, *args, **kwargs)
    partition = list(self.items.get(hash_key, {}).values())
    self.all_items = lambda: partition  # type: ignore[method-assign]  # this call only (under the lock)
    try:
        return _table_query(self, hash_key, *args, **kwargs)
    finally:
        del self.all_items


def _wire_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} as DynamoDB JSON")


def _dynamo_json(self: DynamoResult, context: Any) -> tuple[int, dict[str, str], str]:
    return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(self.result, default=_wire_value)


def _untracked_new(cls: type[Item], *args: Any, **kwargs: Any) -> Item:
    return object.__new__(cls)


def _locked(method: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _WRITE_LOCK:
            return method(*args, **kwargs)

    return locked


def apply() -> None:
    """Patch moto's DynamoDB backend (idempotent)."""
    global _applied  # noqa: PLW0603 - patch once per process
    if _applied:
        return
    dynamodb_limits.apply()  # first: its UpdateItem (measure, put back if too large) runs under the lock below
    # Reads too: moto builds a new item in place (keys first, then attributes), which a reader must not see.
    for name in ("put_item", "update_item", "delete_item", "get_item", "query", "batch_get_item"):
        setattr(DynamoDBBackend, name, _locked(getattr(DynamoDBBackend, name)))
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    Table.query = _partition_query  # type: ignore[method-assign]
    DynamoResult.execute_result = _dynamo_json  # type: ignore[method-assign,assignment]
    Item.__new__ = staticmethod(_untracked_new)  # type: ignore[method-assign,assignment]
    Item.instances_tracked = []  # type: ignore[attr-defined]
    _applied = True
