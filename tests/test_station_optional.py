"""A request need not name a station: staff lists, numbers and exports take it; station tokens do not see it."""

from __future__ import annotations

import csv
import io
import json
import urllib.request
import uuid
from datetime import datetime

import pytest
from chalicelib.store import OFFICE_TZ
from conftest import bearer, post_submission, staff_request

TODAY = datetime.now(OFFICE_TZ).date().isoformat()
ONE_DAY = f"from={TODAY}&to={TODAY}"
# Requests are stored with their ticket in a transaction, which dynalite lacks.
pytestmark = pytest.mark.needs("transactions")


def at_work() -> dict:
    """A request about a problem at work, sent from the request page with no station picked."""
    return {key: value for key, value in staff_request("").items() if key != "station"}


def test_requests_without_a_station_are_listed_counted_and_exported_for_admins(api, admin_token):
    at_station = post_submission(api, "/forms/request", staff_request("station-01"))["ticket"]
    at_work_ticket = post_submission(api, "/forms/request", at_work())["ticket"]
    token = bearer(admin_token.token)
    listed = api.get(f"/staff/submissions/request?{ONE_DAY}", headers=token).json_body["items"]
    assert {item["ticket"] for item in listed} == {at_station, at_work_ticket}
    assert api.get(f"/staff/requests/{at_work_ticket}", headers=token).status_code == 200
    stats = api.get(f"/staff/stats?{ONE_DAY}", headers=token).json_body
    assert stats["requests"]["total"] == 2
    one_station = api.get(f"/staff/submissions/request?{ONE_DAY}&station=station-01", headers=token).json_body
    assert [item["ticket"] for item in one_station["items"]] == [at_station]
    body = json.dumps(
        {"form": "request", "format": "csv", "from": TODAY, "to": TODAY, "job": str(uuid.uuid4())}
    ).encode()
    answer = api.post("/staff/exports", headers=token, body=body).json_body
    with urllib.request.urlopen(answer["url"], timeout=10) as response:
        rows = list(csv.reader(io.StringIO(response.read().decode("utf-8-sig"), newline="")))
    assert len(rows) == 3


def test_a_station_token_does_not_see_requests_without_a_station(api, station_token):
    at_station = post_submission(api, "/forms/request", staff_request("station-01"))["ticket"]
    at_work_ticket = post_submission(api, "/forms/request", at_work())["ticket"]
    token = bearer(station_token.token)
    listed = api.get(f"/staff/submissions/request?{ONE_DAY}", headers=token).json_body["items"]
    assert [item["ticket"] for item in listed] == [at_station]
    assert api.get(f"/staff/requests/{at_work_ticket}", headers=token).status_code == 403
    assert api.get(f"/staff/stats?{ONE_DAY}", headers=token).json_body["requests"]["total"] == 1
