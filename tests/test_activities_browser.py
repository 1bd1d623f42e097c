"""An activity's page on a phone: sign up, a full activity offers the waiting list, attend at the
door during the window (and not outside it), and an attendance kept on the phone is sent later.

The site is built from activities written for this module, at times around now, in a copy of
the project, and served by `build.py serve` as the other browser tests' stack is."""

from __future__ import annotations

import shutil
import uuid
from datetime import datetime, timedelta

import pytest
from chalicelib.store import OFFICE_TZ
from conftest import ROOT, post_to_stack, run_serve, scan_all, stack_table

STATION = "hongqi-first-street"


def activity_file(title: str, start: datetime, hours: float = 2, capacity: int | None = None) -> str:
    """An activity's Markdown file, its times in China time to the minute."""
    lines = [
        "---",
        f"title: {title}",
        "kind: 培训",
        f"start: {start:%Y-%m-%d %H:%M}",
        f"end: {start + timedelta(hours=hours):%Y-%m-%d %H:%M}",
        f"station: {STATION}",
        "organiser: 红旗社区党委",
    ]
    if capacity is not None:
        lines.append(f"capacity: {capacity}")
    return "\n".join([*lines, "---", "", "活动的说明。", ""])


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """`build.py serve` of a project copy whose activities are: one starting in half an hour (its
    attendance open), one with a single place, and one three hours away (attendance not open yet)."""
    root = tmp_path_factory.mktemp("project")
    for name in ("lessons", "sitegen", "functions"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__", ".cache"))
    for name in ("mkdocs.yml", "build.py", "stations.yaml", "branches.yaml", "stages.yaml"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, root / name)
    now = datetime.now(OFFICE_TZ).replace(second=0, microsecond=0)
    (root / "activities").mkdir()
    files = {
        "soon": activity_file("马上开始的培训", now + timedelta(minutes=30), capacity=5),
        "one-place": activity_file("只有一个名额的党课", now + timedelta(days=2), capacity=1),
        "later": activity_file("三小时后的志愿活动", now + timedelta(hours=3)),
    }
    for name, text in files.items():
        (root / "activities" / f"{name}.md").write_text(text, encoding="utf-8")
    with run_serve(root, "--no-watch", "--site-dir", str(tmp_path_factory.mktemp("site"))) as running:
        yield running


def sign_up_on_page(page, name: str, mobile: str) -> None:
    page.fill("#signup-name", name)
    page.fill("#signup-mobile", mobile)
    page.check("#signup-consent")


def attendance_items(site) -> list[dict]:
    return [item for item in scan_all(stack_table(site)) if item.get("form") == "attendance"]


def test_a_member_signs_up_and_attends_at_the_door_in_the_window(site, phone):
    phone.goto(site["site"] + "activities/soon/")
    phone.wait_for_selector("text=还剩 5 个名额")
    sign_up_on_page(phone, "王小明", "13912345601")
    phone.click("button:has-text('报名')")
    phone.wait_for_selector("text=您已报名，是第 1 位")
    assert phone.is_hidden("form[data-sanwei-form='signup']")

    # The code at the door opens the page with its marker: attendance is recorded at once.
    phone.goto(site["site"] + "activities/soon/?at=door")
    phone.wait_for_selector("text=签到成功，欢迎参加！")
    (attended,) = [item for item in attendance_items(site) if item["data"]["activity"] == "soon"]
    (signup,) = [item for item in scan_all(stack_table(site)) if item.get("form") == "signup"]
    assert attended["data"]["signup"] == signup["id"] and attended["data"]["way"] == "door"
    # Scanned again: this phone has signed in already, nothing more is recorded.
    phone.goto(site["site"] + "activities/soon/?at=door")
    phone.wait_for_selector("text=这部手机已经签过到了")
    assert len([item for item in attendance_items(site) if item["data"]["activity"] == "soon"]) == 1


def test_a_full_activity_offers_the_waiting_list(site, phone):
    post_to_stack(
        site, "forms/signup", {"activity": "one-place", "name": "李军", "mobile": "13912345602", "consent": True}
    )
    phone.goto(site["site"] + "activities/one-place/")
    phone.wait_for_selector("text=名额已满（1 人），您可以加入候补名单")
    sign_up_on_page(phone, "张红", "13912345603")
    phone.click("button:has-text('加入候补名单')")
    phone.wait_for_selector("text=您在候补名单的第 1 位")


def test_a_full_activity_met_on_sending_offers_the_waiting_list(site, phone):
    # The page was opened while a place was left; someone else took it before the member sent.
    phone.goto(site["site"] + "activities/one-place/")
    phone.wait_for_selector("[data-sanwei-places]:has-text('名额')")
    phone.evaluate("document.querySelector('[name=waitlist]').value = ''")
    sign_up_on_page(phone, "赵强", "13912345604")
    phone.click("form[data-sanwei-form='signup'] button[type='submit']")
    phone.wait_for_selector("text=本活动名额已满")
    phone.click("[data-sanwei-waitlist]")
    phone.wait_for_selector("text=您在候补名单的第 2 位")


def test_outside_the_window_the_page_says_so_and_records_nothing(site, phone):
    phone.goto(site["site"] + "activities/later/?at=door")
    phone.wait_for_selector("text=还没到签到时间")
    phone.wait_for_load_state("networkidle")
    assert not [item for item in attendance_items(site) if item["data"]["activity"] == "later"]


def test_an_attendance_made_offline_is_sent_later(site, phone):
    context = phone.context
    # The network drops as the member scans the code: the attendance stays on the phone.
    context.route("**/attendance", lambda route: route.abort("internetdisconnected"))
    phone.goto(site["site"] + "activities/soon/?at=door")
    phone.wait_for_selector("text=已保存在手机上")
    assert len([item for item in attendance_items(site) if item["data"]["activity"] == "soon"]) == 1
    scanned = datetime.now(OFFICE_TZ)
    # Back online, the next page the member opens sends it.
    context.unroute("**/attendance")
    phone.goto(site["site"] + "activities/")
    phone.wait_for_load_state("networkidle")
    found = [item for item in attendance_items(site) if item["data"]["activity"] == "soon"]
    assert len(found) == 2
    (later,) = [item for item in found if "signup" not in item["data"]]
    assert datetime.fromisoformat(later["data"]["scanned_at"]) <= scanned
    assert later["data"]["phone"] and uuid.UUID(later["data"]["phone"])


def test_staff_see_an_activity_mark_attendance_and_export_it_in_the_console(site, phone):
    post_to_stack(site, "forms/signup", {"activity": "soon", "name": "周敏", "mobile": "13912345605", "consent": True})
    phone.goto(site["site"] + "staff/")
    phone.fill("#staff-token", site["token"])
    phone.click("[data-staff-signin] button[type=submit]")
    phone.wait_for_selector("[data-staff-who]:has-text('本机管理员')")
    phone.click("a[data-tab=activities]")
    phone.click("[data-staff-open-activity=soon]")
    phone.wait_for_selector("[data-staff-activity] li:has-text('周敏')")
    phone.click("[data-staff-activity] li:has-text('周敏') [data-staff-mark]")
    phone.wait_for_selector("[data-staff-notice]:has-text('已标记 周敏 签到')")
    assert "已签到" in phone.text_content("[data-staff-activity] li:has-text('周敏')")
    assert "工作人员代签" in phone.text_content("[data-staff-activity]")
    phone.click("[data-staff-activity-export='signup.csv']")
    link = phone.wait_for_selector("[data-staff-activity] [data-staff-download]")
    assert link.text_content() == "下载 活动报名_马上开始的培训.csv"
