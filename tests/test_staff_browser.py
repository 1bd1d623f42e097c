"""The staff console on a phone: `build.py serve`, Debian's headless chromium, the real API and S3."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

pytestmark = pytest.mark.browser
STATION = "hongqi-first-street"


def submit_request(stack) -> str:
    """A member's request at a station, sent to the API as the station page's script sends it."""
    body = {
        "id": str(uuid.uuid4()),
        "station": STATION,
        "category": "station_service",
        "message": "驿站的饮水机坏了，希望尽快修好。",
        "homepage": "",
    }
    request = urllib.request.Request(
        stack["api"] + "forms/request",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["ticket"]


def test_serve_prints_the_staff_token_and_the_console_address(stack):
    printed = "".join(stack["output"])
    assert f"{stack['site']}staff/" in printed
    assert len(stack["token"].split(".")[1]) == 43


def test_the_console_is_kept_out_of_the_menu_and_the_search(stack, phone):
    phone.goto(stack["site"])
    assert phone.locator("a[href*='staff']").count() == 0
    with urllib.request.urlopen(stack["site"] + "search/search_index.json", timeout=10) as response:
        assert "工作人员工作台" not in response.read().decode("utf-8")
    phone.goto(stack["site"] + "staff/")
    loaded = phone.evaluate("performance.getEntriesByType('resource').map(entry => entry.name)")
    assert all(url.startswith(stack["site"]) for url in loaded), loaded


def test_staff_resolve_a_request_the_member_sees_the_reply_and_a_csv_downloads(stack, phone):
    ticket = submit_request(stack)
    reply = "饮水机已经修好了，欢迎随时来歇脚。"

    phone.goto(stack["site"] + "staff/")
    phone.fill("#staff-token", stack["token"])
    phone.click("[data-staff-signin] button[type=submit]")
    phone.wait_for_selector("[data-staff-who]:has-text('本机管理员')")
    # The numbers at a glance: today's request is counted.
    phone.wait_for_selector(".sw-tile")
    assert phone.locator(".sw-bar-fill").count() > 0

    phone.click("a[data-tab=records]")
    phone.select_option("[data-staff-list] select[name=form]", "request")
    phone.click("[data-staff-list] button[type=submit]")
    phone.click(f"[data-record='{ticket}']")
    phone.wait_for_selector("[data-staff-detail] select[name=status]")
    phone.select_option("[data-staff-detail] select[name=status]", "resolved")
    phone.fill("[data-staff-detail] textarea[name=reply]", reply)
    phone.fill("[data-staff-detail] textarea[name=note]", "已联系物业")
    phone.click("[data-staff-detail] button[type=submit] >> nth=0")
    phone.wait_for_selector("[data-staff-notice]:has-text('已保存')")
    assert "已解决" in phone.text_content("[data-staff-detail] select[name=status]")

    # The member looks the ticket up on the public status page.
    status = phone.context.new_page()
    status.goto(stack["site"] + "status/")
    status.fill("#ticket", ticket)
    status.click("button[type=submit]")
    status.wait_for_function(
        "text => document.querySelector('[data-sanwei-result]').textContent.includes(text)", arg=reply
    )
    assert "已解决" in status.text_content("[data-sanwei-result]")
    assert "已联系物业" not in status.text_content("[data-sanwei-result]")
    status.close()

    phone.click("a[data-tab=export]")
    phone.select_option("[data-staff-export] select[name=form]", "request")
    # The export is held on its way to the API: meanwhile a second tap cannot start another.
    held = []
    phone.route(stack["api"] + "staff/exports", lambda route: held.append(route))  # noqa: PLW0108
    phone.click("[data-staff-export] button[value=csv]")
    phone.wait_for_function("() => document.querySelector('[data-staff-export] button[value=xlsx]').disabled")
    for _ in range(200):  # at most 10 s
        if held:
            break
        phone.wait_for_timeout(50)
    held[0].continue_()
    # The stack hands every export to its worker: the console shows the job going on, then the link.
    phone.wait_for_selector("[data-staff-export-result]:has-text('正在后台生成')")
    link = phone.wait_for_selector("a[data-staff-download]")
    assert phone.is_enabled("[data-staff-export] button[value=xlsx]")
    assert link.get_attribute("href").startswith(stack["db"])
    with phone.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.startswith("诉求与建议_") and download.suggested_filename.endswith(".csv")
    data = download.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("提交编号,提交时间,驿站,驿站编号,诉求类别,留言")
    assert ticket in text and reply in text
    assert f",泗州红旗驿站·泗州第一街,{STATION}," in text
