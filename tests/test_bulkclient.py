"""The client for reads of many items gives what boto3's Table gives, and fails as botocore fails."""

from __future__ import annotations

from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary
from botocore.exceptions import ClientError
from chalicelib.bulkclient import bulk_client_like, from_wire, to_wire

ITEM = {
    "pk": "sub#every-kind",
    "text": "泗县驿站 \u2028 “引号” \\ /",
    "whole": Decimal(8),
    "fraction": Decimal("-0.125"),
    "yes": True,
    "nothing": None,
    "raw": Binary(b"\x00\xffsanwei"),
    "names": {"王明", "李芳"},
    "counts": {Decimal(1), Decimal(2)},
    "nested": {"data": {"mobile": "13800138000", "tags": ["a", Decimal(3), {"deep": False}]}, "empty": {}},
    "list": [],
}


@pytest.fixture
def bulk(submissions_table):
    return bulk_client_like(submissions_table.meta.client)


def test_a_query_gives_the_items_the_table_resource_gives(submissions_table, bulk):
    submissions_table.put_item(Item=ITEM)
    wanted = submissions_table.query(KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": ITEM["pk"]})
    page = bulk.query(
        TableName=submissions_table.name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues=to_wire({":pk": ITEM["pk"]}),
    )
    assert [from_wire(item) for item in page["Items"]] == wanted["Items"] == [ITEM]
    assert page["Count"] == 1
    assert page["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_a_scan_goes_on_from_the_key_it_was_given(submissions_table, bulk):
    with submissions_table.batch_writer() as batch:
        for number in range(5):
            batch.put_item(Item={"pk": f"sub#{number}", "n": number})
    seen, params = [], {"TableName": submissions_table.name, "Limit": 2}
    while True:
        page = bulk.scan(**params)
        seen += [from_wire(item)["n"] for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert sorted(seen) == list(range(5))


def test_an_error_is_the_same_client_error(bulk):
    with pytest.raises(ClientError) as raised:
        bulk.query(
            TableName="no-such-table",
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_wire({":pk": "x"}),
        )
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_other_answers_are_parsed_as_usual(submissions_table, bulk):
    submissions_table.put_item(Item=ITEM)
    got = bulk.get_item(TableName=submissions_table.name, Key=to_wire({"pk": ITEM["pk"]}))
    # botocore's own parsing: binary values come back as bytes, not base64 text.
    assert got["Item"]["raw"] == {"B": b"\x00\xffsanwei"}
