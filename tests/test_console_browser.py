"""The staff console on a 390 px phone: a ticket read out on the phone, tabs, the weekly chart, its own forms."""

from __future__ import annotations

import datetime
import uuid

import pytest
from chalicelib.forms import DEFAULT_MAX_LENGTH
from chalicelib.staffinput import DATE_PATTERN, FOLLOW_UP_FIELDS, LIAISON_FIELDS, TRANSFER_FIELDS, branch_fields
from conftest import new_phone_context, post_to_stack

from sitegen.content import load_content
from sitegen.site import ROOT

pytestmark = pytest.mark.browser
STATION = "hongqi-first-street"
# The narrowest common phone screen.
PHONE_WIDTH = 390
# The sample branches (branches.yaml), which `build.py serve` hands the console and the API.
BRANCHES = {branch.id: branch.name for branch in load_content(ROOT).branches}


def submit_request(stack) -> str:
    body = {"station": STATION, "category": "station_service", "message": "驿站的饮水机坏了，希望尽快修好。"}
    return post_to_stack(stack, "forms/request", body)["ticket"]


def submit_registration(stack, name: str) -> str:
    body = {"name": name, "mobile": "13600136000", "home_org": "某村党支部", "employer": "某平台"}
    body.update(work_area="城关镇", job_type="courier", consent=True)
    return post_to_stack(stack, "forms/registration", body)["id"]


def sign_in(page, stack) -> None:
    page.goto(stack["site"] + "staff/")
    page.fill("#staff-token", stack["token"])
    page.click("[data-staff-signin] button[type=submit]")
    page.wait_for_selector(".sw-tile")


def shown_panels(page) -> list[str]:
    return page.evaluate(
        "[...document.querySelectorAll('[data-panel]')].filter(p => !p.hidden).map(p => p.dataset.panel)"
    )


def test_a_ticket_read_out_on_the_phone_opens_its_request(stack, phone):
    ticket = submit_request(stack)
    sign_in(phone, stack)
    box = "[data-staff-ticket] input[name=ticket]"

    # Not a ticket's shape: said under the box, nothing opened.
    phone.fill(box, "AB1O")
    phone.click("[data-staff-ticket] button[type=submit]")
    error = phone.text_content("[data-staff-ticket] [data-error-for=ticket]")
    assert "8 位" in error and "不含 0、1、I、L、O" in error
    assert shown_panels(phone) == ["overview"]

    # As staff type what they hear: lower case, a space between the halves.
    phone.fill(box, f"{ticket[:4].lower()} {ticket[4:].lower()}")
    phone.click("[data-staff-ticket] button[type=submit]")
    phone.wait_for_selector("[data-staff-detail] select[name=status]")
    assert shown_panels(phone) == ["detail"]
    assert ticket in phone.text_content("[data-staff-detail] h2")
    assert phone.text_content("[data-staff-ticket] [data-error-for=ticket]") == ""

    # A ticket of the right shape that was never issued.
    unknown = "22222222" if ticket != "22222222" else "33333333"
    phone.fill(box, unknown)
    phone.click("[data-staff-ticket] button[type=submit]")
    phone.wait_for_function("document.querySelector('[data-staff-detail]').textContent.includes('没有找到')")


def test_the_records_tab_shows_the_list_again_while_a_record_is_open(stack, phone):
    ticket = submit_request(stack)
    sign_in(phone, stack)
    phone.click("a[data-tab=records]")
    phone.select_option("[data-staff-list] select[name=form]", "request")
    phone.click("[data-staff-list] button[type=submit]")
    phone.click(f"[data-record='{ticket}']")
    phone.wait_for_selector("[data-staff-detail] select[name=status]")
    assert shown_panels(phone) == ["detail"]

    phone.click("a[data-tab=records]")
    assert shown_panels(phone) == ["records"]
    assert phone.is_visible(f"[data-record='{ticket}']")


@pytest.mark.parametrize("text_size", ["100%", "200%"])
def test_every_tab_can_be_seen_and_tapped_at_390_px(stack, phone, text_size):
    sign_in(phone, stack)
    # Larger text, as phones can be set (Android goes to 200 %); it also stands in for the wider
    # glyphs of a real Chinese font, which this machine lacks. mkdocs-material sizes everything
    # from the root's font size.
    phone.evaluate(f"document.documentElement.style.fontSize = '{text_size}'")
    # At 200 % the console's own lines above push the bar's lower rows below a phone's first
    # screen: each tab is scrolled to, as a thumb does, before it is tapped.
    tabs = phone.evaluate(
        """() => [...document.querySelectorAll('[data-tab]')].map(tab => {
          tab.scrollIntoView({ block: 'center' });
          const box = tab.getBoundingClientRect();
          const bar = tab.parentElement.getBoundingClientRect();
          const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
          return { name: tab.dataset.tab, left: box.left, right: box.right, barLeft: bar.left, barRight: bar.right,
                   hit: tab.contains(hit) };
        })"""
    )
    assert [tab["name"] for tab in tabs] == [
        "overview",
        "records",
        "export",
        "activities",
        "people",
        "audit",
        "report",
        "colleagues",
        "teams",
    ]
    for tab in tabs:
        assert tab["left"] >= 0 and tab["right"] <= PHONE_WIDTH, tab
        assert tab["left"] >= tab["barLeft"] and tab["right"] <= tab["barRight"], tab
        assert tab["hit"], tab
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    phone.click("a[data-tab=audit]")
    assert shown_panels(phone) == ["audit"]


def test_a_single_week_is_drawn_as_a_bar_on_a_round_scale(stack, phone):
    submit_registration(stack, "周一")
    sign_in(phone, stack)
    today = phone.input_value("[data-staff-stats] input[name=to]")
    phone.fill("[data-staff-stats] input[name=from]", today)
    phone.click("[data-staff-stats] button[type=submit]")
    phone.wait_for_selector(".sw-tile")
    chart = phone.evaluate(
        """() => {
          const title = [...document.querySelectorAll('.sw-chart h3')].find(h => h.textContent.startsWith('每周登记'));
          const columns = title.parentElement.querySelector('.sw-columns');
          const fills = [...columns.querySelectorAll('.sw-column-fill')];
          return { width: columns.getBoundingClientRect().width, height: columns.getBoundingClientRect().height,
                   scale: Number(columns.dataset.scale), count: Number(fills[0].parentElement.title.split('：')[1]),
                   fills: fills.map(f => ({ width: f.getBoundingClientRect().width,
                                            height: f.getBoundingClientRect().height })) };
        }"""
    )
    assert len(chart["fills"]) == 1
    fill = chart["fills"][0]
    assert 0 < fill["width"] <= chart["width"] / 8
    # The scale's top is a round number at or above the count, and the bar's height reads against it.
    assert chart["scale"] >= chart["count"] >= 1
    assert str(chart["scale"]).rstrip("0") in ("1", "2", "5")
    assert fill["height"] == pytest.approx(chart["height"] * chart["count"] / chart["scale"], abs=2)


def rendered_fields(page, action: str) -> list[dict]:
    """The controls of one of the console's forms as the page shows them."""
    return page.evaluate(
        """action => [...document.querySelector(`template[data-staff-form="${action}"]`).content
            .querySelectorAll('.sw-field')].map(field => {
          const control = field.querySelector('input, select, textarea');
          return { label: field.querySelector('label').textContent, name: control.name,
                   tag: control.tagName.toLowerCase(), type: control.getAttribute('type'),
                   maxlength: control.getAttribute('maxlength'), required: control.required,
                   options: [...control.querySelectorAll('option')].map(o => [o.value, o.textContent]) };
        })""",
        action,
    )


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("liaison", LIAISON_FIELDS),
        ("branch", branch_fields(BRANCHES)),
        ("follow-up", FOLLOW_UP_FIELDS),
        ("transfer", TRANSFER_FIELDS),
    ],
)
def test_the_consoles_forms_are_the_apis_own_field_definitions(stack, phone, action, fields):
    sign_in(phone, stack)
    shown = rendered_fields(phone, action)
    assert [field["name"] for field in shown] == [field.name for field in fields]
    for control, field in zip(shown, fields, strict=True):
        assert control["label"].startswith(field.label_zh)
        assert control["required"] == field.required
        if field.kind == "textarea":
            assert control["tag"] == "textarea"
        elif field.kind == "choice":
            assert control["tag"] == "select"
            assert control["options"] == [[choice.value, choice.zh] for choice in field.choices]
        elif field.pattern == DATE_PATTERN:
            assert control["type"] == "date"
        elif field.kind == "mobile":
            assert control["type"] == "tel"
        else:
            assert control["type"] == "text"
        if field.kind in ("text", "textarea") and field.pattern != DATE_PATTERN:
            assert control["maxlength"] == str(field.max_length or DEFAULT_MAX_LENGTH)


def test_a_liaison_follow_up_and_transfer_are_saved_from_the_rendered_forms(stack, phone):
    name = "吴" + uuid.uuid4().hex[:4]
    submit_registration(stack, name)
    sign_in(phone, stack)
    phone.click("a[data-tab=records]")
    phone.select_option("[data-staff-list] select[name=form]", "registration")
    phone.click("[data-staff-list] button[type=submit]")
    phone.click(f".sw-staff-item:has-text('{name}')")

    phone.fill("[data-staff-detail] input[name=name]", "李联系")
    phone.click("[data-staff-detail] form:has(input[name=name]) button[type=submit]")
    phone.wait_for_selector("[data-staff-notice]:has-text('已保存')")
    assert phone.input_value("[data-staff-detail] input[name=name]") == "李联系"

    phone.fill("[data-staff-detail] form:has(input[name=date]) textarea[name=note]", "电话联系，已核对组织关系")
    phone.click("[data-staff-detail] form:has(input[name=date]) button[type=submit]")
    phone.wait_for_selector("[data-staff-detail] li:has-text('电话联系，已核对组织关系')")

    phone.select_option("[data-staff-detail] select[name=state]", "in_progress")
    phone.click("[data-staff-detail] form:has(select[name=state]) button[type=submit]")
    phone.wait_for_selector("[data-staff-notice]:has-text('已保存')")
    assert phone.input_value("[data-staff-detail] select[name=state]") == "in_progress"


def listed_names(page) -> list[str]:
    return page.eval_on_selector_all("[data-staff-list-items] strong", "names => names.map(n => n.textContent)")


def test_a_member_is_assigned_a_branch_and_the_list_filters_by_it(stack, phone):
    assigned, other = ("郑" + uuid.uuid4().hex[:4], "钱" + uuid.uuid4().hex[:4])
    submit_registration(stack, assigned)
    submit_registration(stack, other)
    branch, branch_name = "express-logistics", BRANCHES["express-logistics"]
    sign_in(phone, stack)
    phone.click("a[data-tab=records]")
    phone.select_option("[data-staff-list] select[name=form]", "registration")
    phone.click("[data-staff-list] button[type=submit]")
    phone.click(f".sw-staff-item:has-text('{assigned}')")

    form = "[data-staff-detail] form:has(select[name=branch])"
    phone.select_option(f"{form} select[name=branch]", branch)
    phone.click(f"{form} button[type=submit]")
    phone.wait_for_selector("[data-staff-notice]:has-text('已保存')")
    assert phone.input_value(f"{form} select[name=branch]") == branch
    # When and by whom, in China time, as the member's record keeps it.
    line = phone.text_content(f"{form} [data-staff-assigned]")
    assert line.startswith(branch_name + " · " + phone.input_value("[data-staff-list] input[name=to]"))
    assert line.endswith("分配")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    phone.click("a[data-tab=records]")
    phone.select_option("[data-staff-list] select[name=branch]", branch)
    phone.click("[data-staff-list] button[type=submit]")
    phone.wait_for_selector("[data-staff-list-result]:has-text('共显示')")
    names = listed_names(phone)
    assert any(name.startswith(assigned) for name in names)
    assert not any(name.startswith(other) for name in names)
    assert branch_name in phone.text_content(f".sw-staff-item:has-text('{assigned}')")

    phone.select_option("[data-staff-list] select[name=branch]", "")
    phone.click("[data-staff-list] button[type=submit]")
    phone.wait_for_selector(f".sw-staff-item:has-text('{other}')")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_the_console_keeps_china_time_on_a_phone_in_another_zone(stack, browser):
    """At 01:30 in China on 2 January, a phone set to Los Angeles (still 1 January there)
    opens the lists at China's day: the offset is the one the build writes, not the phone's."""
    context = new_phone_context(browser, PHONE_WIDTH, timezone_id="America/Los_Angeles")
    try:
        page = context.new_page()
        page.clock.set_fixed_time(datetime.datetime(2026, 1, 1, 17, 30, tzinfo=datetime.UTC))
        sign_in(page, stack)
        defaults = page.evaluate(
            "Object.fromEntries([...document.querySelectorAll('input[data-default]')]"
            ".map(input => [input.dataset.default, input.value]))"
        )
        assert defaults["to"] == "2026-01-02"
        assert defaults["week"] == "2025-12-27"
    finally:
        context.close()
