"""Admins manage staff tokens through the API: list, create (shown once), revoke; each change audited."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import pytest
from chalicelib.responses import FORBIDDEN_MESSAGE, OWN_TOKEN_MESSAGE, SIGN_IN_MESSAGE, TOKEN_NOT_FOUND_MESSAGE
from chalicelib.store import OFFICE_TZ
from chalicelib.tokens import IssuedToken, TokenStore, hash_secret
from conftest import api_on_own_table, bearer, scan_all

TODAY = datetime.now(OFFICE_TZ).date().isoformat()
PUBLIC_KEYS = {"id", "name", "role", "stations", "created_at", "expires_at", "revoked_at"}
COLLEAGUE = {"name": "王五", "role": "station", "stations": ["station-02", "station-01"], "days": "7"}
# Stations are kept in the content's order, however they were picked.
COLLEAGUE_STATIONS = ["station-01", "station-02"]


@dataclass(frozen=True)
class Shared:
    """One table for the calls that write nothing: the API, an admin's and a station's token."""

    api: object
    table: object
    admin: IssuedToken
    station: IssuedToken


@pytest.fixture(scope="module")
def shared(chalice_app, dynamodb_client, dynamodb_endpoint, exports_bucket, content_ids_file, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tokens")
    with api_on_own_table(
        chalice_app, dynamodb_client, dynamodb_endpoint, exports_bucket, content_ids_file, folder
    ) as (api, table):
        tokens = TokenStore(table)
        admin = tokens.create("管理员甲", "admin", (), 30)
        station = tokens.create("驿站乙", "station", ("station-01",), 30)
        yield Shared(api, table, admin, station)


def send(api, method, path, token, body=None):
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
    return api.request(method, path, headers=bearer(token), body=data)


def token_entries(table) -> list[dict]:
    return [item for item in scan_all(table) if item["pk"].startswith("audit#") and item["action"].startswith("token.")]


@pytest.mark.needs("transactions")
def test_an_admin_creates_a_token_that_signs_in_then_revokes_it_each_step_audited(api, admin_token, submissions_table):
    created = send(api, "POST", "/staff/tokens", admin_token.token, COLLEAGUE)
    assert created.status_code == 201, created.body
    assert created.headers["Cache-Control"] == "no-store"
    new = created.json_body
    assert set(new) == PUBLIC_KEYS | {"token"}
    assert (new["name"], new["role"], new["stations"], new["revoked_at"]) == (
        "王五",
        "station",
        COLLEAGUE_STATIONS,
        None,
    )
    assert new["token"].startswith(new["id"] + ".")
    me = send(api, "GET", "/staff/me", new["token"]).json_body
    assert (me["id"], me["stations"]) == (new["id"], COLLEAGUE_STATIONS)

    # The list shows it, and never a secret or its hash.
    listed = send(api, "GET", "/staff/tokens", admin_token.token)
    assert listed.status_code == 200
    items = {item["id"]: item for item in listed.json_body["items"]}
    assert set(items) == {admin_token.record.id, new["id"]}
    assert all(set(item) == PUBLIC_KEYS for item in items.values())
    secret = new["token"].split(".")[1]
    assert secret not in listed.body.decode() and hash_secret(secret) not in listed.body.decode()

    revoked = send(api, "DELETE", f"/staff/tokens/{new['id']}", admin_token.token)
    assert revoked.status_code == 200, revoked.body
    assert revoked.json_body["revoked_at"]
    refused = send(api, "GET", "/staff/me", new["token"])
    assert (refused.status_code, refused.json_body["message"]) == (401, SIGN_IN_MESSAGE)
    again = send(api, "DELETE", f"/staff/tokens/{new['id']}", admin_token.token)
    assert (again.status_code, again.json_body) == (200, revoked.json_body)
    (listed_after,) = [
        i for i in send(api, "GET", "/staff/tokens", admin_token.token).json_body["items"] if i["id"] == new["id"]
    ]
    assert listed_after["revoked_at"] == revoked.json_body["revoked_at"]

    # One entry for the create and one for the revoke (a second revoke changed nothing): who,
    # what, which token by id and name; never the secret.
    entries = sorted(token_entries(submissions_table), key=lambda entry: entry["at"])
    assert [entry["action"] for entry in entries] == ["token.create", "token.revoke"]
    for entry in entries:
        assert (entry["by"], entry["by_name"], entry["records"]) == (admin_token.record.id, "管理员甲", [new["id"]])
        assert entry["detail"]["name"] == "王五"
        assert secret not in json.dumps(entry, default=str) and hash_secret(secret) not in json.dumps(
            entry, default=str
        )
    shown = send(api, "GET", f"/staff/audit?from={TODAY}&to={TODAY}", admin_token.token).json_body["items"]
    assert [entry["action"] for entry in shown] == ["token.revoke", "token.create"]


@pytest.mark.needs("transactions")
def test_an_admin_token_can_be_made_and_its_days_sent_as_a_number(api, admin_token):
    created = send(api, "POST", "/staff/tokens", admin_token.token, {"name": "赵六", "role": "admin", "days": 366})
    assert created.status_code == 201, created.body
    assert created.json_body["stations"] == []
    assert send(api, "GET", "/staff/audit", created.json_body["token"]).status_code == 200


@pytest.mark.parametrize(
    "body, fields",
    [
        ({}, {"name", "role", "days"}),
        ({"name": "  ", "role": "boss", "days": "30"}, {"name", "role"}),
        ({"name": "王五", "role": "station", "days": "30"}, {"stations"}),
        ({"name": "王五", "role": "station", "stations": [], "days": "30"}, {"stations"}),
        ({"name": "王五", "role": "admin", "stations": ["station-01"], "days": "30"}, {"stations"}),
        ({"name": "王五", "role": "station", "stations": "station-01", "days": "0"}, {"days"}),
        ({"name": "王五", "role": "admin", "days": "367"}, {"days"}),
        ({"name": "王五", "role": "admin", "days": "三十"}, {"days"}),
        ({"name": "王五", "role": "admin", "days": True}, {"days"}),
        ({"name": "王" * 41, "role": "admin", "days": "30"}, {"name"}),
        ({"name": "王\u202e五", "role": "admin", "days": "30"}, {"name"}),
        ({"name": "王五", "role": "admin", "days": "30", "secret": "x"}, {"secret"}),
    ],
)
def test_a_bad_token_request_names_every_field_in_chinese(shared, body, fields):
    before = scan_all(shared.table)
    response = send(shared.api, "POST", "/staff/tokens", shared.admin.token, body)
    assert response.status_code == 400, response.body
    assert set(response.json_body["errors"]) == fields
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in message) for message in response.json_body["errors"].values())
    assert scan_all(shared.table) == before


def test_a_station_the_api_does_not_know_is_refused_by_its_id(shared):
    body = {**COLLEAGUE, "stations": ["station-01", "no-such-station"]}
    response = send(shared.api, "POST", "/staff/tokens", shared.admin.token, body)
    assert response.status_code == 400
    assert "no-such-station" in response.json_body["errors"]["stations"]
    assert "station-01" not in response.json_body["errors"]["stations"]


def test_an_admin_cannot_revoke_the_token_they_are_signed_in_with(shared):
    response = send(shared.api, "DELETE", f"/staff/tokens/{shared.admin.record.id}", shared.admin.token)
    assert response.status_code == 409
    assert response.json_body["message"] == OWN_TOKEN_MESSAGE
    assert send(shared.api, "GET", "/staff/me", shared.admin.token).status_code == 200


@pytest.mark.parametrize("token_id", ["0123456789ab", "not-a-token", "0123456789AB"])
def test_revoking_a_token_that_does_not_exist_is_404(shared, token_id):
    response = send(shared.api, "DELETE", f"/staff/tokens/{token_id}", shared.admin.token)
    assert (response.status_code, response.json_body["message"]) == (404, TOKEN_NOT_FOUND_MESSAGE)


def test_station_staff_cannot_see_make_or_revoke_tokens(shared):
    before = scan_all(shared.table)
    for method, path, body in [
        ("GET", "/staff/tokens", None),
        ("POST", "/staff/tokens", {**COLLEAGUE, "role": "admin", "stations": []}),
        ("DELETE", f"/staff/tokens/{shared.admin.record.id}", None),
    ]:
        response = send(shared.api, method, path, shared.station.token, body)
        assert (response.status_code, response.json_body["message"]) == (403, FORBIDDEN_MESSAGE)
    assert scan_all(shared.table) == before
