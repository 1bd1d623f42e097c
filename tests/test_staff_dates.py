"""Staff date filters far in the past or future are refused by field on every route that takes dates."""

from __future__ import annotations

import json
import uuid

import pytest
from chalicelib.staffinput import EARLIEST_DAY, LATEST_DAY
from conftest import bearer


def ask(api, token: str, route: str, dates: dict[str, str]):
    """Call one dated staff route with these dates, as the console would."""
    if route == "exports":
        body = {"form": "request", "format": "csv", "job": str(uuid.uuid4()), **dates}
        return api.post("/staff/exports", headers=bearer(token), body=json.dumps(body).encode())
    query = "&".join(f"{name}={value}" for name, value in dates.items())
    return api.get(f"/staff/{route}?{query}", headers=bearer(token))


ROUTES = ["stats", "submissions/request", "submissions/checkin", "submissions/registration", "audit", "exports"]
# Each: the dates sent, and the fields the answer must name.
FAR_DATES = [
    ({"from": "0001-01-01", "to": "0001-01-01"}, {"from", "to"}),
    ({"from": "0001-01-01", "to": "0001-01-31"}, {"from", "to"}),
    ({"from": "0001-01-01"}, {"from"}),
    # The default `from` is 30 days before `to`: before year 1.
    ({"to": "0001-01-05"}, {"to"}),
    ({"to": "0001-01-31"}, {"to"}),
    ({"from": "9999-12-31", "to": "9999-12-31"}, {"from", "to"}),
    ({"from": "9999-12-01", "to": "9999-12-31"}, {"from", "to"}),
    ({"to": "9999-12-31"}, {"to"}),
    ({"from": "1999-12-31", "to": "2000-01-01"}, {"from"}),
    ({"from": "2099-12-31", "to": "2100-01-01"}, {"to"}),
]


@pytest.mark.parametrize("route", ROUTES)
def test_a_date_far_in_the_past_or_future_is_400_by_field(api, admin_token, route):
    for dates, fields in FAR_DATES:
        response = ask(api, admin_token.token, route, dates)
        assert response.status_code == 400, (dates, response.body)
        errors = response.json_body["errors"]
        assert set(errors) == fields, dates
        assert all(EARLIEST_DAY.isoformat() in errors[field] for field in fields), errors


@pytest.mark.parametrize("route", ROUTES)
def test_the_first_and_last_days_allowed_answer(api, admin_token, route):
    for dates in ({"from": EARLIEST_DAY.isoformat(), "to": EARLIEST_DAY.isoformat()}, {"to": LATEST_DAY.isoformat()}):
        response = ask(api, admin_token.token, route, dates)
        assert response.status_code == 200, (dates, response.body)


@pytest.mark.needs("transactions")
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_follow_up_date_far_off_is_400_by_field(api, admin_token, staff_world, day):
    body = json.dumps({"date": day, "note": "电话联系，已转接"}).encode()
    path = f"/staff/members/{staff_world['member']}/follow-ups"
    response = api.post(path, headers=bearer(admin_token.token), body=body)
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"date"}
