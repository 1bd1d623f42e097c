"""Exports too large for one request: a job the worker goes on with through the queue, written once."""

from __future__ import annotations

import csv
import io
import json
import urllib.request
import uuid
from datetime import datetime

import moto.s3.models
import openpyxl
import pytest
from chalicelib import exports, exportwork
from chalicelib.downloads import Downloads
from chalicelib.exportjobs import ExportJobs
from chalicelib.jobqueue import JobQueue
from chalicelib.store import OFFICE_TZ
from conftest import bearer, post_submission, run_export_worker, scan_all

TODAY = datetime.now(OFFICE_TZ).date()
CHECKINS = 8


@pytest.fixture
def checkins(api):
    """A day's check-ins at two stations; their ids, oldest first."""
    return [post_submission(api, "/checkins", {"station": f"station-0{1 + n % 2}"})["id"] for n in range(CHECKINS)]


@pytest.fixture
def small_parts(monkeypatch):
    """Parts of a few rows (S3's smallest part lowered to match on moto), and no time for a
    second part in the request or in a worker's run: every part is a run of its own."""
    monkeypatch.setattr(exportwork, "PART_CHARS", 150)
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 150)
    monkeypatch.setattr(exportwork, "REQUEST_RESERVE_SECONDS", 10**6)
    monkeypatch.setattr(exportwork, "WORKER_RESERVE_SECONDS", 10**6)


def ask(api, token, job: str | None = None, **body):
    """POST an export of today (a new job unless given); return the answer."""
    body = {"from": TODAY.isoformat(), "to": TODAY.isoformat(), "job": job or str(uuid.uuid4()), **body}
    return api.post("/staff/exports", headers=bearer(token), body=json.dumps(body).encode())


def follow(api, token, job: str):
    return api.get(f"/staff/exports/{job}", headers=bearer(token))


def csv_rows(url: str) -> tuple[bytes, list[list[str]]]:
    with urllib.request.urlopen(url, timeout=10) as response:
        data = response.read()
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def queue_of(api_environment, sqs_client) -> JobQueue:
    return JobQueue(sqs_client, api_environment["EXPORTS_QUEUE_URL"])


def test_an_export_too_large_for_one_request_goes_on_in_the_worker_with_every_row_once(
    api, admin_token, checkins, small_parts, sqs_client, api_environment
):
    started = ask(api, admin_token.token, form="checkin", format="csv")
    assert started.status_code == 202, started.body
    job = started.json_body["job"]
    assert started.json_body["status"] == "running"
    assert started.json_body["rows"] < CHECKINS
    assert follow(api, admin_token.token, job).status_code == 202

    # Each run writes one part and sends the job on: several runs, one after another.
    assert run_export_worker(sqs_client, api_environment) >= 2

    done = follow(api, admin_token.token, job)
    assert done.status_code == 200, done.body
    assert done.json_body["rows"] == CHECKINS
    data, (header, *rows) = csv_rows(done.json_body["url"])
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1
    assert header[0] == "提交编号"
    assert [row[0] for row in rows] == checkins


def test_a_worker_run_that_fails_half_way_is_run_again_from_its_last_part(
    api, admin_token, checkins, small_parts, sqs_client, api_environment, monkeypatch
):
    job = ask(api, admin_token.token, form="checkin", format="csv").json_body["job"]
    sent = JobQueue.send
    failures = []

    def send_failing_once(queue, job_id):
        # The run has recorded its part, then cannot hand the job on: SQS gives the message back.
        if not failures:
            failures.append(job_id)
            raise ConnectionError("queue out of reach")
        sent(queue, job_id)

    monkeypatch.setattr(JobQueue, "send", send_failing_once)
    run_export_worker(sqs_client, api_environment)

    assert failures == [job]
    done = follow(api, admin_token.token, job)
    assert done.json_body["rows"] == CHECKINS
    _, (_, *rows) = csv_rows(done.json_body["url"])
    assert [row[0] for row in rows] == checkins


def test_a_job_the_worker_fails_on_every_time_is_marked_failed_before_its_message_goes_to_the_dead_letters(
    api, admin_token, checkins, sqs_client, api_environment, monkeypatch
):
    monkeypatch.setattr(exportwork, "REQUEST_RESERVE_SECONDS", 10**6)
    job = ask(api, admin_token.token, form="checkin", format="csv").json_body["job"]

    def refuse(*_):
        raise ConnectionError("S3 out of reach")

    monkeypatch.setattr(Downloads, "upload_part", refuse)
    assert run_export_worker(sqs_client, api_environment) == 0
    # The console stops waiting, and says what staff can do.
    failed = follow(api, admin_token.token, job)
    assert failed.status_code == 400 and set(failed.json_body["errors"]) == {"to"}
    dead = sqs_client.get_queue_url(QueueName=api_environment["EXPORTS_QUEUE_URL"].rsplit("/", 1)[1] + "-failed")
    received = sqs_client.receive_message(QueueUrl=dead["QueueUrl"], MaxNumberOfMessages=10)
    assert job in [json.loads(message["Body"])["job"] for message in received["Messages"]]


def test_the_same_job_handled_twice_writes_one_file_and_one_record(
    api, admin_token, checkins, small_parts, sqs_client, api_environment, submissions_table, s3_client
):
    job = ask(api, admin_token.token, form="checkin", format="csv").json_body["job"]
    # SQS delivers a message at least once: the same job twice on the queue.
    queue_of(api_environment, sqs_client).send(job)
    run_export_worker(sqs_client, api_environment)

    done = follow(api, admin_token.token, job)
    _, (_, *rows) = csv_rows(done.json_body["url"])
    assert [row[0] for row in rows] == checkins
    jobs = [item for item in scan_all(submissions_table) if item["pk"].startswith("export#")]
    assert len(jobs) == 1 and len(jobs[0]["parts"]) >= 3
    files = s3_client.list_objects_v2(Bucket=api_environment["EXPORTS_BUCKET"], Prefix="exports/")["Contents"]
    assert len([item for item in files if f"/{job}/" in item["Key"]]) == 1


def test_a_run_behind_another_records_no_part(api, admin_token, checkins, small_parts, submissions_table):
    job_id = ask(api, admin_token.token, form="checkin", format="csv").json_body["job"]
    jobs = ExportJobs(submissions_table)
    behind = jobs.get(job_id)
    ahead = jobs.get(job_id)
    assert jobs.record_part(ahead, '"etag-a"', None, ahead.rows + 3, False)
    # The run that read the job before the part above was added cannot add its own.
    assert not jobs.record_part(behind, '"etag-b"', None, behind.rows + 3, False)
    stored = jobs.get(job_id)
    assert stored.parts == (*behind.parts, '"etag-a"') and stored.rows == ahead.rows + 3


def test_asking_again_for_the_same_job_answers_it_and_records_it_once(api, admin_token, checkins, submissions_table):
    job = str(uuid.uuid4())
    first = ask(api, admin_token.token, job=job, form="checkin", format="csv")
    again = ask(api, admin_token.token, job=job, form="checkin", format="csv")
    assert first.status_code == again.status_code == 200
    assert again.json_body["rows"] == first.json_body["rows"] == CHECKINS
    other = ask(api, admin_token.token, job=job, form="checkin", format="xlsx")
    assert other.status_code == 409 and set(other.json_body["errors"]) == {"job"}
    audit = [item for item in scan_all(submissions_table) if item.get("action") == "export.create"]
    assert len(audit) == 1


def test_an_excel_file_too_slow_for_the_request_is_written_by_the_worker(
    api, admin_token, checkins, sqs_client, api_environment, monkeypatch
):
    monkeypatch.setattr(exportwork, "REQUEST_RESERVE_SECONDS", 10**6)
    started = ask(api, admin_token.token, form="checkin", format="xlsx")
    assert started.status_code == 202, started.body
    run_export_worker(sqs_client, api_environment)
    done = follow(api, admin_token.token, started.json_body["job"])
    assert done.status_code == 200 and done.json_body["rows"] == CHECKINS
    with urllib.request.urlopen(done.json_body["url"], timeout=10) as response:
        sheet = openpyxl.load_workbook(io.BytesIO(response.read())).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == checkins


def test_more_rows_than_an_excel_sheet_holds_are_refused_by_the_format(api, admin_token, checkins, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", CHECKINS - 1)
    job = str(uuid.uuid4())
    answer = ask(api, admin_token.token, job=job, form="checkin", format="xlsx")
    assert answer.status_code == 400 and set(answer.json_body["errors"]) == {"format"}
    assert "CSV" in answer.json_body["errors"]["format"]
    assert follow(api, admin_token.token, job).json_body == answer.json_body
    assert ask(api, admin_token.token, form="checkin", format="csv").status_code == 200


def test_a_job_is_followed_by_its_maker_or_an_admin_only(api, admin_token, station_token, token_store, checkins):
    job = ask(api, station_token.token, form="checkin", format="csv").json_body["job"]
    assert follow(api, station_token.token, job).status_code == 200
    assert follow(api, admin_token.token, job).status_code == 200
    other = token_store.create("驿站丙", "station", ("station-01",), 30)
    assert follow(api, other.token, job).status_code == 403
    assert follow(api, admin_token.token, str(uuid.uuid4())).status_code == 404
    assert follow(api, admin_token.token, "not-a-job").status_code == 404
