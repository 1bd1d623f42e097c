"""Shared fixtures: real servers over HTTP (moto and dynalite for DynamoDB, moto for S3), fresh
tables, the Chalice app, the local stack and headless chromium.

Only the standard library and pytest are imported here at the top, so the pure tests (content,
forms, hours, geometry) run where no browser, emulator or AWS library is installed; each fixture
imports what it drives when a test first asks for it."""

from __future__ import annotations

import contextlib
import datetime
import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from chalicelib.contentids import CONTENT_IDS_VARIABLE, ContentIds, write_content_ids

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS_DIR = ROOT / "functions"
CHALICE_CONFIG = FUNCTIONS_DIR / ".chalice" / "config.json"
TEST_STAGE = "dev"
AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "cn-north-1",
    "AWS_REGION": "cn-north-1",
    # Keep a developer's ~/.aws files out of the tests.
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
# The DynamoDB-compatible servers every table test runs on: moto, which `build.py serve` embeds,
# and dynalite, which checks requests by DynamoDB's own validation rules.
BACKENDS = ["moto", "dynalite"]
DYNALITE_CLI = ROOT / "node_modules" / "dynalite" / "cli.js"
# What dynalite does not implement; a test marked `needs(<one of these>)` is skipped there. It
# also asks for a throughput that an on-demand table's new index must not be given, and it
# measures a string's size in UTF-16 code units where DynamoDB counts UTF-8 bytes.
DYNALITE_LACKS = ("transactions", "TTL", "new indexes on on-demand tables", "item sizes in UTF-8 bytes")


def pytest_collection_modifyitems(items):
    # Every test that reaches chromium, however indirectly (phone, stack pages), is a browser
    # test: `build.py deploy --quick-tests` leaves them out (-m "not browser") where no browser is.
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def pytest_runtest_setup(item):
    # A test that needs what the strict server lacks is skipped there, saying what it lacks.
    needs = [marker.args[0] for marker in item.iter_markers("needs")]
    unknown = [feature for feature in needs if feature not in DYNALITE_LACKS]
    if unknown:
        pytest.fail(f"needs({unknown[0]!r}): not one of {DYNALITE_LACKS}", pytrace=False)
    callspec = getattr(item, "callspec", None)
    if needs and callspec is not None and callspec.params.get("dynamodb_endpoint") == "dynalite":
        pytest.skip(f"dynalite: no {needs[0]}")


def stage_environment(stage: str = TEST_STAGE) -> dict[str, str]:
    """Return the environment variables .chalice/config.json sets for a stage."""
    from chalice.cli.factory import CLIFactory

    return dict(CLIFactory(str(FUNCTIONS_DIR)).create_config_obj(chalice_stage_name=stage).environment_variables)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    """Wait until something answers at `url`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextlib.contextmanager
def run_serve(project: Path, *options: str, environment: dict[str, str] | None = None):
    """`python build.py serve` in a project folder, on free ports (with more environment variables
    if given); yield its URLs, the staff token it prints and all it prints (a list that grows while
    it runs). Stopped with Ctrl-C, it must exit 0."""
    ports = {"site": free_port(), "api": free_port(), "db": free_port()}
    process = subprocess.Popen(
        [sys.executable, "build.py", "serve", *options] + [f"--{name}-port={port}" for name, port in ports.items()],
        cwd=project,
        env={**os.environ, **(environment or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []

    def read() -> None:
        # Read everything the server prints, so its pipe never fills and blocks it.
        for line in process.stdout:
            output.append(line)
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    urls = {name: f"http://127.0.0.1:{port}/" for name, port in ports.items()}
    try:
        token = None
        while token is None:
            line = lines.get(timeout=180)
            if line.startswith("staff token:"):
                token = line.split(":", 1)[1].strip()
        wait_for(urls["site"])
        yield {**urls, "token": token, "output": output}
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        reader.join(timeout=5)
        assert process.returncode == 0, "".join(output)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """`python build.py serve` on free ports, started once for every browser test (see run_serve),
    serving the site as a static host does: the pages as members get them, without the live preview.
    Every export goes on in the background worker, however small, as a large one does."""
    site_dir = str(tmp_path_factory.mktemp("site"))
    background = {"EXPORT_REQUEST_SECONDS": "0"}
    with run_serve(ROOT, "--no-watch", "--site-dir", site_dir, environment=background) as running:
        yield running


def stack_table(stack):
    """The submissions table `build.py serve` made on its embedded server (the dev stage's name)."""
    import boto3

    name = stage_environment()["SUBMISSIONS_TABLE"]
    dynamodb = boto3.resource(
        "dynamodb",
        endpoint_url=stack["db"],
        region_name="cn-north-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return dynamodb.Table(name)


@pytest.fixture(scope="session")
def browser():
    """Debian's headless chromium under Playwright, one for the whole run; tests open contexts."""
    from playwright.sync_api import sync_playwright

    from sitegen.chromium import launch_chromium

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield playwright, chromium
        chromium.close()


def new_phone_context(browser, width: int | None = None, **options):
    """A fresh context on the tests' phone (sitegen.chromium.PHONE, Chinese locale), `width`
    CSS pixels wide if given; `options` go to Playwright (a time zone, say)."""
    from sitegen.chromium import PHONE

    playwright, chromium = browser
    device = dict(playwright.devices[PHONE])
    if width is not None:
        # A narrow phone, as tall as the phone's whole screen (its browser bar hidden).
        device["viewport"] = {"width": width, "height": device["screen"]["height"]}
    return chromium.new_context(**{**device, "locale": "zh-CN", "accept_downloads": True, **options})


@pytest.fixture
def phone(browser, request):
    """A page on the tests' phone, in a context of its own; a module's PHONE_WIDTH narrows it."""
    context = new_phone_context(browser, getattr(request.module, "PHONE_WIDTH", None))
    yield context.new_page()
    context.close()


def post_to_stack(stack, path: str, body: dict) -> dict:
    """Submit to the running stack's API as a member's page does (a fresh id, an empty honeypot); return the answer."""
    body = {**body, "id": str(uuid.uuid4()), "homepage": ""}
    request = urllib.request.Request(
        stack["api"] + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def scan_all(table) -> list[dict]:
    """Every item in a table, read consistently, page after page."""
    items, query = [], {"ConsistentRead": True}
    while True:
        page = table.scan(**query)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture(scope="session")
def aws_test_env():
    """Dummy credentials and region, so nothing can reach a real AWS account."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("AWS_PROFILE", raising=False)
        for name, value in AWS_TEST_ENV.items():
            patch.setenv(name, value)
        yield AWS_TEST_ENV


@pytest.fixture(scope="session")
def moto_endpoint(aws_test_env):
    """Start the embedded moto server (DynamoDB and S3, one request at a time) on a free local port; yield its URL."""
    from sitegen.embedded_aws import embedded_aws

    with embedded_aws() as url:
        yield url


@contextlib.contextmanager
def run_dynalite():
    """Run dynalite (pinned in package-lock.json, installed by `npm ci`) on a free local port; yield its URL."""
    if not DYNALITE_CLI.exists():
        raise RuntimeError(f"{DYNALITE_CLI} is missing: run `npm ci` as README's install step says")
    port = free_port()
    # Tables are ready at once, as moto's are, instead of after half a second each.
    delays = ["--createTableMs=0", "--deleteTableMs=0", "--updateTableMs=0"]
    process = subprocess.Popen(
        ["node", str(DYNALITE_CLI), "--host=127.0.0.1", f"--port={port}", *delays],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        # It prints one line once it listens, and nothing more unless asked to.
        started = process.stdout.readline()
        if "listening" not in started:
            raise RuntimeError(f"dynalite did not start: {started!r}")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def dynalite_endpoint(aws_test_env):
    """Start dynalite, the strict DynamoDB-compatible server, on a free local port; yield its URL."""
    with run_dynalite() as url:
        yield url


@pytest.fixture(scope="session", params=BACKENDS)
def dynamodb_endpoint(request):
    """The URL of each DynamoDB-compatible server in turn: every test that uses it runs on both."""
    return request.getfixturevalue(f"{request.param}_endpoint")


@pytest.fixture(scope="session")
def dynamodb_client(dynamodb_endpoint):
    """A low-level DynamoDB client for this test's server."""
    import boto3

    return boto3.client("dynamodb", endpoint_url=dynamodb_endpoint)


@pytest.fixture
def tables(dynamodb_client):
    """Create fresh tables with names unique to this test; yield {logical name: table name}."""
    from chalicelib.tables import create_tables

    names = {"submissions": f"test-{uuid.uuid4().hex[:12]}-submissions"}
    create_tables(dynamodb_client, names)
    yield names
    for name in names.values():
        dynamodb_client.delete_table(TableName=name)


@pytest.fixture
def submissions_table(tables, dynamodb_endpoint):
    """The boto3 Table resource of this test's submissions table."""
    import boto3

    return boto3.resource("dynamodb", endpoint_url=dynamodb_endpoint).Table(tables["submissions"])


@pytest.fixture
def store(submissions_table):
    """A SubmissionStore handed this test's table."""
    from chalicelib.store import SubmissionStore

    return SubmissionStore(submissions_table)


@pytest.fixture(scope="session")
def chalice_app(aws_test_env):
    """The Chalice app, imported with the test stage's environment as `chalice local` would."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in stage_environment().items():
            patch.setenv(name, value)
        import app

        yield app.app


@pytest.fixture(scope="session")
def s3_client(moto_endpoint):
    """An S3 client for the moto server (whichever server holds the tables, moto plays S3)."""
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=moto_endpoint, config=Config(s3={"addressing_style": "path"}))


@pytest.fixture(scope="session")
def exports_bucket(s3_client):
    """The exports bucket on the moto server, made as `build.py tables` makes a stage's."""
    from chalicelib.downloads import create_bucket

    name = f"test-{uuid.uuid4().hex[:12]}-exports"
    create_bucket(s3_client, name, AWS_TEST_ENV["AWS_REGION"])
    return name


@pytest.fixture(scope="session")
def sqs_client(moto_endpoint):
    """An SQS client for the moto server."""
    import boto3

    return boto3.client("sqs", endpoint_url=moto_endpoint)


@pytest.fixture(scope="session")
def exports_queue(sqs_client):
    """The export jobs' queue on the moto server, made as `build.py serve` makes the local one
    (messages failed on come back at once: no test waits for SQS's timeout)."""
    from chalicelib.jobqueue import create_queue

    return create_queue(sqs_client, f"test-{uuid.uuid4().hex[:12]}-exports", visibility_seconds=0)


def run_export_worker(sqs_client, environment: dict[str, str]) -> int:
    """Hand the queue's waiting messages to the app's export worker, as `build.py serve` does, in the
    API's environment (the worker's function has the same); return how many it handled."""
    from unittest import mock

    import app

    from sitegen.queuepoller import handle_waiting

    with mock.patch.dict(os.environ, environment):
        return handle_waiting(sqs_client, environment["EXPORTS_QUEUE_URL"], app.export_worker)


# The content the API tests hand the app, as the build hands it the site's own.
CHINA = datetime.timezone(datetime.timedelta(hours=8))
STARTED = datetime.datetime.now(CHINA).replace(second=0, microsecond=0)


def test_activity(station: str, start: datetime.datetime = datetime.datetime(2099, 6, 1, 9, tzinfo=CHINA)) -> dict:
    """An activity of two hours at a station; by default far enough ahead that a sign-up is always on time."""
    return {
        "title": "测试活动",
        "kind": "培训",
        "start": start.isoformat(timespec="minutes"),
        "end": (start + datetime.timedelta(hours=2)).isoformat(timespec="minutes"),
        "capacity": None,
        "deadline": None,
        "online": False,
        "link": None,
        "station": station,
        "branch": None,
    }


TEST_CONTENT_IDS = ContentIds(
    {"station-01": "测试一号驿站", "station-02": "测试二号驿站"},
    {
        "lesson-01": "测试第一课",
        "lesson-02": "测试第二课",
        "heat-safety-summer": "夏季防暑",
        "using-stations": "如何使用驿站",
    },
    branches={"branch-01": "测试一号支部", "branch-02": "测试二号支部"},
    teams={"team-01": "测试一队", "team-02": "测试二队"},
    activities={
        "activity-01": test_activity("station-01"),
        "activity-02": test_activity("station-02"),
        # Starts half an hour after the tests start: sign-ups still open, attendance open already.
        "activity-now": test_activity("station-01", STARTED + datetime.timedelta(minutes=30)),
    },
)


@pytest.fixture(scope="session")
def content_ids_file(tmp_path_factory) -> Path:
    """The file of TEST_CONTENT_IDS, which the API tests' app reads."""
    path = tmp_path_factory.mktemp("content") / "content-ids.json"
    write_content_ids(TEST_CONTENT_IDS, path)
    return path


@pytest.fixture
def api_environment(tables, dynamodb_endpoint, moto_endpoint, exports_bucket, exports_queue, content_ids_file):
    """The test stage's environment, pointed at this test's tables and the exports bucket and queue on moto."""
    return {
        **stage_environment(),
        CONTENT_IDS_VARIABLE: str(content_ids_file),
        "SUBMISSIONS_TABLE": tables["submissions"],
        "DYNAMODB_ENDPOINT_URL": dynamodb_endpoint,
        "S3_ENDPOINT_URL": moto_endpoint,
        "EXPORTS_BUCKET": exports_bucket,
        "SQS_ENDPOINT_URL": moto_endpoint,
        "EXPORTS_QUEUE_URL": exports_queue,
    }


@contextlib.contextmanager
def api_on_own_table(chalice_app, dynamodb_client, dynamodb_endpoint, exports_bucket, content_ids_file, folder: Path):
    """Yield (the API's HTTP client, its table) on a new table of its own, for a module whose
    tests share one; the table is deleted afterwards."""
    import boto3
    from chalicelib.tables import create_tables

    name = f"test-{uuid.uuid4().hex[:12]}-submissions"
    create_tables(dynamodb_client, {"submissions": name})
    environment = {
        **stage_environment(),
        "SUBMISSIONS_TABLE": name,
        "DYNAMODB_ENDPOINT_URL": dynamodb_endpoint,
        "S3_ENDPOINT_URL": dynamodb_endpoint,
        "EXPORTS_BUCKET": exports_bucket,
        CONTENT_IDS_VARIABLE: str(content_ids_file),
    }
    try:
        with chalice_client(chalice_app, environment, folder) as api:
            yield api, boto3.resource("dynamodb", endpoint_url=dynamodb_endpoint).Table(name)
    finally:
        dynamodb_client.delete_table(TableName=name)


@pytest.fixture
def token_store(submissions_table):
    """Staff tokens in this test's table."""
    from chalicelib.tokens import TokenStore

    return TokenStore(submissions_table)


@pytest.fixture
def admin_token(token_store):
    """A valid admin token (everything)."""
    return token_store.create("管理员甲", "admin", (), 30)


@pytest.fixture
def station_token(token_store):
    """A valid station token for station-01 only."""
    return token_store.create("驿站乙", "station", ("station-01",), 30)


@contextlib.contextmanager
def chalice_client(chalice_app, environment: dict[str, str], folder: Path):
    """Yield chalice.test.Client's HTTP client for the test stage, with this environment."""
    # The client takes a stage's environment from .chalice/config.json only, so it reads
    # a copy of the real file whose test stage names this test's table and endpoint.
    from chalice.test import Client

    config = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
    stage = config["stages"][TEST_STAGE]
    stage["environment_variables"] = {**stage.get("environment_variables", {}), **environment}
    (folder / ".chalice").mkdir()
    (folder / ".chalice" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with Client(chalice_app, stage_name=TEST_STAGE, project_dir=str(folder)) as client:
        yield client.http


@pytest.fixture
def api(chalice_app, api_environment, tmp_path):
    """chalice.test.Client for the test stage, its environment pointed at this test's tables."""
    with chalice_client(chalice_app, api_environment, tmp_path) as http:
        yield http


@pytest.fixture(scope="session")
def chalice_local_url(chalice_app):
    """Serve the app with `chalice local`'s own threaded server; yield its URL."""
    from chalice.cli.factory import CLIFactory
    from chalice.local import create_local_server

    config = CLIFactory(str(FUNCTIONS_DIR)).create_config_obj(chalice_stage_name=TEST_STAGE)
    server = create_local_server(chalice_app, config, "127.0.0.1", free_port())
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server.server_address[1]}"
    server.shutdown()
    server.server.server_close()
    thread.join()


@pytest.fixture
def chalice_local(chalice_local_url, api_environment, monkeypatch):
    """URL of `chalice local`, its environment pointed at this test's tables."""
    # chalice local reads the process environment on each request, as a Lambda would.
    for name, value in api_environment.items():
        monkeypatch.setenv(name, value)
    return chalice_local_url


def preflight(base_url: str, path: str, method: str, headers: str) -> http.client.HTTPResponse:
    """Send a browser's CORS preflight from the site's origin over HTTP; return the read answer."""
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.request(
            "OPTIONS",
            path,
            headers={
                "Origin": stage_environment()["SITE_ORIGIN"],
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": headers,
            },
        )
        response = connection.getresponse()
        response.read()
        return response
    finally:
        connection.close()


def bearer(token: str) -> dict[str, str]:
    """The headers of a staff request signed in with `token`."""
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def post_submission(api, path: str, data: dict) -> dict:
    """Submit a form as a member's page does (a fresh id, an empty honeypot); return the answer."""
    body = {**data, "id": str(uuid.uuid4())}
    if path.startswith("/forms/"):
        body["homepage"] = ""
    response = api.post(path, headers={"Content-Type": "application/json"}, body=json.dumps(body).encode())
    assert response.status_code == 201, response.body
    return response.json_body


STAFF_MOBILE = "13800138000"
STAFF_REGISTRATION = {
    "name": "高明",
    "mobile": STAFF_MOBILE,
    "home_org": "城关镇某村党支部",
    "employer": "某外卖平台",
    "work_area": "城关镇",
    "job_type": "courier",
    "source": "station-01",
    "consent": True,
}


VOLUNTEER = {
    "name": "赵志愿",
    "mobile": "13600136000",
    "helps": ["logistics"],
    "availability": "weekends",
    "team": "team-01",
    "consent": True,
}


def staff_request(station: str, contact: str | None = None) -> dict:
    """A request (诉求) form filled at a station, with a contact number if given."""
    data = {"station": station, "category": "station_service", "message": "驿站的饮水机坏了，希望尽快修好。"}
    if contact:
        data.update(contact=contact, consent=True)
    return data


def make_staff_world(api) -> dict[str, str]:
    """Submit what staff work on: a request at station-01 and one at station-02, one registered member."""
    return {
        "t1": post_submission(api, "/forms/request", staff_request("station-01", STAFF_MOBILE))["ticket"],
        "t2": post_submission(api, "/forms/request", staff_request("station-02"))["ticket"],
        "member": post_submission(api, "/forms/registration", STAFF_REGISTRATION)["id"],
        "mobile": STAFF_MOBILE,
    }


@pytest.fixture
def staff_world(api):
    """This test's records for staff to work on (see make_staff_world)."""
    return make_staff_world(api)
