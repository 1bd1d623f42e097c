"""The activities on the site: the list, the home page, each activity's page with its time in
China time, its calendar file, door QR code and A4 poster, and the Atom feed."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import icalendar
import pytest

from sitegen.activities import Activity, Place
from sitegen.content import load_content
from sitegen.feed import ATOM, atom_feed
from sitegen.hours import CHINA_TIME
from sitegen.ics import activity_calendar
from sitegen.local_stack import serve_site
from sitegen.pages import DOOR_MARKER, PAST_SHOWN, render_activities_index, upcoming_and_past, when_zh
from sitegen.site import ROOT, build_site
from tests.conftest import new_phone_context
from tests.test_budgets import first_visit_bytes
from tests.test_build import API_URL, SITE_URL, copy_project, decode_qr

MAX_FIRST_VISIT_BYTES = 100 * 1024


@pytest.fixture(scope="module")
def content():
    return load_content(ROOT)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The sample content built for a sub-path, in a copy of the repository's content."""
    root = copy_project(tmp_path_factory.mktemp("project"))
    return build_site(root, site_url=SITE_URL, api_url=API_URL)


@pytest.fixture(scope="module")
def site(built):
    with serve_site(built) as url:
        yield url


def make_activity(start: str, end: str, **fields) -> Activity:
    """An activity with times given as "2026-12-05 19:30" China time (or with an offset)."""

    def moment(text: str) -> datetime.datetime:
        value = datetime.datetime.fromisoformat(text)
        return value if value.tzinfo else value.replace(tzinfo=CHINA_TIME)

    values = {
        "id": "dangke",
        "path": Path("activities/dangke.md"),
        "title": "十二月党课",
        "kind": "组织生活",
        "form": "党课",
        "place": Place(station="hongqi-first-street"),
        "organiser": "泗县快递物流行业党委",
        "capacity": 40,
        "deadline": None,
        "body": "",
    }
    return Activity(start=moment(start), end=moment(end), **{**values, **fields})


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        ("2026-12-05 19:30", "2026-12-05 21:00", "2026年12月5日（周六） 19:30–21:00"),
        # Written in UTC, shown in China time: the next day there.
        ("2026-12-05T17:00+00:00", "2026-12-05T18:30+00:00", "2026年12月6日（周日） 01:00–02:30"),
        ("2026-12-31 20:00", "2027-01-01 02:00", "2026年12月31日（周四） 20:00 至 2027年1月1日（周五） 02:00"),
        ("2026-12-05 08:00", "2026-12-06 17:00", "2026年12月5日（周六） 08:00 至 12月6日（周日） 17:00"),
    ],
)
def test_an_activity_time_is_shown_in_china_time_with_its_weekday(start, end, shown):
    assert when_zh(make_activity(start, end)) == shown


def test_upcoming_come_soonest_first_and_past_latest_first(content):
    now = datetime.datetime(2026, 11, 29, 15, 0, tzinfo=CHINA_TIME)
    upcoming, past = upcoming_and_past(content, now)
    assert [a.id for a in upcoming] == [
        "2026-11-safety-training",  # under way at 15:00: still upcoming until it ends
        "2026-12-dangyuan-dahui-online",
        "2026-12-zhiweihui-delivery",
        "2026-12-dinghu-volunteer",
        "2026-12-dangxiaozu-caogou",
    ]
    assert [a.id for a in past] == ["2026-11-zhutidangri-volunteer", "2026-10-dangke-courier"]
    page = render_activities_index(content, now)
    upcoming_part, past_part = page.split('id="past"')
    assert all(a.title in upcoming_part for a in upcoming)
    assert all(a.title in past_part for a in past)
    assert upcoming_part.index(upcoming[0].title) < upcoming_part.index(upcoming[1].title)


def test_the_archive_shows_the_latest_past_activities_and_counts_the_rest(content):
    activities = tuple(
        make_activity(f"2026-{month:02d}-{day:02d} 09:00", f"2026-{month:02d}-{day:02d} 10:00", id=f"a{month}-{day}")
        for month in range(1, 13)
        for day in (3, 17, 24)
    )
    many = content.__class__(**{**vars(content), "activities": activities})
    page = render_activities_index(many, datetime.datetime(2027, 1, 1, tzinfo=CHINA_TIME))
    assert page.count("data-sanwei-activity ") == PAST_SHOWN
    assert all(f'href="{name}/"' in page for name in ("a12-24", "a3-3")) and 'href="a2-24/"' not in page
    assert f"更早的 {36 - PAST_SHOWN} 项活动没有列在这里" in page


def test_the_calendar_file_reads_back_with_the_same_times_and_a_stable_uid():
    activity = make_activity("2026-12-05 19:30", "2026-12-05 21:00")
    url = "https://example.org/sanwei/activities/dangke/"
    first = activity_calendar(activity, url, "泗州第一街", datetime.datetime(2026, 11, 1, tzinfo=CHINA_TIME))
    again = activity_calendar(activity, url, "泗州第一街", datetime.datetime(2026, 11, 20, tzinfo=CHINA_TIME))
    assert activity_calendar(activity, url, "泗州第一街", datetime.datetime(2026, 11, 1, tzinfo=CHINA_TIME)) == first
    events = [icalendar.Calendar.from_ical(data).walk("VEVENT")[0] for data in (first, again)]
    event = events[0]
    assert event.decoded("dtstart") == datetime.datetime(2026, 12, 5, 11, 30, tzinfo=datetime.UTC)
    assert event.decoded("dtend") == datetime.datetime(2026, 12, 5, 13, 0, tzinfo=datetime.UTC)
    assert b"DTSTART:20261205T113000Z" in first
    assert str(event["summary"]) == "十二月党课" and str(event["url"]) == url
    assert str(event["uid"]) == str(events[1]["uid"]) == "activity-dangke@example.org"


def test_every_activity_has_its_page_calendar_file_qr_code_and_poster(built, content):
    for activity in content.activities:
        page = (built / "activities" / activity.id / "index.html").read_text(encoding="utf-8")
        assert activity.title in page and activity.organiser in page
        assert when_zh(activity) in page
        assert f'href="../{activity.id}.ics"' in page
        calendar = icalendar.Calendar.from_ical((built / "activities" / f"{activity.id}.ics").read_bytes())
        assert calendar.walk("VEVENT")[0].decoded("dtstart") == activity.start
        poster = (built / "posters" / f"activity-{activity.id}" / "index.html").read_text(encoding="utf-8")
        assert activity.title in poster and f"qr/activity-{activity.id}.svg" in poster
        assert decode_qr(built / "qr" / f"activity-{activity.id}.png") == (
            f"{SITE_URL}activities/{activity.id}/?{DOOR_MARKER}"
        )


def test_an_activity_page_links_its_station_and_the_maps(built):
    page = (built / "activities" / "2026-12-dinghu-volunteer" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../stations/dinghu-pharmacy/"' in page
    assert "uri.amap.com/marker" in page and "apis.map.qq.com" in page
    assert "限 15 人" in page and "报名截止</th><td>2026年12月12日（周六） 18:00" in page


def test_an_activity_at_a_branch_names_it_with_its_address_and_maps(built):
    page = (built / "activities" / "2026-12-zhiweihui-delivery" / "index.html").read_text(encoding="utf-8")
    assert "泗县外卖配送平台联合党支部" in page and "组织生活·支委会" in page
    assert "uri.amap.com/marker" in page


def test_an_online_activity_page_links_the_meeting(built):
    page = (built / "activities" / "2026-12-dangyuan-dahui-online" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://meeting.tencent.com/dm/sanwei2026"' in page and "不限人数" in page
    assert "uri.amap.com" not in page


def test_the_feed_is_valid_atom_with_lessons_and_activities(built, content):
    feed = feedparser.parse((built / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    links = [entry.link for entry in feed.entries]
    assert f"{SITE_URL}activities/2026-12-dinghu-volunteer/" in links
    assert f"{SITE_URL}lessons/{content.lessons[0].slug}/" in links
    assert len(links) == len(content.lessons) + len(content.activities)
    updated = [entry.updated_parsed for entry in feed.entries]
    assert updated == sorted(updated, reverse=True)
    # What RFC 4287 requires of a feed and each entry.
    root = ET.parse(built / "feed.xml").getroot()
    for element in (root, *root.findall(f"{{{ATOM}}}entry")):
        for name in ("id", "title", "updated"):
            assert element.find(f"{{{ATOM}}}{name}").text, name
    assert root.find(f"{{{ATOM}}}author/{{{ATOM}}}name").text
    home = (built / "index.html").read_text(encoding="utf-8")
    assert '<a href="feed.xml" type="application/atom+xml">' in home
    # mkdocs-material fetches a sitemap for every alternate link: the feed is not one.
    assert 'rel="alternate"' not in home


def test_a_lesson_without_a_date_is_not_in_the_feed(content):
    undated = [lesson.__class__(**{**vars(lesson), "date": None}) for lesson in content.lessons[:1]]
    feed = atom_feed(content.__class__(**{**vars(content), "lessons": tuple(undated)}), SITE_URL, "三微", "组织部")
    links = [entry.link for entry in feedparser.parse(feed).entries]
    assert not any("/lessons/" in link for link in links)


def at_china_time(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=CHINA_TIME)


def open_at(browser, url: str, when: str, timezone: str = "America/Los_Angeles"):
    """A phone set to another time zone whose clock reads `when` (China time), at url."""
    context = new_phone_context(browser, timezone_id=timezone, service_workers="block")
    page = context.new_page()
    page.clock.set_fixed_time(at_china_time(when))
    page.goto(url)
    return context, page


def test_an_activity_over_since_the_build_moves_to_the_past_in_the_browser(browser, site):
    # Late on the 13th in China (still the 12th in Los Angeles): the Dinghu activity is over.
    context, page = open_at(browser, site + "activities/", "2026-12-13 22:00")
    try:
        past = page.locator("[data-sanwei-past] a").all_text_contents()
        upcoming = page.locator("[data-sanwei-upcoming] a").all_text_contents()
        assert any("定湖镇" in text for text in past)
        assert not any("定湖镇" in text for text in upcoming)
        assert any("草沟镇" in text for text in upcoming)
    finally:
        context.close()


def test_today_s_activity_is_marked_on_the_home_page_in_china_time(browser, site):
    # 07:00 on the 13th in China is still the 12th in Los Angeles: "today" is China's day.
    context, page = open_at(browser, site, "2026-12-13 07:00")
    try:
        item = page.locator("[data-sanwei-upcoming] li", has_text="定湖镇")
        assert item.locator(".sw-today").text_content() == "今天"
    finally:
        context.close()
    context, page = open_at(browser, site, "2026-12-13 09:00")
    try:
        item = page.locator("[data-sanwei-upcoming] li", has_text="定湖镇")
        assert item.locator(".sw-today").text_content() == "进行中"
    finally:
        context.close()


def test_an_activity_poster_prints_on_one_a4_page(browser, site):
    _, chromium = browser
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(site + "posters/activity-2026-12-dinghu-volunteer/", wait_until="networkidle")
        pdf = page.pdf(prefer_css_page_size=True)
    finally:
        context.close()
    pages = re.findall(rb"/Type\s*/Page\b(?!s)", pdf)
    assert len(pages) == 1
    width, height = (float(n) for n in re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf).groups())
    # A4 is 595 x 842 points.
    assert (round(width), round(height)) == (595, 842)


@pytest.mark.parametrize("path", ["activities/", "activities/2026-12-dinghu-volunteer/"])
def test_a_first_visit_to_the_activities_stays_within_100_kb(browser, site, path):
    transferred = first_visit_bytes(browser, site + path)
    print(f"{path}: {transferred} bytes on a first visit")
    assert transferred <= MAX_FIRST_VISIT_BYTES, f"{path}: {transferred / 1024:.1f} KB"
