"""The API's deployment package in the stage's artifacts bucket, named after its content."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

from botocore.exceptions import ClientError
from chalicelib.dynamo import error_code

from deploy.datastack import ARTIFACT_PREFIX

SAM_FUNCTION = "AWS::Serverless::Function"
# What S3 answers to a HEAD of a key it does not hold.
_MISSING = ("404", "NoSuchKey", "NotFound")
# The most keys one DeleteObjects takes.
_DELETE_BATCH = 1000


def package_key(zip_path: Path) -> str:
    """Return the key a package is stored under: its SHA-256, so the same package has the same key."""
    digest = hashlib.sha256()
    with zip_path.open("rb") as package:
        for block in iter(lambda: package.read(1 << 20), b""):
            digest.update(block)
    return f"{ARTIFACT_PREFIX}{digest.hexdigest()}.zip"


def upload_package(s3_client, bucket: str, zip_path: Path) -> tuple[str, bool]:
    """Put the package in the bucket unless it is there already; return its key and whether it went up."""
    key = package_key(zip_path)
    try:
        s3_client.head_object(Bucket=bucket, Key=key)
        return key, False
    except ClientError as error:
        if error_code(error) not in _MISSING:
            raise
    # upload_file sends a large package in parts, several at once.
    s3_client.upload_file(str(zip_path), bucket, key)
    return key, True


def remove_other_packages(s3_client, bucket: str, keep: str) -> list[str]:
    """Delete every package but `keep`, the one the API's stack now runs; return the deleted keys.

    Called once the stack's update is through: a later update that fails rolls back to `keep`,
    and nothing ever goes back further than that."""
    pages = s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=ARTIFACT_PREFIX)
    others = [item["Key"] for page in pages for item in page.get("Contents", []) if item["Key"] != keep]
    for start in range(0, len(others), _DELETE_BATCH):
        batch = [{"Key": key} for key in others[start : start + _DELETE_BATCH]]
        s3_client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    return others


def with_code_in_bucket(template: dict, bucket: str, key: str) -> dict:
    """Return a copy of the API's SAM template whose functions take their code from bucket/key."""
    placed = copy.deepcopy(template)
    functions = [item for item in placed.get("Resources", {}).values() if item.get("Type") == SAM_FUNCTION]
    if not functions:
        raise ValueError(f"接口栈的模板里没有 {SAM_FUNCTION}：没有地方放部署包")
    for function in functions:
        function.setdefault("Properties", {})["CodeUri"] = {"Bucket": bucket, "Key": key}
    return placed
