"""Staff assign a member to a branch: on the member's record with date and who, in the audit log,
in the registration export and as a filter of the member list."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime

import pytest
from chalicelib.staffinput import UNKNOWN_BRANCH_MESSAGE
from chalicelib.store import OFFICE_TZ, parse_timestamp
from conftest import STAFF_REGISTRATION, bearer, post_submission
from test_staff_exports import download, export

TODAY = datetime.now(OFFICE_TZ).date()
ONE_DAY = f"from={TODAY}&to={TODAY}"


def send(api, method, path, token, body=None):
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
    return api.request(method, path, headers=bearer(token), body=data)


def assign(api, token, member, branch, **more):
    response = send(api, "PUT", f"/staff/members/{member}/branch", token, {"branch": branch, **more})
    assert response.status_code == 200, response.body
    return response.json_body


def listed(api, token, form="registration", **filters):
    query = "&".join([ONE_DAY, *(f"{name}={value}" for name, value in filters.items())])
    return send(api, "GET", f"/staff/submissions/{form}?{query}", token)


@pytest.mark.needs("transactions")
def test_a_member_is_assigned_a_branch_with_the_date_and_who_did_it(api, staff_world, admin_token, submissions_table):
    member = staff_world["member"]
    first = assign(api, admin_token.token, member, "branch-01", note="住得近")
    branch = first["branch"]
    assert (branch["id"], branch["name"], branch["note"]) == ("branch-01", "测试一号支部", "住得近")
    assert (branch["by"], branch["by_name"]) == (admin_token.record.id, "管理员甲")
    assert parse_timestamp(branch["assigned_at"]).astimezone(OFFICE_TZ).date() == TODAY

    # A second assignment replaces the first; the liaison is a separate thing and stays unset.
    assign(api, admin_token.token, member, "branch-02")
    shown = send(api, "GET", f"/staff/members/{member}", admin_token.token).json_body
    assert (shown["branch"]["id"], shown["branch"]["note"]) == ("branch-02", "")
    assert "liaison" not in shown

    entries = [item for item in submissions_table.scan(ConsistentRead=True)["Items"] if item["pk"].startswith("audit#")]
    assigned = sorted(
        (entry["detail"]["branch"], entry["records"], entry["by_name"])
        for entry in entries
        if entry["action"] == "member.branch"
    )
    assert assigned == [("branch-01", [member], "管理员甲"), ("branch-02", [member], "管理员甲")]


BAD_ASSIGNMENTS = [
    # (body, {field: message fragment})
    ({}, {"branch": ""}),
    ({"branch": "branch-99"}, {"branch": UNKNOWN_BRANCH_MESSAGE}),
    ({"branch": "Branch 01"}, {"branch": UNKNOWN_BRANCH_MESSAGE}),
    ({"branch": 3}, {"branch": ""}),
    ({"branch": "branch-01", "note": "备" * 201}, {"note": ""}),
    ({"branch": "branch-01", "since": "2026-01-01"}, {"since": ""}),
]


@pytest.mark.needs("transactions")
def test_an_unknown_branch_or_a_bad_body_is_400_by_field_and_changes_nothing(api, staff_world, admin_token):
    member = staff_world["member"]
    for body, fields in BAD_ASSIGNMENTS:
        response = send(api, "PUT", f"/staff/members/{member}/branch", admin_token.token, body)
        assert response.status_code == 400, body
        errors = response.json_body["errors"]
        assert set(errors) == set(fields), body
        for field, fragment in fields.items():
            assert fragment in errors[field], body
    assert "branch" not in send(api, "GET", f"/staff/members/{member}", admin_token.token).json_body


@pytest.mark.needs("transactions")
def test_only_a_live_registration_can_be_assigned(api, staff_world, admin_token, submissions_table):
    request_id = next(
        item["id"] for item in submissions_table.scan(ConsistentRead=True)["Items"] if item.get("form") == "request"
    )
    for member in (str(uuid.uuid4()), "not-an-id", request_id):
        response = send(api, "PUT", f"/staff/members/{member}/branch", admin_token.token, {"branch": "branch-01"})
        assert response.status_code == 404, member


@pytest.mark.needs("transactions")
def test_the_member_list_and_its_export_filter_by_branch(api, staff_world, admin_token):
    token = admin_token.token
    other = post_submission(api, "/forms/registration", {**STAFF_REGISTRATION, "name": "李军"})["id"]
    post_submission(api, "/forms/registration", {**STAFF_REGISTRATION, "name": "王芳"})
    assign(api, token, staff_world["member"], "branch-01")
    assign(api, token, other, "branch-02")

    assert [item["id"] for item in listed(api, token, branch="branch-01").json_body["items"]] == [staff_world["member"]]
    assert [item["id"] for item in listed(api, token, branch="branch-02").json_body["items"]] == [other]
    assert len(listed(api, token).json_body["items"]) == 3

    answer = export(api, token, form="registration", format="csv", branch="branch-01")
    assert answer["rows"] == 1
    assert "测试一号支部" in answer["filename"]
    _, data = download(answer["url"])
    header, row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert (row[header.index("姓名")], row[header.index("所属支部")]) == ("高明", "测试一号支部")
    assert row[header.index("分配支部日期")] == TODAY.isoformat()


@pytest.mark.needs("transactions")
def test_a_branch_filter_that_cannot_apply_is_400_by_field(api, staff_world, admin_token):
    token = admin_token.token
    for form, branch in (("registration", "branch-99"), ("request", "branch-01"), ("registration", "x_y")):
        response = listed(api, token, form=form, branch=branch)
        assert response.status_code == 400, (form, branch)
        assert set(response.json_body["errors"]) == {"branch"}
    body = {"job": str(uuid.uuid4()), "form": "request", "format": "csv", "branch": "branch-01"}
    response = send(api, "POST", "/staff/exports", token, body)
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"branch"}
