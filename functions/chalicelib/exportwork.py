"""Running an export job: write its rows from where it stands, in the time a run has, and hand on the rest.

The request that asks for an export runs it first; a job not done when the request's time
is up goes on in the worker function, one queue message at a time. The same code runs both.

- CSV goes to S3 as a multipart upload, a part (at least S3's 5 MiB, but the last) at a time.
  After each part the job records the part's ETag and the position of its last row, on the
  condition that no other run recorded a part meanwhile: a retried or doubled run starts from
  the last recorded part, and never writes a row twice. The clock is read between parts only,
  so every run adds at least one part.
- XLSX is a zip written when the workbook closes: it cannot be carried from one run to the
  next. It is written in one run; a request that runs out of time leaves it to the worker, whose
  15 minutes hold far more than the 1,048,575 rows an Excel sheet can take.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from chalicelib.dayindex import position_of
from chalicelib.downloads import Downloads
from chalicelib.exportjobs import RUNNING, ExportJob, ExportJobs
from chalicelib.exports import (
    CONTENT_TYPES,
    OutOfTime,
    TooManyRows,
    before,
    columns_for,
    csv_parts,
    out_of_time_message,
    too_many_rows_message,
    write_export,
)
from chalicelib.forms import FORMS
from chalicelib.jobqueue import JobQueue
from chalicelib.records import StaffRecords, record_filter

# S3's smallest part but the last, counted in characters: each is at least one byte in UTF-8.
PART_CHARS = 5 * 1024 * 1024
# Of the time a request has left, what it keeps for one more part, the upload and the answer.
REQUEST_RESERVE_SECONDS = 6
# Of the worker's 15 minutes, what it keeps for one more part and handing the job on.
WORKER_RESERVE_SECONDS = 30
# How often a one-piece (XLSX) run says how far it has got.
PROGRESS_EVERY_ROWS = 20_000

# Said by the end date, the one thing staff can change: fewer days make a smaller file.
FAILED_MESSAGE = (
    "导出没有成功：后台试了几次都出错了（错误已记录）。请稍后重新导出；记录很多时，可以把结束日期提前，分几次导出"
)

DONE = "done"
MORE = "more"
LOST = "lost"


@dataclass(frozen=True)
class ExportParts:
    """What a run of an export job uses: its records, the rows, S3, the queue and the stations' names."""

    jobs: ExportJobs
    records: StaffRecords
    downloads: Downloads
    queue: JobQueue
    station_names: Mapping[str, str]


def run_in_request(job: ExportJob, parts: ExportParts, seconds_left: float, most: float | None = None) -> ExportJob:
    """Run a job the request has just made, for `most` seconds if given, and hand it to the worker
    if it is not done in time; return the job as it is then."""
    seconds = seconds_left - REQUEST_RESERVE_SECONDS
    if most is not None:
        seconds = min(seconds, most)
    if seconds <= 0 or _run(job, parts, seconds) == MORE:
        parts.queue.send(job.id)
        parts.jobs.mark_queued(job)
    return parts.jobs.get(job.id) or job


def run_in_worker(job_id: str, parts: ExportParts, seconds_left: float, last_try: bool = False) -> None:
    """Go on with a job from the queue; send it on again if it is not done in time. A job that is
    done, failed or gone (a message delivered twice, a day old) is left alone. On the message's
    last try before the dead-letter queue, a run that fails marks the job failed first, so that
    the console stops waiting for it."""
    job = parts.jobs.get(job_id)
    if job is None or job.status != RUNNING:
        return
    seconds = seconds_left - WORKER_RESERVE_SECONDS
    try:
        result = _run(job, parts, seconds)
    except Exception:
        if last_try:
            parts.jobs.fail(job, {"to": FAILED_MESSAGE})
        raise
    if result != MORE:
        return
    if job.format == "xlsx":
        # The worker's whole time was not enough for one workbook: it never will be.
        written = (parts.jobs.get(job_id) or job).rows
        parts.jobs.fail(job, {"to": out_of_time_message(written, seconds)})
        return
    parts.queue.send(job_id)


def _run(job: ExportJob, parts: ExportParts, seconds: float, clock: Callable[[], float] = time.monotonic) -> str:
    deadline = clock() + seconds
    if job.format == "csv":
        return _run_csv(job, parts, deadline, clock)
    try:
        return _run_xlsx(job, parts, deadline, clock)
    except OutOfTime:
        return MORE
    except TooManyRows:
        parts.jobs.fail(job, {"format": too_many_rows_message()})
        return DONE


def _items(job: ExportJob, parts: ExportParts) -> Iterator[dict]:
    where = record_filter(job.station, job.status_filter, job.scope, job.branch)
    return parts.records.stream(FORMS[job.form], job.day_from, job.day_to, where, job.checkpoint)


def _run_csv(job: ExportJob, parts: ExportParts, deadline: float, clock: Callable[[], float]) -> str:
    upload_id = job.upload_id
    if upload_id is None:
        raise ValueError(f"export job {job.id} writes CSV without a multipart upload")
    if not job.written:
        columns = columns_for(FORMS[job.form], parts.station_names)
        for part in csv_parts(columns, _items(job, parts), not job.parts, PART_CHARS):
            etag = None
            # A file always has its first part; a last part with no rows adds nothing.
            if part.data or not job.parts:
                etag = parts.downloads.upload_part(job.key, upload_id, len(job.parts) + 1, part.data)
            checkpoint = position_of(part.last_item) if part.last_item is not None else None
            rows = job.rows + part.rows
            if not parts.jobs.record_part(job, etag, checkpoint, rows, part.ends):
                # Another run of the job recorded this part first: it goes on, this one stops.
                return LOST
            job = replace(
                job,
                parts=job.parts + ((etag,) if etag else ()),
                checkpoint=checkpoint or job.checkpoint,
                rows=rows,
                written=part.ends,
            )
            if not part.ends and clock() > deadline:
                return MORE
    parts.downloads.complete_upload(job.key, upload_id, job.parts)
    parts.jobs.finish(job, job.rows)
    return DONE


def _run_xlsx(job: ExportJob, parts: ExportParts, deadline: float, clock: Callable[[], float]) -> str:
    items = _reporting(_items(job, parts), lambda rows: parts.jobs.record_rows(job, rows))
    # Lambda may write only under /tmp; the file leaves it as soon as it is uploaded.
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, job.fallback)
        form = FORMS[job.form]
        rows = write_export(path, form, "xlsx", before(deadline, items, clock), parts.station_names)
        parts.downloads.put_file(path, job.key, job.filename, job.fallback, CONTENT_TYPES["xlsx"])
    parts.jobs.finish(job, rows)
    return DONE


def _reporting(items: Iterable[Mapping], report: Callable[[int], None]) -> Iterator[Mapping]:
    for rows, item in enumerate(items, start=1):
        if rows % PROGRESS_EVERY_ROWS == 0:
            report(rows)
        yield item
