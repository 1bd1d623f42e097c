"""The API under load with DynamoDB failing: a proxy between the app and the embedded server
injects DynamoDB's own errors and drops connections after the write, while 16 clients retry
as the page's queue does. Nothing may be lost, stored twice or answered 500."""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import boto3
import pytest
from chalicelib.store import OFFICE_TZ
from conftest import STAFF_REGISTRATION, bearer, chalice_client, post_submission, scan_all

DYNAMODB_JSON = "application/x-amz-json-1.0"
# The bodies DynamoDB itself sends with these errors.
INTERNAL_ERROR = (
    500,
    {"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "Internal server error"},
)
THROTTLED = (
    400,
    {
        "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "message": "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API.",
    },
)
FAIL_RATE = 0.30
DROP_RATE = 0.05
CLIENTS = 16
SUBMISSIONS_PER_CLIENT = 10
# The page's queue stops on these answers; it retries everything else (503, a lost connection).
FINAL_STATUSES = {200, 201, 400, 404, 409, 413, 415}
MAX_TRIES = 60
STATION = "station-01"


@dataclass
class FaultCounts:
    """What the proxy did to the DynamoDB calls it saw."""

    calls: int = 0
    failed: Counter = field(default_factory=Counter)
    dropped: int = 0


class FaultyDynamoDB(http.server.ThreadingHTTPServer):
    """An HTTP proxy to the embedded server that fails some DynamoDB calls and drops some answers."""

    daemon_threads = True

    def __init__(
        self,
        upstream: str,
        seed: int,
        fail_rate: float = FAIL_RATE,
        drop_rate: float = DROP_RATE,
        drop_first: str | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", 0), _FaultyHandler)
        self.upstream = urlsplit(upstream)
        self.counts = FaultCounts()
        self._fail_rate = fail_rate
        self._drop_rate = drop_rate
        # The name of an operation (e.g. TransactWriteItems) whose first answer is dropped.
        self._drop_first = drop_first
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def draw(self, operation: str) -> str:
        """Decide what happens to one DynamoDB call: 'fail-500', 'fail-400', 'drop' or 'pass'."""
        with self._lock:
            self.counts.calls += 1
            if operation == self._drop_first:
                self._drop_first = None
                self.counts.dropped += 1
                return "drop"
            roll = self._random.random()
            if roll < self._fail_rate:
                outcome = "fail-500" if roll < self._fail_rate / 2 else "fail-400"
                self.counts.failed[outcome] += 1
                return outcome
            if roll < self._fail_rate + self._drop_rate:
                self.counts.dropped += 1
                return "drop"
            return "pass"


class _FaultyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FaultyDynamoDB

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        target = self.headers.get("X-Amz-Target", "")
        outcome = self.server.draw(target.partition(".")[2]) if target.startswith("DynamoDB_") else "pass"
        if outcome.startswith("fail"):
            status, error = INTERNAL_ERROR if outcome == "fail-500" else THROTTLED
            self._answer(status, {"Content-Type": DYNAMODB_JSON}, json.dumps(error).encode())
            return
        status, headers, answer = self._forward(body)
        if outcome == "drop":
            # The write happened; the client sees its connection closed with no answer.
            self.close_connection = True
            return
        self._answer(status, headers, answer)

    do_GET = do_PUT = do_DELETE = do_HEAD = do_POST

    def _forward(self, body: bytes) -> tuple[int, dict, bytes]:
        upstream = self.server.upstream
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
        try:
            headers = {name: value for name, value in self.headers.items() if name.lower() != "connection"}
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            kept = {
                name: value
                for name, value in response.getheaders()
                if name.lower() not in ("connection", "content-length", "transfer-encoding", "server", "date")
            }
            return response.status, kept, answer
        finally:
            connection.close()

    def _answer(self, status: int, headers: dict, body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("x-amzn-RequestId", uuid.uuid4().hex)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:
        pass


@contextlib.contextmanager
def faulty_dynamodb(upstream: str, seed: int, **faults) -> Iterator[FaultyDynamoDB]:
    """Run the fault-injecting proxy in front of `upstream` while the block runs."""
    proxy = FaultyDynamoDB(upstream, seed, **faults)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join()


@dataclass
class Submission:
    """One thing a member sends, and what the member was last shown for it."""

    path: str
    body: dict
    answers: list[int] = field(default_factory=list)
    ticket: str | None = None

    @property
    def id(self) -> str:
        return self.body["id"]


def make_submissions(seed: int) -> list[Submission]:
    """Registrations and requests with a contact number (so a ticket and a person key), half each."""
    chooser = random.Random(seed)
    made = []
    for number in range(CLIENTS * SUBMISSIONS_PER_CLIENT):
        mobile = f"139{chooser.randrange(10**8):08d}"
        if number % 2:
            body = {
                "name": f"王{number}",
                "mobile": mobile,
                "home_org": "城关镇某村党支部",
                "employer": "某外卖平台",
                "work_area": "城关镇",
                "job_type": "courier",
                "source": STATION,
                "consent": True,
            }
            path = "/forms/registration"
        else:
            body = {
                "station": STATION,
                "category": "hardship",
                "message": f"第{number}号诉求：电动车没电了",
                "contact": mobile,
                "consent": True,
            }
            path = "/forms/request"
        made.append(Submission(path, {**body, "id": str(uuid.uuid4()), "homepage": ""}))
    return made


def send_like_the_queue(api_url: str, submission: Submission) -> None:
    """Send until the answer is final, with the same id every time, as the page's queue does."""
    address = urlsplit(api_url)
    payload = json.dumps(submission.body).encode()
    for _ in range(MAX_TRIES):
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        try:
            connection.request("POST", submission.path, body=payload, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = json.loads(response.read() or b"{}")
        except (OSError, http.client.HTTPException):
            submission.answers.append(0)
            time.sleep(0.05)
            continue
        finally:
            connection.close()
        submission.answers.append(response.status)
        if response.status in (200, 201):
            submission.ticket = answer.get("ticket")
        if response.status in FINAL_STATUSES or response.status == 500:
            return
        time.sleep(0.05)


def stored_items(endpoint: str, table_name: str) -> list[dict]:
    """Every item in the table, read straight from the embedded server (no faults)."""
    return scan_all(boto3.resource("dynamodb", endpoint_url=endpoint).Table(table_name))


@pytest.mark.needs("transactions")
@pytest.mark.parametrize("seed", [8])
def test_faults_under_load_lose_nothing_and_store_nothing_twice(
    chalice_local, dynamodb_endpoint, tables, monkeypatch, seed
):
    submissions = make_submissions(seed)
    with faulty_dynamodb(dynamodb_endpoint, seed) as proxy:
        # chalice local reads the environment on each request: the app now talks to the proxy.
        monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", proxy.url)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=CLIENTS) as clients:
            list(clients.map(lambda submission: send_like_the_queue(chalice_local, submission), submissions))
        seconds = time.monotonic() - started
    counts = proxy.counts
    items = stored_items(dynamodb_endpoint, tables["submissions"])
    stored = {item["pk"].removeprefix("sub#"): item for item in items if item["pk"].startswith("sub#")}
    pointers = {item["pk"].removeprefix("ticket#"): item for item in items if item["pk"].startswith("ticket#")}
    requests = [s for s in submissions if s.path == "/forms/request"]

    final = Counter(s.answers[-1] if s.answers else None for s in submissions)
    lost = [s.id for s in submissions if s.id not in stored]
    extra = set(stored) - {s.id for s in submissions}
    answered_500 = sum(s.answers.count(500) for s in submissions)
    shown_other = [s.id for s in requests if s.id in stored and stored[s.id].get("ticket") != s.ticket]
    orphans = [t for t, pointer in pointers.items() if stored.get(pointer["submission_id"], {}).get("ticket") != t]
    summary = (
        f"{len(submissions)} submissions in {seconds:.1f} s; proxy: {counts.calls} DynamoDB calls, "
        f"{dict(counts.failed)} failed, {counts.dropped} dropped; final answers {dict(final)}; "
        f"{answered_500} answers 500; {len(lost)} lost; {len(extra)} unknown stored; "
        f"{len(shown_other)} shown another ticket; {len(orphans)} orphaned tickets; "
        f"{len(pointers)} tickets for {len(requests)} requests"
    )
    print(summary)
    # The faults really happened, at about the rates asked for.
    assert counts.calls > len(submissions), summary
    assert 0.2 < sum(counts.failed.values()) / counts.calls < 0.4, summary
    assert counts.dropped > 5, summary
    # Every member ended with a success, every submission is stored once, as sent.
    assert answered_500 == 0, summary
    assert set(final) <= {200, 201}, summary
    assert not lost and not extra, summary
    for submission in submissions:
        data = stored[submission.id]["data"]
        assert data.get("name", data.get("message")) == submission.body.get("name", submission.body.get("message"))
    # Every request has one ticket, the one its member was shown, and no ticket points elsewhere.
    assert not shown_other and not orphans, summary
    assert len(pointers) == len(requests) == len({s.ticket for s in requests}), summary


@pytest.mark.needs("transactions")
@pytest.mark.parametrize(
    ("method", "route", "body"),
    [
        ("POST", "follow-ups", {"date": datetime.now(OFFICE_TZ).date().isoformat(), "note": "电话联系"}),
        ("PUT", "liaison", {"name": "王联络"}),
        ("PUT", "transfer", {"state": "in_progress"}),
    ],
)
def test_a_staff_change_whose_answer_was_lost_is_written_once(
    chalice_app, api, api_environment, dynamodb_endpoint, admin_token, submissions_table, tmp_path, method, route, body
):
    member = post_submission(api, "/forms/registration", STAFF_REGISTRATION)["id"]
    (tmp_path / "proxied").mkdir()
    # The transaction goes through, its answer is lost, and botocore sends it again.
    with faulty_dynamodb(dynamodb_endpoint, seed=1, fail_rate=0, drop_rate=0, drop_first="TransactWriteItems") as proxy:
        environment = {**api_environment, "DYNAMODB_ENDPOINT_URL": proxy.url}
        with chalice_client(chalice_app, environment, tmp_path / "proxied") as staff:
            response = staff.request(
                method,
                f"/staff/members/{member}/{route}",
                headers=bearer(admin_token.token),
                body=json.dumps(body).encode(),
            )
    assert proxy.counts.dropped == 1
    assert response.status_code in (200, 201), response.body
    assert len(response.json_body.get("follow_ups", [])) == (route == "follow-ups")
    audit = [
        item for item in stored_items(dynamodb_endpoint, submissions_table.name) if item["pk"].startswith("audit#")
    ]
    assert len(audit) == 1


def test_a_staff_read_whose_audit_answer_was_lost_is_answered(
    chalice_app, api, api_environment, dynamodb_endpoint, admin_token, tmp_path
):
    member = post_submission(api, "/forms/registration", STAFF_REGISTRATION)["id"]
    (tmp_path / "proxied").mkdir()
    with faulty_dynamodb(dynamodb_endpoint, seed=1, fail_rate=0, drop_rate=0, drop_first="PutItem") as proxy:
        environment = {**api_environment, "DYNAMODB_ENDPOINT_URL": proxy.url}
        with chalice_client(chalice_app, environment, tmp_path / "proxied") as staff:
            response = staff.get(f"/staff/members/{member}", headers=bearer(admin_token.token))
    assert proxy.counts.dropped == 1
    assert response.status_code == 200, response.body


@pytest.mark.needs("transactions")
def test_a_reply_whose_answer_was_lost_is_written_once(
    chalice_app, api, api_environment, dynamodb_endpoint, admin_token, submissions_table, tmp_path
):
    ticket = post_submission(
        api, "/forms/request", {"station": STATION, "category": "hardship", "message": "电动车没电了，想充电"}
    )["ticket"]
    (tmp_path / "proxied").mkdir()
    with faulty_dynamodb(dynamodb_endpoint, seed=1, fail_rate=0, drop_rate=0, drop_first="TransactWriteItems") as proxy:
        environment = {**api_environment, "DYNAMODB_ENDPOINT_URL": proxy.url}
        with chalice_client(chalice_app, environment, tmp_path / "proxied") as staff:
            # A reply alone: the status the change is conditional on is the same when it is sent again.
            body = json.dumps({"reply": "已联系驿站"}).encode()
            response = staff.patch(f"/staff/requests/{ticket}", headers=bearer(admin_token.token), body=body)
    assert proxy.counts.dropped == 1
    assert response.status_code == 200, response.body
    assert (response.json_body["status"], response.json_body["reply"]) == ("new", "已联系驿站")
    audit = [
        item for item in stored_items(dynamodb_endpoint, submissions_table.name) if item["pk"].startswith("audit#")
    ]
    assert len(audit) == 1
