"""The attendance window, written twice: the server's check (activities.timing_problems) and the
activity page's (sanweiChecks.attendanceProblem), held to the same answers by one table of cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from chalicelib.activities import WINDOW_MARGIN, page_texts, timing_problems
from chalicelib.activityrecords import page_moment
from chalicelib.contentids import ContentIds
from chalicelib.forms import FORMS
from chalicelib.store import OFFICE_TZ
from jstwins import page_running

START = datetime(2026, 12, 20, 0, 30, tzinfo=OFFICE_TZ)  # opens the evening before, China time
END = START + timedelta(hours=2)
CONTENT = ContentIds(
    activities={
        "night": {
            "title": "夜间党小组会",
            "kind": "组织生活",
            "start": START.isoformat(),
            "end": END.isoformat(),
            "capacity": None,
            "deadline": None,
            "online": False,
            "link": None,
            "station": None,
            "branch": None,
        }
    }
)
OPENS, CLOSES = START - WINDOW_MARGIN, END + WINDOW_MARGIN
MOMENTS = [
    OPENS - timedelta(days=3),
    OPENS - timedelta(seconds=1),
    OPENS,
    START,
    END,
    CLOSES,
    CLOSES + timedelta(seconds=1),
    CLOSES + timedelta(days=40),
]


def server_answer(moment: datetime) -> str | None:
    clean = {"activity": "night", "scanned_at": page_moment(moment)}
    return timing_problems(FORMS["attendance"], clean, CONTENT, now=moment).get("scanned_at")


@pytest.mark.browser
@pytest.mark.parametrize("timezone_id", ["Asia/Shanghai", "America/New_York"])
def test_the_page_judges_the_attendance_window_as_the_server_does(browser, timezone_id):
    with page_running(browser, ["sanwei.js"], timezone_id=timezone_id) as page:
        page_answers = [
            page.evaluate(
                "([now, opens, closes, texts]) => window.sanweiChecks.attendanceProblem(now, opens, closes, texts)",
                [moment.timestamp() * 1000, OPENS.timestamp() * 1000, CLOSES.timestamp() * 1000, page_texts()],
            )
            for moment in MOMENTS
        ]
    server = [server_answer(moment) for moment in MOMENTS]
    assert page_answers == server
    assert server[2:6] == [None] * 4
    assert server[1] == "还没到签到时间：12月19日 23:30起可以签到"
    assert server[6] == "签到时间已过：本活动的签到在12月20日 03:30结束"


def test_a_scan_ahead_of_the_server_beyond_the_allowance_is_refused():
    clean = {"activity": "night", "scanned_at": page_moment(START + timedelta(minutes=6))}
    assert "scanned_at" in timing_problems(FORMS["attendance"], clean, CONTENT, now=START.astimezone(UTC))
    clean["scanned_at"] = page_moment(START + timedelta(minutes=4))
    assert timing_problems(FORMS["attendance"], clean, CONTENT, now=START.astimezone(UTC)) == {}
