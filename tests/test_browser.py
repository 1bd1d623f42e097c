"""A member's path on a phone: `build.py serve`, Debian's headless chromium, the real table."""

from __future__ import annotations

import time

import pytest
import zxingcpp
from conftest import stack_table
from PIL import Image

from sitegen.chromium import PHONE
from sitegen.content import load_content
from sitegen.site import ROOT

pytestmark = pytest.mark.browser


def fill_registration(page, name: str, mobile: str = "13900139000") -> None:
    page.fill("#registration-name", name)
    page.fill("#registration-mobile", mobile)
    page.fill("#registration-home_org", "丁湖镇某村党支部")
    page.fill("#registration-employer", "某外卖平台泗县站")
    page.fill("#registration-work_area", "泗县县城")
    page.check("input[name=job_type][value=food_delivery]")
    page.check("#registration-consent")


def test_registration_on_a_phone_reaches_the_table(stack, phone):
    phone.goto(stack["site"] + "register/?src=letter-home")
    fill_registration(phone, name="高明", mobile="138 0013 8000")
    phone.click("button[type=submit]")
    phone.wait_for_url("**/thanks/**", timeout=15_000)
    submission_id = phone.evaluate("new URLSearchParams(location.search).get('id')")

    item = stack_table(stack).get_item(Key={"pk": f"sub#{submission_id}"})["Item"]
    assert item["form"] == "registration"
    assert item["data"]["name"] == "高明"
    assert item["data"]["mobile"] == "13800138000"  # spaces as a member types them, stored clean
    assert item["data"]["source"] == "letter-home"
    # Nothing left waiting on the phone once the server confirmed.
    assert phone.evaluate("sanweiQueue.list()") == []


def test_errors_show_by_field_in_words_a_member_understands(stack, phone):
    phone.goto(stack["site"] + "register/")
    phone.fill("#registration-mobile", "12345")
    phone.click("button[type=submit]")
    assert "姓名" in phone.text_content("#registration-name-error")
    assert "手机" in phone.text_content("#registration-mobile-error")
    assert phone.text_content("#registration-consent-error")
    assert "/thanks/" not in phone.url


def test_request_gets_a_ticket_the_member_can_look_up(stack, phone):
    station = load_content(ROOT).stations[0]
    phone.goto(stack["site"] + f"stations/{station.id}/")
    phone.click(f"a[href*='request/?station={station.id}']")
    phone.wait_for_url("**/request/**")
    assert phone.input_value("#request-station") == station.id
    phone.check("input[name=category][value=station_service]")
    phone.fill("#request-message", "驿站的饮水机坏了，希望尽快修好。")
    phone.click("button[type=submit]")
    phone.wait_for_url("**/thanks/**", timeout=15_000)
    ticket = phone.text_content("[data-sanwei-ticket-value]")
    assert len(ticket) == 8

    phone.goto(stack["site"] + "status/")
    phone.fill("#ticket", ticket.lower())
    phone.click("button[type=submit]")
    phone.wait_for_function("document.querySelector('[data-sanwei-result]').textContent.includes('已受理')")


def test_check_in_at_a_station_is_stored(stack, phone):
    station = load_content(ROOT).stations[1]
    phone.goto(stack["site"] + f"stations/{station.id}/")
    with phone.expect_request("**/checkins") as sent:
        phone.click(f"[data-sanwei-checkin='{station.id}']")
    phone.wait_for_function("document.querySelector('[data-sanwei-result]').textContent.includes('签到成功')")

    submission_id = sent.value.post_data_json["id"]
    item = stack_table(stack).get_item(Key={"pk": f"sub#{submission_id}"})["Item"]
    assert (item["form"], item["data"]) == ("checkin", {"station": station.id})
    assert phone.evaluate("sanweiQueue.list()") == []


def test_station_svg_qr_codes_decode_when_drawn_by_the_browser(stack, phone, tmp_path):
    phone.set_viewport_size({"width": 600, "height": 600})
    for station in load_content(ROOT).stations[:4]:
        phone.goto(stack["site"] + f"qr/station-{station.id}.svg")
        shot = tmp_path / f"{station.id}.png"
        phone.screenshot(path=str(shot))
        found = zxingcpp.read_barcodes(Image.open(shot))
        assert [code.text for code in found] == [f"{stack['site']}stations/{station.id}/"]


def test_a_submission_made_offline_is_kept_and_sent_when_back_online(stack, phone):
    phone.goto(stack["site"] + "register/")
    phone.context.set_offline(True)
    fill_registration(phone, name="王芳")
    phone.click("button[type=submit]")
    phone.wait_for_function("document.querySelector('[data-sanwei-result]').textContent.includes('已保存在手机上')")
    queued = phone.evaluate("sanweiQueue.list()")
    assert len(queued) == 1
    phone.wait_for_selector(".sw-queue:has-text('1 条待发送')")
    submission_id = queued[0]["id"]
    assert "Item" not in stack_table(stack).get_item(Key={"pk": f"sub#{submission_id}"})

    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    # The bar goes once the server confirmed: nothing is left waiting on the phone.
    phone.wait_for_selector(".sw-queue", state="hidden")
    assert phone.evaluate("sanweiQueue.list()") == []
    item = stack_table(stack).get_item(Key={"pk": f"sub#{submission_id}"})["Item"]
    assert item["data"]["name"] == "王芳"


def test_the_registration_form_works_without_javascript(stack, browser):
    playwright, chromium = browser
    context = chromium.new_context(**playwright.devices[PHONE], java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(stack["site"] + "register/")
        fill_registration(page, name="赵强")
        page.click("button[type=submit]")
        page.wait_for_url("**/thanks/**")
        submission_id = page.url.split("id=")[1].split("&")[0]
        item = stack_table(stack).get_item(Key={"pk": f"sub#{submission_id}"})["Item"]
        assert item["data"]["name"] == "赵强"
    finally:
        context.close()


def test_chinese_search_finds_a_lesson(stack, phone):
    phone.goto(stack["site"])
    phone.click("label[for=__search]")
    query = phone.locator("input[data-md-component=search-query]")
    query.fill("驿站充电")
    # mkdocs-material searches on key presses, as a member's typing makes them.
    query.press("End")
    phone.wait_for_selector(".md-search-result__item", timeout=15_000)
    assert phone.locator(".md-search-result__item").count() > 0


def test_search_index_is_fetched_only_when_search_is_opened(stack, phone):
    fetched = []
    phone.on("request", lambda request: fetched.append(request.url))
    phone.goto(stack["site"] + "lessons/")
    phone.wait_for_load_state("networkidle")
    assert not [url for url in fetched if "search_index" in url or "workers/search" in url]

    phone.click("label[for=__search]")
    query = phone.locator("input[data-md-component=search-query]")
    query.fill("充电")
    query.press("End")
    phone.wait_for_selector(".md-search-result__item", timeout=15_000)
    assert [url for url in fetched if url.endswith("search/search_index.json")]


def test_an_opened_lesson_reads_offline(stack, phone):
    lesson = load_content(ROOT).lessons[0]
    phone.goto(stack["site"] + f"lessons/{lesson.slug}/")
    # evaluate() awaits the page's promise; wait_for_function would take the pending promise
    # itself as a truthy answer and go offline before the worker had kept the page.
    deadline = time.monotonic() + 30
    while not phone.evaluate(
        "async () => { await navigator.serviceWorker.ready; return !!(await caches.match(location.href)); }"
    ):
        assert time.monotonic() < deadline, "the service worker never kept the lesson"
        time.sleep(0.2)
    phone.context.set_offline(True)
    try:
        phone.reload()
        assert phone.text_content("h1") == lesson.title
        phone.goto(stack["site"] + "stations/")
        assert phone.locator("[data-sanwei-station]").count() > 0
    finally:
        phone.context.set_offline(False)
