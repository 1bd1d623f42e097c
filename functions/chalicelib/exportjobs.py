"""Export jobs in the table: what was asked for, how far the file has got, and whether it is done.

Every change after the job is made is a conditional update, so that two runs of the same job
(a message delivered twice, a retry while the first run still goes on) never both count a part:
a part is recorded only if the job still holds as many parts as the run read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from botocore.exceptions import ClientError

from chalicelib.dayindex import Position
from chalicelib.dynamo import error_code, export_job_pk
from chalicelib.jsonable import plain
from chalicelib.store import format_timestamp
from chalicelib.tables import TTL_ATTRIBUTE

RUNNING = "running"
DONE = "done"
FAILED = "failed"
# A job's record says where its file is for the day the file is kept, and a little longer.
KEEP_SECONDS = 2 * 86400


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ExportJob:
    """One export as stored: the request, the file's names and key, and its progress."""

    id: str
    staff_id: str
    form: str
    format: str
    day_from: date
    day_to: date
    station: str | None
    scope: tuple[str, ...] | None
    status_filter: str | None
    filename: str
    fallback: str
    key: str
    request_hash: str
    status: str = RUNNING
    rows: int = 0
    upload_id: str | None = None
    # The ETags of the parts uploaded so far, part 1 first.
    parts: tuple[str, ...] = ()
    # The position of the last row in the parts so far (None: none yet).
    checkpoint: Position | None = None
    # Every row is in the parts: only completing the upload is left.
    written: bool = False
    # Registrations of members assigned to this branch only.
    branch: str | None = None
    queued: bool = False
    errors: Mapping[str, str] | None = None

    def public(self) -> dict:
        """Return what the API shows of the job (the link is added when it is done)."""
        answer: dict = {"job": self.id, "status": self.status, "rows": self.rows, "filename": self.filename}
        if self.errors:
            answer["errors"] = dict(self.errors)
        return answer


def request_hash(fields: Mapping[str, object]) -> str:
    """Return the hash of what an export asks for: a retry with the same job id must ask the same."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _job_of(item: Mapping) -> ExportJob:
    checkpoint = item.get("checkpoint")
    scope = item.get("scope")
    return ExportJob(
        id=item["job"],
        staff_id=item["staff_id"],
        form=item["form_name"],
        format=item["format"],
        day_from=date.fromisoformat(item["day_from"]),
        day_to=date.fromisoformat(item["day_to"]),
        station=item.get("station"),
        scope=tuple(scope) if scope is not None else None,
        status_filter=item.get("status_filter"),
        filename=item["filename"],
        fallback=item["fallback"],
        key=item["key"],
        request_hash=item["request_hash"],
        status=item["status"],
        rows=int(item.get("rows", 0)),
        upload_id=item.get("upload_id"),
        parts=tuple(item.get("parts", ())),
        checkpoint=Position(date.fromisoformat(checkpoint["day"]), checkpoint["sk"]) if checkpoint else None,
        written=bool(item.get("written", False)),
        branch=item.get("branch"),
        queued=bool(item.get("queued", False)),
        errors=plain(item["errors"]) if "errors" in item else None,
    )


class ExportJobs:
    """Export jobs in the table it is handed (`pk = export#<job id>`)."""

    def __init__(self, table, clock: Callable[[], datetime] = _utc_now) -> None:
        self._table = table
        self._clock = clock

    def create(self, job: ExportJob) -> ExportJob:
        """Store a new job and return it, or return the one already under its id."""
        now = self._clock()
        item: dict = {
            "pk": export_job_pk(job.id),
            "job": job.id,
            "staff_id": job.staff_id,
            "form_name": job.form,
            "format": job.format,
            "day_from": job.day_from.isoformat(),
            "day_to": job.day_to.isoformat(),
            "filename": job.filename,
            "fallback": job.fallback,
            "key": job.key,
            "request_hash": job.request_hash,
            "status": RUNNING,
            "rows": 0,
            "parts": [],
            "written": False,
            "queued": False,
            "created_at": format_timestamp(now),
            "updated_at": format_timestamp(now),
            TTL_ATTRIBUTE: int(now.timestamp()) + KEEP_SECONDS,
        }
        optional = {
            "station": job.station,
            "status_filter": job.status_filter,
            "upload_id": job.upload_id,
            "branch": job.branch,
        }
        item.update({name: value for name, value in optional.items() if value is not None})
        if job.scope is not None:
            item["scope"] = list(job.scope)
        try:
            self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            existing = self.get(job.id)
            if existing is None:
                raise
            return existing
        return _job_of(item)

    def get(self, job_id: str) -> ExportJob | None:
        """Return the job as stored now, or None."""
        item = self._table.get_item(Key={"pk": export_job_pk(job_id)}, ConsistentRead=True).get("Item")
        return None if item is None else _job_of(item)

    def record_part(
        self, job: ExportJob, etag: str | None, checkpoint: Position | None, rows: int, written: bool
    ) -> bool:
        """Add the next part (None: no part, only the end) to the job, if no other run added one
        first; return whether this run did."""
        names = {"#parts": "parts", "#rows": "rows", "#written": "written"}
        values: dict[str, object] = {":rows": rows, ":written": written, ":count": len(job.parts)}
        changes = ["#rows = :rows", "#written = :written"]
        if etag is not None:
            changes.append("#parts = list_append(#parts, :part)")
            values[":part"] = [etag]
        if checkpoint is not None:
            changes.append("#checkpoint = :checkpoint")
            names["#checkpoint"] = "checkpoint"
            values[":checkpoint"] = {"day": checkpoint.day.isoformat(), "sk": checkpoint.before}
        return self._update(job.id, "SET " + ", ".join(changes), names, values, "size(#parts) = :count")

    def record_rows(self, job: ExportJob, rows: int) -> None:
        """Say how many rows a run that writes the file in one piece has written so far."""
        self._update(job.id, "SET #rows = :rows", {"#rows": "rows"}, {":rows": rows})

    def mark_queued(self, job: ExportJob) -> None:
        """Say that the job is on the queue: the worker goes on with it from now on."""
        self._update(job.id, "SET #queued = :queued", {"#queued": "queued"}, {":queued": True})

    def finish(self, job: ExportJob, rows: int) -> None:
        """Say that the file is complete in S3, with this many rows."""
        self._update(job.id, "SET #rows = :rows", {"#rows": "rows"}, {":rows": rows}, end=DONE)

    def fail(self, job: ExportJob, errors: Mapping[str, str]) -> None:
        """Say that the file cannot be made, and why, by field."""
        self._update(job.id, "SET #errors = :errors", {"#errors": "errors"}, {":errors": dict(errors)}, end=FAILED)

    def _update(
        self,
        job_id: str,
        expression: str,
        names: dict[str, str],
        values: dict[str, object],
        condition: str | None = None,
        end: str | None = None,
    ) -> bool:
        # Only a running job changes; a done or failed one stays as it is.
        names = {**names, "#status": "status", "#updated_at": "updated_at"}
        values = {**values, ":running": RUNNING, ":now": format_timestamp(self._clock())}
        expression += ", #updated_at = :now"
        if end is not None:
            expression += ", #status = :end"
            values[":end"] = end
        try:
            self._table.update_item(
                Key={"pk": export_job_pk(job_id)},
                UpdateExpression=expression,
                ConditionExpression="#status = :running" + (f" AND {condition}" if condition else ""),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            return False
        return True
