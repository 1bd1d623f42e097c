"""What DynamoDB's errors mean (temporary, too large, refused) and item sizes as DynamoDB counts them,
with real errors from the embedded server wherever it can make them."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from chalicelib.dynamo import (
    MAX_ITEM_BYTES,
    StoreRefused,
    StoreUnavailable,
    classified_errors,
    is_cancelled_by_condition,
    item_size,
)
from conftest import STAFF_REGISTRATION, bearer, chalice_client, free_port, post_submission
from test_faults import faulty_dynamodb

# 110,000 characters outside the Basic Multilingual Plane: 440,000 bytes in UTF-8.
FOUR_BYTE_TEXT = "𠀀" * 110_000


@pytest.mark.parametrize(
    ("item", "size"),
    [
        ({"pk": "ab"}, 2 + 2),
        ({"pk": "𠀀"}, 2 + 4),
        ({"名字": "高明"}, 6 + 6),
        ({"n": Decimal("12345")}, 1 + 4),
        ({"n": Decimal("-1.5")}, 1 + 3),
        ({"n": 0}, 1 + 2),
        ({"ok": True, "none": None}, 2 + 1 + 4 + 1),
        ({"b": b"\x00\x01\x02"}, 1 + 3),
        ({"list": ["a", "𠀀"]}, 4 + 3 + (1 + 1) + (1 + 4)),
        ({"map": {"k": "v", "x": {}}}, 3 + 3 + (1 + 1 + 1) + (1 + 1 + 3)),
        ({"set": {"ab", "c"}}, 3 + 3),
    ],
)
def test_item_size_counts_names_and_values_in_utf8_bytes(item, size):
    assert item_size(item) == size


def raised_by(call) -> ClientError:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value


def classified(error: Exception) -> Exception:
    with pytest.raises((StoreUnavailable, StoreRefused)) as raised, classified_errors():
        raise error
    return raised.value


def _write_whole(table, item):
    table.put_item(Item=item)


def _update_note(table, item):
    table.update_item(
        Key={"pk": item["pk"]}, UpdateExpression="SET note = :n", ExpressionAttributeValues={":n": item["note"]}
    )


def _put_in_transaction(table, item):
    table.meta.client.transact_write_items(TransactItems=[{"Put": {"TableName": table.name, "Item": item}}])


@pytest.mark.needs("item sizes in UTF-8 bytes")
@pytest.mark.parametrize(
    "write",
    [_write_whole, _update_note, pytest.param(_put_in_transaction, marks=pytest.mark.needs("transactions"))],
)
def test_an_item_over_400_kb_in_utf8_is_refused_for_good_not_retried(submissions_table, write):
    item = {"pk": f"sub#{uuid.uuid4()}", "note": FOUR_BYTE_TEXT}
    # Far under 400 K characters, far over 400 KB.
    assert len(FOUR_BYTE_TEXT) < MAX_ITEM_BYTES < item_size(item)
    error = classified(raised_by(lambda: write(submissions_table, item)))
    assert isinstance(error, StoreRefused) and error.too_large


def test_an_invalid_request_and_a_missing_table_are_refused_not_retried(submissions_table, dynamodb_client):
    invalid = classified(raised_by(lambda: submissions_table.put_item(Item={"pk": ""})))
    missing = classified(raised_by(lambda: dynamodb_client.get_item(TableName="no-such-table", Key={"pk": {"S": "x"}})))
    for error in (invalid, missing):
        assert isinstance(error, StoreRefused) and not error.too_large


@pytest.mark.needs("transactions")
def test_a_failed_condition_in_a_transaction_is_named_by_position(submissions_table):
    submissions_table.put_item(Item={"pk": "sub#taken"})
    new = "attribute_not_exists(pk)"
    puts = [
        {"Put": {"TableName": submissions_table.name, "Item": {"pk": pk}, "ConditionExpression": new}}
        for pk in ("sub#free", "sub#taken")
    ]
    error = raised_by(lambda: submissions_table.meta.client.transact_write_items(TransactItems=puts))
    assert not is_cancelled_by_condition(error, 0) and is_cancelled_by_condition(error, 1)
    assert isinstance(classified(error), StoreRefused)


def test_a_lost_connection_is_temporary(aws_test_env):
    client = boto3.client(
        "dynamodb", endpoint_url=f"http://127.0.0.1:{free_port()}", config=Config(retries={"max_attempts": 1})
    )
    with pytest.raises(StoreUnavailable), classified_errors():
        client.list_tables()


def dynamodb_error(code: str, status: int, message: str = "", reasons: list[dict] | None = None) -> ClientError:
    """A DynamoDB error as botocore reads it from the wire, for what the embedded server never answers."""
    response: dict = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    if reasons is not None:
        response["CancellationReasons"] = reasons
    return ClientError(response, "TransactWriteItems")


CANCELLED = "TransactionCanceledException"
TOO_LARGE = {"Code": "ValidationError", "Message": "Item size has exceeded the maximum allowed size"}


@pytest.mark.parametrize(
    ("error", "temporary", "too_large"),
    [
        (dynamodb_error("ProvisionedThroughputExceededException", 400), True, False),
        (dynamodb_error("ThrottlingException", 400), True, False),
        (dynamodb_error("RequestLimitExceeded", 400), True, False),
        (dynamodb_error("InternalServerError", 500), True, False),
        (dynamodb_error("ServiceUnavailable", 503), True, False),
        (dynamodb_error("TransactionConflictException", 400), True, False),
        (dynamodb_error("TransactionInProgressException", 400), True, False),
        (dynamodb_error("SomethingNewAndBroken", 502), True, False),
        (dynamodb_error("SomethingNewAndWrong", 400), False, False),
        (dynamodb_error("AccessDeniedException", 400), False, False),
        (dynamodb_error(CANCELLED, 400, reasons=[{"Code": "None"}, {"Code": "TransactionConflict"}]), True, False),
        (dynamodb_error(CANCELLED, 400, reasons=[{"Code": "ThrottlingError"}, {"Code": "None"}]), True, False),
        (dynamodb_error(CANCELLED, 400, reasons=[{"Code": "ProvisionedThroughputExceeded"}]), True, False),
        (dynamodb_error(CANCELLED, 400, reasons=[{"Code": "ConditionalCheckFailed"}]), False, False),
        (dynamodb_error(CANCELLED, 400, reasons=[{"Code": "None"}, TOO_LARGE]), False, True),
        (
            dynamodb_error(CANCELLED, 400, reasons=[{"Code": "TransactionConflict"}, {"Code": "ValidationError"}]),
            False,
            False,
        ),
    ],
)
def test_errors_the_server_never_makes_are_classified_too(error, temporary, too_large):
    result = classified(error)
    assert isinstance(result, StoreUnavailable) == temporary
    assert getattr(result, "too_large", False) == too_large


# ---- The answers: 503 only for what a retry can clear ----


@pytest.mark.needs("transactions")
def test_a_member_record_too_large_to_change_answers_413_in_chinese(api, admin_token, submissions_table):
    member = post_submission(api, "/forms/registration", STAFF_REGISTRATION)["id"]
    key = {"pk": f"sub#{member}"}
    # A record grown to just under the embedded server's limit (405,000 bytes; DynamoDB's is
    # 409,600), as an older version let follow-ups grow: a transfer note takes it over.
    base = item_size({**submissions_table.get_item(Key=key)["Item"], "liaison": {"note": ""}})
    padding = "x" * (404_700 - base)
    submissions_table.update_item(
        Key=key, UpdateExpression="SET liaison = :l", ExpressionAttributeValues={":l": {"note": padding}}
    )
    body = json.dumps({"state": "in_progress", "note": "𠀀" * 200}).encode()
    response = api.put(f"/staff/members/{member}/transfer", headers=bearer(admin_token.token), body=body)
    assert response.status_code == 413, response.body
    assert "太大" in response.json_body["message"]
    assert "transfer" not in submissions_table.get_item(Key=key)["Item"]


def test_a_missing_table_answers_a_logged_500_not_503(chalice_app, api_environment, tmp_path, caplog):
    environment = {**api_environment, "SUBMISSIONS_TABLE": f"test-{uuid.uuid4().hex[:12]}-missing"}
    # The app's logger does not propagate (Chalice writes it to stdout, as Lambda wants).
    chalice_app.log.addHandler(caplog.handler)
    try:
        with chalice_client(chalice_app, environment, tmp_path) as broken:
            body = json.dumps({**STAFF_REGISTRATION, "id": str(uuid.uuid4()), "homepage": ""}).encode()
            response = broken.post("/forms/registration", headers={"Content-Type": "application/json"}, body=body)
    finally:
        chalice_app.log.removeHandler(caplog.handler)
    assert response.status_code == 500
    assert "错误已记录" in response.json_body["message"]
    assert "ResourceNotFoundException" in caplog.text


def test_throttling_that_does_not_clear_answers_503_with_retry_after(
    chalice_app, api_environment, dynamodb_endpoint, tmp_path
):
    with faulty_dynamodb(dynamodb_endpoint, seed=1, fail_rate=1.0) as proxy:
        environment = {**api_environment, "DYNAMODB_ENDPOINT_URL": proxy.url}
        with chalice_client(chalice_app, environment, tmp_path) as throttled:
            body = json.dumps({**STAFF_REGISTRATION, "id": str(uuid.uuid4()), "homepage": ""}).encode()
            response = throttled.post("/forms/registration", headers={"Content-Type": "application/json"}, body=body)
    assert response.status_code == 503
    assert response.headers["Retry-After"]
