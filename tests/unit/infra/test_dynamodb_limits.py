"""moto refuses what DynamoDB refuses (infra/local/dynamodb_limits.py): for each limit, the call just under
it succeeds and the call just over it fails with DynamoDB's error code and message. Real boto3 calls on an
in-process moto, on a table with the service's key schema (template.yaml)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from infra import template
from infra.local import moto_patches
from infra.local.dynamodb_limits import (
    ITEM_TOO_LARGE,
    MAX_ITEM_BYTES,
    MAX_PAGE_BYTES,
    MAX_TRANSACTION_BYTES,
    NUMBER_OVERFLOW,
    NUMBER_UNDERFLOW,
    TOO_DEEP,
    TOO_MANY_BATCH_WRITES,
    TOO_MANY_DIGITS,
    TRANSACTION_TOO_LARGE,
    item_size,
    value_size,
)

moto_patches.apply()

TABLE = "limits"
OTHER_TABLE = "limits-other"
UPDATE_TOO_LARGE = "Item size to update has exceeded the maximum allowed size"
EMPTY_KEY = (
    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty "
    "string value. Key: PK"
)
Item = dict[str, dict[str, Any]]


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    # Delete the tables afterwards: when the integration tests run in the same process, their session-wide
    # mock_aws is active and this one shares its state, so nothing would be reset between tests.
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        for name in (TABLE, OTHER_TABLE):
            client.create_table(TableName=name, **template.table_definition())
        yield client
        for name in (TABLE, OTHER_TABLE):
            client.delete_table(TableName=name)


def key(pk: str, sk: str = "s") -> Item:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def sized(pk: str, size: int, sk: str = "s") -> Item:
    """An item of exactly `size` bytes: its key and a string attribute `x` to make up the rest."""
    item = {**key(pk, sk), "x": {"S": ""}}
    item["x"]["S"] = "x" * (size - item_size(item))
    assert item_size(item) == size
    return item


def refused(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call()
    error: dict[str, Any] = raised.value.response
    return error


def validation_error(call: Callable[[], Any]) -> str:
    error = refused(call)["Error"]
    assert error["Code"] == "ValidationException"
    message: str = error["Message"]
    return message


def stored(dynamodb: Any, pk: str, sk: str = "s") -> Item | None:
    item: Item | None = dynamodb.get_item(TableName=TABLE, Key=key(pk, sk), ConsistentRead=True).get("Item")
    return item


def set_x(pk: str, value: str) -> dict[str, Any]:
    return {
        "TableName": TABLE,
        "Key": key(pk),
        "UpdateExpression": "SET x = :x",
        "ExpressionAttributeValues": {":x": {"S": value}},
    }


# --- sizes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ({"S": "héllo"}, 6),  # UTF-8 bytes
        ({"B": b"\x00" * 10}, 10),  # raw bytes, not base64
        ({"N": "123456"}, 4),  # 1 + a byte per two significant digits
        ({"N": "12.50"}, 3),  # 12 | 5: each side of the point rounds up on its own
        ({"N": "-42"}, 3),  # a sign costs a byte
        ({"N": "1" + "0" * 50}, 2),  # trailing zeros are not significant
        ({"N": "0.00"}, 1),
        ({"BOOL": False}, 1),
        ({"NULL": True}, 1),
        ({"SS": ["a", "bc"]}, 3),
        ({"NS": ["1", "22"]}, 4),
        ({"BS": [b"ab", b"c"]}, 3),
        ({"L": []}, 3),
        ({"L": [{"S": "a"}, {"N": "1"}]}, 3 + (1 + 1) + (1 + 2)),  # 3, and a byte per element
        ({"M": {"ab": {"S": "c"}}}, 3 + (1 + 2 + 1)),  # element names count too
    ],
)
def test_a_value_is_sized_as_dynamodb_documents_it(value, size):
    assert value_size(value) == size


# --- item size -----------------------------------------------------------------------------------


def put_item(dynamodb: Any, item: Item) -> None:
    dynamodb.put_item(TableName=TABLE, Item=item)


def batch_write_item(dynamodb: Any, item: Item) -> None:
    dynamodb.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": item}}]})


def transact_put(dynamodb: Any, item: Item) -> None:
    dynamodb.transact_write_items(TransactItems=[{"Put": {"TableName": TABLE, "Item": item}}])


@pytest.mark.parametrize("write", [put_item, batch_write_item, transact_put])
def test_an_item_of_400_kb_is_written_and_one_byte_more_is_refused(dynamodb, write):
    write(dynamodb, sized("at", MAX_ITEM_BYTES))
    assert stored(dynamodb, "at") == sized("at", MAX_ITEM_BYTES)

    assert validation_error(lambda: write(dynamodb, sized("over", MAX_ITEM_BYTES + 1))) == ITEM_TOO_LARGE
    assert stored(dynamodb, "over") is None


def test_a_batch_with_one_item_too_large_writes_nothing(dynamodb):
    requests = [{"PutRequest": {"Item": sized("small", 100)}}, {"PutRequest": {"Item": sized("big", 409_601)}}]
    message = validation_error(lambda: dynamodb.batch_write_item(RequestItems={TABLE: requests}))

    assert message == ITEM_TOO_LARGE
    assert stored(dynamodb, "small") is None


def padding_to(size: int, item: Item) -> str:
    """What `SET x = :x` sets for `item` to measure `size` bytes."""
    return "x" * (size - item_size({**item, "x": {"S": ""}}))


@pytest.mark.parametrize("before", [{"a": {"S": "before"}}, None])
def test_update_item_measures_the_item_after_the_update(dynamodb, before):
    for pk in ("at", "up"):
        if before is not None:
            put_item(dynamodb, {**key(pk), **before})
    padding = padding_to(MAX_ITEM_BYTES, {**key("at"), **(before or {})})

    dynamodb.update_item(**set_x("at", padding))
    assert item_size(stored(dynamodb, "at") or {}) == MAX_ITEM_BYTES

    message = validation_error(lambda: dynamodb.update_item(**set_x("up", padding + "x")))
    assert message == UPDATE_TOO_LARGE
    assert stored(dynamodb, "up") == ({**key("up"), **before} if before is not None else None)


def test_an_update_in_a_transaction_that_outgrows_400_kb_cancels_the_transaction(dynamodb):
    put_item(dynamodb, {**key("grown"), "a": {"S": "before"}})
    put_item(dynamodb, {**key("grows"), "a": {"S": "before"}})
    padding = padding_to(MAX_ITEM_BYTES, {**key("grows"), "a": {"S": "before"}})

    def transaction(new: str, padding: str) -> list[dict[str, Any]]:
        return [
            {"Put": {"TableName": TABLE, "Item": sized(new, 100)}},
            {"Update": set_x("grown", "small")},
            {"Update": set_x("grows", padding)},
        ]

    error = refused(lambda: dynamodb.transact_write_items(TransactItems=transaction("refused", padding + "x")))
    assert error["Error"] == {
        "Code": "TransactionCanceledException",
        "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, None, ValidationError]",
    }
    assert error["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "None"},
        {"Code": "ValidationError", "Message": UPDATE_TOO_LARGE},
    ]
    assert stored(dynamodb, "refused") is None
    assert stored(dynamodb, "grown") == {**key("grown"), "a": {"S": "before"}}  # applied, then put back
    assert stored(dynamodb, "grows") == {**key("grows"), "a": {"S": "before"}}

    dynamodb.transact_write_items(TransactItems=transaction("written", padding))
    assert stored(dynamodb, "written") == sized("written", 100)
    assert item_size(stored(dynamodb, "grows") or {}) == MAX_ITEM_BYTES
    assert stored(dynamodb, "grown") == {**key("grown"), "a": {"S": "before"}, "x": {"S": "small"}}


# --- transactions --------------------------------------------------------------------------------


def test_a_transaction_takes_100_actions(dynamodb):
    def puts(count: int) -> list[dict[str, Any]]:
        return [{"Put": {"TableName": TABLE, "Item": key(f"item{n}")}} for n in range(count)]

    dynamodb.transact_write_items(TransactItems=puts(100))
    assert stored(dynamodb, "item99") == key("item99")

    message = validation_error(lambda: dynamodb.transact_write_items(TransactItems=puts(101)))
    members = ", ".join([r"com\.amazonaws\.dynamodb\.v20120810\.TransactWriteItem@[0-9a-f]+"] * 101)
    assert re.fullmatch(
        rf"1 validation error detected: Value '\[{members}\]' at 'transactItems' failed to satisfy constraint: "
        r"Member must have length less than or equal to 100",
        message,
    )


def last_put(size: int) -> dict[str, Any]:
    return {"Put": {"TableName": TABLE, "Item": sized("last", size)}}


def last_update(size: int) -> dict[str, Any]:
    """Counted as its key and its values."""
    return {"Update": set_x("last", "x" * (size - item_size(key("last"))))}


@pytest.mark.parametrize("last_action", [last_put, last_update])
def test_a_transaction_takes_4_mb(dynamodb, last_action):
    full_items = [{"Put": {"TableName": TABLE, "Item": sized(f"full{n}", MAX_ITEM_BYTES)}} for n in range(10)]
    rest = MAX_TRANSACTION_BYTES - 10 * MAX_ITEM_BYTES

    message = validation_error(
        lambda: dynamodb.transact_write_items(TransactItems=[*full_items, last_action(rest + 1)])
    )
    assert message == TRANSACTION_TOO_LARGE
    assert stored(dynamodb, "full0") is None

    dynamodb.transact_write_items(TransactItems=[*full_items, last_action(rest)])
    assert stored(dynamodb, "full9") == sized("full9", MAX_ITEM_BYTES)


def test_a_transaction_acts_once_on_an_item(dynamodb):
    put_item(dynamodb, key("existing"))

    def put_and_check(checked: str) -> Callable[[], Any]:
        check = {"TableName": TABLE, "Key": key(checked), "ConditionExpression": "attribute_exists(PK)"}
        put = {"TableName": TABLE, "Item": {**key("existing"), "a": {"S": "new"}}}
        return lambda: dynamodb.transact_write_items(TransactItems=[{"Put": put}, {"ConditionCheck": check}])

    message = validation_error(put_and_check("existing"))
    assert message == "Transaction request cannot include multiple operations on one item"
    assert stored(dynamodb, "existing") == key("existing")

    put_item(dynamodb, key("other"))
    put_and_check("other")()
    assert stored(dynamodb, "existing") == {**key("existing"), "a": {"S": "new"}}


def test_transact_get_items_takes_100_items(dynamodb):
    def gets(count: int) -> list[dict[str, Any]]:
        return [{"Get": {"TableName": TABLE, "Key": key(f"item{n}")}} for n in range(count)]

    assert len(dynamodb.transact_get_items(TransactItems=gets(100))["Responses"]) == 100

    message = validation_error(lambda: dynamodb.transact_get_items(TransactItems=gets(101)))
    assert message.startswith("1 validation error detected: Value '[com.amazonaws.dynamodb.v20120810.TransactGetItem@")
    assert message.endswith(
        "] at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"
    )


# --- batches -------------------------------------------------------------------------------------


def puts_for(table: str, count: int) -> list[dict[str, Any]]:
    return [{"PutRequest": {"Item": key(f"{table}-{n}")}} for n in range(count)]


def test_a_batch_write_takes_25_requests_for_a_table(dynamodb):
    dynamodb.batch_write_item(RequestItems={TABLE: puts_for(TABLE, 25)})
    assert stored(dynamodb, f"{TABLE}-24") == key(f"{TABLE}-24")

    message = validation_error(lambda: dynamodb.batch_write_item(RequestItems={OTHER_TABLE: puts_for(OTHER_TABLE, 26)}))
    members = ", ".join([r"com\.amazonaws\.dynamodb\.v20120810\.WriteRequest@[0-9a-f]+"] * 26)
    assert re.fullmatch(
        rf"1 validation error detected: Value '\{{{OTHER_TABLE}=\[{members}\]\}}' at 'requestItems' failed to "
        r"satisfy constraint: Map value must satisfy constraint: \[Member must have length less than or equal to "
        r"25, Member must have length greater than or equal to 1\]",
        message,
    )


def test_a_batch_write_takes_25_requests_in_all(dynamodb):
    dynamodb.batch_write_item(RequestItems={TABLE: puts_for(TABLE, 13), OTHER_TABLE: puts_for(OTHER_TABLE, 12)})
    assert stored(dynamodb, f"{TABLE}-12") == key(f"{TABLE}-12")

    message = validation_error(
        lambda: dynamodb.batch_write_item(RequestItems={TABLE: puts_for("a", 13), OTHER_TABLE: puts_for("b", 13)})
    )
    assert message == TOO_MANY_BATCH_WRITES
    assert stored(dynamodb, "a-0") is None


def test_a_batch_get_takes_100_keys(dynamodb):
    def keys(count: int) -> dict[str, Any]:
        return {TABLE: {"Keys": [key(f"item{n}") for n in range(count)]}}

    assert dynamodb.batch_get_item(RequestItems=keys(100))["Responses"] == {TABLE: []}

    assert validation_error(lambda: dynamodb.batch_get_item(RequestItems=keys(101))) == (
        f"1 validation error detected: Value at 'requestItems.{TABLE}.member.keys' failed to satisfy constraint: "
        "Member must have length less than or equal to 100"
    )


def test_a_batch_get_answers_16_mb_and_leaves_the_rest_unprocessed(dynamodb):
    for n in range(40):
        put_item(dynamodb, sized(f"full{n}", MAX_ITEM_BYTES))
    rest = 16 * 1024 * 1024 - 40 * MAX_ITEM_BYTES
    put_item(dynamodb, sized("fits", rest))
    put_item(dynamodb, sized("too-many", rest + 1))

    def get_40_and(last: str) -> dict[str, Any]:
        keys = [key(f"full{n}") for n in range(40)] + [key(last)]
        answer: dict[str, Any] = dynamodb.batch_get_item(RequestItems={TABLE: {"Keys": keys}})
        return answer

    answer = get_40_and("fits")
    assert len(answer["Responses"][TABLE]) == 41
    assert answer["UnprocessedKeys"] == {}

    answer = get_40_and("too-many")
    assert len(answer["Responses"][TABLE]) == 40
    assert answer["UnprocessedKeys"] == {TABLE: {"Keys": [key("too-many")]}}


# --- pages ---------------------------------------------------------------------------------------


def query(dynamodb: Any, prefix: str, **kwargs: Any) -> dict[str, Any]:
    page: dict[str, Any] = dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="PK = :pk",
        FilterExpression="begins_with(x, :prefix)",
        ExpressionAttributeValues={":pk": {"S": "partition"}, ":prefix": {"S": prefix}},
        **kwargs,
    )
    return page


def scan(dynamodb: Any, prefix: str, **kwargs: Any) -> dict[str, Any]:
    page: dict[str, Any] = dynamodb.scan(
        TableName=TABLE,
        FilterExpression="begins_with(x, :prefix)",
        ExpressionAttributeValues={":prefix": {"S": prefix}},
        **kwargs,
    )
    return page


@pytest.mark.parametrize("read", [query, scan])
def test_a_page_ends_at_1_mb_read_before_filters(dynamodb, read):
    """Ten items of 1 MB in all fit a page; one byte more and the tenth starts the next page. (DynamoDB ends a
    page after the item that reaches 1 MB: it would answer ten items and LastEvaluatedKey. The service must
    follow LastEvaluatedKey either way.)"""
    for n in range(9):
        put_item(dynamodb, sized("partition", MAX_PAGE_BYTES // 10, sk=f"{n}"))
    tenth = MAX_PAGE_BYTES - 9 * (MAX_PAGE_BYTES // 10)
    put_item(dynamodb, sized("partition", tenth, sk="9"))

    page = read(dynamodb, "x")
    assert (page["Count"], "LastEvaluatedKey" in page) == (10, False)

    put_item(dynamodb, sized("partition", tenth + 1, sk="9"))
    page = read(dynamodb, "x")
    assert (page["Count"], page["LastEvaluatedKey"]) == (9, key("partition", "8"))
    assert read(dynamodb, "x", ExclusiveStartKey=page["LastEvaluatedKey"])["Count"] == 1

    page = read(dynamodb, "no item's x starts so")
    assert (page["Count"], page["ScannedCount"], page["LastEvaluatedKey"]) == (0, 9, key("partition", "8"))


# --- keys ----------------------------------------------------------------------------------------


def test_a_partition_key_takes_2048_bytes(dynamodb):
    put_item(dynamodb, key("é" * 1024))
    assert stored(dynamodb, "é" * 1024) == key("é" * 1024)

    assert validation_error(lambda: put_item(dynamodb, key("é" * 1024 + "e"))) == (
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"
    )


def test_a_sort_key_takes_1024_bytes(dynamodb):
    put_item(dynamodb, key("p", "é" * 512))
    assert stored(dynamodb, "p", "é" * 512) == key("p", "é" * 512)

    assert validation_error(lambda: put_item(dynamodb, key("p", "é" * 512 + "e"))) == (
        "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of "
        "1024 bytes"
    )


def update_key(dynamodb: Any, pk: str) -> None:
    dynamodb.update_item(**set_x(pk, "x"))


def delete_key(dynamodb: Any, pk: str) -> None:
    dynamodb.delete_item(TableName=TABLE, Key=key(pk))


def batch_delete_key(dynamodb: Any, pk: str) -> None:
    dynamodb.batch_write_item(RequestItems={TABLE: [{"DeleteRequest": {"Key": key(pk)}}]})


def transact_delete_key(dynamodb: Any, pk: str) -> None:
    dynamodb.transact_write_items(TransactItems=[{"Delete": {"TableName": TABLE, "Key": key(pk)}}])


def batch_get_key(dynamodb: Any, pk: str) -> None:
    dynamodb.batch_get_item(RequestItems={TABLE: {"Keys": [key(pk)]}})


BY_KEY: dict[str, Callable[[Any, Item], Any]] = {
    "get": lambda db, k: db.get_item(TableName=TABLE, Key=k),
    "transact-get": lambda db, k: db.transact_get_items(TransactItems=[{"Get": {"TableName": TABLE, "Key": k}}]),
    "batch-get": lambda db, k: db.batch_get_item(RequestItems={TABLE: {"Keys": [k]}}),
    "update": lambda db, k: db.update_item(**{**set_x("p", "x"), "Key": k}),
    "delete": lambda db, k: db.delete_item(TableName=TABLE, Key=k),
    "batch-delete": lambda db, k: db.batch_write_item(RequestItems={TABLE: [{"DeleteRequest": {"Key": k}}]}),
    "transact-delete": lambda db, k: db.transact_write_items(
        TransactItems=[{"Delete": {"TableName": TABLE, "Key": k}}]
    ),
}


@pytest.mark.parametrize("call", BY_KEY.values(), ids=BY_KEY.keys())
def test_a_key_read_or_written_by_its_key_is_sized_too(dynamodb, call):
    """moto sizes the keys of the items it writes only; DynamoDB every key, so that a GetItem of an id too
    long to be a key is a ValidationException, not "no such item"."""
    call(dynamodb, key("é" * 1024, "é" * 512))  # at both limits: fine

    assert validation_error(lambda: call(dynamodb, key("é" * 1024 + "e"))) == (
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"
    )
    assert validation_error(lambda: call(dynamodb, key("p", "é" * 512 + "e"))) == (
        "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of "
        "1024 bytes"
    )


@pytest.mark.parametrize("call", [update_key, delete_key, batch_delete_key, transact_delete_key, batch_get_key])
def test_a_key_value_is_not_empty(dynamodb, call):
    call(dynamodb, "k")  # a one-character key is fine

    assert validation_error(lambda: call(dynamodb, "")) == EMPTY_KEY


# --- values --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fits", "refused_number", "message"),
    [
        ("1" * 38, "1" * 39, TOO_MANY_DIGITS),
        ("0.000" + "1" * 38, "0.000" + "1" * 39, TOO_MANY_DIGITS),
        ("9." + "9" * 37 + "E+125", "1E+126", NUMBER_OVERFLOW),
        ("-9." + "9" * 37 + "E+125", "-1E+126", NUMBER_OVERFLOW),
        ("1E-130", "9.9E-131", NUMBER_UNDERFLOW),
        ("-1E-130", "-9.9E-131", NUMBER_UNDERFLOW),
        ("1e2", "1e", "The parameter cannot be converted to a numeric value: 1e"),
    ],
)
def test_a_number_has_38_significant_digits_within_1e_minus_130_and_1e_plus_126(
    dynamodb, fits, refused_number, message
):
    put_item(dynamodb, {**key("fits"), "n": {"N": fits}})
    assert stored(dynamodb, "fits") is not None

    assert validation_error(lambda: put_item(dynamodb, {**key("refused"), "n": {"N": refused_number}})) == message
    update = {**set_x("refused", ""), "UpdateExpression": "SET n = :n", "ExpressionAttributeValues": {}}
    update["ExpressionAttributeValues"][":n"] = {"N": refused_number}
    assert validation_error(lambda: dynamodb.update_item(**update)) == (
        f"ExpressionAttributeValues contains invalid value: {message} for key :n"
    )


def nested(levels: int) -> dict[str, Any]:
    """A string at `levels` levels: an item's attribute is level 1, each map adds one."""
    value: dict[str, Any] = {"S": "deepest"}
    for _ in range(levels - 1):
        value = {"M": {"a": value}}
    return value


def test_an_attribute_nests_32_levels(dynamodb):
    put_item(dynamodb, {**key("fits"), "n": nested(32)})
    assert stored(dynamodb, "fits") == {**key("fits"), "n": nested(32)}

    assert validation_error(lambda: put_item(dynamodb, {**key("refused"), "n": nested(33)})) == TOO_DEEP
    update = {**set_x("refused", ""), "ExpressionAttributeValues": {":x": nested(33)}}
    assert validation_error(lambda: dynamodb.update_item(**update)) == TOO_DEEP


# --- expressions ---------------------------------------------------------------------------------


def condition(dynamodb: Any, padding: str) -> None:
    dynamodb.put_item(TableName=TABLE, Item=key("p"), ConditionExpression="attribute_not_exists(PK)" + padding)


def update(dynamodb: Any, padding: str) -> None:
    dynamodb.update_item(**{**set_x("p", "x"), "UpdateExpression": "SET x = :x" + padding})


def key_condition(dynamodb: Any, padding: str) -> None:
    dynamodb.query(
        TableName=TABLE, KeyConditionExpression="PK = :p" + padding, ExpressionAttributeValues={":p": {"S": "p"}}
    )


def filter_(dynamodb: Any, padding: str) -> None:
    dynamodb.scan(TableName=TABLE, FilterExpression="attribute_exists(PK)" + padding)


def projection(dynamodb: Any, padding: str) -> None:
    dynamodb.get_item(TableName=TABLE, Key=key("p"), ProjectionExpression="PK" + padding)


@pytest.mark.parametrize(
    ("call", "expression", "length"),
    [
        (condition, "ConditionExpression", len("attribute_not_exists(PK)")),
        (update, "UpdateExpression", len("SET x = :x")),
        (key_condition, "KeyConditionExpression", len("PK = :p")),
        (filter_, "FilterExpression", len("attribute_exists(PK)")),
        (projection, "ProjectionExpression", len("PK")),
    ],
)
def test_an_expression_takes_4_kb(dynamodb, call, expression, length):
    call(dynamodb, " " * (4096 - length))

    assert validation_error(lambda: call(dynamodb, " " * (4097 - length))) == (
        f"Invalid {expression}: Expression size has exceeded the maximum allowed size; expression size: 4097"
    )
