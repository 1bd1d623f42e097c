"""DynamoDB table specs, and creating a stage's tables (and its exports bucket) idempotently."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.config import read_region
from chalicelib.downloads import create_bucket
from chalicelib.dynamo import BY_DAY_INDEX, BY_PERSON_INDEX, PERSON_KEY_ATTRIBUTE, error_code

CHALICE_CONFIG = Path(__file__).resolve().parents[1] / ".chalice" / "config.json"
TTL_ATTRIBUTE = "expires_at"
# Logical table name -> the environment variable that names it in a stage.
TABLE_ENV_VARS = {"submissions": "SUBMISSIONS_TABLE"}
TABLE_SPECS: dict[str, dict] = {
    "submissions": {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "day_key", "AttributeType": "S"},
            {"AttributeName": "day_sk", "AttributeType": "S"},
            {"AttributeName": PERSON_KEY_ATTRIBUTE, "AttributeType": "S"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": BY_DAY_INDEX,
                "KeySchema": [
                    {"AttributeName": "day_key", "KeyType": "HASH"},
                    {"AttributeName": "day_sk", "KeyType": "RANGE"},
                ],
                # Staff exports read whole submissions from the index: keys alone are not enough.
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                # Everything stored about one person, found by a keyed hash of their mobile
                # number (never the number itself). Sparse: only items with a number are in it.
                "IndexName": BY_PERSON_INDEX,
                "KeySchema": [
                    {"AttributeName": PERSON_KEY_ATTRIBUTE, "KeyType": "HASH"},
                    {"AttributeName": "day_sk", "KeyType": "RANGE"},
                ],
                # A person has a handful of items: their keys, then a GetItem each, are enough.
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
        "BillingMode": "PAY_PER_REQUEST",
    },
}


def create_tables(dynamodb_client, names: Mapping[str, str]) -> list[str]:
    """Create the tables named {logical name: table name} that do not exist; return those created."""
    created = []
    for logical_name, table_name in names.items():
        try:
            dynamodb_client.create_table(TableName=table_name, **TABLE_SPECS[logical_name])
            created.append(table_name)
        except ClientError as error:
            if error_code(error) != "ResourceInUseException":
                raise
        dynamodb_client.get_waiter("table_exists").wait(
            TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
        )
        _add_missing_indexes(dynamodb_client, table_name, TABLE_SPECS[logical_name])
        _protect(dynamodb_client, table_name)
    return created


def _add_missing_indexes(dynamodb_client, table_name: str, spec: dict) -> None:
    # A table made before an index was added to its spec gets the index now. DynamoDB
    # builds one new index per UpdateTable call, so they are added one by one.
    for index in spec.get("GlobalSecondaryIndexes", []):
        description = dynamodb_client.describe_table(TableName=table_name)["Table"]
        existing = {gsi["IndexName"] for gsi in description.get("GlobalSecondaryIndexes", [])}
        if index["IndexName"] in existing:
            continue
        key_names = {key["AttributeName"] for key in index["KeySchema"]}
        dynamodb_client.update_table(
            TableName=table_name,
            AttributeDefinitions=[a for a in spec["AttributeDefinitions"] if a["AttributeName"] in key_names],
            GlobalSecondaryIndexUpdates=[{"Create": index}],
        )
        _wait_for_indexes(dynamodb_client, table_name)


def _wait_for_indexes(dynamodb_client, table_name: str, attempts: int = 600) -> None:
    for _ in range(attempts):
        description = dynamodb_client.describe_table(TableName=table_name)["Table"]
        statuses = [gsi.get("IndexStatus", "ACTIVE") for gsi in description.get("GlobalSecondaryIndexes", [])]
        if all(status == "ACTIVE" for status in statuses):
            return
        time.sleep(1)
    raise RuntimeError(f"{table_name}: an index is still being built; run the command again later")


def _protect(dynamodb_client, table_name: str) -> None:
    # TTL deletes items when a form's promised retention is over; point-in-time
    # recovery keeps an accepted submission safe from a mistaken delete.
    try:
        ttl = dynamodb_client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            dynamodb_client.update_time_to_live(
                TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
            )
        dynamodb_client.update_continuous_backups(
            TableName=table_name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    except ClientError as error:
        # A local server that implements neither (dynalite) says so; its tables do without.
        # DynamoDB itself never answers this.
        if error.response["Error"]["Code"] != "UnknownOperationException":
            raise


def stage_variables(stage: str, config_path: Path = CHALICE_CONFIG) -> dict[str, str]:
    """Return the environment variables a stage sets, from .chalice/config.json."""
    config = json.loads(config_path.read_text(encoding="utf-8"))
    if stage not in config.get("stages", {}):
        raise ValueError(f"{config_path}: no stage {stage!r}")
    return {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}


def stage_table_names(stage: str, config_path: Path = CHALICE_CONFIG) -> dict[str, str]:
    """Return {logical name: table name} for a stage, from .chalice/config.json."""
    variables = stage_variables(stage, config_path)
    missing = [env for env in TABLE_ENV_VARS.values() if env not in variables]
    if missing:
        raise ValueError(f"{config_path}: stage {stage!r} does not set {', '.join(missing)}")
    return {logical: variables[env] for logical, env in TABLE_ENV_VARS.items()}


def create_stage_tables(stage: str, endpoint_url: str | None = None) -> list[str]:
    """Create a stage's tables (on a local server when endpoint_url is given); return those created."""
    client = boto3.client("dynamodb", region_name=read_region(), endpoint_url=endpoint_url)
    return create_tables(client, stage_table_names(stage))


def create_stage_bucket(stage: str, endpoint_url: str | None = None) -> tuple[str, bool]:
    """Create a stage's exports bucket (on a local server when endpoint_url is given); return (name, made)."""
    bucket = stage_variables(stage).get("EXPORTS_BUCKET")
    if not bucket:
        raise ValueError(f"{CHALICE_CONFIG}: stage {stage!r} does not set EXPORTS_BUCKET")
    # A local server has no per-bucket host names.
    style = Config(s3={"addressing_style": "path"}) if endpoint_url else None
    client = boto3.client("s3", region_name=read_region(), endpoint_url=endpoint_url, config=style)
    return bucket, create_bucket(client, bucket, read_region())
