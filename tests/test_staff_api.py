"""The staff API against the moto server: requests, members, people, lists, numbers, audit, bad input."""

from __future__ import annotations

import base64
import copy
import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from chalicelib.audit import AuditLog
from chalicelib.errors import Refused
from chalicelib.forms import FORMS
from chalicelib.personkeys import PersonKeys
from chalicelib.records import StaffRecords
from chalicelib.staffinput import RequestChange
from chalicelib.stats import count_requests
from chalicelib.store import OFFICE_TZ, SubmissionStore, format_timestamp
from chalicelib.tables import TABLE_SPECS, create_tables
from chalicelib.updates import RecordUpdates
from conftest import (
    STAFF_MOBILE,
    STAFF_REGISTRATION,
    bearer,
    free_port,
    post_submission,
    preflight,
    staff_request,
    stage_environment,
)

JSON = {"Content-Type": "application/json"}
SOMEONE_ELSE = {
    **STAFF_REGISTRATION,
    "name": "李军",
    "mobile": "13700137000",
    "home_org": "丁湖镇某村党支部",
    "employer": "某快递公司",
    "work_area": "丁湖镇",
}
TODAY = datetime.now(OFFICE_TZ).date()
ONE_DAY = f"from={TODAY}&to={TODAY}"
SITE = stage_environment()


def send(api, method, path, token, body=None):
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
    return api.request(method, path, headers=bearer(token), body=data)


def audit_items(table):
    return [item for item in table.scan(ConsistentRead=True)["Items"] if item["pk"].startswith("audit#")]


# ---- Requests ----


@pytest.mark.needs("transactions")
def test_resolving_a_request_shows_the_reply_in_the_members_look_up(api, staff_world, admin_token, submissions_table):
    ticket = staff_world["t1"]
    before = api.get(f"/forms/request/{ticket}").json_body
    response = send(
        api, "PATCH", f"/staff/requests/{ticket}", admin_token.token, {"status": "resolved", "reply": "饮水机已修好。"}
    )
    assert response.status_code == 200, response.body
    record = response.json_body
    assert (record["status"], record["reply"]) == ("resolved", "饮水机已修好。")
    (entry,) = record["history"]
    assert (entry["from"], entry["to"], entry["by"], entry["by_name"]) == (
        "new",
        "resolved",
        admin_token.record.id,
        "管理员甲",
    )
    seen = api.get(f"/forms/request/{ticket}").json_body
    assert (seen["status"], seen["reply"]) == ("resolved", "饮水机已修好。")
    assert seen["updated_at"] > before["updated_at"]
    (audit,) = [item for item in audit_items(submissions_table) if item["action"] == "request.update"]
    assert audit["records"] == [record["id"]] and audit["by"] == admin_token.record.id
    assert audit["detail"]["status"] == "new->resolved"


@pytest.mark.needs("transactions")
@pytest.mark.parametrize(
    "steps, last_status",
    [
        (["in_progress", "resolved"], 200),
        (["resolved", "reopened", "in_progress", "resolved"], 200),
        (["resolved", "reopened", "resolved"], 200),
        (["in_progress", "in_progress"], 200),
        (["resolved", "in_progress"], 409),
        (["resolved", "new"], 409),
        (["reopened"], 409),
        (["in_progress", "new"], 409),
        (["in_progress", "reopened"], 409),
    ],
)
def test_status_moves_new_in_progress_resolved_or_reopened(api, staff_world, admin_token, steps, last_status):
    path = f"/staff/requests/{staff_world['t1']}"
    for step in steps[:-1]:
        assert send(api, "PATCH", path, admin_token.token, {"status": step}).status_code == 200
    response = send(api, "PATCH", path, admin_token.token, {"status": steps[-1]})
    assert response.status_code == last_status, response.body
    if last_status == 409:
        assert set(response.json_body["errors"]) == {"status"}
    applied = steps if last_status == 200 else steps[:-1]
    # Staying put changes nothing, so it leaves no history entry.
    moves = [to for before, to in zip(["new", *applied], applied, strict=False) if to != before]
    history = send(api, "GET", path, admin_token.token).json_body.get("history", [])
    assert [entry["to"] for entry in history] == moves


@pytest.mark.needs("transactions")
def test_a_reopened_request_is_in_progress_to_the_member(api, staff_world, admin_token):
    path = f"/staff/requests/{staff_world['t1']}"
    send(api, "PATCH", path, admin_token.token, {"status": "resolved", "reply": "已处理"})
    send(api, "PATCH", path, admin_token.token, {"status": "reopened"})
    assert send(api, "GET", path, admin_token.token).json_body["status"] == "reopened"
    assert api.get(f"/forms/request/{staff_world['t1']}").json_body["status"] == "in_progress"


@pytest.mark.needs("transactions")
def test_the_internal_note_never_reaches_the_member(api, staff_world, admin_token):
    path = f"/staff/requests/{staff_world['t1']}"
    response = send(api, "PATCH", path, admin_token.token, {"note": "已联系物业，周三上门"})
    assert response.json_body["note"] == "已联系物业，周三上门"
    assert "周三" not in json.dumps(api.get(f"/forms/request/{staff_world['t1']}").json_body, ensure_ascii=False)
    cleared = send(api, "PATCH", path, admin_token.token, {"note": ""})
    assert cleared.json_body["note"] == ""


@pytest.mark.needs("transactions")
@pytest.mark.parametrize(
    "body, fields",
    [
        ({}, {"status"}),
        ({"status": "done"}, {"status"}),
        ({"status": 3}, {"status"}),
        ({"reply": "长" * 501}, {"reply"}),
        ({"note": ["x"]}, {"note"}),
        ({"reply": "好\x00"}, {"reply"}),
        ({"status": "resolved", "extra": 1}, {"extra"}),
        ({"status": "x", "reply": 5, "note": {}}, {"status", "reply", "note"}),
    ],
)
def test_a_bad_change_names_every_field(api, staff_world, admin_token, body, fields):
    response = send(api, "PATCH", f"/staff/requests/{staff_world['t1']}", admin_token.token, body)
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == fields


@pytest.mark.parametrize("ticket", ["ABCDEFGH", "abc", "%00", "A" * 300])
def test_an_unknown_ticket_is_404(api, admin_token, ticket):
    assert send(api, "GET", f"/staff/requests/{ticket}", admin_token.token).status_code == 404
    assert send(api, "PATCH", f"/staff/requests/{ticket}", admin_token.token, {"status": "resolved"}).status_code == 404


@pytest.mark.needs("transactions")
def test_a_change_made_meanwhile_is_seen_before_writing(submissions_table, api, staff_world, admin_token):
    records = StaffRecords(submissions_table)
    stale = records.request(staff_world["t1"])
    send(api, "PATCH", f"/staff/requests/{staff_world['t1']}", admin_token.token, {"status": "resolved"})
    updates = RecordUpdates(submissions_table, records, AuditLog(submissions_table))
    # The stale copy still says "new"; the stored request is resolved and cannot go back.
    with pytest.raises(Refused):
        updates.update_request(stale, RequestChange("in_progress", None, None), admin_token.record)
    assert records.request(staff_world["t1"])["status"] == "resolved"


# ---- Members: liaison, follow-ups, transfer ----


@pytest.mark.needs("transactions")
def test_a_member_gets_a_liaison_follow_ups_and_a_transfer_state(api, staff_world, admin_token, submissions_table):
    member = f"/staff/members/{staff_world['member']}"
    token = admin_token.token
    liaison = send(
        api, "PUT", f"{member}/liaison", token, {"name": "王联络", "mobile": "139 0013 9000", "note": "同村"}
    )
    assert liaison.status_code == 200, liaison.body
    assert liaison.json_body["liaison"]["mobile"] == "13900139000"
    for day, note in [(TODAY - timedelta(days=3), "电话联系"), (TODAY, "上门走访，已转达组织关系转接流程")]:
        response = send(api, "POST", f"{member}/follow-ups", token, {"date": day.isoformat(), "note": note})
        assert response.status_code == 201, response.body
    transfer = send(api, "PUT", f"{member}/transfer", token, {"state": "in_progress"})
    assert transfer.status_code == 200
    shown = send(api, "GET", member, token).json_body
    assert shown["liaison"]["name"] == "王联络"
    assert [f["note"] for f in shown["follow_ups"]] == ["电话联系", "上门走访，已转达组织关系转接流程"]
    assert shown["transfer"]["state"] == "in_progress" and shown["transfer"]["by_name"] == "管理员甲"
    assert shown["data"]["name"] == "高明"
    actions = sorted(item["action"] for item in audit_items(submissions_table))
    assert actions == ["member.follow_up", "member.follow_up", "member.liaison", "member.read", "member.transfer"]


@pytest.mark.needs("transactions")
@pytest.mark.parametrize(
    "route, body, fields",
    [
        ("liaison", {}, {"name"}),
        ("liaison", {"name": "王", "mobile": "123"}, {"name", "mobile"}),
        ("liaison", {"name": "王联络", "age": 3}, {"age"}),
        ("follow-ups", {}, {"date", "note"}),
        ("follow-ups", {"date": "2025-02-30", "note": "电话联系"}, {"date"}),
        ("follow-ups", {"date": "20250101", "note": "电话联系"}, {"date"}),
        ("follow-ups", {"date": (TODAY + timedelta(days=2)).isoformat(), "note": "电话联系"}, {"date"}),
        ("follow-ups", {"date": "1999-01-01", "note": "x"}, {"date", "note"}),
        ("transfer", {"state": "finished"}, {"state"}),
        ("transfer", {"state": None}, {"state"}),
    ],
)
def test_a_bad_member_change_names_every_field(api, staff_world, admin_token, route, body, fields):
    method = "POST" if route == "follow-ups" else "PUT"
    response = send(api, method, f"/staff/members/{staff_world['member']}/{route}", admin_token.token, body)
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == fields


@pytest.mark.needs("transactions")
# A fixed id no test stores: parameters drawn at import would differ between pytest-xdist workers.
@pytest.mark.parametrize("member", ["5f0c2a3e-9d41-4b7a-8e2f-0a6b1c3d4e5f", "not-an-id", "%00", "request"])
@pytest.mark.parametrize(
    "method, suffix, body",
    [
        ("GET", "", None),
        ("PUT", "/liaison", {"name": "王联络"}),
        ("POST", "/follow-ups", {"date": TODAY.isoformat(), "note": "电话联系"}),
        ("PUT", "/transfer", {"state": "done"}),
    ],
)
def test_an_unknown_member_is_404(api, staff_world, admin_token, member, method, suffix, body, submissions_table):
    if member == "request":
        # A request's id is not a member's.
        member = StaffRecords(submissions_table).request(staff_world["t1"])["id"]
    response = send(api, method, f"/staff/members/{member}{suffix}", admin_token.token, body)
    assert response.status_code == 404


# ---- People: find and erase ----


@pytest.mark.needs("transactions")
def test_a_person_is_found_by_their_number_however_it_is_typed(api, staff_world, admin_token):
    post_submission(
        api,
        "/forms/volunteer",
        {"name": "高明", "mobile": STAFF_MOBILE, "helps": ["safety"], "availability": "anytime", "consent": True},
    )
    response = send(api, "GET", f"/staff/people?mobile={quote('+86 138-0013-8000')}", admin_token.token)
    assert response.status_code == 200, response.body
    assert response.json_body["mobile"] == STAFF_MOBILE
    assert sorted(record["form"] for record in response.json_body["records"]) == [
        "registration",
        "request",
        "volunteer",
    ]


def submit_again(api, registration, request):
    """Send the very same submissions (same ids), as a phone's retry queue would."""
    sent = [("/forms/registration", registration), ("/forms/request", request)]
    return [api.post(path, headers=JSON, body=json.dumps(body).encode()) for path, body in sent]


@pytest.mark.needs("transactions")
def test_erasing_a_person_leaves_nothing_and_a_replay_is_not_stored(api, admin_token, submissions_table):
    registration = {**STAFF_REGISTRATION, "id": str(uuid.uuid4()), "homepage": ""}
    request = {**staff_request("station-01", STAFF_MOBILE), "id": str(uuid.uuid4()), "homepage": ""}
    first = submit_again(api, registration, request)
    ticket = first[1].json_body["ticket"]
    other = post_submission(api, "/forms/registration", SOMEONE_ELSE)

    erased = send(api, "DELETE", f"/staff/people?mobile={STAFF_MOBILE}", admin_token.token)
    assert erased.status_code == 200, erased.body
    assert sorted(erased.json_body["erased"]) == sorted([registration["id"], request["id"]])

    assert send(api, "GET", f"/staff/people?mobile={STAFF_MOBILE}", admin_token.token).status_code == 404
    assert api.get(f"/forms/request/{ticket}").status_code == 404
    stored = json.dumps(submissions_table.scan(ConsistentRead=True)["Items"], ensure_ascii=False, default=str)
    for personal in (STAFF_MOBILE, "高明", "城关镇某村党支部", "饮水机"):
        assert personal not in stored
    listed = send(api, "GET", f"/staff/submissions/registration?{ONE_DAY}", admin_token.token).json_body["items"]
    assert [record["id"] for record in listed] == [other["id"]]

    # The phone replays the old submissions: answered as before, stored no more.
    replays = submit_again(api, registration, request)
    assert [r.status_code for r in replays] == [200, 200]
    assert [r.json_body for r in replays] == [r.json_body for r in first]
    tombstone = submissions_table.get_item(Key={"pk": f"sub#{registration['id']}"})["Item"]
    assert set(tombstone) == {"pk", "id", "form", "tombstone", "erased_at"}
    assert send(api, "GET", f"/staff/people?mobile={STAFF_MOBILE}", admin_token.token).status_code == 404

    # Registering again, by their own choice, is a new registration.
    again = post_submission(api, "/forms/registration", STAFF_REGISTRATION)
    found = send(api, "GET", f"/staff/people?mobile={STAFF_MOBILE}", admin_token.token).json_body["records"]
    assert [record["id"] for record in found] == [again["id"]]
    (erase,) = [item for item in audit_items(submissions_table) if item["action"] == "person.erase"]
    assert STAFF_MOBILE not in json.dumps(erase, default=str)


@pytest.mark.parametrize("query", ["", "?mobile=", "?mobile=12345", "?mobile=abc", "?mobile=1380013800O", "?x=1"])
def test_a_bad_number_is_400_by_field(api, admin_token, query):
    for method in ("GET", "DELETE"):
        response = send(api, method, f"/staff/people{query}", admin_token.token)
        assert response.status_code == 400
        assert response.json_body["errors"]


@pytest.mark.needs("transactions")
def test_the_person_key_is_a_keyed_hash_not_the_number(api, staff_world, submissions_table):
    items = [i for i in submissions_table.scan(ConsistentRead=True)["Items"] if "person_key" in i]
    assert len(items) == 2
    assert {item["person_key"] for item in items} == {PersonKeys(submissions_table).key_of(STAFF_MOBILE)}
    assert STAFF_MOBILE not in items[0]["person_key"] and len(items[0]["person_key"]) == 64


# ---- Lists ----


@pytest.fixture
def many_checkins(submissions_table):
    """Check-ins over three office days, several shards, two stations; newest last."""
    start = datetime.combine(TODAY - timedelta(days=2), datetime.min.time(), OFFICE_TZ) + timedelta(hours=8)
    moments = (start + timedelta(hours=5 * step) for step in itertools.count())
    store = SubmissionStore(submissions_table, clock=lambda: next(moments))
    return [store.save(FORMS["checkin"], str(uuid.uuid4()), {"station": f"station-0{1 + n % 2}"}).id for n in range(11)]


def test_a_list_pages_newest_first_with_a_cursor(api, admin_token, many_checkins, submissions_table):
    seen, cursor, pages = [], None, 0
    while True:
        query = f"from={TODAY - timedelta(days=2)}&to={TODAY}&limit=3" + (f"&cursor={cursor}" if cursor else "")
        response = send(api, "GET", f"/staff/submissions/checkin?{query}", admin_token.token)
        assert response.status_code == 200, response.body
        seen += [record["id"] for record in response.json_body["items"]]
        cursor, pages = response.json_body["cursor"], pages + 1
        if cursor is None:
            break
    assert seen == list(reversed(many_checkins))
    assert pages == 4
    listed = [item for item in audit_items(submissions_table) if item["action"] == "submissions.list"]
    assert sum(len(item["records"]) for item in listed) == 11


def test_a_list_filters_by_station_and_a_station_token_sees_only_its_own(
    api, admin_token, station_token, many_checkins
):
    query = f"from={TODAY - timedelta(days=2)}&to={TODAY}"
    one = send(api, "GET", f"/staff/submissions/checkin?{query}&station=station-02", admin_token.token).json_body
    assert {record["data"]["station"] for record in one["items"]} == {"station-02"}
    assert len(one["items"]) == 5
    own = send(api, "GET", f"/staff/submissions/checkin?{query}", station_token.token).json_body
    assert {record["data"]["station"] for record in own["items"]} == {"station-01"}
    assert len(own["items"]) == 6


@pytest.mark.needs("transactions")
def test_a_list_filters_requests_by_status(api, staff_world, admin_token):
    send(api, "PATCH", f"/staff/requests/{staff_world['t2']}", admin_token.token, {"status": "in_progress"})
    response = send(api, "GET", f"/staff/submissions/request?{ONE_DAY}&status=in_progress", admin_token.token)
    assert [record["ticket"] for record in response.json_body["items"]] == [staff_world["t2"]]
    assert "pk" not in response.json_body["items"][0] and "person_key" not in response.json_body["items"][0]


@pytest.mark.parametrize(
    "form, query, fields",
    [
        ("checkin", "from=2025-13-01", {"from"}),
        ("checkin", "from=2025-02-30&to=2025-03-01", {"from"}),
        ("checkin", "from=yesterday&to=today", {"from", "to"}),
        ("checkin", "from=2025-03-02&to=2025-03-01", {"from"}),
        ("checkin", "from=2024-01-01&to=2025-03-01", {"to"}),
        ("checkin", "limit=0", {"limit"}),
        ("checkin", "limit=101", {"limit"}),
        ("checkin", "limit=ten", {"limit"}),
        ("checkin", "cursor=abc", {"cursor"}),
        ("checkin", "cursor=" + "eyJkIjoiMjAwMC0wMS0wMSIsImIiOiJ4In0", {"cursor"}),
        ("checkin", "station=Station%20One", {"station"}),
        ("checkin", "status=resolved", {"status"}),
        ("registration", "station=station-01", {"station"}),
        ("request", "status=closed", {"status"}),
        ("request", "page=2", {"page"}),
        ("request", "limit=5&limit=6", {"limit"}),
        (
            "volunteer",
            "from=2025-01-01&to=2025-01-31&limit=x&station=a&status=new&extra=1",
            {"limit", "station", "status", "extra"},
        ),
    ],
)
def test_bad_filters_name_every_field(api, admin_token, form, query, fields):
    response = send(api, "GET", f"/staff/submissions/{form}?{query}", admin_token.token)
    assert response.status_code == 400, response.body
    assert set(response.json_body["errors"]) == fields


def test_an_unknown_form_is_404(api, admin_token):
    assert send(api, "GET", "/staff/submissions/nothing", admin_token.token).status_code == 404


# ---- Numbers ----


@pytest.mark.needs("transactions")
def test_the_numbers_count_members_study_check_ins_and_requests(api, admin_token, station_token, submissions_table):
    for source in ("letter-home", "letter-home", "station-01"):
        post_submission(api, "/forms/registration", {**STAFF_REGISTRATION, "source": source})
    member = post_submission(api, "/forms/registration", {**STAFF_REGISTRATION, "mobile": "13700137000"})["id"]
    send(api, "PUT", f"/staff/members/{member}/liaison", admin_token.token, {"name": "王联络"})
    for lesson in ("heat-safety-summer", "heat-safety-summer", "using-stations"):
        post_submission(api, "/study", {"lesson": lesson})
    for station in ("station-01", "station-01", "station-02"):
        post_submission(api, "/checkins", {"station": station})
    tickets = [post_submission(api, "/forms/request", staff_request(s))["ticket"] for s in ("station-01", "station-02")]
    send(api, "PATCH", f"/staff/requests/{tickets[0]}", admin_token.token, {"status": "resolved"})

    stats = send(api, "GET", f"/staff/stats?{ONE_DAY}", admin_token.token).json_body
    registrations = stats["registrations"]
    assert (registrations["total"], registrations["with_liaison"]) == (4, 1)
    assert registrations["by_source"][0] == {"key": "letter-home", "count": 2}
    assert sum(week["count"] for week in registrations["by_week"]) == 4
    assert stats["study"]["by_lesson"][0] == {"key": "heat-safety-summer", "count": 2}
    assert stats["study"]["by_day"] == [{"key": TODAY.isoformat(), "count": 3}]
    assert stats["checkins"]["by_station"] == [{"key": "station-01", "count": 2}, {"key": "station-02", "count": 1}]
    requests = stats["requests"]
    assert requests["total"] == 2 and requests["resolved"] == 1
    assert {row["key"]: row["count"] for row in requests["by_status"]} == {
        "new": 1,
        "in_progress": 0,
        "resolved": 1,
        "reopened": 0,
    }
    assert requests["median_hours_to_resolve"] is not None

    own = send(api, "GET", f"/staff/stats?{ONE_DAY}", station_token.token).json_body
    assert "registrations" not in own and "study" not in own
    assert own["checkins"]["by_station"] == [{"key": "station-01", "count": 2}]
    assert own["requests"]["total"] == 1


def test_by_day_lists_every_day_of_the_range(api, admin_token):
    week = f"from={TODAY - timedelta(days=6)}&to={TODAY}"
    stats = send(api, "GET", f"/staff/stats?{week}", admin_token.token).json_body
    assert [row["key"] for row in stats["checkins"]["by_day"]] == [
        (TODAY - timedelta(days=n)).isoformat() for n in range(6, -1, -1)
    ]


def _request_item(created: datetime, *moves: tuple[datetime, str]) -> dict:
    history = [{"at": format_timestamp(at), "to": to} for at, to in moves]
    return {"status": moves[-1][1] if moves else "new", "created_at": format_timestamp(created), "history": history}


T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "items, median",
    [
        ([], None),
        ([_request_item(T0)], None),
        ([_request_item(T0, (T0 + timedelta(hours=2), "resolved"))], 2.0),
        (
            [
                _request_item(T0, (T0 + timedelta(hours=1), "resolved")),
                _request_item(T0, (T0 + timedelta(hours=3), "in_progress"), (T0 + timedelta(hours=5), "resolved")),
                _request_item(T0, (T0 + timedelta(hours=9), "resolved")),
            ],
            5.0,
        ),
        # Reopened and resolved again: the time to the last resolution counts.
        (
            [
                _request_item(
                    T0,
                    (T0 + timedelta(hours=1), "resolved"),
                    (T0 + timedelta(hours=2), "reopened"),
                    (T0 + timedelta(hours=4), "resolved"),
                )
            ],
            4.0,
        ),
        ([_request_item(T0, (T0 + timedelta(hours=1), "resolved"), (T0 + timedelta(hours=2), "reopened"))], None),
    ],
)
def test_median_time_to_resolve_comes_from_the_status_history(items, median):
    assert count_requests(items)["median_hours_to_resolve"] == median


# ---- Audit ----


@pytest.mark.needs("transactions")
def test_admins_read_the_audit_log_newest_first(api, staff_world, admin_token, station_token):
    send(api, "GET", f"/staff/requests/{staff_world['t1']}", station_token.token)
    send(api, "PATCH", f"/staff/requests/{staff_world['t1']}", station_token.token, {"status": "in_progress"})
    send(api, "GET", f"/staff/people?mobile={STAFF_MOBILE}", admin_token.token)
    first = send(api, "GET", f"/staff/audit?{ONE_DAY}&limit=2", admin_token.token).json_body
    assert [entry["action"] for entry in first["items"]] == ["person.read", "request.update"]
    assert first["items"][1]["by_name"] == "驿站乙" and first["items"][1]["role"] == "station"
    rest = send(api, "GET", f"/staff/audit?{ONE_DAY}&cursor={first['cursor']}", admin_token.token).json_body
    assert [entry["action"] for entry in rest["items"]] == ["request.read"]
    assert rest["cursor"] is None
    assert STAFF_MOBILE not in json.dumps(first, ensure_ascii=False)


# ---- Faults and odd input: never a 500 ----

SURROGATE_CURSOR = (
    base64.urlsafe_b64encode(json.dumps({"d": TODAY.isoformat(), "b": "\ud800"}).encode()).decode().rstrip("=")
)
ODD_CALLS = [
    ("PATCH", "/staff/requests/{t1}", b"{", 400),
    ("PATCH", "/staff/requests/{t1}", b"[]", 400),
    ("PATCH", "/staff/requests/{t1}", b"\xff\xfe", 400),
    ("PATCH", "/staff/requests/{t1}", b'{"reply": "' + b"x" * 17000 + b'"}', 413),
    ("PATCH", "/staff/requests/{t1}", b'{"status": NaN}', 400),
    ("PATCH", "/staff/requests/{t1}", b"[" * 5000, 400),
    ("PUT", "/staff/members/{member}/liaison", b"null", 400),
    ("POST", "/staff/members/{member}/follow-ups", b'{"date": "\\ud800", "note": "x"}', 400),
    ("POST", "/staff/exports", b'{"form": ["request"], "format": {}}', 400),
    ("POST", "/staff/exports", b"", 400),
    ("GET", "/staff/submissions/request?from=%ff", None, 400),
    ("GET", "/staff/submissions/request?cursor=%00%00", None, 400),
    # A well-formed cursor whose position holds a lone surrogate, which JSON allows.
    ("GET", f"/staff/submissions/request?{ONE_DAY}&cursor={SURROGATE_CURSOR}", None, 400),
    ("GET", "/staff/submissions/" + "x" * 300, None, 404),
    ("GET", "/staff/stats?from=0000-00-00", None, 400),
    ("GET", "/staff/stats?from=9999-12-31&to=9999-12-31", None, 400),
    ("GET", "/staff/stats?from=0001-01-01&to=0001-01-01", None, 400),
    ("GET", "/staff/audit?limit=99999999999999999999", None, 400),
    # Full-width digits from a Chinese keyboard: the same number.
    ("GET", "/staff/people?mobile=" + quote("１３８００１３８０００"), None, 200),
    ("GET", "/staff/members/" + "%00" * 40, None, 404),
]


@pytest.mark.needs("transactions")
@pytest.mark.parametrize("method, path, body, status", ODD_CALLS, ids=[f"{n}" for n in range(len(ODD_CALLS))])
def test_odd_input_never_answers_500(api, staff_world, admin_token, method, path, body, status):
    headers = bearer(admin_token.token)
    response = api.request(method, path.format(**staff_world), headers=headers, body=body or b"")
    assert response.status_code == status, response.body[:300]


def test_an_unreachable_table_answers_503_not_401(chalice_app, api_environment, tmp_path, admin_token):
    from conftest import chalice_client

    down = {**api_environment, "DYNAMODB_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    (tmp_path / "down").mkdir()
    with chalice_client(chalice_app, down, tmp_path / "down") as client:
        response = client.get("/staff/me", headers=bearer(admin_token.token))
    assert response.status_code == 503
    assert response.headers["Retry-After"]


@pytest.mark.parametrize(
    "path, method",
    [
        ("/staff/requests/ABCDEFGH", "PATCH"),
        ("/staff/members/x/liaison", "PUT"),
        ("/staff/people", "DELETE"),
        ("/staff/exports", "POST"),
        ("/staff/stats", "GET"),
        ("/staff/tokens", "POST"),
        ("/staff/tokens/0123456789ab", "DELETE"),
    ],
)
def test_cors_lets_the_site_send_the_token_and_change_records(chalice_local, path, method):
    response = preflight(chalice_local, path, method, "authorization,content-type")
    assert response.status == 200
    assert response.getheader("Access-Control-Allow-Origin") == SITE["SITE_ORIGIN"]
    assert method in response.getheader("Access-Control-Allow-Methods")
    assert "Authorization" in response.getheader("Access-Control-Allow-Headers")


def test_a_refused_token_still_gets_cors_headers(api):
    response = api.get("/staff/me", headers={"Origin": SITE["SITE_ORIGIN"]})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == SITE["SITE_ORIGIN"]


@pytest.mark.needs("new indexes on on-demand tables")
def test_a_table_made_before_the_person_index_gets_it(dynamodb_client):
    name = f"test-{uuid.uuid4().hex[:12]}-submissions"
    older = copy.deepcopy(TABLE_SPECS["submissions"])
    older["GlobalSecondaryIndexes"] = [i for i in older["GlobalSecondaryIndexes"] if i["IndexName"] == "by_day"]
    older["AttributeDefinitions"] = [a for a in older["AttributeDefinitions"] if a["AttributeName"] != "person_key"]
    dynamodb_client.create_table(TableName=name, **older)
    try:
        assert create_tables(dynamodb_client, {"submissions": name}) == []
        indexes = dynamodb_client.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
        assert {index["IndexName"] for index in indexes} == {"by_day", "by_person"}
    finally:
        dynamodb_client.delete_table(TableName=name)
