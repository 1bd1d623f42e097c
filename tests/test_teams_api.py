"""Volunteer teams through the API: staff decide on volunteers by team, record service, confirm or
reject members' reports, and read each team's records and totals (confirmed records only)."""

from __future__ import annotations

import csv
import io
import json
import urllib.request
import uuid
from datetime import datetime, timedelta

import pytest
from chalicelib.store import OFFICE_TZ
from conftest import VOLUNTEER, bearer, post_submission, scan_all

TODAY = datetime.now(OFFICE_TZ).date()
YESTERDAY = TODAY - timedelta(days=1)
PERIOD = f"from={YESTERDAY}&to={TODAY}"
REPORTER = {"name": "钱小骑", "mobile": "13500135000", "consent": True}
REPORT = {"team": "team-01", "date": str(TODAY), "what": "给封控小区送米面油", "times": "20", "hours": "4.5"}


def send(api, method, path, token, body=None):
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
    return api.request(method, path, headers=bearer(token), body=data)


def audit_actions(table) -> list[tuple[str, dict]]:
    return [(item["action"], item["detail"]) for item in scan_all(table) if item["pk"].startswith("audit#")]


def report(api, **changes) -> str:
    return post_submission(api, "/forms/service", {**REPORTER, **REPORT, "people": "1", **changes})["id"]


@pytest.mark.needs("transactions")
def test_a_volunteer_is_taken_into_a_team_audited_and_listed_by_team_and_approval(api, admin_token, submissions_table):
    asked = post_submission(api, "/forms/volunteer", VOLUNTEER)["id"]
    other = post_submission(api, "/forms/volunteer", {**VOLUNTEER, "mobile": "13600136001", "team": "team-02"})["id"]

    def listed(query: str) -> set[str]:
        answer = send(api, "GET", f"/staff/submissions/volunteer?from={TODAY}&to={TODAY}&{query}", admin_token.token)
        assert answer.status_code == 200, answer.body
        return {item["id"] for item in answer.json_body["items"]}

    assert listed("approval=pending") == {asked, other}
    assert listed("team=team-01") == {asked}

    # Staff may place a volunteer in another team than the one asked for.
    decided = send(
        api, "PUT", f"/staff/volunteers/{asked}/team", admin_token.token, {"team": "team-02", "decision": "approved"}
    )
    assert decided.status_code == 200, decided.body
    decision = decided.json_body["team_decision"]
    assert (decision["team"], decision["state"], decision["by"]) == ("team-02", "approved", admin_token.record.id)
    assert listed("team=team-02&approval=approved") == {asked}
    assert listed("team=team-02") == {asked, other}
    assert listed("team=team-01") == set()
    assert listed("approval=pending") == {other}
    assert ("volunteer.team", {"team": "team-02", "decision": "approved"}) in audit_actions(submissions_table)


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/staff/volunteers/{id}/team", {"team": "no-such-team", "decision": "approved"}, "team"),
        ("/staff/volunteers/{id}/team", {"team": "team-01", "decision": "maybe"}, "decision"),
        ("/staff/service", {**REPORT, "team": "no-such-team", "people": "2"}, "team"),
        ("/staff/service", {**REPORT, "date": str(TODAY + timedelta(days=1)), "people": "2"}, "date"),
        ("/staff/service", {**REPORT, "times": "0", "people": "2"}, "times"),
        ("/staff/service", {**REPORT, "hours": "2.25", "people": "2"}, "hours"),
        ("/staff/service", {**REPORT, "people": "两"}, "people"),
        ("/staff/service", REPORT, "people"),
    ],
)
def test_a_bad_decision_or_record_is_refused_by_field(api, admin_token, path, body, field):
    volunteer = post_submission(api, "/forms/volunteer", VOLUNTEER)["id"]
    method = "PUT" if "volunteers" in path else "POST"
    answer = send(api, method, path.format(id=volunteer), admin_token.token, body)
    assert answer.status_code == 400, answer.body
    assert set(answer.json_body["errors"]) == {field}


def test_a_report_naming_a_team_the_content_lacks_is_refused_by_field(api):
    body = {**REPORTER, **REPORT, "team": "no-such-team", "people": "1", "id": str(uuid.uuid4()), "homepage": ""}
    answer = api.post("/forms/service", headers={"Content-Type": "application/json"}, body=json.dumps(body).encode())
    assert answer.status_code == 400
    assert answer.json_body["errors"] == {"team": "请从给出的选项中选择服务队"}


@pytest.mark.needs("transactions")
def test_totals_count_staff_records_and_confirmed_reports_by_team_and_period(api, admin_token, submissions_table):
    staff_record = {
        "team": "team-01",
        "date": str(YESTERDAY),
        "what": "转运核酸样本",
        "times": "7",
        "hours": "3",
        "people": "2",
    }
    recorded = send(api, "POST", "/staff/service", admin_token.token, staff_record)
    assert recorded.status_code == 201, recorded.body
    assert (recorded.json_body["source"], recorded.json_body["hours"]) == ("staff", 3)
    # Before the period: never counted.
    before = {**staff_record, "date": str(YESTERDAY - timedelta(days=1))}
    assert send(api, "POST", "/staff/service", admin_token.token, before).status_code == 201
    confirmed = report(api, people="3")
    rejected = report(api, times="500")
    pending = report(api, times="900")

    answer = send(
        api, "PUT", f"/staff/service-reports/{confirmed}/review", admin_token.token, {"decision": "confirmed"}
    )
    assert answer.status_code == 200, answer.body
    assert answer.json_body["review"]["state"] == "confirmed"
    answer = send(
        api,
        "PUT",
        f"/staff/service-reports/{rejected}/review",
        admin_token.token,
        {"decision": "rejected", "note": "次数有误"},
    )
    assert answer.status_code == 200, answer.body
    # A report is reviewed once.
    again = send(api, "PUT", f"/staff/service-reports/{rejected}/review", admin_token.token, {"decision": "confirmed"})
    assert again.status_code == 409 and set(again.json_body["errors"]) == {"decision"}

    totals = send(api, "GET", f"/staff/service/totals?{PERIOD}", admin_token.token)
    assert totals.status_code == 200, totals.body
    rows = {row["team"]: row for row in totals.json_body["teams"]}
    assert rows["team-01"] == {
        "team": "team-01",
        "name": "测试一队",
        "records": 2,
        "times": 27,
        "hours": 7.5,
        "people": 5,
    }
    assert rows["team-02"]["records"] == 0
    assert totals.json_body["total"] == {"records": 2, "times": 27, "hours": 7.5, "people": 5}

    listed = send(api, "GET", f"/staff/teams/team-01/service?{PERIOD}", admin_token.token)
    assert listed.status_code == 200, listed.body
    assert [(item["date"], item["source"]) for item in listed.json_body["items"]] == [
        (str(YESTERDAY), "staff"),
        (str(TODAY), "report"),
    ]
    assert listed.json_body["items"][1]["report"] == confirmed
    assert send(api, "GET", f"/staff/teams/no-such-team/service?{PERIOD}", admin_token.token).status_code == 404
    assert pending not in json.dumps(listed.json_body)
    actions = [action for action, _ in audit_actions(submissions_table)]
    assert actions.count("service.record") == 2 and actions.count("service.review") == 2


@pytest.mark.needs("transactions")
def test_an_erased_member_is_gone_from_the_service_records_and_totals(api, admin_token):
    confirmed = report(api, people="3")
    send(api, "PUT", f"/staff/service-reports/{confirmed}/review", admin_token.token, {"decision": "confirmed"})
    found = send(api, "GET", f"/staff/people?mobile={REPORTER['mobile']}", admin_token.token)
    assert [record["form"] for record in found.json_body["records"]] == ["service"]

    assert send(api, "DELETE", f"/staff/people?mobile={REPORTER['mobile']}", admin_token.token).status_code == 200
    totals = send(api, "GET", f"/staff/service/totals?{PERIOD}", admin_token.token).json_body
    assert totals["total"]["records"] == 0
    assert send(api, "GET", f"/staff/teams/team-01/service?{PERIOD}", admin_token.token).json_body["items"] == []


def test_service_reports_export_with_their_review(api, admin_token):
    report(api)
    body = {"job": str(uuid.uuid4()), "form": "service", "format": "csv", "from": str(TODAY), "to": str(TODAY)}
    answer = send(api, "POST", "/staff/exports", admin_token.token, body)
    assert answer.status_code == 200, answer.body
    header, row = read_csv(answer.json_body["url"])
    assert (header[-1], row[header.index("服务队")], row[-1]) == ("核实结果", "team-01", "待核实")


@pytest.mark.needs("transactions")
def test_confirmed_service_records_export_with_team_names(api, admin_token, submissions_table):
    piece = {
        "team": "team-02",
        "date": str(YESTERDAY),
        "what": "=转运物资",
        "times": "3",
        "hours": "1.5",
        "people": "2",
    }
    assert send(api, "POST", "/staff/service", admin_token.token, piece).status_code == 201
    report(api)  # not confirmed: not exported
    body = {"format": "csv", "from": str(YESTERDAY), "to": str(TODAY)}
    answer = send(api, "POST", "/staff/service/exports", admin_token.token, body)
    assert answer.status_code == 200, answer.body
    assert answer.json_body["rows"] == 1
    assert answer.json_body["filename"] == f"志愿服务记录_{YESTERDAY}_{TODAY}.csv"
    header, row = read_csv(answer.json_body["url"])
    shown = dict(zip(header, row, strict=True))
    assert (shown["服务队"], shown["服务内容"], shown["服务时长（小时）"], shown["来源"]) == (
        "测试二队",
        "'=转运物资",
        "1.5",
        "工作人员记录",
    )
    assert ("export.create", "service-records") in [(a, d.get("form")) for a, d in audit_actions(submissions_table)]
    xlsx = send(api, "POST", "/staff/service/exports", admin_token.token, {**body, "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.json_body["rows"] == 1


def read_csv(url: str) -> tuple[list[str], list[str]]:
    with urllib.request.urlopen(url, timeout=10) as response:
        header, row = csv.reader(io.StringIO(response.read().decode("utf-8-sig")))
    return header, row


def test_only_volunteers_are_listed_by_team_or_approval(api, admin_token):
    answer = send(api, "GET", f"/staff/submissions/request?{PERIOD}&team=team-01&approval=pending", admin_token.token)
    assert answer.status_code == 400
    assert set(answer.json_body["errors"]) == {"team", "approval"}
