"""The local stack's fixes to moto hold: what they promise is observable through boto3."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import Item

from infra import template
from infra.local import moto_patches

moto_patches.apply()

TABLE = "patched"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        client.create_table(TableName=TABLE, **template.table_definition())
        yield client
        client.delete_table(TableName=TABLE)


def test_reads_keep_no_copy_of_the_items_they_return(dynamodb: Any) -> None:
    """moto's Query, Scan and UpdateItem deep-copy items; unpatched, every copy stayed in a class-level
    list for good, and a long-running local stack grew by the size of everything it ever returned."""
    for n in range(50):
        dynamodb.put_item(TableName=TABLE, Item={"PK": {"S": "P"}, "SK": {"S": f"{n:03}"}, "n": {"N": str(n)}})
    for _ in range(5):
        assert len(dynamodb.scan(TableName=TABLE)["Items"]) == 50
        query = dynamodb.query(
            TableName=TABLE, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "P"}}
        )
        assert query["Count"] == 50
        dynamodb.update_item(
            TableName=TABLE,
            Key={"PK": {"S": "P"}, "SK": {"S": "000"}},
            UpdateExpression="ADD n :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
    assert Item.instances_tracked == []  # type: ignore[attr-defined]
    assert dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "P"}, "SK": {"S": "000"}})["Item"]["n"] == {"N": "5"}
