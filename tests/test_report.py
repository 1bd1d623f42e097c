"""The office's report: figures counted from a seeded set whose counts are known, beside the period before."""

from __future__ import annotations

import io
import itertools
import json
import urllib.request
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from chalicelib.forms import FORMS
from chalicelib.personkeys import PersonKeys
from chalicelib.report import (
    SECTIONS,
    Period,
    activities_held,
    count_activities,
    count_members,
    count_service,
    count_study,
    count_volunteers,
)
from chalicelib.reportfile import SERIES
from chalicelib.store import OFFICE_TZ, SubmissionStore
from conftest import STAFF_REGISTRATION, TEST_CONTENT_IDS, bearer, staff_request

TODAY = datetime.now(OFFICE_TZ).date()
# A week ending today, and the week before it.
PERIOD = Period(TODAY - timedelta(days=6), TODAY)
WEEK = f"from={PERIOD.first}&to={PERIOD.last}"
MOBILE_A, MOBILE_B, MOBILE_C = "13800138001", "13800138002", "13800138003"


def test_the_period_before_has_as_many_days_and_ends_the_day_before():
    before = PERIOD.before()
    assert (before.days, before.last) == (7, PERIOD.first - timedelta(days=1))
    assert Period(TODAY, TODAY).before() == Period(TODAY - timedelta(days=1), TODAY - timedelta(days=1))


def _registration(id_, person, day="2026-11-02", **extra):
    return {
        "id": id_,
        "person_key": person,
        "created_at": f"{day}T01:00:00Z",
        "day_key": f"registration#{day}#0",
        **extra,
    }


def test_a_number_registered_twice_is_one_member_and_a_possible_duplicate():
    figures, by_week, duplicates = count_members(
        [
            _registration("a1", "pa"),
            _registration("a2", "pa", day="2026-11-03", transfer={"state": "done"}),
            _registration("b1", "pb", liaison={"name": "王"}, branch={"id": "x"}),
            # Stored before the person index: counts as a person of its own.
            {"id": "old", "created_at": "2026-11-04T01:00:00Z", "day_key": "registration#2026-11-04#3"},
        ]
    )
    assert figures == {
        "members_returned": 3,
        "registrations": 4,
        "members_with_liaison": 1,
        "members_with_branch": 1,
        "members_transferred": 1,
    }
    assert duplicates == [
        {
            "registrations": [
                {"id": "a1", "created_at": "2026-11-02T01:00:00Z"},
                {"id": "a2", "created_at": "2026-11-03T01:00:00Z"},
            ]
        }
    ]
    assert by_week == [{"key": "2026-11-02", "count": 4}]


def test_learners_are_the_distinct_registrations_that_marked_a_lesson():
    figures, by_lesson = count_study(
        [
            {"data": {"lesson": "a", "member": "m1"}},
            {"data": {"lesson": "a", "member": "m1"}},
            {"data": {"lesson": "a"}},
            {"data": {"lesson": "b", "member": "m2"}},
        ]
    )
    assert figures == {"study_sessions": 4, "learners": 2, "lessons_studied": 2}
    assert by_lesson == [{"key": "a", "count": 3}, {"key": "b", "count": 1}]


def test_activities_held_in_the_period_are_counted_by_kind_with_their_sign_ups_and_attendance():
    activities = {
        "a": {"kind": "组织生活", "start": "2026-11-02T19:30+08:00"},
        "b": {"kind": "培训", "start": "2026-11-08T09:00+08:00"},
        "c": {"kind": "其他", "start": "2026-11-05T09:00+08:00"},
        # The next day in China: outside a period ending on the 8th.
        "d": {"kind": "培训", "start": "2026-11-09T00:30+08:00"},
    }
    held = activities_held(activities, Period(date(2026, 11, 2), date(2026, 11, 8)))
    assert set(held) == {"a", "b", "c"}
    figures = count_activities(held, {"a": 10, "b": 4, "d": 9}, {"a": 8, "b": 3, "d": 9})
    assert figures == {
        "activities": 3,
        "activities_organisation_life": 1,
        "activities_training": 1,
        "activities_volunteering": 0,
        "signups": 14,
        "attendance": 11,
        "training_attendance": 3,
    }


def test_volunteers_count_once_per_number_and_service_counts_confirmed_totals():
    volunteers = [
        {"id": "1", "person_key": "p"},
        {"id": "2", "person_key": "p", "team_decision": {"state": "approved"}},
        {"id": "3", "person_key": "q", "team_decision": {"state": "declined"}},
    ]
    assert count_volunteers(volunteers) == {"volunteers": 2, "volunteers_in_teams": 1}
    totals = {"total": {"records": 3, "times": 584, "hours": Decimal("12.5"), "people": 21}}
    assert count_service(totals) == {
        "service_records": 3,
        "service_times": 584,
        "service_hours": 12.5,
        "service_people": 21,
    }


def _store_on(table, day):
    """A store whose submissions are made at 10:00, 10:01 … China time on `day`."""
    start = datetime.combine(day, datetime.min.time(), OFFICE_TZ) + timedelta(hours=10)
    moments = (start + timedelta(minutes=n) for n in itertools.count())
    return SubmissionStore(table, clock=lambda: next(moments), person_keys=PersonKeys(table))


def _save(store, form, data):
    return store.save(FORMS[form], str(uuid.uuid4()), data)


@pytest.fixture
def seeded(api, submissions_table, admin_token):
    """Submissions over this week and the last, with their counts known."""
    this_week = _store_on(submissions_table, TODAY - timedelta(days=2))
    last_week = _store_on(submissions_table, TODAY - timedelta(days=9))
    a1 = _save(this_week, "registration", {**STAFF_REGISTRATION, "mobile": MOBILE_A}).id
    a2 = _save(this_week, "registration", {**STAFF_REGISTRATION, "mobile": MOBILE_A, "name": "高明明"}).id
    b = _save(this_week, "registration", {**STAFF_REGISTRATION, "mobile": MOBILE_B, "name": "李军"}).id
    _save(last_week, "registration", {**STAFF_REGISTRATION, "mobile": MOBILE_C, "name": "张伟"})
    for lesson, member in (("lesson-01", a1), ("lesson-01", a1), ("lesson-01", None), ("lesson-02", b)):
        _save(this_week, "study", {"lesson": lesson, **({"member": member} if member else {})})
    for station in ("station-01", "station-01", "station-02"):
        _save(this_week, "checkin", {"station": station})
    _save(last_week, "checkin", {"station": "station-02"})
    resolved = _save(this_week, "request", staff_request("station-01")).ticket
    _save(this_week, "request", staff_request("station-02"))
    _save(last_week, "request", staff_request("station-01"))
    token = bearer(admin_token.token)
    for method, path, body in (
        ("PUT", f"/staff/members/{b}/liaison", {"name": "王联络"}),
        ("PUT", f"/staff/members/{a2}/transfer", {"state": "done"}),
        ("PATCH", f"/staff/requests/{resolved}", {"status": "resolved", "reply": "已处理"}),
    ):
        response = api.request(method, path, headers=token, body=json.dumps(body).encode())
        assert response.status_code == 200, response.body
    return {"a1": a1, "a2": a2}


EXPECTED = {
    # figure: (this week, last week)
    "members_returned": (2, 1),
    "registrations": (3, 1),
    "members_with_liaison": (1, 0),
    "members_transferred": (1, 0),
    "study_sessions": (4, 0),
    "learners": (2, 0),
    "lessons_studied": (2, 0),
    "stations": (2, 2),
    "checkins": (3, 1),
    "requests": (2, 1),
    "requests_resolved": (1, 0),
}


@pytest.mark.needs("transactions")
def test_the_report_counts_what_was_stored_beside_the_week_before(api, seeded, admin_token):
    response = api.get(f"/staff/report?{WEEK}", headers=bearer(admin_token.token))
    assert response.status_code == 200, response.body
    report = response.json_body
    assert (report["from"], report["to"]) == (str(PERIOD.first), str(PERIOD.last))
    assert (report["previous_from"], report["previous_to"]) == (str(PERIOD.before().first), str(PERIOD.before().last))
    assert [section["key"] for section in report["sections"]] == [section.key for section in SECTIONS]
    figures = {figure["key"]: figure for section in report["sections"] for figure in section["figures"]}
    assert {key: (figures[key]["value"], figures[key]["previous"]) for key in EXPECTED} == EXPECTED
    # Resolved the moment the test ran, two days after it was made: about 48 hours less ten in the morning.
    assert 24 <= figures["median_hours_to_resolve"]["value"] <= 72
    assert figures["median_hours_to_resolve"]["previous"] is None
    assert [[record["id"] for record in group["registrations"]] for group in report["duplicates"]] == [
        [seeded["a1"], seeded["a2"]]
    ]
    charts = report["charts"]
    assert sum(week["count"] for week in charts["members_by_week"]) == 3
    assert charts["study_by_lesson"] == [{"key": "lesson-01", "count": 3}, {"key": "lesson-02", "count": 1}]
    assert charts["checkins_by_station"] == [{"key": "station-01", "count": 2}, {"key": "station-02", "count": 1}]


@pytest.mark.needs("transactions")
def test_the_report_downloads_as_a_workbook_with_a_sheet_per_section(api, seeded, admin_token, submissions_table):
    body = json.dumps({"from": str(PERIOD.first), "to": str(PERIOD.last)}).encode()
    response = api.post("/staff/report/file", headers=bearer(admin_token.token), body=body)
    assert response.status_code == 200, response.body
    answer = response.json_body
    assert answer["filename"] == f"工作报告_{PERIOD.first}_{PERIOD.last}.xlsx"
    with urllib.request.urlopen(answer["url"], timeout=10) as download:
        workbook = openpyxl.load_workbook(io.BytesIO(download.read()))
    assert workbook.sheetnames == [section.title for section in SECTIONS] + [name for _, name, _ in SERIES]
    members = workbook[SECTIONS[0].title]
    rows = {row[0]: row[1:] for row in members.iter_rows(min_row=5, values_only=True)}
    assert rows["归队党员（按手机号去重）"] == (2, 1, 1, "人")
    lessons = workbook["各课学习"]
    assert list(lessons.iter_rows(min_row=2, values_only=True)) == [
        (TEST_CONTENT_IDS.lessons["lesson-01"], 3),
        (TEST_CONTENT_IDS.lessons["lesson-02"], 1),
    ]
    (entry,) = [
        item for item in submissions_table.scan(ConsistentRead=True)["Items"] if item.get("action") == "report.export"
    ]
    assert entry["detail"] == {"from": str(PERIOD.first), "to": str(PERIOD.last)}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01", "from"),
        ("from=0001-01-01", "from"),
        (f"from={TODAY}&to={TODAY - timedelta(days=1)}", "from"),
        (f"from={TODAY - timedelta(days=400)}&to={TODAY}", "to"),
    ],
)
def test_a_bad_period_is_refused_by_field(api, admin_token, query, field):
    response = api.get(f"/staff/report?{query}", headers=bearer(admin_token.token))
    assert response.status_code == 400, response.body
    assert field in response.json_body["errors"]


def test_a_station_token_cannot_read_the_report(api, station_token):
    assert api.get(f"/staff/report?{WEEK}", headers=bearer(station_token.token)).status_code == 403


def test_the_chart_library_the_site_serves_is_the_pinned_release():
    root = Path(__file__).resolve().parents[1]
    pinned = json.loads((root / "package-lock.json").read_text())["packages"]["node_modules/chart.js"]["version"]
    served = (root / "sitegen/theme/assets/vendor/chart.umd.min.js").read_bytes()
    assert f"Chart.js v{pinned}".encode() in served[:100]
    # npm ci installs the release the lock file pins: the served copy is that file, byte for byte.
    assert served == (root / "node_modules/chart.js/dist/chart.umd.min.js").read_bytes()
