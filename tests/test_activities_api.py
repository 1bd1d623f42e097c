"""Activity sign-ups (capacity, waiting list, one per number), attendance (its time window, one per
phone) and the staff's view of an activity, through the HTTP API against moto and dynalite."""

from __future__ import annotations

import csv
import io
import json
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from chalicelib.activityrecords import page_moment
from chalicelib.contentids import ContentIds, write_content_ids
from chalicelib.store import OFFICE_TZ
from chalicelib.tokens import TokenStore
from conftest import TEST_CONTENT_IDS, api_on_own_table, bearer

NOW = datetime.now(UTC)


def china(moment: datetime) -> str:
    """An activity's time as the content writes it: China time, to the minute."""
    return moment.astimezone(OFFICE_TZ).replace(second=0, microsecond=0).isoformat()


def activity(
    start: timedelta,
    hours: float = 2,
    capacity: int | None = None,
    deadline: timedelta | None = None,
    station: str | None = "station-01",
    online: bool = False,
) -> dict:
    return {
        "title": "测试活动",
        "kind": "培训",
        "start": china(NOW + start),
        "end": china(NOW + start + timedelta(hours=hours)),
        "capacity": capacity,
        "deadline": china(NOW + deadline) if deadline is not None else None,
        "online": online,
        "link": "https://meeting.example.org/1" if online else None,
        "station": station,
        "branch": None,
    }


ACTIVITIES = {
    "small": activity(timedelta(days=2), capacity=2, deadline=timedelta(days=1)),
    "once": activity(timedelta(days=2)),
    "closed": activity(timedelta(days=1), deadline=timedelta(hours=-1)),
    "started": activity(timedelta(minutes=-30), hours=2),
    "later": activity(timedelta(hours=3)),
    "past": activity(timedelta(hours=-5), hours=2),
    "online": activity(timedelta(minutes=10), online=True, station=None),
    "elsewhere": activity(timedelta(days=2), station="station-02"),
    # Sign-up still open (it starts in half an hour) and attendance already open (an hour before).
    "soon": activity(timedelta(minutes=30), capacity=1),
    "staff": activity(timedelta(days=2)),
}
CONTENT = ContentIds(TEST_CONTENT_IDS.stations, TEST_CONTENT_IDS.lessons, activities=ACTIVITIES)
PERSON = {"name": "王小明", "mobile": "13912345678", "consent": True}


@pytest.fixture(scope="module")
def shared(chalice_app, dynamodb_client, dynamodb_endpoint, exports_bucket, tmp_path_factory):
    """One table for the module (each test uses its own activities), the content naming them, an admin token."""
    folder = tmp_path_factory.mktemp("activities")
    ids_file = folder / "content-ids.json"
    write_content_ids(CONTENT, ids_file)
    with api_on_own_table(chalice_app, dynamodb_client, dynamodb_endpoint, exports_bucket, ids_file, folder) as (
        api,
        table,
    ):
        yield api, table, TokenStore(table).create("管理员甲", "admin", (), 30)


def post(api, path: str, body: dict):
    return api.post(path, headers={"Content-Type": "application/json"}, body=json.dumps(body).encode())


def sign_up(api, activity_id: str, mobile: str = PERSON["mobile"], **more):
    body = {**PERSON, "mobile": mobile, "activity": activity_id, "id": str(uuid.uuid4()), "homepage": "", **more}
    return post(api, "/forms/signup", body)


def attend(api, activity_id: str, phone: str | None = None, at: datetime | None = None, **more):
    body = {
        "id": str(uuid.uuid4()),
        "activity": activity_id,
        "phone": phone or str(uuid.uuid4()),
        "scanned_at": page_moment(at or datetime.now(UTC)),
        "way": "door",
        **more,
    }
    return post(api, "/attendance", body)


def staff(api, method: str, path: str, token, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else b""
    return api.request(method, path, headers=bearer(token.token), body=data)


@pytest.mark.needs("transactions")
def test_sign_ups_fill_the_places_then_the_waiting_list(shared):
    api, _, _ = shared
    first = sign_up(api, "small", "13900000001")
    second = sign_up(api, "small", "13900000002")
    assert [r.status_code for r in (first, second)] == [201, 201]
    assert [(r.json_body["status"], r.json_body["place"]) for r in (first, second)] == [
        ("signed_up", 1),
        ("signed_up", 2),
    ]
    full = sign_up(api, "small", "13900000003")
    assert full.status_code == 409
    assert "候补" in full.json_body["errors"]["waitlist"]
    waiting = sign_up(api, "small", "13900000003", waitlist="yes")
    assert waiting.status_code == 201, waiting.body
    assert (waiting.json_body["status"], waiting.json_body["place"]) == ("waiting", 1)
    places = api.get("/activities/small").json_body
    assert places == {"id": "small", "capacity": 2, "signed": 2, "waiting": 1, "full": True}


@pytest.mark.needs("transactions")
def test_a_replayed_sign_up_is_answered_as_before_and_counted_once(shared):
    api, _, _ = shared
    body = {**PERSON, "mobile": "13900000011", "activity": "once", "id": str(uuid.uuid4()), "homepage": ""}
    first = post(api, "/forms/signup", body)
    again = post(api, "/forms/signup", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json_body == first.json_body == {"id": body["id"], "status": "signed_up", "place": 1}
    assert api.get("/activities/once").json_body["signed"] == 1


@pytest.mark.needs("transactions")
def test_one_number_signs_up_once_per_activity(shared):
    api, _, _ = shared
    assert sign_up(api, "once", "13900000021").status_code == 201
    again = sign_up(api, "once", "139 0000 0021")
    assert again.status_code == 409
    assert "已经报名" in again.json_body["errors"]["mobile"]
    assert sign_up(api, "elsewhere", "13900000021").status_code == 201


@pytest.mark.parametrize(
    "activity_id, field, words",
    [("closed", "activity", "截止"), ("started", "activity", "已经开始"), ("nothing", "activity", "活动编号")],
)
def test_a_sign_up_too_late_or_for_no_activity_is_refused_by_field(shared, activity_id, field, words):
    api, table, _ = shared
    response = sign_up(api, activity_id, "13900000031")
    assert response.status_code == 400
    assert words in response.json_body["errors"][field]
    assert not [i for i in table.scan(ConsistentRead=True)["Items"] if "13900000031" in json.dumps(i, default=str)]


@pytest.mark.parametrize(
    "activity_id, at, words",
    [
        ("later", timedelta(0), "还没到签到时间"),
        ("past", timedelta(0), "签到时间已过"),
        ("started", timedelta(minutes=10), "手机上的时间"),
    ],
)
def test_attendance_outside_its_window_is_refused_and_records_nothing(shared, activity_id, at, words):
    api, table, _ = shared
    phone = str(uuid.uuid4())
    response = attend(api, activity_id, phone, datetime.now(UTC) + at)
    assert response.status_code == 400
    assert words in response.json_body["errors"]["scanned_at"]
    assert phone not in json.dumps(table.scan(ConsistentRead=True)["Items"], default=str)


@pytest.mark.needs("transactions")
def test_one_attendance_per_phone_per_activity(shared):
    api, _, _ = shared
    phone = str(uuid.uuid4())
    first = attend(api, "started", phone)
    assert first.status_code == 201, first.body
    second = attend(api, "started", phone)
    assert second.status_code == 200
    assert second.json_body == {"id": first.json_body["id"], "already": True}
    assert attend(api, "online", phone, way="online").status_code == 201


@pytest.mark.needs("transactions")
def test_a_scan_sent_later_is_judged_by_when_it_was_made(shared):
    api, _, _ = shared
    # Scanned during the activity, on a phone that was offline until after the window closed.
    during = attend(api, "past", at=datetime.now(UTC) - timedelta(hours=4))
    assert during.status_code == 201, during.body
    # A small clock allowance: a phone a minute fast is still taken.
    assert attend(api, "started", at=datetime.now(UTC) + timedelta(minutes=1)).status_code == 201


@pytest.mark.needs("transactions")
def test_staff_see_sign_ups_waiting_list_and_attendance_and_mark_attendance_once(shared):
    api, table, admin = shared
    signed = sign_up(api, "staff", "13900000041").json_body
    other = sign_up(api, "staff", "13900000042").json_body
    scanned = attend(api, "started").json_body  # another activity's: not listed here

    marked = staff(api, "POST", "/staff/activities/staff/attendance", admin, {"signup": signed["id"]})
    assert marked.status_code == 201, marked.body
    again = staff(api, "POST", "/staff/activities/staff/attendance", admin, {"signup": signed["id"].upper()})
    assert again.status_code == 200 and again.json_body["id"] == marked.json_body["id"]
    wrong = staff(api, "POST", "/staff/activities/once/attendance", admin, {"signup": other["id"]})
    assert wrong.status_code == 404

    view = staff(api, "GET", "/staff/activities/staff", admin)
    assert view.status_code == 200, view.body
    body = view.json_body
    assert [(s["id"], s["place"], s["attended"]) for s in body["signups"]] == [
        (signed["id"], 1, True),
        (other["id"], 2, False),
    ]
    assert body["waiting"] == []
    (attended,) = body["attendance"]
    assert attended["data"]["signup"] == signed["id"] and attended["data"]["way"] == "staff"
    assert attended["by_name"] == "管理员甲" and scanned["id"] != attended["id"]
    assert "person_key" not in json.dumps(body) and "holds" not in json.dumps(body)
    actions = [i["action"] for i in table.scan(ConsistentRead=True)["Items"] if i["pk"].startswith("audit#")]
    assert {"activity.attend", "activity.read"} <= set(actions)

    listed = staff(api, "GET", "/staff/activities", admin).json_body["items"]
    (row,) = [item for item in listed if item["id"] == "staff"]
    assert (row["signed"], row["waiting"], row["title"]) == (2, 0, "测试活动")
    # Sign-ups are listed by activity, never by day.
    assert staff(api, "GET", "/staff/submissions/signup", admin).status_code == 404


@pytest.mark.needs("transactions")
def test_an_activity_exports_its_sign_ups_for_excel(shared):
    api, _, admin = shared
    sign_up(api, "small", "13900000051", waitlist="yes")
    answer = staff(api, "POST", "/staff/activities/small/exports", admin, {"list": "signup", "format": "csv"})
    assert answer.status_code == 200, answer.body
    assert answer.json_body["filename"] == "活动报名_测试活动.csv"
    with urllib.request.urlopen(answer.json_body["url"], timeout=10) as response:
        text = response.read().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {"姓名", "手机号码", "报名状态", "序号", "是否签到"} <= set(rows[0])
    assert "候补" in {row["报名状态"] for row in rows}
    attendance = staff(api, "POST", "/staff/activities/small/exports", admin, {"list": "attendance", "format": "xlsx"})
    assert attendance.status_code == 200 and attendance.json_body["rows"] == 0


@pytest.mark.needs("transactions")
def test_a_station_token_sees_only_its_stations_activities(shared):
    api, table, _ = shared
    token = TokenStore(table).create("驿站乙", "station", ("station-01",), 30)
    listed = {item["id"] for item in staff(api, "GET", "/staff/activities", token).json_body["items"]}
    assert "small" in listed and "elsewhere" not in listed and "online" not in listed
    assert staff(api, "GET", "/staff/activities/elsewhere", token).status_code == 403
    assert staff(api, "GET", "/staff/activities/small", token).status_code == 200


@pytest.mark.needs("transactions")
def test_a_person_is_found_and_erased_with_their_sign_ups_and_attendance(shared):
    api, table, admin = shared
    mobile = "13900000061"
    signed = sign_up(api, "soon", mobile).json_body
    phone = str(uuid.uuid4())
    attended = attend(api, "soon", phone, signup=signed["id"])
    assert attended.status_code == 201, attended.body
    found = staff(api, "GET", f"/staff/people?mobile={mobile}", admin).json_body["records"]
    assert sorted(record["form"] for record in found) == ["attendance", "signup"]

    erased = staff(api, "DELETE", f"/staff/people?mobile={mobile}", admin)
    assert erased.status_code == 200 and erased.json_body["count"] == 2
    assert api.get("/activities/soon").json_body["signed"] == 0
    items = table.scan(ConsistentRead=True)["Items"]
    stored = json.dumps(items, default=str, ensure_ascii=False)
    assert mobile not in stored
    tombstone = table.get_item(Key={"pk": f"sub#{signed['id']}"})["Item"]
    assert set(tombstone) == {"pk", "id", "form", "expires_at", "tombstone", "erased_at"}
    assert not [i for i in items if i["pk"].startswith(("signup-person#soon", "attended-phone#soon"))]
    view = staff(api, "GET", "/staff/activities/soon", admin).json_body
    assert view["signups"] == view["attendance"] == []
    # The place is free again, the number may sign up anew and the phone attend again.
    again = sign_up(api, "soon", mobile)
    assert again.status_code == 201 and again.json_body["place"] == 1
    assert attend(api, "soon", phone).status_code == 201


def test_a_scan_linked_to_another_activitys_sign_up_is_refused(shared):
    api, _, _ = shared
    response = attend(api, "started", signup=str(uuid.uuid4()))
    assert response.status_code == 400
    assert response.json_body["errors"]["signup"]
