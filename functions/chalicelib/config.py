"""Settings from the stage's environment variables, and the lazily built store."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import lru_cache

import boto3
from botocore.config import Config

from chalicelib.store import SubmissionStore

DEFAULT_WRITE_SHARDS = 8
# Short timeouts and few retries: the page retries on 503, and the Lambda must answer
# well within API Gateway's 29 seconds.
_BOTO_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
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


def get_store() -> SubmissionStore:
    """Return the store for the current settings, built once and then reused."""
    settings = read_settings()
    # chalice local serves requests on threads; boto3 sessions must not be built concurrently.
    with _store_lock:
        return _build_store(settings.table_name, settings.region, settings.endpoint_url, settings.write_shards)


@lru_cache(maxsize=4)
def _build_store(table_name: str, region: str | None, endpoint_url: str | None, write_shards: int) -> SubmissionStore:
    session = boto3.session.Session(region_name=region)
    dynamodb = session.resource("dynamodb", endpoint_url=endpoint_url, config=_BOTO_CONFIG)
    return SubmissionStore(dynamodb.Table(table_name), write_shards=write_shards)
