"""Volunteer teams in the staff console on a 390 px phone: take a volunteer into a team, confirm a
member's report of service, record service, read the totals by team."""

from __future__ import annotations

import datetime

import pytest
from conftest import post_to_stack, stack_table

pytestmark = pytest.mark.browser
# The narrowest common phone screen.
PHONE_WIDTH = 390
TEAM = "rider-team-east"
TODAY = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date().isoformat()


def sign_in(page, stack) -> None:
    page.goto(stack["site"] + "staff/")
    page.fill("#staff-token", stack["token"])
    page.click("[data-staff-signin] button[type=submit]")
    page.wait_for_selector(".sw-tile")


def open_first(page, form: str, **filters: str) -> None:
    page.click("a[data-tab=records]")
    page.select_option("[data-staff-list] select[name=form]", form)
    for name, value in filters.items():
        page.select_option(f"[data-staff-list] select[name={name}]", value)
    page.click("[data-staff-list] button[type=submit]")
    page.click("[data-staff-list-items] li:first-child button")


def test_staff_take_in_a_volunteer_confirm_a_report_record_service_and_see_the_totals(stack, phone):
    volunteer = {"name": "赵志愿", "mobile": "13600136000", "helps": ["logistics"], "availability": "weekends"}
    post_to_stack(stack, "forms/volunteer", {**volunteer, "team": TEAM, "consent": True})
    report = {"name": "钱小骑", "mobile": "13500135000", "team": TEAM, "date": TODAY, "what": "给小区送生活物资"}
    post_to_stack(stack, "forms/service", {**report, "times": "12", "hours": "3.5", "people": "2", "consent": True})
    sign_in(phone, stack)

    # The volunteer, found by the team they asked for and as not yet decided on, is taken in.
    open_first(phone, "volunteer", team=TEAM, approval="pending")
    assert "想加入城东骑手志愿服务队" in phone.text_content("[data-staff-detail] .sw-staff-approval")
    phone.click("[data-staff-detail] form button[type=submit]")
    phone.wait_for_function("document.querySelector('[data-staff-notice]')?.textContent === '已保存'")
    assert "城东骑手志愿服务队 已批准" in phone.text_content("[data-staff-detail] .sw-staff-approval")

    # The member's report is confirmed, once.
    open_first(phone, "service")
    phone.select_option("[data-staff-detail] select[name=decision]", "confirmed")
    phone.click("[data-staff-detail] form button[type=submit]")
    phone.wait_for_function("document.querySelector('[data-staff-notice]')?.textContent === '已保存'")
    assert "核实结果：已确认" in phone.text_content("[data-staff-detail] .sw-staff-approval")

    # Staff record a piece of service themselves; a mistake is shown under its field.
    phone.click("a[data-tab=teams]")
    form = "[data-staff-service-form]"
    phone.select_option(f"{form} select[name=team]", TEAM)
    phone.fill(f"{form} input[name=date]", TODAY)
    phone.fill(f"{form} textarea[name=what]", "转运防疫物资")
    phone.fill(f"{form} input[name=times]", "8")
    phone.fill(f"{form} input[name=hours]", "2.55")
    phone.fill(f"{form} input[name=people]", "3")
    phone.click(f"{form} button[type=submit]")
    phone.wait_for_function(f"document.querySelector('{form} [data-error-for=hours]').textContent !== ''")
    phone.fill(f"{form} input[name=hours]", "2.5")
    phone.click(f"{form} button[type=submit]")
    phone.wait_for_function(f"document.querySelector('{form} [data-staff-result]').textContent.startsWith('已记下')")

    # Totals by team: the staff record and the confirmed report.
    phone.click("[data-staff-totals] button[type=submit]")
    phone.wait_for_selector(".sw-staff-totals")
    rows = phone.evaluate(
        "[...document.querySelectorAll('.sw-staff-totals tr')].map(r => [...r.cells].map(c => c.textContent))"
    )
    assert ["城东骑手志愿服务队", "2", "20", "6", "5"] in rows
    phone.click(".sw-staff-totals button:has-text('城东骑手志愿服务队')")
    phone.wait_for_selector("[data-staff-team-records] li")
    records = phone.text_content("[data-staff-team-records]")
    assert "党员上报" in records and "转运防疫物资" in records
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    # The period's confirmed records, downloaded as a file.
    phone.click("[data-staff-totals] button[name=format][value=csv]")
    link = phone.wait_for_selector("[data-staff-service-export-result] a[data-staff-download]")
    assert link.text_content().startswith("下载 志愿服务记录_")
    assert "共 2 行" in phone.text_content("[data-staff-service-export-result]")


def test_a_member_reports_service_and_joins_a_team_from_the_phone(stack, phone):
    # The service report: a day that does not exist is refused by the server, shown under its field.
    phone.goto(stack["site"] + "service-report/")
    phone.fill("#service-name", "钱小骑")
    phone.fill("#service-mobile", "13500135000")
    phone.check(f"input[name=team][value={TEAM}]")
    phone.fill("#service-date", "2026-02-30")
    phone.fill("#service-what", "给小区送生活物资")
    phone.fill("#service-times", "6")
    phone.fill("#service-hours", "1.5")
    phone.fill("#service-people", "1")
    phone.check("#service-consent")
    phone.click("button[type=submit]")
    phone.wait_for_function("document.querySelector('#service-date-error').textContent === '服务日期格式不正确'")
    phone.fill("#service-date", TODAY)
    phone.click("button[type=submit]")
    phone.wait_for_url("**/thanks/**", timeout=15_000)
    report_id = phone.evaluate("new URLSearchParams(location.search).get('id')")
    item = stack_table(stack).get_item(Key={"pk": f"sub#{report_id}"})["Item"]
    assert (item["form"], item["data"]["team"], item["data"]["hours"]) == ("service", TEAM, "1.5")
    assert "review" not in item

    # The volunteer form offers the teams of teams.yaml.
    phone.goto(stack["site"] + "volunteer/")
    offered = phone.eval_on_selector_all("input[name=team]", "inputs => inputs.map(i => i.value)")
    assert offered == ["rider-team-east", "rider-team-west", "rider-safety-team", "courier-transport-team"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
