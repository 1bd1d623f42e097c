"""Settings from the stage's environment variables, and the lazily built store."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from chalicelib.contentids import ContentIds, content_ids_path, read_content_ids
from chalicelib.personkeys import PersonKeys
from chalicelib.store import SubmissionStore

if TYPE_CHECKING:
    from chalicelib.activities import ActivityStore
    from chalicelib.activityrecords import ActivityRecords

    # The staff side's modules are imported where its parts are built (_build_staff,
    # _build_downloads): a member's form never loads them, so its cold start stays short.
    from chalicelib.audit import AuditLog
    from chalicelib.dayindex import DayIndex
    from chalicelib.downloads import Downloads
    from chalicelib.exportjobs import ExportJobs
    from chalicelib.jobqueue import JobQueue
    from chalicelib.people import People
    from chalicelib.records import StaffRecords
    from chalicelib.service import ServiceRecords
    from chalicelib.tokens import TokenStore
    from chalicelib.updates import RecordUpdates

DEFAULT_WRITE_SHARDS = 8
# Short timeouts and few retries: the page retries on 503, and the Lambda must answer
# well within API Gateway's 29 seconds.
_BOTO_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
# Exports upload files of many megabytes; a local endpoint has no virtual-host bucket names.
_S3_CONFIG = Config(
    connect_timeout=2, read_timeout=30, retries={"mode": "standard", "max_attempts": 3}, signature_version="s3v4"
)
_store_lock = threading.Lock()


@dataclass(frozen=True)
class Settings:
    """The stage's settings, read from its environment variables."""

    table_name: str
    region: str | None
    endpoint_url: str | None
    write_shards: int
    site_url: str


def read_settings() -> Settings:
    """Return the settings from the environment (set per stage in .chalice/config.json)."""
    site_url = os.environ["SITE_URL"]
    return Settings(
        table_name=os.environ["SUBMISSIONS_TABLE"],
        region=read_region(),
        # Only for a local DynamoDB-compatible server; never set in a deployed stage.
        endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None,
        write_shards=int(os.environ.get("WRITE_SHARDS", DEFAULT_WRITE_SHARDS)),
        site_url=site_url if site_url.endswith("/") else site_url + "/",
    )


def read_region() -> str | None:
    """Return the AWS region from the environment, as Lambda and the AWS CLI set it."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


def read_site_origin() -> str:
    """Return the one origin the site is served from, the only one CORS allows."""
    try:
        return os.environ["SITE_ORIGIN"]
    except KeyError:
        raise RuntimeError(
            "SITE_ORIGIN is not set: run the app through chalice with a stage "
            "(its .chalice/config.json sets it), or set it in the environment"
        ) from None


@dataclass(frozen=True)
class StaffSide:
    """Everything the staff routes use, each part handed the same table."""

    tokens: TokenStore
    audit: AuditLog
    records: StaffRecords
    updates: RecordUpdates
    people: People
    day_index: DayIndex
    export_jobs: ExportJobs
    write_shards: int
    service: ServiceRecords
    activities: ActivityRecords


def read_exports_bucket() -> str:
    """Return the name of the S3 bucket export files go to (set per stage)."""
    try:
        return os.environ["EXPORTS_BUCKET"]
    except KeyError:
        raise RuntimeError("EXPORTS_BUCKET is not set: name the exports bucket in the stage's config") from None


def read_exports_queue_url() -> str:
    """Return the URL of the SQS queue that hands export jobs to the worker (set per stage)."""
    try:
        return os.environ["EXPORTS_QUEUE_URL"]
    except KeyError:
        raise RuntimeError("EXPORTS_QUEUE_URL is not set: name the exports queue in the stage's config") from None


def read_export_request_seconds() -> float | None:
    """Return the most time a request spends on an export before the worker takes it on, if the
    stage sets one (0: every export goes to the worker; unset: as long as the request has)."""
    seconds = os.environ.get("EXPORT_REQUEST_SECONDS")
    return float(seconds) if seconds else None


def get_content_ids() -> ContentIds:
    """Return the ids of the content the site was built from, read once per file."""
    return _read_content_ids(content_ids_path())


def forget_content_ids() -> None:
    """Read the content ids again on next use: `build.py serve` rebuilt the site and wrote new ones."""
    _read_content_ids.cache_clear()


def get_store() -> SubmissionStore:
    """Return the store for the current settings, built once and then reused."""
    settings = read_settings()
    # chalice local serves requests on threads; boto3 sessions must not be built concurrently.
    with _store_lock:
        return _build_store(settings.table_name, settings.region, settings.endpoint_url, settings.write_shards)


def get_activities() -> ActivityStore:
    """Return the activities' sign-ups and attendance for the current settings, built once and then reused."""
    settings = read_settings()
    with _store_lock:
        return _build_activities(settings.table_name, settings.region, settings.endpoint_url, settings.write_shards)


def get_staff() -> StaffSide:
    """Return the staff side's parts for the current settings, built once and then reused."""
    settings = read_settings()
    with _store_lock:
        return _build_staff(settings.table_name, settings.region, settings.endpoint_url, settings.write_shards)


def get_downloads() -> Downloads:
    """Return the export files' S3 bucket for the current settings, built once and then reused."""
    bucket = read_exports_bucket()
    # Only for a local S3-compatible server (moto); never set in a deployed stage.
    endpoint_url = os.environ.get("S3_ENDPOINT_URL") or None
    with _store_lock:
        return _build_downloads(bucket, read_region(), endpoint_url)


def get_export_queue() -> JobQueue:
    """Return the queue of export jobs for the current settings, built once and then reused."""
    url = read_exports_queue_url()
    # Only for a local SQS-compatible server (moto); never set in a deployed stage.
    endpoint_url = os.environ.get("SQS_ENDPOINT_URL") or None
    with _store_lock:
        return _build_export_queue(url, read_region(), endpoint_url)


@lru_cache(maxsize=4)
def _read_content_ids(path: Path) -> ContentIds:
    return read_content_ids(path)


@lru_cache(maxsize=4)
def _dynamodb(region: str | None, endpoint_url: str | None):
    # One session and client for every table: loading botocore's models costs far more than a call.
    session = boto3.session.Session(region_name=region)
    return session.resource("dynamodb", endpoint_url=endpoint_url, config=_BOTO_CONFIG)


@lru_cache(maxsize=4)
def _table(table_name: str, region: str | None, endpoint_url: str | None):
    return _dynamodb(region, endpoint_url).Table(table_name)


@lru_cache(maxsize=4)
def _person_keys(table_name: str, region: str | None, endpoint_url: str | None) -> PersonKeys:
    return PersonKeys(_table(table_name, region, endpoint_url))


@lru_cache(maxsize=4)
def _build_store(table_name: str, region: str | None, endpoint_url: str | None, write_shards: int) -> SubmissionStore:
    return SubmissionStore(
        _table(table_name, region, endpoint_url),
        write_shards=write_shards,
        person_keys=_person_keys(table_name, region, endpoint_url),
    )


@lru_cache(maxsize=4)
def _build_activities(
    table_name: str, region: str | None, endpoint_url: str | None, write_shards: int
) -> ActivityStore:
    # Imported on the first sign-up or attendance: the other forms never use it.
    from chalicelib.activities import ActivityStore

    store = _build_store(table_name, region, endpoint_url, write_shards)
    return ActivityStore(_table(table_name, region, endpoint_url), store)


@lru_cache(maxsize=4)
def _build_staff(table_name: str, region: str | None, endpoint_url: str | None, write_shards: int) -> StaffSide:
    # Imported on the first staff request, not with the app: members' routes never use them.
    from chalicelib.activityrecords import ActivityRecords
    from chalicelib.audit import AuditLog
    from chalicelib.dayindex import DayIndex
    from chalicelib.exportjobs import ExportJobs
    from chalicelib.people import People
    from chalicelib.records import StaffRecords
    from chalicelib.service import ServiceRecords
    from chalicelib.tokens import TokenStore
    from chalicelib.updates import RecordUpdates

    table = _table(table_name, region, endpoint_url)
    day_index = DayIndex(table)
    audit = AuditLog(table, day_index=day_index)
    records = StaffRecords(table, write_shards, day_index)
    return StaffSide(
        tokens=TokenStore(table),
        audit=audit,
        records=records,
        updates=RecordUpdates(table, records, audit),
        people=People(table, _person_keys(table_name, region, endpoint_url)),
        day_index=day_index,
        export_jobs=ExportJobs(table),
        write_shards=write_shards,
        service=ServiceRecords(table, records, audit),
        activities=ActivityRecords(
            table,
            _build_store(table_name, region, endpoint_url, write_shards),
            _build_activities(table_name, region, endpoint_url, write_shards),
            records,
            day_index,
            audit,
        ),
    )


@lru_cache(maxsize=4)
def _build_downloads(bucket: str, region: str | None, endpoint_url: str | None) -> Downloads:
    # Imported on the first export, not with the app: only staff exports write to S3.
    from chalicelib.downloads import Downloads

    session = boto3.session.Session(region_name=region)
    s3_config = _S3_CONFIG
    if endpoint_url:
        s3_config = s3_config.merge(Config(s3={"addressing_style": "path"}))
    return Downloads(session.client("s3", endpoint_url=endpoint_url, config=s3_config), bucket)


@lru_cache(maxsize=4)
def _build_export_queue(url: str, region: str | None, endpoint_url: str | None) -> JobQueue:
    # Imported on the first export that goes on in the background: only exports use the queue.
    from chalicelib.jobqueue import JobQueue

    session = boto3.session.Session(region_name=region)
    return JobQueue(session.client("sqs", endpoint_url=endpoint_url, config=_BOTO_CONFIG), url)
