"""DynamoDB's limits in moto: a request DynamoDB refuses, moto refuses too, with DynamoDB's error.

moto 5.2 lets through what DynamoDB refuses (a TransactWriteItems over 4 MB, a BatchWriteItem of 30
requests, an UpdateItem or a DeleteItem with an empty key, a number of 39 digits, an item nested 40
deep, an expression of 5 KB) and sizes items its own way (a number by its characters, no list or map
overhead, Query pages of 1,000,000 bytes, items refused from 405,000 bytes on). Here:

* Items are sized as DynamoDB documents it (CapacityUnitCalculations.html): attribute names and strings
  in UTF-8 bytes, binary in raw bytes, a number 1 byte plus a byte per two significant digits on each
  side of the decimal point (plus one when negative), booleans and nulls 1 byte, a list or map 3 bytes
  plus 1 per element plus its elements (and a map its keys). moto's Query, Scan and BatchGetItem use
  this size for their 1 MB page (counted before filters) and 16 MB answer. moto ends a page before the
  item that would take it past 1 MB, DynamoDB after it: a page may hold one item less than DynamoDB's.
* A request is checked once, from its JSON, before moto sees it: item size (400 KB) on PutItem,
  BatchWriteItem and TransactWriteItems; TransactWriteItems' 100 actions, 4 MB and one action per
  item; BatchWriteItem's 25 requests; empty key values; numbers (38 significant digits, magnitude
  1E-130 to 9.99..E+125); nesting (32 levels); expressions (4 KB).
* An UpdateItem's item is measured after the update (that depends on the stored item): one grown past
  400 KB is put back as it was and refused, and in a transaction the whole transaction is cancelled.

moto refuses, with DynamoDB's messages, key values over 2,048 / 1,024 bytes in the items it writes; here
also in the keys of GetItem, UpdateItem, DeleteItem, BatchGetItem, BatchWriteItem's deletes and
TransactGetItems / TransactWriteItems (measured the DynamoDB way), where moto would answer "no such item".
moto refuses BatchGetItem over 100 keys, and answers UnprocessedKeys past 16 MB. TransactGetItems takes
100 items, not moto's 25.

The errors are ValidationExceptions unless said otherwise, with the messages AWS answers, as recorded by
two emulators' conformance tests that run against AWS (dynalite, dynoxide); only the 4 MB transaction's
wording rests on one of them (dynoxide) alone.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from functools import wraps
from typing import Any, cast

import moto.dynamodb.models.table
import moto.dynamodb.responses
from moto.dynamodb.exceptions import (
    HashKeyTooLong,
    ItemSizeToUpdateTooLarge,
    KeyIsEmptyStringException,
    MockValidationException,
    MultipleTransactionsException,
    RangeKeyTooLong,
)
from moto.dynamodb.limits import HASH_KEY_MAX_LENGTH, RANGE_KEY_MAX_LENGTH
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.responses import DynamoHandler

MAX_ITEM_BYTES = 400 * 1024  # DynamoDB's KB and MB are binary units
MAX_TRANSACTION_ACTIONS = 100
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024
MAX_BATCH_WRITE_REQUESTS = 25
MAX_PAGE_BYTES = 1024 * 1024
MAX_EXPRESSION_BYTES = 4 * 1024
MAX_NESTING_LEVELS = 32
MAX_SIGNIFICANT_DIGITS = 38
MAX_ADJUSTED_EXPONENT = 125  # 9.9999999999999999999999999999999999999E+125
MIN_ADJUSTED_EXPONENT = -130  # 1E-130

ITEM_TOO_LARGE = "Item size has exceeded the maximum allowed size"
TRANSACTION_TOO_LARGE = (
    "Collection size of items exceeded, which can also be caused by the aggregate size of the items in the "
    "transaction exceeding the 4MB limit"
)
TOO_MANY_BATCH_WRITES = "Too many items requested for the BatchWriteItem call"
TOO_DEEP = (
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"
)
TOO_MANY_DIGITS = "Attempting to store more than 38 significant digits in a Number"
NUMBER_OVERFLOW = "Number overflow. Attempting to store a number with magnitude larger than supported range"
NUMBER_UNDERFLOW = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
NOT_A_NUMBER = "The parameter cannot be converted to a numeric value: {}"
EXPRESSION_TOO_LONG = "Invalid {}: Expression size has exceeded the maximum allowed size; expression size: {}"
INVALID_EXPRESSION_VALUE = "ExpressionAttributeValues contains invalid value: {} for key {}"
TOO_MANY_MEMBERS = (
    "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: "
    "Member must have length less than or equal to {}"
)
TOO_MANY_TABLE_MEMBERS = (
    "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Map value must "
    "satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than "
    "or equal to 1]"
)

_EXPRESSIONS = ("KeyConditionExpression", "ConditionExpression", "UpdateExpression", "FilterExpression")
_PROJECTION = "ProjectionExpression"
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_JAVA_HASH_CODES = itertools.count(0x10000001)  # what AWS's Java echoes for each member of a refused list

_applied = False


class _ValueRefused(Exception):
    """An attribute value DynamoDB does not store (a number out of its range, ...)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _TooDeep(_ValueRefused):
    """Nested too deep: DynamoDB says so in the same words wherever the value is."""


# --- sizes ---------------------------------------------------------------------------------------


def value_size(value: Mapping[str, Any] | DynamoType, depth: int = 1) -> int:
    """The size DynamoDB counts for an attribute value, as request JSON ({"S": "..."}) or as moto holds
    it; `depth` 1 is an item's attribute. Raises _ValueRefused for what DynamoDB does not store."""
    if depth > MAX_NESTING_LEVELS:
        raise _TooDeep(TOO_DEEP)
    kind, data = (value.type, value.value) if isinstance(value, DynamoType) else next(iter(value.items()))
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        return _number_size(data)
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(member.encode()) for member in data)
    if kind == "NS":
        return sum(_number_size(member) for member in data)
    if kind == "BS":
        return sum(len(member) for member in data)
    if kind == "L":
        return 3 + sum(1 + value_size(member, depth + 1) for member in data)
    return 3 + sum(1 + len(name.encode()) + value_size(member, depth + 1) for name, member in data.items())


def item_size(item: Mapping[str, Any]) -> int:
    """An item's size: its attribute names and values (request JSON or moto's attributes)."""
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def _number_size(text: str) -> int:
    if not _NUMBER.fullmatch(text):
        raise _ValueRefused(NOT_A_NUMBER.format(text))
    negative, digits, exponent = Decimal(text).as_tuple()  # exact: no context rounds a constructed Decimal
    exponent = cast(int, exponent)  # a finite number, by the pattern above
    significant = len(bytes(digits).rstrip(b"\0"))
    if significant == 0:
        return 1
    exponent += len(digits) - significant
    if significant > MAX_SIGNIFICANT_DIGITS:
        raise _ValueRefused(TOO_MANY_DIGITS)
    adjusted = significant + exponent - 1  # the power of ten of the first significant digit
    if adjusted > MAX_ADJUSTED_EXPONENT:
        raise _ValueRefused(NUMBER_OVERFLOW)
    if adjusted < MIN_ADJUSTED_EXPONENT:
        raise _ValueRefused(NUMBER_UNDERFLOW)
    integer_digits = min(max(significant + exponent, 0), significant)
    fraction_digits = significant - integer_digits
    return 1 + -(-integer_digits // 2) + -(-fraction_digits // 2) + negative


# --- requests ------------------------------------------------------------------------------------


def _checked_item(item: Mapping[str, Any]) -> int:
    """An item to be written: its size, within 400 KB."""
    try:
        size = item_size(item)
    except _ValueRefused as refused:
        raise MockValidationException(refused.message) from None
    if size > MAX_ITEM_BYTES:
        raise MockValidationException(ITEM_TOO_LARGE)
    return size


def _checked_key(key: Mapping[str, Any], hash_key: str) -> int:
    """A key (its values are the key attributes', `hash_key` names the partition key): no empty string or
    binary, a partition key value within 2,048 bytes and a sort key value within 1,024; its size."""
    for name, value in key.items():
        kind, data = next(iter(value.items()))
        if kind in ("S", "B") and not data:
            raise KeyIsEmptyStringException(name)
    try:
        for name, value in key.items():
            if name == hash_key and value_size(value) > HASH_KEY_MAX_LENGTH:
                raise HashKeyTooLong()
            if name != hash_key and value_size(value) > RANGE_KEY_MAX_LENGTH:
                raise RangeKeyTooLong()
        return item_size(key)
    except _ValueRefused as refused:
        raise MockValidationException(refused.message) from None


def _hash_key(handler: DynamoHandler, table_name: str) -> str:
    hash_key: str = handler.dynamodb_backend.get_table(table_name).hash_key_attr
    return hash_key


def _checked_expressions(request: Mapping[str, Any]) -> int:
    """A request's (or a transaction action's) expressions and expression values; the values' size."""
    for parameter in (*_EXPRESSIONS, _PROJECTION):
        expression = request.get(parameter)
        if expression is not None and len(expression.encode()) > MAX_EXPRESSION_BYTES:
            raise MockValidationException(EXPRESSION_TOO_LONG.format(parameter, len(expression.encode())))
    size = 0
    for placeholder, value in (request.get("ExpressionAttributeValues") or {}).items():
        try:
            size += value_size(value)
        except _TooDeep as refused:
            raise MockValidationException(refused.message) from None
        except _ValueRefused as refused:
            raise MockValidationException(INVALID_EXPRESSION_VALUE.format(refused.message, placeholder)) from None
    return size


def _java_list(members: Iterable[Any], type_name: str) -> str:
    """A list as AWS's Java echoes it in a validation message: each member's class and hash code."""
    named = (f"com.amazonaws.dynamodb.v20120810.{type_name}@{next(_JAVA_HASH_CODES):x}" for _ in members)
    return "[" + ", ".join(named) + "]"


def _check_put_item(handler: DynamoHandler) -> None:
    _checked_item(handler.body["Item"])
    _checked_expressions(handler.body)


def _check_keyed_request(handler: DynamoHandler) -> None:
    """GetItem, UpdateItem, DeleteItem (an UpdateItem's resulting size is checked as it is applied)."""
    _checked_key(handler.body["Key"], _hash_key(handler, handler.body["TableName"]))
    _checked_expressions(handler.body)


def _check_read(handler: DynamoHandler) -> None:
    """Query, Scan."""
    _checked_expressions(handler.body)


def _check_batch_write_item(handler: DynamoHandler) -> None:
    tables = handler.body["RequestItems"]
    if any(len(requests) > MAX_BATCH_WRITE_REQUESTS for requests in tables.values()):
        dump = ", ".join(f"{table}={_java_list(requests, 'WriteRequest')}" for table, requests in tables.items())
        raise MockValidationException(TOO_MANY_TABLE_MEMBERS.format("{" + dump + "}"))
    if sum(len(requests) for requests in tables.values()) > MAX_BATCH_WRITE_REQUESTS:
        raise MockValidationException(TOO_MANY_BATCH_WRITES)
    for table, requests in tables.items():
        for request in requests:
            if "PutRequest" in request:
                _checked_item(request["PutRequest"]["Item"])
            else:
                _checked_key(request["DeleteRequest"]["Key"], _hash_key(handler, table))


def _check_batch_get_item(handler: DynamoHandler) -> None:
    for table, table_request in handler.body["RequestItems"].items():
        for key in table_request["Keys"]:
            _checked_key(key, _hash_key(handler, table))
        _checked_expressions(table_request)


def _check_transact_get_items(handler: DynamoHandler) -> None:
    for action in handler.body["TransactItems"]:
        _checked_key(action["Get"]["Key"], _hash_key(handler, action["Get"]["TableName"]))
        _checked_expressions(action["Get"])


def _check_transact_write_items(handler: DynamoHandler) -> None:
    """At most 100 actions, one per item; each Put's item within 400 KB; all of them within 4 MB, counting
    a Put's item, an Update's key and values, a Delete's or ConditionCheck's key."""
    actions = handler.body["TransactItems"]
    if len(actions) > MAX_TRANSACTION_ACTIONS:
        dump = _java_list(actions, "TransactWriteItem")
        raise MockValidationException(TOO_MANY_MEMBERS.format(dump, "transactItems", MAX_TRANSACTION_ACTIONS))
    targets: set[tuple[str, tuple[str, ...]]] = set()
    for action in actions:
        kind, operation = next(iter(action.items()))
        table = handler.dynamodb_backend.get_table(operation["TableName"])
        source = operation["Item"] if kind == "Put" else operation["Key"]
        key = tuple(str(source.get(name)) for name in (table.hash_key_attr, table.range_key_attr))
        target = (operation["TableName"], key)
        if target in targets:
            raise MultipleTransactionsException()
        targets.add(target)
    total = 0
    for action in actions:
        kind, operation = next(iter(action.items()))
        if kind == "Put":
            total += _checked_item(operation["Item"])
            _checked_expressions(operation)
        else:
            total += _checked_key(operation["Key"], _hash_key(handler, operation["TableName"]))
            values = _checked_expressions(operation)
            if kind == "Update":
                total += values
    if total > MAX_TRANSACTION_BYTES:
        raise MockValidationException(TRANSACTION_TOO_LARGE)


_REQUEST_CHECKS: dict[str, Callable[[DynamoHandler], None]] = {
    "put_item": _check_put_item,
    "get_item": _check_keyed_request,
    "update_item": _check_keyed_request,
    "delete_item": _check_keyed_request,
    "query": _check_read,
    "scan": _check_read,
    "batch_write_item": _check_batch_write_item,
    "batch_get_item": _check_batch_get_item,
    "transact_get_items": _check_transact_get_items,
    "transact_write_items": _check_transact_write_items,
}


def _checked(action: Callable[[DynamoHandler], Any], check: Callable[[DynamoHandler], None]) -> Callable[..., Any]:
    @wraps(action)
    def checked(handler: DynamoHandler) -> Any:
        check(handler)
        return action(handler)

    return checked


# --- the size of an updated item -----------------------------------------------------------------


def item_restorer(backend: DynamoDBBackend, table_name: str, key: Mapping[str, Any]) -> Callable[[], None]:
    """What puts the item at `key` back as it is now (removes it if there is none yet). moto's UpdateItem
    changes the stored item's attributes in place, so putting its attributes back undoes an update."""
    table = backend.get_table(table_name)
    hash_value, range_value = backend.get_keys_value(table, dict(key))
    stored = table.get_item(hash_value, range_value)
    if stored is None:

        def remove() -> None:
            table.delete_item(hash_value, range_value)

        return remove
    attributes = copy.deepcopy(stored).attrs

    def put_back() -> None:
        stored.attrs = attributes

    return put_back


_update_item = DynamoDBBackend.update_item


def _update_within_item_limit(
    self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any
) -> Item:
    """moto's UpdateItem, refusing (and undoing) an update that leaves the item over 400 KB."""
    restore = item_restorer(self, table_name, key)
    item = _update_item(self, table_name, key, *args, **kwargs)
    if item.size() > MAX_ITEM_BYTES:
        restore()
        raise ItemSizeToUpdateTooLarge()
    return item


def apply() -> None:
    """Make moto's DynamoDB refuse what DynamoDB refuses (idempotent)."""
    global _applied  # noqa: PLW0603 - patch once per process
    if _applied:
        return
    DynamoType.size = value_size  # type: ignore[method-assign,assignment]
    Item.size = lambda self: item_size(self.attrs)  # type: ignore[method-assign]
    # moto refuses an item from 405,000 bytes of its own measure on each attribute it sets (and sums the
    # item again each time); the requests are checked above instead.
    LimitedSizeDict.__setitem__ = dict.__setitem__  # type: ignore[method-assign]
    moto.dynamodb.models.table.RESULT_SIZE_LIMIT = MAX_PAGE_BYTES
    moto.dynamodb.responses.TRANSACTION_MAX_ITEMS = MAX_TRANSACTION_ACTIONS  # TransactGetItems only
    for name, check in _REQUEST_CHECKS.items():
        setattr(DynamoHandler, name, _checked(getattr(DynamoHandler, name), check))
    DynamoDBBackend.update_item = _update_within_item_limit  # type: ignore[method-assign]
    _applied = True
