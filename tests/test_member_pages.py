"""The request and thank-you pages on a phone, against `build.py serve` and its real table."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from urllib.parse import quote

import pytest
from conftest import stack_table

from sitegen.content import load_content
from sitegen.site import ROOT

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "given, shown",
    [
        ("23456789", "23456789"),
        ("abcdefgh", "ABCDEFGH"),
        ("请拨打 400-123-4567 领奖", None),
        ("<img src=x onerror=alert(1)>", None),
        ("ABCDEFG0", None),
        ("ABCDEFGHJ", None),
        ("", None),
    ],
)
def test_the_thank_you_page_shows_only_a_ticket_shaped_ticket(stack, phone, given, shown):
    phone.goto(f"{stack['site']}thanks/?form=request&ticket={quote(given)}")
    phone.wait_for_load_state("load")
    box = phone.locator("[data-sanwei-ticket]")
    if shown is None:
        assert box.is_hidden()
        assert phone.text_content("[data-sanwei-ticket-value]") == ""
    else:
        assert box.is_visible()
        assert phone.text_content("[data-sanwei-ticket-value]") == shown


def send_request(phone) -> str:
    phone.check("input[name=category][value=rights]")
    phone.fill("#request-message", "工资被拖欠了两个月，希望帮忙协调")
    phone.click("button[type=submit]")
    phone.wait_for_url("**/thanks/**", timeout=15_000)
    return phone.text_content("[data-sanwei-ticket-value]")


def stored_request(stack, ticket: str) -> dict:
    table = stack_table(stack)
    pointer = table.get_item(Key={"pk": f"ticket#{ticket}"}, ConsistentRead=True)["Item"]
    return table.get_item(Key={"pk": f"sub#{pointer['submission_id']}"}, ConsistentRead=True)["Item"]


def test_a_request_about_work_needs_no_station(stack, phone):
    phone.goto(stack["site"] + "request/")
    assert phone.input_value("#request-station") == ""
    assert "选填" in phone.text_content("label[for=request-station]")
    ticket = send_request(phone)
    assert "station" not in stored_request(stack, ticket)["data"]


def test_a_request_from_a_stations_page_carries_its_station(stack, phone):
    station = load_content(ROOT).stations[2]
    phone.goto(f"{stack['site']}stations/{station.id}/")
    phone.click(f"a[href$='?station={station.id}']")
    phone.wait_for_url("**/request/**")
    assert phone.input_value("#request-station") == station.id
    ticket = send_request(phone)
    assert stored_request(stack, ticket)["data"]["station"] == station.id


def test_a_study_mark_from_a_phone_whose_registration_is_gone_is_counted_without_it(stack, phone):
    lesson = load_content(ROOT).lessons[0]
    phone.goto(stack["site"])
    # A registration the phone remembers, since erased (or never stored): the server refuses it.
    phone.evaluate("localStorage.setItem('sanwei.member.v1', JSON.stringify(crypto.randomUUID()))")
    phone.goto(f"{stack['site']}lessons/{lesson.slug}/")
    sent = []
    phone.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/study") else None)
    phone.click(f"[data-sanwei-study='{lesson.slug}']")
    phone.wait_for_function("document.querySelector('[data-sanwei-result]').textContent.includes('已记下')")
    assert ["member" in body for body in sent] == [True, False]
    assert phone.evaluate("localStorage.getItem('sanwei.member.v1')") is None
    item = stack_table(stack).get_item(Key={"pk": f"sub#{sent[-1]['id']}"}, ConsistentRead=True)["Item"]
    assert item["data"] == {"lesson": lesson.slug}


def test_serve_hands_its_api_the_sites_stations_and_lessons(stack):
    content = load_content(ROOT)

    def post(path: str, body: dict) -> int:
        data = json.dumps({**body, "id": str(uuid.uuid4())}).encode()
        request = urllib.request.Request(stack["api"] + path, data, {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    assert post("checkins", {"station": content.stations[-1].id}) == 201
    assert post("study", {"lesson": content.lessons[-1].slug}) == 201
    assert post("checkins", {"station": "station-01"}) == 400
    assert post("study", {"lesson": content.drafts[0]}) == 400
