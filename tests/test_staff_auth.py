"""Every staff route needs a valid token, and a station token reaches only its own stations."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from chalicelib.errors import NotAuthenticated
from chalicelib.store import OFFICE_TZ
from chalicelib.tokens import TokenStore, hash_secret
from conftest import FUNCTIONS_DIR, VOLUNTEER, api_on_own_table, bearer, make_staff_world, post_submission

ROOT = FUNCTIONS_DIR.parent
TODAY = datetime.now(OFFICE_TZ).date().isoformat()

# Chalice's route, then (method, path, body) as called, then what a station-01 token asks
# that is outside its scope, as (path, body). In paths: {t1} is a request at station-01,
# {t2} one at station-02, {member} a registered member, {mobile} their number, {colleague}
# another member of staff's token, {job} an export job of the station-01 token's, {admin_job}
# one of an admin's. Each export asked for gets a new job id (see call).
# {signup} is a sign-up for activity-01 (at station-01).
# Today only: every day asked for is a Query per shard, and the records are all from today.
ONE_DAY = f"from={TODAY}&to={TODAY}"
EXPORT = {"form": "checkin", "format": "csv", "from": TODAY, "to": TODAY}
LIAISON = {"name": "王联络"}
REPORT = {"from": TODAY, "to": TODAY}
BRANCH = {"branch": "branch-01"}
FOLLOW_UP = {"date": TODAY, "note": "电话联系，情况良好"}
NEW_TOKEN = {"name": "同事丙", "role": "station", "stations": ["station-01"], "days": "7"}
TEAM_DECISION = {"team": "team-01", "decision": "approved"}
SERVICE = {"team": "team-01", "date": TODAY, "what": "给小区送生活物资", "times": "5", "hours": "2", "people": "1"}
REVIEW = {"decision": "confirmed"}
SERVICE_EXPORT = {"format": "csv", "from": TODAY, "to": TODAY}
MARK = {"signup": "{signup}"}
ACTIVITY_EXPORT = {"list": "signup", "format": "csv"}
ROUTES = [
    # Every valid token may ask whom it belongs to: this route has no scope to be outside of.
    ("/staff/me", "GET", "/staff/me", None, None),
    ("/staff/stats", "GET", f"/staff/stats?{ONE_DAY}", None, (f"/staff/stats?{ONE_DAY}&station=station-02", None)),
    (
        "/staff/submissions/{form_name}",
        "GET",
        f"/staff/submissions/request?{ONE_DAY}",
        None,
        (f"/staff/submissions/request?{ONE_DAY}&station=station-02", None),
    ),
    ("/staff/requests/{ticket}", "GET", "/staff/requests/{t1}", None, ("/staff/requests/{t2}", None)),
    (
        "/staff/requests/{ticket}",
        "PATCH",
        "/staff/requests/{t1}",
        {"status": "in_progress"},
        ("/staff/requests/{t2}", {"status": "in_progress"}),
    ),
    ("/staff/members/{member_id}", "GET", "/staff/members/{member}", None, ("/staff/members/{member}", None)),
    (
        "/staff/members/{member_id}/liaison",
        "PUT",
        "/staff/members/{member}/liaison",
        LIAISON,
        ("/staff/members/{member}/liaison", LIAISON),
    ),
    (
        "/staff/members/{member_id}/branch",
        "PUT",
        "/staff/members/{member}/branch",
        BRANCH,
        ("/staff/members/{member}/branch", BRANCH),
    ),
    (
        "/staff/members/{member_id}/follow-ups",
        "POST",
        "/staff/members/{member}/follow-ups",
        FOLLOW_UP,
        ("/staff/members/{member}/follow-ups", FOLLOW_UP),
    ),
    (
        "/staff/members/{member_id}/transfer",
        "PUT",
        "/staff/members/{member}/transfer",
        {"state": "in_progress"},
        ("/staff/members/{member}/transfer", {"state": "in_progress"}),
    ),
    (
        "/staff/exports",
        "POST",
        "/staff/exports",
        {**EXPORT, "station": "station-01"},
        ("/staff/exports", {**EXPORT, "station": "station-02"}),
    ),
    ("/staff/exports/{job_id}", "GET", "/staff/exports/{job}", None, ("/staff/exports/{admin_job}", None)),
    # A station token's list holds its own stations' activities: nothing to be outside of.
    ("/staff/activities", "GET", "/staff/activities", None, None),
    (
        "/staff/activities/{activity_id}",
        "GET",
        "/staff/activities/activity-01",
        None,
        ("/staff/activities/activity-02", None),
    ),
    (
        "/staff/activities/{activity_id}/attendance",
        "POST",
        "/staff/activities/activity-01/attendance",
        MARK,
        ("/staff/activities/activity-02/attendance", MARK),
    ),
    (
        "/staff/activities/{activity_id}/exports",
        "POST",
        "/staff/activities/activity-01/exports",
        ACTIVITY_EXPORT,
        ("/staff/activities/activity-02/exports", ACTIVITY_EXPORT),
    ),
    ("/staff/people", "GET", "/staff/people?mobile={mobile}", None, ("/staff/people?mobile={mobile}", None)),
    ("/staff/people", "DELETE", "/staff/people?mobile={mobile}", None, ("/staff/people?mobile={mobile}", None)),
    ("/staff/report", "GET", f"/staff/report?{ONE_DAY}", None, (f"/staff/report?{ONE_DAY}", None)),
    ("/staff/report/file", "POST", "/staff/report/file", REPORT, ("/staff/report/file", REPORT)),
    ("/staff/audit", "GET", f"/staff/audit?{ONE_DAY}", None, (f"/staff/audit?{ONE_DAY}", None)),
    ("/staff/tokens", "GET", "/staff/tokens", None, ("/staff/tokens", None)),
    ("/staff/tokens", "POST", "/staff/tokens", NEW_TOKEN, ("/staff/tokens", NEW_TOKEN)),
    ("/staff/tokens/{token_id}", "DELETE", "/staff/tokens/{colleague}", None, ("/staff/tokens/{colleague}", None)),
    (
        "/staff/volunteers/{volunteer_id}/team",
        "PUT",
        "/staff/volunteers/{volunteer}/team",
        TEAM_DECISION,
        ("/staff/volunteers/{volunteer}/team", TEAM_DECISION),
    ),
    ("/staff/service", "POST", "/staff/service", SERVICE, ("/staff/service", SERVICE)),
    (
        "/staff/service-reports/{report_id}/review",
        "PUT",
        "/staff/service-reports/{report}/review",
        REVIEW,
        ("/staff/service-reports/{report}/review", REVIEW),
    ),
    (
        "/staff/teams/{team}/service",
        "GET",
        f"/staff/teams/team-01/service?{ONE_DAY}",
        None,
        (f"/staff/teams/team-01/service?{ONE_DAY}", None),
    ),
    (
        "/staff/service/totals",
        "GET",
        f"/staff/service/totals?{ONE_DAY}",
        None,
        (f"/staff/service/totals?{ONE_DAY}", None),
    ),
    (
        "/staff/service/exports",
        "POST",
        "/staff/service/exports",
        SERVICE_EXPORT,
        ("/staff/service/exports", SERVICE_EXPORT),
    ),
]
CALLS = [route[1:] for route in ROUTES]
CALL_IDS = [f"{method} {path}" for _, method, path, _, _ in ROUTES]
SCOPED = [call for call in CALLS if call[3] is not None]
SCOPED_IDS = [f"{method} {path}" for method, path, _, scope in SCOPED]
# The calls a station-01 token may make on its own station's records.
STATION_IDS = {"GET /staff/me", f"GET /staff/stats?{ONE_DAY}", f"GET /staff/submissions/request?{ONE_DAY}"}
STATION_IDS |= {"POST /staff/exports", "GET /staff/exports/{job}"}
STATION_IDS |= {"GET /staff/requests/{t1}", "PATCH /staff/requests/{t1}"}
STATION_IDS |= {"GET /staff/activities", "GET /staff/activities/activity-01"}
STATION_IDS |= {"POST /staff/activities/activity-01/attendance", "POST /staff/activities/activity-01/exports"}
STATION_CALLS = [call for call, name in zip(CALLS, CALL_IDS, strict=True) if name in STATION_IDS]


def call(api, method, path, body, world, headers):
    """Make one staff request, with the world's record ids in the path (and an export a new job's id)."""
    if body is not None and body.get("form") == EXPORT["form"]:
        body = {**body, "job": str(uuid.uuid4())}
    if body is not None:
        body = {key: value.format(**world) if isinstance(value, str) else value for key, value in body.items()}
    data = json.dumps(body).encode() if body is not None else b""
    return api.request(method, path.format(**world), headers=headers, body=data)


def wrong_secret(token: str) -> str:
    token_id, _ = token.split(".")
    return f"{token_id}.{secrets.token_urlsafe(32)}"


def unknown_id(token: str) -> str:
    return f"{secrets.token_hex(6)}.{secrets.token_urlsafe(32)}"


def expired(store: TokenStore, submissions_table) -> str:
    month_ago = datetime.now(UTC) - timedelta(days=31)
    return TokenStore(submissions_table, clock=lambda: month_ago).create("过期", "admin", (), 30).token


def revoked(store: TokenStore, submissions_table) -> str:
    issued = store.create("停用", "admin", (), 30)
    store.revoke(issued.record.id)
    return issued.token


BAD_TOKENS = {
    "no token": lambda admin, store, table: None,
    "wrong secret of the right length": lambda admin, store, table: wrong_secret(admin),
    "unknown id of the right length": lambda admin, store, table: unknown_id(admin),
    "not a token": lambda admin, store, table: "Bearer",
    "expired": lambda admin, store, table: expired(store, table),
    "revoked": lambda admin, store, table: revoked(store, table),
}


def with_colleague(api, world: dict[str, str], tokens: TokenStore) -> dict[str, str]:
    """The world, a colleague's token (for the routes that revoke one) and a sign-up (to mark attended)."""
    signup = {"activity": "activity-01", "name": "王小明", "mobile": "13912345678", "consent": True}
    return {
        **world,
        "colleague": tokens.create("同事丁", "station", ("station-02",), 30).record.id,
        "signup": post_submission(api, "/forms/signup", signup)["id"],
    }


def export_job(table, token) -> str:
    """A finished export of this token's (only its record: following it reads no file); its job's id."""
    from chalicelib.exportjobs import ExportJob, ExportJobs

    jobs = ExportJobs(table)
    job_id = str(uuid.uuid4())
    day = datetime.now(OFFICE_TZ).date()
    fields = dict(form="checkin", format="csv", day_from=day, day_to=day, station=None, scope=None)
    job = ExportJob(
        job_id,
        token.record.id,
        **fields,
        status_filter=None,
        filename="签到.csv",
        fallback="checkin.csv",
        key=f"exports/{day}/{job_id}/checkin.csv",
        request_hash="",
    )
    jobs.finish(jobs.create(job), 0)
    return job_id


def with_volunteer(world: dict[str, str], api) -> dict[str, str]:
    """The world, a volunteer who asked to join team-01 and a member's report of service for
    it, for the routes that decide on them."""
    report = {**SERVICE, "name": "钱小骑", "mobile": "13500135000", "consent": True}
    return {
        **world,
        "volunteer": post_submission(api, "/forms/volunteer", VOLUNTEER)["id"],
        "report": post_submission(api, "/forms/service", report)["id"],
    }


@pytest.fixture
def world(api, staff_world, token_store, station_token, admin_token, submissions_table):
    """This test's records, a colleague's token and a volunteer (see with_colleague, with_volunteer),
    and the tokens' export jobs."""
    jobs = {
        "job": export_job(submissions_table, station_token),
        "admin_job": export_job(submissions_table, admin_token),
    }
    return {**with_volunteer(with_colleague(api, staff_world, token_store), api), **jobs}


def request_state(submissions_table, world):
    """Every item of the table: a refused call leaves all of them (and the audit log) untouched."""
    items = submissions_table.scan(ConsistentRead=True)["Items"]
    return sorted((item["pk"], json.dumps(item, sort_keys=True, default=str)) for item in items)


def test_every_staff_route_is_in_the_table_and_guarded(chalice_app):
    routes = {
        f"{method} {path}"
        for path, methods in chalice_app.routes.items()
        if path.startswith("/staff")
        for method in methods
    }
    assert routes == {f"{method} {route}" for route, method, _, _, _ in ROUTES}
    for path, methods in chalice_app.routes.items():
        if path.startswith("/staff"):
            for entry in methods.values():
                assert getattr(entry.view_function, "staff_only", False), f"{path} is not behind staff_only"


@pytest.fixture(scope="module")
def shared(chalice_app, dynamodb_client, dynamodb_endpoint, exports_bucket, content_ids_file, tmp_path_factory):
    """One table and its records for every refused call: refused calls change nothing (asserted)."""
    folder = tmp_path_factory.mktemp("shared")
    with api_on_own_table(
        chalice_app, dynamodb_client, dynamodb_endpoint, exports_bucket, content_ids_file, folder
    ) as (api, table):
        # Refused calls never reach a job: any id will do.
        jobs = {"job": str(uuid.uuid4()), "admin_job": str(uuid.uuid4())}
        world = {**with_volunteer(with_colleague(api, make_staff_world(api), TokenStore(table)), api), **jobs}
        admin = TokenStore(table).create("管理员甲", "admin", (), 30)
        yield api, world, table, admin


@pytest.mark.needs("transactions")
@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
@pytest.mark.parametrize("method, path, body, scope", CALLS, ids=CALL_IDS)
def test_a_missing_wrong_expired_or_revoked_token_gets_401(shared, case, method, path, body, scope):
    api, world, table, admin = shared
    token = BAD_TOKENS[case](admin.token, TokenStore(table), table)
    before = request_state(table, world)
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = token if token == "Bearer" else f"Bearer {token}"
    response = call(api, method, path, body, world, headers)
    assert response.status_code == 401, response.body
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json_body["message"]
    assert request_state(table, world) == before


@pytest.mark.needs("transactions")
@pytest.mark.parametrize("method, path, body, scope", SCOPED, ids=SCOPED_IDS)
def test_a_station_token_outside_its_scope_gets_403(
    api, world, station_token, submissions_table, method, path, body, scope
):
    before = request_state(submissions_table, world)
    out_path, out_body = scope
    response = call(api, method, out_path, out_body, world, bearer(station_token.token))
    assert response.status_code == 403, response.body
    assert response.json_body["message"]
    assert request_state(submissions_table, world) == before


@pytest.mark.needs("transactions")
@pytest.mark.parametrize("method, path, body, scope", CALLS, ids=CALL_IDS)
def test_an_admin_token_reaches_every_route(api, world, admin_token, method, path, body, scope):
    response = call(api, method, path, body, world, bearer(admin_token.token))
    assert response.status_code in (200, 201), response.body


@pytest.mark.needs("transactions")
@pytest.mark.parametrize("method, path, body, scope", STATION_CALLS, ids=sorted(STATION_IDS))
def test_a_station_token_reaches_its_own_station(api, world, station_token, method, path, body, scope):
    response = call(api, method, path, body, world, bearer(station_token.token))
    assert response.status_code in (200, 201), response.body


def test_tokens_are_stored_only_as_a_hash(token_store, submissions_table):
    issued = token_store.create("张三", "station", ("station-01", "station-02"), 30)
    token_id, secret = issued.token.split(".")
    item = submissions_table.get_item(Key={"pk": f"token#{token_id}"})["Item"]
    assert item["secret_sha256"] == hash_secret(secret)
    assert secret not in json.dumps(item, default=str)
    assert len(secret) == 43  # secrets.token_urlsafe(32)
    assert token_store.authenticate(issued.token) == issued.record


def test_tokens_list_and_revoke(token_store):
    first = token_store.create("张三", "admin", (), 30)
    second = token_store.create("李四", "station", ("station-01",), 7)
    assert {t.id for t in token_store.list()} == {first.record.id, second.record.id}
    assert token_store.revoke(first.record.id).revoked_at is not None
    assert token_store.revoke("000000000000") is None
    (listed,) = [t for t in token_store.list() if t.id == first.record.id]
    assert listed.revoked_at is not None


@pytest.mark.parametrize(
    "name, role, stations, days, fields",
    [
        ("", "admin", (), 30, {"name"}),
        ("张三", "boss", (), 30, {"role"}),
        ("张三", "station", (), 30, {"stations"}),
        ("张三", "admin", ("station-01",), 30, {"stations"}),
        ("张三", "station", ("Station One",), 30, {"stations"}),
        ("张三", "admin", (), 0, {"days"}),
        ("张三", "admin", (), 367, {"days"}),
        ("", "x", (), -1, {"name", "role", "days"}),
    ],
)
def test_a_bad_token_request_names_every_problem(token_store, name, role, stations, days, fields):
    from chalicelib.tokens import InvalidTokenRequest

    with pytest.raises(InvalidTokenRequest) as raised:
        token_store.create(name, role, stations, days)
    assert set(raised.value.errors) == fields


def test_every_staff_route_is_in_the_readme(chalice_app):
    readme = (FUNCTIONS_DIR.parent / "README.md").read_text(encoding="utf-8")
    # The README names the parameters as a reader would: {id}, {form}.
    names = {
        "{member_id}": "{id}",
        "{token_id}": "{id}",
        "{form_name}": "{form}",
        "{job_id}": "{job}",
        "{activity_id}": "{id}",
        "{volunteer_id}": "{id}",
        "{report_id}": "{id}",
    }
    for path, methods in chalice_app.routes.items():
        if not path.startswith("/staff"):
            continue
        for method in methods:
            shown = path
            for name, word in names.items():
                shown = shown.replace(name, word)
            assert f"| `{method} {shown}" in readme, f"{method} {path} is not in README.md's staff API table"


def test_the_tokens_command_creates_lists_and_revokes(dynamodb_endpoint, aws_test_env):
    from chalicelib.tables import create_stage_tables, stage_table_names

    create_stage_tables("dev", dynamodb_endpoint)
    table = boto3.resource("dynamodb", endpoint_url=dynamodb_endpoint).Table(stage_table_names("dev")["submissions"])

    def tokens(*args):
        command = [sys.executable, "build.py", "tokens", *args, "--stage", "dev", "--endpoint-url", dynamodb_endpoint]
        return subprocess.run(
            command, cwd=FUNCTIONS_DIR.parent, capture_output=True, text=True, timeout=60, check=False
        )

    created = tokens(
        "create", "--name", "张三", "--role", "station", "--stations", "hongqi-first-street", "--days", "7"
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.splitlines()[0].removeprefix("staff token: ")
    record = TokenStore(table).authenticate(token)
    assert (record.name, record.role, record.stations) == ("张三", "station", ("hongqi-first-street",))
    assert record.id in tokens("list").stdout

    assert tokens("revoke", "--id", record.id).returncode == 0
    with pytest.raises(NotAuthenticated):
        TokenStore(table).authenticate(token)
    assert "已吊销" in next(line for line in tokens("list").stdout.splitlines() if record.id in line)

    refused = tokens("create", "--name", "", "--role", "station", "--stations", "no-such-station", "--days", "0")
    assert refused.returncode == 2
    assert {line.split(":")[0] for line in refused.stderr.splitlines()} == {"--name", "--stations", "--days"}
