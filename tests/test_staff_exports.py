"""Excel-ready exports: through S3 and a plain link, read back with csv and openpyxl, never a formula."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import urllib.request
import uuid
from datetime import datetime, timedelta
from urllib.parse import quote

import openpyxl
import pytest
from chalicelib.exports import (
    CLOCK_EVERY_ROWS,
    FORMULA_TRIGGERS,
    OutOfTime,
    before,
    columns_for,
    neutralise,
    write_csv,
    write_xlsx,
)
from chalicelib.forms import FORMS
from chalicelib.store import OFFICE_TZ, parse_timestamp
from conftest import (
    FUNCTIONS_DIR,
    STAFF_MOBILE,
    STAFF_REGISTRATION,
    TEST_CONTENT_IDS,
    bearer,
    post_submission,
    staff_request,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TODAY = datetime.now(OFFICE_TZ).date()
INJECTIONS = [
    '=HYPERLINK("http://example.com","点我")',
    "+86 138",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "=cmd|' /C calc'!A0",
]


def export(api, token, **body):
    """Ask for an export that is done within the request; return the answer's JSON."""
    body = {"from": TODAY.isoformat(), "to": TODAY.isoformat(), "job": str(uuid.uuid4()), **body}
    response = api.post("/staff/exports", headers=bearer(token), body=json.dumps(body).encode())
    assert response.status_code == 200, response.body
    assert response.json_body["job"] == body["job"] and response.json_body["status"] == "done"
    return response.json_body


def download(url: str):
    """GET the link as a phone's browser would: no header of ours at all."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers, response.read()


def stored(submissions_table, form: str) -> list[dict]:
    items = submissions_table.scan(ConsistentRead=True)["Items"]
    return sorted((i for i in items if i.get("form") == form and "day_key" in i), key=lambda i: i["day_sk"])


@pytest.fixture
def registrations(api, admin_token):
    """Three registrations, one with an employer that tries to be a formula, one with a liaison."""
    ids = [
        post_submission(api, "/forms/registration", STAFF_REGISTRATION)["id"],
        post_submission(api, "/forms/registration", {**STAFF_REGISTRATION, "name": "李军", "employer": INJECTIONS[0]})[
            "id"
        ],
        post_submission(api, "/forms/registration", {**STAFF_REGISTRATION, "name": "王芳", "employer": "@SUM(A1)"})[
            "id"
        ],
    ]
    member = f"/staff/members/{ids[0]}"
    token = bearer(admin_token.token)
    api.put(f"{member}/liaison", headers=token, body=json.dumps({"name": "王联络", "mobile": "13900139000"}).encode())
    follow_up = {"date": TODAY.isoformat(), "note": "电话联系"}
    api.post(f"{member}/follow-ups", headers=token, body=json.dumps(follow_up).encode())
    return ids


def expected_rows(items, form_name):
    """What each row must hold: the columns' values, as the CSV writes them."""
    columns = columns_for(FORMS[form_name], TEST_CONTENT_IDS.stations)
    rows = []
    for item in items:
        row = []
        for column in columns:
            value = column.value(item)
            if value is None:
                row.append("")
            elif isinstance(value, datetime):
                row.append(value.strftime("%Y-%m-%d %H:%M:%S"))
            elif hasattr(value, "isoformat"):
                row.append(value.isoformat())
            elif isinstance(value, str):
                row.append(neutralise(value))
            else:
                row.append(str(value))
        rows.append(row)
    return [column.header for column in columns], rows


@pytest.mark.needs("transactions")
def test_a_csv_export_opens_right_in_excel_and_holds_what_was_stored(
    api, admin_token, registrations, submissions_table
):
    answer = export(api, admin_token.token, form="registration", format="csv")
    assert answer["rows"] == 3
    expires = parse_timestamp(answer["expires_at"])
    assert timedelta(minutes=5) < expires - datetime.now(expires.tzinfo) <= timedelta(minutes=10)
    headers, data = download(answer["url"])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 4 and b"\n" not in data.replace(b"\r\n", b"")
    disposition = headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(answer['filename'])}" in disposition
    assert answer["filename"].startswith("流动党员归队登记_")

    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    expected_header, expected = expected_rows(stored(submissions_table, "registration"), "registration")
    assert header == expected_header
    assert header[:4] == ["提交编号", "提交时间", "姓名", "手机号码"]
    assert rows == expected
    by_name = {row[2]: row for row in rows}
    assert by_name["高明"][header.index("联系人")] == "王联络"
    assert by_name["高明"][header.index("跟进次数")] == "1"
    assert by_name["高明"][header.index("工作类型")] == "快递员"
    assert by_name["李军"][header.index("工作企业或平台")] == "'" + INJECTIONS[0]
    assert by_name["王芳"][header.index("工作企业或平台")] == "'@SUM(A1)"


@pytest.mark.needs("transactions")
def test_an_xlsx_export_has_a_frozen_header_real_dates_and_no_formulas(
    api, admin_token, registrations, submissions_table, tmp_path
):
    answer = export(api, admin_token.token, form="registration", format="xlsx")
    headers, data = download(answer["url"])
    assert headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert answer["filename"].endswith(".xlsx")
    path = tmp_path / "export.xlsx"
    path.write_bytes(data)
    sheet = openpyxl.load_workbook(path).active
    assert sheet.title == "流动党员归队登记"
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width > 30
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    assert header == [column.header for column in columns_for(FORMS["registration"], {})]
    items = stored(submissions_table, "registration")
    assert len(values) == 1 + len(items)
    for item, row in zip(items, values[1:], strict=True):
        assert row[0] == item["id"]
        assert isinstance(row[1], datetime)
        created = parse_timestamp(item["created_at"]).astimezone(OFFICE_TZ)
        assert row[1] == created.replace(tzinfo=None, microsecond=0)
        assert row[header.index("姓名")] == item["data"]["name"]
        assert row[header.index("工作企业或平台")] == item["data"]["employer"]
    for row in sheet.iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in row)
    followed = [row for row in values[1:] if row[header.index("跟进次数")] == 1]
    assert isinstance(followed[0][header.index("最近跟进")], datetime)


@pytest.mark.needs("transactions")
def test_a_station_token_exports_only_its_own_stations_requests(api, admin_token, station_token):
    for station in ("station-01", "station-01", "station-02"):
        post_submission(api, "/forms/request", staff_request(station, STAFF_MOBILE))
    answer = export(api, station_token.token, form="request", format="csv")
    _, data = download(answer["url"])
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert {row[header.index("驿站编号")] for row in rows} == {"station-01"}
    assert len(rows) == 2
    assert "受理编号" in header and "处理状态" in header and "答复" in header


@pytest.mark.needs("transactions")
def test_an_export_can_pick_requests_by_status(api, admin_token, staff_world):
    api.request(
        "PATCH",
        f"/staff/requests/{staff_world['t2']}",
        headers=bearer(admin_token.token),
        body=json.dumps({"status": "resolved", "reply": "好的"}).encode(),
    )
    answer = export(api, admin_token.token, form="request", format="csv", status="resolved")
    assert answer["rows"] == 1
    _, data = download(answer["url"])
    header, row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert row[header.index("处理状态")] == "已解决" and row[header.index("受理编号")] == staff_world["t2"]
    assert row[header.index("解决时间")]


def test_an_empty_export_still_has_its_header(api, admin_token):
    answer = export(api, admin_token.token, form="volunteer", format="csv")
    _, data = download(answer["url"])
    assert answer["rows"] == 0
    assert data.decode("utf-8-sig").startswith("提交编号,提交时间,姓名,手机号码")


@pytest.mark.needs("transactions")
def test_after_erasing_a_person_an_export_holds_nothing_of_them(api, admin_token, registrations):
    api.request("DELETE", f"/staff/people?mobile={STAFF_MOBILE}", headers=bearer(admin_token.token))
    answer = export(api, admin_token.token, form="registration", format="csv")
    _, data = download(answer["url"])
    assert answer["rows"] == 0
    assert STAFF_MOBILE not in data.decode("utf-8-sig")


def test_each_export_is_in_the_audit_log(api, admin_token, submissions_table, registrations):
    answer = export(api, admin_token.token, form="registration", format="csv")
    (entry,) = [i for i in submissions_table.scan()["Items"] if i.get("action") == "export.create"]
    assert entry["detail"]["form"] == "registration" and entry["detail"]["format"] == "csv"
    assert entry["records"][0] in answer["url"]


@pytest.mark.parametrize(
    "body, fields",
    [
        ({}, {"form", "format", "job"}),
        ({"form": "request", "format": "csv", "job": "not-a-uuid"}, {"job"}),
        ({"form": "nothing", "format": "csv"}, {"form"}),
        ({"form": "request", "format": "pdf"}, {"format"}),
        ({"form": "registration", "format": "csv", "station": "station-01"}, {"station"}),
        ({"form": "volunteer", "format": "csv", "status": "new"}, {"status"}),
        ({"form": "request", "format": "csv", "from": "2025-03-02", "to": "2025-03-01"}, {"from"}),
        ({"form": "request", "format": "csv", "from": "2020-01-01", "to": "2025-03-01"}, {"to"}),
        ({"form": "request", "format": "xlsx", "to": "tomorrow", "extra": True}, {"to", "extra"}),
    ],
)
def test_a_bad_export_request_names_every_field(api, admin_token, body, fields):
    if "job" not in fields:
        body = {"job": str(uuid.uuid4()), **body}
    response = api.post("/staff/exports", headers=bearer(admin_token.token), body=json.dumps(body).encode())
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == fields


def test_rows_stop_at_the_deadline_and_say_how_many_were_written():
    now = [0.0]
    rows = before(10.0, ({"n": n} for n in range(5 * CLOCK_EVERY_ROWS)), clock=lambda: now[0])
    for _ in range(2 * CLOCK_EVERY_ROWS):
        next(rows)
    now[0] = 11.0
    with pytest.raises(OutOfTime) as stopped:
        list(rows)
    assert stopped.value.rows == 2 * CLOCK_EVERY_ROWS


# ---- The writers themselves: formula injection, as a table and as a property ----

ONE_COLUMN = (columns_for(FORMS["checkin"], {})[3],)  # 驿站编号: a plain text column


def csv_cells(tmp_path, values: list[str]) -> list[str]:
    path = tmp_path / "cells.csv"
    write_csv(str(path), ONE_COLUMN, [{"data": {"station": value}} for value in values])
    with open(path, encoding="utf-8-sig", newline="") as file:
        return [row[0] if row else "" for row in list(csv.reader(file))[1:]]


def xlsx_cells(tmp_path, values: list[str]) -> list:
    path = tmp_path / "cells.xlsx"
    write_xlsx(str(path), ONE_COLUMN, [{"data": {"station": value}} for value in values], "表")
    sheet = openpyxl.load_workbook(path).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2, max_col=1)]
    assert all(cell.data_type in ("s", "n") and cell.data_type != "f" for cell in cells if cell.value is not None)
    return [cell.value for cell in cells]


@pytest.mark.parametrize("value", INJECTIONS)
def test_a_formula_typed_by_a_member_stays_text(tmp_path, value):
    (cell,) = csv_cells(tmp_path, [value])
    assert cell == "'" + value
    (text,) = xlsx_cells(tmp_path, [value])
    # xlsxwriter stores a CR as the escape _x000D_, which Excel reads back and openpyxl does
    # not; stored data never holds a CR anyway (the forms turn it into a line feed).
    assert text.replace("_x000D_", "\r") == value


@pytest.mark.parametrize("value", ["高明", "13800138000", "a=b", "2+2", "城关镇-东", "'quoted"])
def test_ordinary_text_is_left_alone(tmp_path, value):
    assert csv_cells(tmp_path, [value]) == [value]
    assert xlsx_cells(tmp_path, [value]) == [value]


# What a stored value can hold: no lone surrogates and no control characters but tab and
# newline (validation refuses the rest); the neutraliser must hold for all of it.
STORABLE = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    min_size=1,
    max_size=40,
)
XLSX_SAFE = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t\n"),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(STORABLE | st.sampled_from(FORMULA_TRIGGERS).flatmap(lambda t: STORABLE.map(t.__add__))))
def test_no_generated_string_becomes_a_formula_in_csv(tmp_path, values):
    cells = csv_cells(tmp_path, values)
    assert len(cells) == len(values)
    for value, cell in zip(values, cells, strict=True):
        assert not cell.startswith(FORMULA_TRIGGERS)
        assert cell in (value, "'" + value)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(XLSX_SAFE | st.sampled_from(FORMULA_TRIGGERS[:4]).flatmap(lambda t: XLSX_SAFE.map(t.__add__))))
def test_no_generated_string_becomes_a_formula_in_xlsx(tmp_path, values):
    assert xlsx_cells(tmp_path, values) == values


def test_the_members_form_path_never_imports_excels_libraries(api_environment, tmp_path):
    # A fresh interpreter imports the app and posts a registration through chalice's test
    # client (stage config pointed at this test's table); then we look at what got imported.
    config = json.loads((FUNCTIONS_DIR / ".chalice" / "config.json").read_text(encoding="utf-8"))
    stage = config["stages"]["dev"]
    stage["environment_variables"] = {**stage["environment_variables"], **api_environment}
    (tmp_path / ".chalice").mkdir()
    (tmp_path / ".chalice" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    body = {**STAFF_REGISTRATION, "homepage": ""}
    script = f"""
import json, os, sys, uuid
os.environ.update({api_environment!r})
sys.path.insert(0, {str(FUNCTIONS_DIR)!r})
from chalice.test import Client
import app
with Client(app.app, stage_name="dev", project_dir={str(tmp_path)!r}) as client:
    data = dict({body!r}, id=str(uuid.uuid4()))
    response = client.http.post(
        "/forms/registration", headers={{"Content-Type": "application/json"}}, body=json.dumps(data).encode()
    )
    assert response.status_code == 201, response.body
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in ("xlsxwriter", "openpyxl"))))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


@pytest.mark.needs("transactions")
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_exports_name_stations_as_the_console_does(api, admin_token, file_format):
    post_submission(api, "/forms/request", staff_request("station-01"))
    post_submission(api, "/forms/request", {key: value for key, value in staff_request("").items() if key != "station"})
    post_submission(api, "/checkins", {"station": "station-02"})
    for form, expected in (
        ("request", {("测试一号驿站", "station-01"), ("", "")}),
        ("checkin", {("测试二号驿站", "station-02")}),
    ):
        answer = export(api, admin_token.token, form=form, format=file_format, station="")
        _, data = download(answer["url"])
        if file_format == "csv":
            header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        else:
            sheet = openpyxl.load_workbook(io.BytesIO(data)).active
            header, *rows = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
        assert header.index("驿站") + 1 == header.index("驿站编号")
        assert {(row[header.index("驿站")], row[header.index("驿站编号")]) for row in rows} == expected


@pytest.mark.needs("transactions")
def test_an_export_of_one_station_is_named_after_it(api, admin_token):
    post_submission(api, "/forms/request", staff_request("station-01"))
    answer = export(api, admin_token.token, form="request", format="csv", station="station-01")
    assert "测试一号驿站" in answer["filename"] and "station-01" not in answer["filename"]
