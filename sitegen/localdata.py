"""Keep `build.py serve`'s local data in a folder between runs: every item of its tables, every
file in its exports bucket and the local admin's staff token.

The embedded server (moto) keeps everything in memory and has no way to save it, so what it
holds is read out through the DynamoDB and S3 APIs when `serve` stops and written back when it
starts, as a backup and a restore would. The folder holds:

    tables/<table>.json     the table's items, as DynamoDB's JSON (every type kept exactly)
    exports/<key>           each object of the exports bucket, and exports.json its headers
    staff-token             the local admin's token
"""

from __future__ import annotations

import json
import os
from pathlib import Path

TABLES = "tables"
EXPORTS = "exports"
EXPORT_HEADERS = "exports.json"
STAFF_TOKEN = "staff-token"
# DynamoDB takes at most this many items in one BatchWriteItem.
BATCH = 25


def save_tables(folder: Path, dynamodb_client, table_names: list[str]) -> None:
    """Write every item of each table into folder/tables/."""
    (folder / TABLES).mkdir(parents=True, exist_ok=True)
    for name in table_names:
        items = []
        for page in dynamodb_client.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
            items += page["Items"]
        _write(folder / TABLES / f"{name}.json", json.dumps(items, ensure_ascii=False).encode())


def load_tables(folder: Path, dynamodb_client, table_names: list[str]) -> int:
    """Put back every item saved in folder/tables/ into its (empty) table; return how many."""
    count = 0
    for name in table_names:
        saved = folder / TABLES / f"{name}.json"
        if not saved.is_file():
            continue
        items = json.loads(saved.read_text(encoding="utf-8"))
        for start in range(0, len(items), BATCH):
            requests = {name: [{"PutRequest": {"Item": item}} for item in items[start : start + BATCH]]}
            while requests:
                requests = dynamodb_client.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
        count += len(items)
    return count


def save_exports(folder: Path, s3_client, bucket: str) -> None:
    """Write every object of the bucket into folder/exports/, with its headers; drop files of
    objects the bucket no longer has."""
    kept = folder / EXPORTS
    headers = {}
    for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for listed in page.get("Contents", []):
            key = listed["Key"]
            answer = s3_client.get_object(Bucket=bucket, Key=key)
            _write(kept / key, answer["Body"].read())
            headers[key] = {
                name: answer[name] for name in ("ContentType", "ContentDisposition", "Metadata") if answer.get(name)
            }
    if kept.is_dir():
        for path in kept.rglob("*"):
            if path.is_file() and path.relative_to(kept).as_posix() not in headers:
                path.unlink()
    _write(folder / EXPORT_HEADERS, json.dumps(headers, ensure_ascii=False).encode())


def load_exports(folder: Path, s3_client, bucket: str) -> int:
    """Put back every object saved in folder/exports/ into the bucket; return how many."""
    saved = folder / EXPORT_HEADERS
    if not saved.is_file():
        return 0
    headers = json.loads(saved.read_text(encoding="utf-8"))
    for key, extra in headers.items():
        s3_client.put_object(Bucket=bucket, Key=key, Body=(folder / EXPORTS / key).read_bytes(), **extra)
    return len(headers)


def saved_staff_token(folder: Path) -> str | None:
    """The staff token kept in the folder, if any."""
    path = folder / STAFF_TOKEN
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8").strip() or None


def keep_staff_token(folder: Path, token: str) -> None:
    """Keep the staff token in the folder, readable by its owner only."""
    path = folder / STAFF_TOKEN
    folder.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(token + "\n", encoding="utf-8")


def _write(path: Path, data: bytes) -> None:
    # Written then renamed: `serve` stopped half-way through saving leaves the last whole copy.
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(data)
    os.replace(partial, path)
