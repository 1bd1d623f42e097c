"""The outbox on a phone: nothing a member sends is lost or stored twice, whatever the network does."""

from __future__ import annotations

import uuid

import pytest
from boto3.dynamodb.conditions import Attr
from conftest import stack_table

from sitegen.chromium import PHONE
from sitegen.content import load_content
from sitegen.site import ROOT
from tests.test_browser import fill_registration

pytestmark = pytest.mark.browser

NO_INDEXEDDB = "delete window.indexedDB;"
INDEXEDDB_WILL_NOT_OPEN = (
    "IDBFactory.prototype.open = function () { throw new DOMException('private mode', 'InvalidStateError'); };"
)
NO_WEB_LOCKS = "Object.defineProperty(Navigator.prototype, 'locks', { get: function () { return undefined; } });"


@pytest.fixture
def new_phone(browser):
    """Make phone browser contexts (with scripts run before each page's own); close them after."""
    playwright, chromium = browser
    contexts = []

    def make(*init_scripts: str, service_workers: str = "allow"):
        context = chromium.new_context(**playwright.devices[PHONE], locale="zh-CN", service_workers=service_workers)
        for script in init_scripts:
            context.add_init_script(script)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def stored(stack, **data) -> list[dict]:
    """Every stored submission whose data has these values (a scan: the test table is small)."""
    table = stack_table(stack)
    condition = None
    for name, value in data.items():
        test = Attr(f"data.{name}").eq(value)
        condition = test if condition is None else condition & test
    scan = {"FilterExpression": condition}
    items = []
    while True:
        page = table.scan(**scan)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def wait_for_queue_length(page, length: int) -> None:
    """Wait until this phone's queue holds `length` items (waiting or refused)."""
    # wait_for_function does not await a promise: each poll starts a read, the next one
    # looks at what the previous read found.
    page.wait_for_function(
        """(length) => {
            sanweiQueue.list().then((items) => { window.queuedForTest = items.length; });
            return window.queuedForTest === length;
        }""",
        arg=length,
        polling=50,
    )


def unique_name() -> str:
    # Two to twenty characters, as the registration form asks; unique within the run.
    return "测试" + uuid.uuid4().hex[:8]


def wait_for_result(page, text: str) -> None:
    page.wait_for_function(
        "(text) => document.querySelector('[data-sanwei-result]').textContent.includes(text)", arg=text
    )


def register_offline(page, stack, name: str) -> str:
    """Fill and submit the registration form with the network off; return the queued id."""
    page.goto(stack["site"] + "register/")
    page.bring_to_front()  # a phone shows one page at a time; the others wait in the background
    page.context.set_offline(True)
    fill_registration(page, name=name)
    page.click("button[type=submit]")
    wait_for_result(page, "已保存在手机上")
    (item,) = page.evaluate("sanweiQueue.list()")
    return item["id"]


def is_api_post(request, path: str) -> bool:
    return request.method == "POST" and request.url.endswith("/" + path)


def test_a_registration_made_offline_is_sent_once_after_the_page_was_closed(stack, new_phone):
    context = new_phone()
    page = context.new_page()
    name = unique_name()
    register_offline(page, stack, name)
    page.wait_for_selector(".sw-queue:has-text('1 条待发送')")
    page.close()
    assert stored(stack, name=name) == []

    context.set_offline(False)
    page = context.new_page()
    page.goto(stack["site"])
    wait_for_queue_length(page, 0)
    assert len(stored(stack, name=name)) == 1
    page.wait_for_selector(".sw-queue", state="hidden")


def test_a_send_cut_off_after_the_server_got_it_is_kept_and_stored_once(stack, new_phone):
    context = new_phone(service_workers="block")
    page = context.new_page()
    page.goto(stack["site"] + "register/")
    name = unique_name()

    def cut_after_the_server_got_it(route):
        if route.request.method != "POST":
            return route.fallback()
        route.fetch()
        route.abort("internetdisconnected")

    context.route(stack["api"] + "forms/registration", cut_after_the_server_got_it)
    fill_registration(page, name=name)
    page.click("button[type=submit]")
    wait_for_result(page, "已保存在手机上")
    # The server has it, the phone never heard back: kept on the phone, stored once.
    assert len(page.evaluate("sanweiQueue.list()")) == 1
    assert len(stored(stack, name=name)) == 1

    context.unroute(stack["api"] + "forms/registration")
    with page.expect_response(lambda response: is_api_post(response.request, "forms/registration")) as answer:
        page.evaluate("dispatchEvent(new Event('online'))")
    assert answer.value.status == 200  # the same id again: the server already has it
    wait_for_queue_length(page, 0)
    assert len(stored(stack, name=name)) == 1


def test_a_busy_server_keeps_the_submission_on_the_phone(stack, new_phone):
    context = new_phone(service_workers="block")
    page = context.new_page()
    page.goto(stack["site"] + "register/")
    name = unique_name()

    def busy(route):
        if route.request.method != "POST":
            return route.fallback()
        route.fulfill(status=503, json={"message": "服务器繁忙，请稍后重试"}, headers={"Retry-After": "3"})

    context.route(stack["api"] + "forms/registration", busy)
    fill_registration(page, name=name)
    page.click("button[type=submit]")
    wait_for_result(page, "服务器忙，已保存在手机上")
    page.wait_for_selector(".sw-queue:has-text('1 条待发送')")

    context.unroute(stack["api"] + "forms/registration")
    page.evaluate("sanweiQueue.flush()")
    wait_for_queue_length(page, 0)
    assert len(stored(stack, name=name)) == 1


def test_a_refusal_from_the_server_is_shown_and_not_sent_again(stack, new_phone):
    context = new_phone(service_workers="block")
    page = context.new_page()
    register_offline(page, stack, unique_name())
    posts = []

    def refuse(route):
        if route.request.method != "POST":
            return route.fallback()
        posts.append(route.request.post_data_json["id"])
        route.fulfill(status=409, json={"message": "这个提交编号已用于另一份内容，请刷新页面后重新提交"})

    context.route(stack["api"] + "forms/registration", refuse)
    context.set_offline(False)
    page.evaluate("sanweiQueue.flush()")
    page.evaluate("sanweiQueue.flush()")
    assert len(posts) == 1
    assert "1 条没有发送成功" in page.text_content(".sw-queue")
    page.click(".sw-queue summary")
    assert "已用于另一份内容" in page.text_content(".sw-queue details")
    page.click(".sw-queue button:has-text('知道了')")
    wait_for_queue_length(page, 0)
    page.wait_for_selector(".sw-queue", state="hidden")


@pytest.mark.parametrize("init_scripts", [(), (NO_WEB_LOCKS,)], ids=["web-locks", "indexeddb-lease"])
def test_two_tabs_flushing_at_once_send_a_submission_once(stack, new_phone, init_scripts):
    context = new_phone(*init_scripts, service_workers="block")
    first = context.new_page()
    second = context.new_page()
    second.goto(stack["site"] + "lessons/")
    name = unique_name()
    submission_id = register_offline(first, stack, name)
    wait_for_queue_length(second, 1)

    # Each POST of the submission is counted and held, so its sender is still sending
    # when the other tab tries.
    posts, held = [], []

    def hold(route):
        if route.request.method != "POST":
            return route.fallback()
        posts.append(route.request.post_data_json["id"])
        held.append(route)

    context.route(stack["api"] + "forms/registration", hold)
    with context.expect_event("request", lambda request: is_api_post(request, "forms/registration")) as request:
        context.set_offline(False)
        for page in (first, second):
            page.evaluate("dispatchEvent(new Event('online'))")
    other = second if request.value.frame.page == first else first
    # A whole run of the other tab, started while the sender holds the submission.
    other.evaluate("sanweiQueue.flush()")
    assert posts == [submission_id]

    held[0].continue_()
    for page in (first, second):
        wait_for_queue_length(page, 0)
    other.evaluate("sanweiQueue.flush()")
    assert posts == [submission_id]
    assert [item["id"] for item in stored(stack, name=name)] == [submission_id]


def test_studied_marks_show_in_the_list_and_carry_the_registration_made_on_this_phone(stack, new_phone):
    first_lesson, second_lesson, unread = load_content(ROOT).lessons[:3]
    page = new_phone().new_page()

    def study(slug: str) -> dict:
        page.goto(stack["site"] + f"lessons/{slug}/")
        with page.expect_request(lambda request: is_api_post(request, "study")) as sent:
            page.click(f"[data-sanwei-study='{slug}']")
        wait_for_result(page, "已记下这次学习")
        study_id = sent.value.post_data_json["id"]
        return stack_table(stack).get_item(Key={"pk": f"sub#{study_id}"})["Item"]["data"]

    assert study(first_lesson.slug) == {"lesson": first_lesson.slug}

    page.goto(stack["site"] + "register/")
    fill_registration(page, name=unique_name())
    page.click("button[type=submit]")
    page.wait_for_url("**/thanks/**")
    registration_id = page.evaluate("new URLSearchParams(location.search).get('id')")
    assert study(second_lesson.slug) == {"lesson": second_lesson.slug, "member": registration_id}

    page.goto(stack["site"] + "lessons/")
    done = page.eval_on_selector_all("li.sw-studied-done", "items => items.map(i => i.dataset.sanweiLesson)")
    assert sorted(done) == sorted([first_lesson.slug, second_lesson.slug])
    assert unread.slug not in done


def test_a_request_sent_from_the_queue_leaves_its_ticket_on_the_status_page(stack, new_phone):
    context = new_phone()
    page = context.new_page()
    station = load_content(ROOT).stations[0]
    page.goto(stack["site"] + f"request/?station={station.id}")
    context.set_offline(True)
    page.check("input[name=category][value=station_service]")
    message = f"驿站门口的灯坏了，晚上看不清。{uuid.uuid4().hex[:8]}"
    page.fill("#request-message", message)
    page.click("button[type=submit]")
    wait_for_result(page, "已保存在手机上")

    context.set_offline(False)
    page.goto(stack["site"])
    wait_for_queue_length(page, 0)
    # The ticket is read from the table, not from the answer: the page may already have
    # moved on when the answer arrives, and then its body is gone.
    (request,) = stored(stack, message=message)
    ticket = request["ticket"]
    page.goto(stack["site"] + "status/")
    page.click(f"button:has-text('{ticket}')")
    wait_for_result(page, f"编号 {ticket}：已受理")


def test_a_queued_item_shows_on_every_open_page_and_can_be_discarded(stack, new_phone):
    context = new_phone()
    station = load_content(ROOT).stations[0]
    lessons = context.new_page()
    lessons.goto(stack["site"] + "lessons/")
    page = context.new_page()
    page.goto(stack["site"] + f"stations/{station.id}/")
    context.set_offline(True)
    page.click(f"[data-sanwei-checkin='{station.id}']")
    wait_for_result(page, "已保存在手机上")
    (item,) = page.evaluate("sanweiQueue.list()")

    lessons.bring_to_front()
    lessons.wait_for_selector(".sw-queue:has-text('1 条待发送')")
    lessons.click(".sw-queue summary")
    assert station.name in lessons.text_content(".sw-queue details")
    lessons.once("dialog", lambda dialog: dialog.accept())
    lessons.click(".sw-queue button:has-text('不发了')")
    for shown in (lessons, page):
        shown.wait_for_selector(".sw-queue", state="hidden")

    context.set_offline(False)
    page.evaluate("sanweiQueue.flush()")
    assert "Item" not in stack_table(stack).get_item(Key={"pk": f"sub#{item['id']}"})


@pytest.mark.parametrize(
    ("init_script", "indexeddb"),
    [(NO_INDEXEDDB, "undefined"), (INDEXEDDB_WILL_NOT_OPEN, "object")],
    ids=["missing", "will-not-open"],
)
def test_without_indexeddb_the_queue_keeps_submissions_in_local_storage(stack, new_phone, init_script, indexeddb):
    context = new_phone(init_script)
    page = context.new_page()
    name = unique_name()
    submission_id = register_offline(page, stack, name)
    assert page.evaluate("typeof window.indexedDB") == indexeddb
    kept = page.evaluate("JSON.parse(localStorage.getItem('sanwei.queue.v1'))")
    assert [item["id"] for item in kept] == [submission_id]
    page.close()

    context.set_offline(False)
    page = context.new_page()
    page.goto(stack["site"])
    wait_for_queue_length(page, 0)
    assert page.evaluate("JSON.parse(localStorage.getItem('sanwei.queue.v1'))") == []
    assert [item["id"] for item in stored(stack, name=name)] == [submission_id]


def test_items_an_older_page_left_in_local_storage_are_sent(stack, new_phone):
    page = new_phone().new_page()
    page.goto(stack["site"])
    station = load_content(ROOT).stations[0]
    checkin_id = str(uuid.uuid4())
    # The shape the previous page script queued in localStorage.
    body = {"id": checkin_id, "station": station.id}
    older = [{"path": "checkins", "body": body, "label": "到站签到", "queuedAt": 1, "onSent": None}]
    page.evaluate("(items) => localStorage.setItem('sanwei.queue.v1', JSON.stringify(items))", older)
    page.reload()
    wait_for_queue_length(page, 0)
    item = stack_table(stack).get_item(Key={"pk": f"sub#{checkin_id}"})["Item"]
    assert item["data"] == {"station": station.id}
