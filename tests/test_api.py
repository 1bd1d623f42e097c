"""The HTTP API through chalice.test.Client and `chalice local`, against the moto server."""

import http.client
import json
import threading
import time
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from chalicelib.bodies import MAX_BODY_BYTES
from chalicelib.forms import FORMS
from chalicelib.tickets import TICKET_ALPHABET
from conftest import free_port, preflight, stage_environment

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SITE = stage_environment()
REGISTRATION = {
    "name": "高明",
    "mobile": "138 0013 8000",
    "home_org": "城关镇某村党支部",
    "employer": "某外卖平台",
    "work_area": "城关镇",
    "job_type": "courier",
    "source": "station-01",
    "consent": "on",
    "homepage": "",
}
REQUEST = {
    "station": "station-01",
    "category": "hardship",
    "message": "电动车没电了，能不能帮忙充电",
    "contact": "",
    "homepage": "",
}
VOLUNTEER = {
    "name": "李军",
    "mobile": "13700137000",
    "helps": ["safety"],
    "availability": "anytime",
    "consent": True,
    "homepage": "",
}
EXAMPLES = {"registration": REGISTRATION, "request": REQUEST, "volunteer": VOLUNTEER}


def form_cases(names):
    """The forms as test cases; a request is stored with its ticket in a transaction, which dynalite lacks."""
    return [
        pytest.param(name, marks=pytest.mark.needs("transactions")) if name == "request" else name for name in names
    ]


def new_id():
    return str(uuid.uuid4())


def post_json(api, path, data, headers=JSON):
    return api.post(path, headers=headers, body=json.dumps(data).encode("utf-8"))


def submissions(table):
    """Submission items in the test's table, read directly with boto3."""
    return [item for item in table.scan(ConsistentRead=True)["Items"] if item["pk"].startswith("sub#")]


@pytest.mark.parametrize("form_name", form_cases(sorted(EXAMPLES)))
def test_valid_form_is_created(api, submissions_table, form_name):
    submission_id = new_id()
    response = post_json(api, f"/forms/{form_name}", {**EXAMPLES[form_name], "id": submission_id})
    assert response.status_code == 201, response.body
    body = response.json_body
    assert body["id"] == submission_id
    assert ("ticket" in body) == (form_name == "request")
    (item,) = submissions(submissions_table)
    assert item["id"] == submission_id and item["form"] == form_name
    assert "homepage" not in item["data"] and "id" not in item["data"]


def test_mobile_is_stored_normalized(api, submissions_table):
    post_json(api, "/forms/registration", {**REGISTRATION, "id": new_id()})
    assert submissions(submissions_table)[0]["data"]["mobile"] == "13800138000"


@pytest.mark.needs("transactions")
def test_duplicate_answers_200_and_is_stored_once(api, submissions_table):
    data = {**REQUEST, "id": new_id()}
    first = post_json(api, "/forms/request", data)
    again = post_json(api, "/forms/request", data)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json_body == first.json_body
    assert len(submissions(submissions_table)) == 1


def test_same_id_with_other_content_answers_409(api, submissions_table):
    submission_id = new_id()
    post_json(api, "/forms/registration", {**REGISTRATION, "id": submission_id})
    response = post_json(api, "/forms/registration", {**REGISTRATION, "name": "高明明", "id": submission_id})
    assert response.status_code == 409
    assert response.json_body["message"]
    assert submissions(submissions_table)[0]["data"]["name"] == "高明"


def test_invalid_form_answers_400_with_every_field(api, submissions_table):
    response = post_json(api, "/forms/registration", {"homepage": "", "mobile": "12", "extra": "x", "id": "not-a-uuid"})
    assert response.status_code == 400
    assert response.json_body["message"] == "请检查以下内容"
    assert response.json_body["errors"] == {
        "name": "请填写姓名",
        "mobile": "手机号码应为11位数字，以1开头",
        "home_org": "请填写组织关系所在单位或地区",
        "employer": "请填写工作企业或平台",
        "work_area": "请填写工作区域",
        "job_type": "请选择工作类型",
        "consent": "请阅读并同意个人信息说明",
        "extra": "表单中有多余的内容，请刷新页面后重新填写",
        "id": "提交编号不正确，请刷新页面后重新提交",
    }
    assert submissions(submissions_table) == []


def test_json_post_without_id_answers_400_on_id(api):
    response = post_json(api, "/forms/volunteer", VOLUNTEER)
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"id"}


@pytest.mark.parametrize("path", ["/forms/nothing", "/forms/checkin", "/forms/study"])
def test_unknown_or_non_public_form_answers_404(api, path):
    response = post_json(api, path, {"id": new_id(), "station": "station-01", "homepage": ""})
    assert response.status_code == 404
    assert response.json_body["message"] == "没有这个表单"


@pytest.mark.parametrize("path", ["/forms/registration", "/checkins", "/study"])
def test_body_over_16_kib_answers_413(api, path):
    body = json.dumps({"id": new_id(), "name": "x" * MAX_BODY_BYTES}).encode()
    assert api.post(path, headers=JSON, body=body).status_code == 413


@pytest.mark.parametrize(
    "path, content_type",
    [
        ("/forms/registration", "text/plain"),
        ("/forms/registration", "multipart/form-data; boundary=x"),
        ("/checkins", "application/x-www-form-urlencoded"),
        ("/study", "text/xml"),
    ],
)
def test_other_content_types_answer_415(api, path, content_type):
    response = api.post(path, headers={"Content-Type": content_type}, body=b"{}")
    assert response.status_code == 415


@pytest.mark.needs("transactions")
def test_form_post_redirects_to_the_thanks_page(api, submissions_table):
    body = urlencode({**REQUEST, "contact": "13900139000", "consent": "on"}).encode()
    response = api.post("/forms/request", headers=FORM, body=body)
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == SITE["SITE_URL"] + "thanks/"
    query = parse_qs(location.query)
    (item,) = submissions(submissions_table)
    assert query == {"form": ["request"], "id": [item["id"]], "ticket": [item["ticket"]]}
    uuid.UUID(item["id"])


def test_form_post_keeps_repeated_multichoice_keys(api, submissions_table):
    body = urlencode({**VOLUNTEER, "helps": ["emergency", "safety"], "consent": "on"}, doseq=True).encode()
    assert api.post("/forms/volunteer", headers=FORM, body=body).status_code == 303
    assert submissions(submissions_table)[0]["data"]["helps"] == ["safety", "emergency"]


def test_form_post_with_errors_answers_a_chinese_page(api, submissions_table):
    body = urlencode({"name": "高", "mobile": "", "homepage": ""}).encode()
    response = api.post("/forms/registration", headers={**FORM, "Referer": SITE["SITE_URL"] + "register/"}, body=body)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.body.decode("utf-8")
    for message in ["姓名至少2字", "请填写手机号码", "请选择工作类型", "请阅读并同意个人信息说明"]:
        assert f"<li>{message}</li>" in page
    assert f'href="{SITE["SITE_URL"]}register/"' in page
    assert submissions(submissions_table) == []


def test_form_post_error_page_links_only_back_to_the_site(api):
    body = urlencode({"homepage": ""}).encode()
    response = api.post("/forms/volunteer", headers={**FORM, "Referer": "javascript:alert(1)//"}, body=body)
    assert f'href="{SITE["SITE_URL"]}"' in response.body.decode("utf-8")


@pytest.mark.parametrize(
    "form_name, honeypot",
    [
        ("registration", "http://spam.example"),
        ("request", "x"),
        ("request", ["x"]),
        ("volunteer", 1),
    ],
)
def test_honeypot_looks_like_success_but_stores_nothing(api, submissions_table, form_name, honeypot):
    data = {**EXAMPLES[form_name], "id": new_id(), "homepage": honeypot}
    response = post_json(api, f"/forms/{form_name}", data)
    assert response.status_code == 201
    assert response.json_body["id"] != data["id"]
    assert ("ticket" in response.json_body) == (form_name == "request")
    assert submissions_table.scan()["Items"] == []


@pytest.mark.parametrize("form_name", form_cases(sorted(EXAMPLES)))
def test_a_submission_without_the_honeypot_field_is_stored(api, submissions_table, form_name):
    data = {key: value for key, value in EXAMPLES[form_name].items() if key != "homepage"}
    response = post_json(api, f"/forms/{form_name}", {**data, "id": new_id()})
    assert response.status_code == 201
    assert [item["id"] for item in submissions(submissions_table)] == [response.json_body["id"]]


@pytest.mark.needs("transactions")
def test_a_form_post_without_the_honeypot_field_is_stored(api, submissions_table):
    data = {key: value for key, value in REQUEST.items() if key != "homepage"}
    response = api.post("/forms/request", headers=FORM, body=urlencode(data).encode())
    assert response.status_code == 303
    assert len(submissions(submissions_table)) == 1


def test_honeypot_form_post_redirects_but_stores_nothing(api, submissions_table):
    body = urlencode({**REQUEST, "homepage": "http://spam.example"}).encode()
    response = api.post("/forms/request", headers=FORM, body=body)
    assert response.status_code == 303
    assert "ticket=" in response.headers["Location"]
    assert submissions_table.scan()["Items"] == []


@pytest.mark.parametrize(
    "path, data, other",
    [
        ("/checkins", {"station": "station-01"}, {"station": "station-02"}),
        ("/study", {"lesson": "lesson-01"}, {"lesson": "lesson-02"}),
        ("/study", {"lesson": "lesson-01", "member": "registered"}, {"lesson": "lesson-01"}),
    ],
)
def test_events_are_saved_once_like_forms(api, submissions_table, path, data, other):
    if data.get("member") == "registered":
        member = post_json(api, "/forms/registration", {**REGISTRATION, "id": new_id()}).json_body["id"]
        data = {**data, "member": member}
    submission_id = new_id()
    first = post_json(api, path, {**data, "id": submission_id})
    again = post_json(api, path, {**data, "id": submission_id})
    other = post_json(api, path, {**other, "id": submission_id})
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert first.json_body == again.json_body == {"id": submission_id}
    assert len([item for item in submissions(submissions_table) if item["form"] != "registration"]) == 1


@pytest.mark.parametrize(
    "path, data, fields",
    [
        ("/checkins", {}, {"id", "station"}),
        ("/checkins", {"id": new_id(), "station": "Station One", "homepage": ""}, {"station"}),
        ("/study", {"id": new_id(), "lesson": "lesson-01", "member": "me"}, {"member"}),
    ],
)
def test_invalid_events_answer_400(api, path, data, fields):
    response = post_json(api, path, data)
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == fields


@pytest.mark.needs("transactions")
def test_request_status_by_ticket(api):
    ticket = post_json(api, "/forms/request", {**REQUEST, "id": new_id()}).json_body["ticket"]
    assert set(ticket) <= set(TICKET_ALPHABET)
    response = api.get(f"/forms/request/{ticket.lower()}")
    assert response.status_code == 200
    assert response.json_body["ticket"] == ticket
    assert response.json_body["status"] == "new" and response.json_body["reply"] == ""
    assert set(response.json_body) == {"ticket", "status", "reply", "updated_at"}


@pytest.mark.parametrize("ticket", ["ABCDEFGH", "abc", "ABCDEFG0", "%00", "ABCDEFGHJK"])
def test_unknown_or_malformed_ticket_answers_404(api, ticket):
    assert api.get(f"/forms/request/{ticket}").status_code == 404


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("POST", "/forms/volunteer", {**VOLUNTEER}),
        ("POST", "/forms/volunteer", {}),
        ("POST", "/checkins", {"station": "station-01"}),
        ("GET", "/forms/request/ABCDEFGH", None),
    ],
)
def test_answers_carry_the_allowed_origin(api, method, path, body):
    if body is not None:
        body = json.dumps({**body, "id": new_id()}).encode()
    response = api.request(method, path, headers={**JSON, "Origin": SITE["SITE_ORIGIN"]}, body=body or b"")
    assert response.headers["Access-Control-Allow-Origin"] == SITE["SITE_ORIGIN"]


def test_every_public_form_has_a_route_api_gateway_will_choose(chalice_app):
    # API Gateway prefers a static path segment to a {variable} one, with no fallback.
    for form in FORMS.values():
        if any(path.startswith(form.api_path + "/") for path in chalice_app.routes):
            assert "POST" in chalice_app.routes.get(form.api_path, {}), form.api_path
    assert {FORMS["checkin"].api_path, FORMS["study"].api_path} <= set(chalice_app.routes)


def _oversized_json():
    # A fixed id: the body is a test parameter, and parameters must be the same in every pytest-xdist worker.
    return json.dumps({"id": "0b8e7f3a-6c2d-4e1f-9a5b-7d3c2e1f0a9b", "homepage": "", "message": "长" * 6000}).encode()


ODD_BODIES = [
    # (content type, body, expected status)
    ("application/json", b"", 400),
    ("application/json", b"[]", 400),
    ("application/json", b'[{"name": "x"}]', 400),
    ("application/json", b"null", 400),
    ("application/json", b"42", 400),
    ("application/json", b'"name"', 400),
    ("application/json", b"{", 400),
    ("application/json", b"\xff\xfe{\x00}\x00", 400),
    ("application/json", '{"name": "高明"}'.encode("gbk"), 400),
    ("application/json", b'{"name": NaN, "homepage": ""}', 400),
    ("application/json", b'{"name": Infinity, "homepage": ""}', 400),
    ("application/json", b"[" * 10000 + b"]" * 10000, 413),
    ("application/json", b"[" * 8000, 400),
    ("application/json", b'{"a":' * 2500 + b"1" + b"}" * 2500, 400),
    ("application/json", b'{"name": 1' + b"0" * 5000 + b', "homepage": ""}', 400),
    ("application/json", b'{"name": null, "mobile": null, "homepage": ""}', 400),
    ("application/json", b'{"name": 12345, "mobile": 13800138000, "consent": 1, "homepage": ""}', 400),
    ("application/json", b'{"name": {"a": {"b": []}}, "helps": {"x": 1}, "homepage": ""}', 400),
    ("application/json", b'{"name": "\\ud800\\udfff\\ud800", "homepage": ""}', 400),
    ("application/json", b'{"\\ud800": "x", "homepage": "", "id": []}', 400),
    ("application/json", b'{"name": "' + b"x" * 16000 + b'", "homepage": ""}', 400),
    ("application/json", _oversized_json(), 413),
    ("application/json; charset=utf-8", b'{"homepage": "", "id": true}', 400),
    ("application/x-www-form-urlencoded", b"", 400),
    ("application/x-www-form-urlencoded", b"%ff=%fe&homepage=", 400),
    ("application/x-www-form-urlencoded", b"name=%E4%BD&homepage=", 400),
    ("application/x-www-form-urlencoded", b"name=\xff&homepage=", 400),
    ("application/x-www-form-urlencoded", b"&&&==&homepage=", 400),
    ("application/x-www-form-urlencoded", b"homepage=&name=a&name=b&id=x&id=y", 400),
    ("application/x-www-form-urlencoded", b"homepage=&helps=%00", 400),
]


@pytest.mark.parametrize(
    "content_type, body, status", ODD_BODIES, ids=[f"{n}-{body[:12]!r}" for n, (_, body, _) in enumerate(ODD_BODIES)]
)
def test_odd_bodies_never_answer_500(api, submissions_table, content_type, body, status):
    response = api.post("/forms/volunteer", headers={"Content-Type": content_type}, body=body)
    assert response.status_code == status, response.body[:300]
    assert submissions(submissions_table) == []


@pytest.mark.needs("transactions")
def test_unreachable_store_answers_503_and_the_retry_succeeds(
    api, chalice_app, api_environment, tmp_path, submissions_table, monkeypatch
):
    from chalice.test import Client

    # Point a second client at a port nothing listens on: DynamoDB out of reach.
    config_dir = tmp_path / "down" / ".chalice"
    config_dir.mkdir(parents=True)
    config = json.loads((tmp_path / ".chalice" / "config.json").read_text())
    config["stages"]["dev"]["environment_variables"]["DYNAMODB_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    (config_dir / "config.json").write_text(json.dumps(config))
    data = {**REQUEST, "id": new_id()}
    with Client(chalice_app, stage_name="dev", project_dir=str(config_dir.parent)) as down:
        response = post_json(down.http, "/forms/request", data)
    assert response.status_code == 503
    assert response.json_body["message"] == "服务器繁忙，请稍后重试"
    assert response.headers["Retry-After"]
    assert submissions(submissions_table) == []
    # The page retries the same submission once the store is back: nothing is lost.
    assert post_json(api, "/forms/request", data).status_code == 201
    assert len(submissions(submissions_table)) == 1


def _post_over_http(base_url, path, data, attempts=5):
    """POST JSON as a page does, retrying when the connection is dropped (as a page does too)."""
    url = urlsplit(base_url)
    for attempt in range(attempts):
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        try:
            connection.request("POST", path, body=json.dumps(data).encode(), headers=JSON)
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        # chalice local's listen backlog is 5: a burst of 20 connections overflows it.
        except ConnectionError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
        finally:
            connection.close()


@pytest.mark.parametrize("form_name", form_cases(["registration", "request"]))
def test_concurrent_duplicates_are_stored_once(chalice_local, submissions_table, form_name):
    data = {**EXAMPLES[form_name], "id": new_id()}
    answers, barrier = [], threading.Barrier(20)

    def post():
        barrier.wait()
        answers.append(_post_over_http(chalice_local, f"/forms/{form_name}", data))

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 19 + [201]
    assert len({json.dumps(body, sort_keys=True) for _, body in answers}) == 1
    assert answers[0][1]["id"] == data["id"]
    (item,) = submissions(submissions_table)
    assert item["id"] == data["id"]


@pytest.mark.parametrize(
    "path, method",
    [
        ("/forms/registration", "POST"),
        ("/checkins", "POST"),
        ("/study", "POST"),
        ("/forms/request/ABCDEFGH", "GET"),
    ],
)
def test_cors_preflight_allows_only_the_site_origin(chalice_local, path, method):
    # Through `chalice local` over HTTP: chalice.test.Client cannot answer a preflight.
    response = preflight(chalice_local, path, method, "content-type")
    assert response.status == 200
    assert response.getheader("Access-Control-Allow-Origin") == SITE["SITE_ORIGIN"]
    assert method in response.getheader("Access-Control-Allow-Methods")
    assert "Content-Type" in response.getheader("Access-Control-Allow-Headers")
    assert response.getheader("Access-Control-Max-Age") == "600"
