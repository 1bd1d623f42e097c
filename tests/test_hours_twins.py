"""The opening-hours rule and China time, written twice: WeekHours.open_state in Python and the
page's hours.js (station pages and the finder). One table of cases runs through both, the
page's functions in headless chromium on phones set to time zones far from China's."""

from __future__ import annotations

import datetime
import json
from zoneinfo import ZoneInfo

import pytest

from sitegen.hours import china_week_minute, page_rule, parse_hours
from sitegen.pages import hours_rule_script
from tests.jstwins import evaluate_cases, page_running

CHINA = ZoneInfo("Asia/Shanghai")
# Phones set anywhere: China, a day behind it, a day ahead, half-hour offsets, summer time.
PHONE_ZONES = [
    "Asia/Shanghai",
    "America/Los_Angeles",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Asia/Kolkata",
    "America/St_Johns",
    "Europe/London",
]

# Split hours written as a list, as editors may write them.
OFFICE = {"mon-fri": ["08:30-12:00", "14:00-17:30"], "sat": "09:00-12:00", "sun": "closed"}
NIGHT = {"mon-sat": "20:00-02:00", "sun": "closed"}
LATE = {"every_day": "18:00-24:00"}
WEEKDAYS = {"mon-fri": "08:00-17:30", "sat-sun": "closed"}
INTO_SATURDAY = {"mon-fri": "24h", "sat": "00:00-06:00", "sun": "closed"}
SUNDAY_NIGHT = {"sun": "22:00-02:00", "mon-sat": "closed"}
MONDAY_HOUR = {"mon": "08:00-09:00", "tue-sun": "closed"}

# (hours as stations.yaml writes them, China wall-clock time, open?, what the member reads).
# 2026-10-05 is a Monday.
OPEN_STATE_CASES = [
    (OFFICE, "2026-10-05 08:29", False, "已休息 · 08:30 开门"),
    (OFFICE, "2026-10-05 08:30", True, "营业中 · 12:00 关门"),  # the moment it opens
    (OFFICE, "2026-10-05 11:59", True, "营业中 · 12:00 关门"),
    (OFFICE, "2026-10-05 12:00", False, "已休息 · 14:00 开门"),  # the moment it closes
    (OFFICE, "2026-10-05 14:00", True, "营业中 · 17:30 关门"),  # the second of the split hours
    (OFFICE, "2026-10-09 17:30", False, "已休息 · 明天 09:00 开门"),
    (OFFICE, "2026-10-10 12:00", False, "已休息 · 周一 08:30 开门"),
    (OFFICE, "2026-10-11 10:00", False, "已休息 · 明天 08:30 开门"),  # a closed day
    (NIGHT, "2026-10-05 01:00", False, "已休息 · 20:00 开门"),  # Sunday night is closed
    (NIGHT, "2026-10-05 21:00", True, "营业中 · 明天 02:00 关门"),  # overnight
    (NIGHT, "2026-10-06 01:59", True, "营业中 · 02:00 关门"),  # a night that began yesterday
    (NIGHT, "2026-10-06 02:00", False, "已休息 · 20:00 开门"),
    (NIGHT, "2026-10-11 01:00", True, "营业中 · 02:00 关门"),  # Saturday's night, on Sunday
    (NIGHT, "2026-10-11 21:00", False, "已休息 · 明天 20:00 开门"),
    (LATE, "2026-10-07 23:59", True, "营业中 · 24:00 关门"),
    (LATE, "2026-10-07 00:00", False, "已休息 · 18:00 开门"),
    ("24h", "2026-10-08 12:00", True, "营业中 · 24 小时"),
    ({"every_day": "24h"}, "2026-10-11 23:59", True, "营业中 · 24 小时"),
    (WEEKDAYS, "2026-10-10 10:00", False, "已休息 · 周一 08:00 开门"),
    (INTO_SATURDAY, "2026-10-07 12:00", True, "营业中 · 周六 06:00 关门"),
    (SUNDAY_NIGHT, "2026-10-11 23:00", True, "营业中 · 明天 02:00 关门"),  # past Sunday into Monday
    (SUNDAY_NIGHT, "2026-10-05 01:00", True, "营业中 · 02:00 关门"),
    (MONDAY_HOUR, "2026-10-05 10:00", False, "已休息 · 下周一 08:00 开门"),
    ({"every_day": "closed"}, "2026-10-07 12:00", False, "已休息"),
]


def in_china(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=CHINA)


@pytest.mark.parametrize("phone_zone", ["Asia/Shanghai", "America/Los_Angeles"])
@pytest.mark.parametrize(("hours", "when", "is_open", "text"), OPEN_STATE_CASES)
def test_python_says_what_the_table_says(hours, when, is_open, text, phone_zone):
    # The moment as the phone's own clock shows it: the rule must read it in China's time.
    moment = in_china(when).astimezone(ZoneInfo(phone_zone))
    assert parse_hours(hours).open_state(moment) == (is_open, text)


@pytest.fixture(scope="module", params=PHONE_ZONES)
def hours_page(request, browser):
    """hours.js in chromium on a phone set to one zone, with the rule the build writes in."""
    with page_running(browser, ["hours.js"], head=hours_rule_script(), timezone_id=request.param) as page:
        yield page


@pytest.mark.browser
def test_the_page_says_what_the_table_says_on_a_phone_in_any_zone(hours_page):
    answers = evaluate_cases(
        hours_page,
        "days => sanweiHours.openState(sanweiHours.weekSpans(days), sanweiHours.chinaWeekMinute())",
        OPEN_STATE_CASES,
        argument=lambda case: parse_hours(case[0]).to_json(),
        moment=lambda case: in_china(case[1]),
    )
    # Each answer beside its moment, so a failure names the case.
    assert list(zip([case[1] for case in OPEN_STATE_CASES], answers, strict=True)) == [
        (when, [is_open, text]) for _, when, is_open, text in OPEN_STATE_CASES
    ]


# (a moment anywhere, minutes since Monday 00:00 in China's time).
CHINA_TIME_CASES = [
    (datetime.datetime(2026, 10, 4, 16, 0, tzinfo=datetime.UTC), 0),  # Sunday in London, Monday in China
    (datetime.datetime(2026, 10, 4, 15, 59, tzinfo=datetime.UTC), 6 * 1440 + 23 * 60 + 59),
    (datetime.datetime(2026, 10, 5, 8, 30, tzinfo=CHINA), 8 * 60 + 30),
    (datetime.datetime(2026, 10, 7, 20, 0, tzinfo=ZoneInfo("America/Los_Angeles")), 3 * 1440 + 11 * 60),
    (datetime.datetime(2026, 7, 5, 1, 30, tzinfo=ZoneInfo("Europe/London")), 6 * 1440 + 8 * 60 + 30),  # summer time
    (datetime.datetime(2026, 10, 11, 23, 59, tzinfo=ZoneInfo("Pacific/Kiritimati")), 6 * 1440 + 17 * 60 + 59),
    (datetime.datetime(2026, 10, 10, 0, 1, tzinfo=ZoneInfo("Pacific/Pago_Pago")), 5 * 1440 + 19 * 60 + 1),
    (datetime.datetime(2026, 10, 5, 5, 30, tzinfo=ZoneInfo("Asia/Kolkata")), 8 * 60),
]


@pytest.mark.parametrize(("moment", "minute"), CHINA_TIME_CASES)
def test_python_reads_any_moment_in_china_time(moment, minute):
    assert china_week_minute(moment) == minute


@pytest.mark.browser
def test_the_page_reads_any_moment_in_china_time_whatever_the_phone_zone(hours_page):
    answers = evaluate_cases(
        hours_page,
        "() => sanweiHours.chinaWeekMinute()",
        CHINA_TIME_CASES,
        argument=lambda case: None,
        moment=lambda case: case[0],
    )
    assert answers == [minute for _, minute in CHINA_TIME_CASES]


def test_the_build_hands_the_page_the_rule_python_uses():
    rule = page_rule()
    assert rule["utcOffsetMinutes"] == 8 * 60
    assert rule["dayNames"] == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    script = str(hours_rule_script())
    assert script.startswith('<script type="application/json" data-sanwei-hours-rule>{"utcOffsetMinutes":480,')


@pytest.mark.browser
def test_the_page_takes_the_rule_from_what_the_build_wrote(browser):
    # Another offset, other names and words in the page: hours.js must follow them, not its own copy.
    rule = {**page_rule(), "utcOffsetMinutes": 0, "dayNames": ["M", "T", "W", "R", "F", "S", "U"]}
    rule["words"] = {**rule["words"], "closed": "shut", "opens": "opens", "next_week": "next "}
    head = f"<script type='application/json' data-sanwei-hours-rule>{json.dumps(rule)}</script>"
    with page_running(browser, ["hours.js"], head=head, timezone_id="Asia/Shanghai") as page:
        page.clock.set_fixed_time(datetime.datetime(2026, 10, 5, 10, 0, tzinfo=datetime.UTC))
        state = page.evaluate(
            "days => sanweiHours.openState(sanweiHours.weekSpans(days), sanweiHours.chinaWeekMinute())",
            parse_hours(MONDAY_HOUR).to_json(),
        )
    assert state == [False, "shut · next M 08:00 opens"]
