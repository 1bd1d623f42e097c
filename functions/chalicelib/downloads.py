"""Export files in S3: uploaded whole or in parts, downloaded through a short-lived presigned link, kept a day."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import ClientError

from chalicelib.dynamo import StoreUnavailable, error_code
from chalicelib.store import format_timestamp

EXPORT_PREFIX = "exports/"
LINK_SECONDS = 600
# Exports hold personal data: S3 deletes them a day after they are made.
KEEP_DAYS = 1


@dataclass(frozen=True)
class Download:
    """A presigned link to an export file, and when it stops working."""

    url: str
    expires_at: str
    key: str


def content_disposition(filename: str, fallback: str) -> str:
    """Return a Content-Disposition that saves the file under its Chinese name (RFC 6266)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Downloads:
    """Puts files in the bucket it is handed, whole or in parts, and signs links to them."""

    def __init__(
        self, s3_client, bucket: str, clock: Callable[[], datetime] = _utc_now, link_seconds: int = LINK_SECONDS
    ) -> None:
        self._s3 = s3_client
        self._bucket = bucket
        self._clock = clock
        self._link_seconds = link_seconds

    def key_for(self, job_id: str, fallback: str) -> str:
        """Return the key an export job's file goes under: one per job, whoever writes it and however often."""
        return f"{EXPORT_PREFIX}{self._clock().date().isoformat()}/{job_id}/{fallback}"

    def _headers(self, filename: str, fallback: str, content_type: str) -> dict[str, str]:
        # The headers are stored with the object, so a plain GET of the link gets them back:
        # the WeChat browser then saves the file under its Chinese name.
        return {
            "ContentType": content_type,
            "ContentDisposition": content_disposition(filename, fallback),
            "CacheControl": "private, no-store",
        }

    def put_file(self, path: str, key: str, filename: str, fallback: str, content_type: str) -> None:
        """Upload a whole file under the key (again: the same object, replaced)."""
        try:
            self._s3.upload_file(path, self._bucket, key, ExtraArgs=self._headers(filename, fallback, content_type))
        except S3UploadFailedError as error:
            # boto3 wraps every failure of a (multipart) upload in this one error; try again later.
            raise StoreUnavailable(f"upload of {key} failed: {error}") from error

    def publish(self, path: str, filename: str, fallback: str, content_type: str) -> Download:
        """Upload a file written whole in one request under a key of its own; return a link to it."""
        key = self.key_for(uuid.uuid4().hex, fallback)
        self.put_file(path, key, filename, fallback, content_type)
        return self.link(key)

    def start_upload(self, key: str, filename: str, fallback: str, content_type: str) -> str:
        """Start a multipart upload of a file written a part at a time; return its upload id."""
        answer = self._s3.create_multipart_upload(
            Bucket=self._bucket, Key=key, **self._headers(filename, fallback, content_type)
        )
        return answer["UploadId"]

    def upload_part(self, key: str, upload_id: str, number: int, data: bytes) -> str:
        """Upload part `number` (from 1) of a multipart upload; return its ETag. Again: the part is replaced."""
        answer = self._s3.upload_part(Bucket=self._bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data)
        return answer["ETag"]

    def complete_upload(self, key: str, upload_id: str, etags: Sequence[str]) -> None:
        """Make the object from its parts, once: an upload already completed is left as it is."""
        parts = [{"PartNumber": number, "ETag": etag} for number, etag in enumerate(etags, start=1)]
        try:
            self._s3.complete_multipart_upload(
                Bucket=self._bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except ClientError as error:
            # A run that stopped after completing the upload, before saying so, is run again; S3
            # completes it again or has forgotten the upload. Nothing else ends an upload but
            # the lifecycle rule, a day later, when the file would be gone anyway.
            if error_code(error) != "NoSuchUpload":
                raise

    def link(self, key: str) -> Download:
        """Return a link that downloads the object, with no header needed, for a few minutes."""
        now = self._clock()
        url = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=self._link_seconds
        )
        return Download(url, format_timestamp(now + timedelta(seconds=self._link_seconds)), key)


def create_bucket(s3_client, bucket: str, region: str | None) -> bool:
    """Create the exports bucket (private, encrypted, emptied daily) if it is not there; True if made."""
    created = True
    try:
        if region and region != "us-east-1":
            s3_client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        else:
            s3_client.create_bucket(Bucket=bucket)
    except ClientError as error:
        if error_code(error) != "BucketAlreadyOwnedByYou":
            raise
        created = False
    s3_client.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3_client.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3_client.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "delete-exports",
                    "Status": "Enabled",
                    "Filter": {"Prefix": EXPORT_PREFIX},
                    "Expiration": {"Days": KEEP_DAYS},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": KEEP_DAYS},
                }
            ]
        },
    )
    return created
