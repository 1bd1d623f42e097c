"""The finder on the stations list: nearest first, open now in China's time, filter by service,
map links in GCJ-02; a small page with many stations; a plain list without JavaScript. And the
same finder on the branches list: nearest first, distance, map links, when each meets, its phone."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import gzip
import http.server
import re
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect

import sitegen.pages
from sitegen.chromium import PHONE
from sitegen.content import load_content
from sitegen.geo import amap_link, gcj02_to_wgs84, haversine_m, tencent_link, wgs84_to_gcj02
from sitegen.local_stack import serve_site
from sitegen.pages import by_town, icon_symbol, render_stations_index
from sitegen.services import SERVICES
from sitegen.site import ROOT, build_site
from tests.test_geo import IN_CHINA, KNOWN_WGS_GCJ, OUTSIDE_CHINA

CHINA = datetime.timezone(datetime.timedelta(hours=8))
# Far from China, so a page that used the phone's own clock would be wrong by 15-16 hours.
PHONE_TIMEZONE = "America/Los_Angeles"

# Known hours, services and places (GCJ-02, around 泗县), one kind of opening each. The towns
# interleave, to show the list groups them in the order the file first names them.
STATIONS_YAML = """\
coordinates: gcj02
stations:
  - id: first-street
    name: 泗州红旗驿站·泗州第一街
    address: 泗州第一街中段
    town: 泗城镇
    location: {lat: 33.4786, lng: 117.8895}
    hours: {every_day: "08:00-20:00"}
    services: [rest, water, charging]
    phone: "0557-7000012"
    host: community
  - id: weekdays
    name: 泗州红旗驿站·墩集镇便民服务中心
    address: 墩集镇政府大院东侧
    town: 墩集镇
    location: {lat: 33.5391, lng: 117.7502}
    hours: {mon-fri: "08:00-17:30", sat-sun: closed}
    services: [rest, water, reading]
    phone: "0557-7000101"
    host: government
  - id: bank
    name: 泗州红旗驿站·汴河大道(东门);A:B, C&D
    address: 汴河大道与隋河路交口
    town: 泗城镇
    location: {lat: 33.4712, lng: 117.8968}
    hours: {mon-fri: "08:30-12:00, 14:00-17:30", sat-sun: "09:00-16:00"}
    services: [rest, water, wifi]
    phone: "0557-7000023"
    host: bank
  - id: pharmacy
    name: 泗州红旗驿站·隋河路大药房
    address: 隋河路北段
    town: 泗城镇
    location: {lat: 33.4835, lng: 117.8827}
    hours: 24h
    services: [rest, water, first_aid, restroom]
    phone: "0557-7000031"
    host: pharmacy
  - id: night-market
    name: 泗州红旗驿站·夜市
    address: 运河路夜市入口
    town: 泗城镇
    location: {lat: 33.4650, lng: 117.8790}
    hours: {every_day: "20:00-02:00"}
    services: [rest, water, microwave, restroom]
    phone: "13900139000"
    host: shop
  - id: late-shop
    name: 泗州红旗驿站·丁湖便利店
    address: 丁湖镇主街
    town: 丁湖镇
    location: {lat: 33.3820, lng: 117.9530}
    hours: {every_day: "18:00-24:00"}
    services: [rest, water, charging]
    phone: "0557-7000202"
    host: shop
"""
TOWN_ORDER = ["first-street", "bank", "pharmacy", "night-market", "weekdays", "late-shop"]

# Written in WGS-84, so the list must convert them for the maps; the towns interleave too.
BRANCHES_YAML = """\
coordinates: wgs84
branches:
  - id: hongqi
    name: 红旗社区党支部
    kind: community
    town: 泗城镇
    address: 红旗社区党群服务中心二楼
    location: {lat: 33.4806, lng: 117.8840}
    phone: "0557-7000112"
    meets: 每月 5 日 19:30 主题党日
  - id: dunji
    name: 墩集镇社区党支部
    kind: community
    town: 墩集镇
    address: 墩集镇便民服务中心二楼
    location: {lat: 33.5535, lng: 117.8180}
    phone: "0557-7000318"
    meets: 每月 10 日 19:00 主题党日
  - id: riders
    name: 外卖配送平台联合党支部;A:B
    kind: platform
    town: 泗城镇
    address: 汴河大道配送站
    location: {lat: 33.4725, lng: 117.8915}
    phone: "13955700231"
    meets: 每月 15 日 15:00，可在线参加
"""
BRANCH_TOWN_ORDER = ["hongqi", "riders", "dunji"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("finder")
    for name in ("lessons", "sitegen", "functions"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__", ".cache"))
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    (root / "stations.yaml").write_text(STATIONS_YAML, encoding="utf-8")
    (root / "branches.yaml").write_text(BRANCHES_YAML, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def content(project):
    return load_content(project)


@pytest.fixture(scope="module")
def site(project):
    """The built site on a plain static server, as any static host would serve it."""
    site_dir = build_site(project, site_url="http://127.0.0.1/sanwei/", site_dir=project / "site")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=site_dir))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def open_phone(browser):
    """Open a page on a phone in California (so its own clock is not China's), with options."""
    playwright, chromium = browser
    contexts = []

    def open_page(**options):
        context = chromium.new_context(
            **playwright.devices[PHONE], locale="zh-CN", timezone_id=PHONE_TIMEZONE, **options
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def finder_page(browser, site):
    """The stations list as a phone opens it, for checks that change nothing on it."""
    playwright, chromium = browser
    context = chromium.new_context(**playwright.devices[PHONE], locale="zh-CN", timezone_id=PHONE_TIMEZONE)
    page = context.new_page()
    page.goto(site + "stations/")
    page.wait_for_selector(".sw-finder.is-ready")
    yield page
    context.close()


def station_by_id(content, station_id):
    return next(station for station in content.stations if station.id == station_id)


def listed_ids(page) -> list[str]:
    return page.eval_on_selector_all(
        "[data-finder-list] > li:not([hidden])", "items => items.map(li => li.dataset.sanweiStation)"
    )


def state_text(page, station_id: str) -> str:
    return page.text_content(f"li[data-sanwei-station='{station_id}'] .sw-state")


# ---- Nearest first ----


@pytest.mark.browser
def test_the_station_you_stand_at_comes_first_once_the_member_asks(open_phone, site, content):
    bank = station_by_id(content, "bank")
    phone_lat, phone_lng = gcj02_to_wgs84(bank.lat, bank.lng)  # what the phone's GPS reports there
    page = open_phone(geolocation={"latitude": phone_lat, "longitude": phone_lng}, permissions=["geolocation"])
    page.add_init_script(
        """
        window.locationAsked = 0;
        const ask = navigator.geolocation.getCurrentPosition.bind(navigator.geolocation);
        navigator.geolocation.getCurrentPosition = (...args) => { window.locationAsked++; return ask(...args); };
        navigator.geolocation.watchPosition = () => { window.locationAsked++; };
        """
    )
    page.goto(site + "stations/")
    page.wait_for_selector(".sw-finder.is-ready")
    # Never on page load, even with permission already given.
    assert page.evaluate("window.locationAsked") == 0
    assert listed_ids(page) == TOWN_ORDER

    page.click("[data-finder-locate]")
    expect(page.locator("[data-finder-list] > li").first).to_have_attribute("data-sanwei-station", "bank")
    assert page.evaluate("window.locationAsked") == 1
    first = page.locator("[data-finder-list] > li").first
    assert int(first.get_attribute("data-distance")) == 0
    assert state_text(page, "bank").endswith(" · 50 米内")
    assert "由近到远" in page.text_content("[data-finder-status]")


@pytest.mark.browser
def test_stations_are_ordered_by_the_distance_geo_py_measures(open_phone, site, content):
    # A point in the county that is no station: 泗县's bus station, roughly, as a phone reports it.
    phone_at = (33.4700, 117.8700)
    page = open_phone(geolocation={"latitude": phone_at[0], "longitude": phone_at[1]}, permissions=["geolocation"])
    page.goto(site + "stations/")
    page.click("[data-finder-locate]")
    page.wait_for_selector("[data-finder-list] > li[data-distance]")

    here = wgs84_to_gcj02(*phone_at)
    expected = {s.id: haversine_m(*here, s.lat, s.lng) for s in content.stations}
    shown = page.eval_on_selector_all(
        "[data-finder-list] > li", "items => items.map(li => [li.dataset.sanweiStation, +li.dataset.distance])"
    )
    assert [station_id for station_id, _ in shown] == sorted(expected, key=expected.get)
    for station_id, metres in shown:
        assert metres == pytest.approx(expected[station_id], abs=1)
    farthest = shown[-1]
    assert state_text(page, farthest[0]).endswith(f" · {expected[farthest[0]] / 1000:.1f} 公里")


@pytest.mark.browser
def test_a_refused_location_is_explained_and_the_list_stays(open_phone, site):
    page = open_phone()  # no permission granted: headless chromium denies
    page.goto(site + "stations/")
    page.click("[data-finder-locate]")
    expect(page.locator("[data-finder-status]")).to_contain_text("位置权限")
    assert listed_ids(page) == TOWN_ORDER


# ---- Open now, in China's time ----

# What the list says for each station at China wall-clock times. 2026-03-04 is a Wednesday.
OPEN_STATES = {
    "2026-03-04 10:00": {
        "first-street": "营业中 · 20:00 关门",
        "weekdays": "营业中 · 17:30 关门",
        "bank": "营业中 · 12:00 关门",
        "pharmacy": "营业中 · 24 小时",
        "night-market": "已休息 · 20:00 开门",
        "late-shop": "已休息 · 18:00 开门",
    },
    "2026-03-04 12:30": {"bank": "已休息 · 14:00 开门"},
    "2026-03-04 23:00": {
        "first-street": "已休息 · 明天 08:00 开门",
        "night-market": "营业中 · 明天 02:00 关门",
        "late-shop": "营业中 · 24:00 关门",
    },
    "2026-03-05 01:00": {"night-market": "营业中 · 02:00 关门", "pharmacy": "营业中 · 24 小时"},
    "2026-03-06 18:00": {"bank": "已休息 · 明天 09:00 开门"},
    "2026-03-07 10:00": {"weekdays": "已休息 · 周一 08:00 开门", "bank": "营业中 · 16:00 关门"},
    # Sunday night runs on into Monday.
    "2026-03-08 23:30": {"night-market": "营业中 · 明天 02:00 关门", "weekdays": "已休息 · 明天 08:00 开门"},
}


def china_time(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=CHINA)


@pytest.mark.browser
def test_open_now_and_when_it_changes_in_china_time_whatever_the_phone_zone(open_phone, site):
    page = open_phone()
    times = iter(OPEN_STATES.items())
    when, states = next(times)
    page.clock.set_fixed_time(china_time(when))
    page.goto(site + "stations/")
    page.wait_for_selector(".sw-finder.is-ready")
    while True:
        for station_id, text in states.items():
            assert (when, station_id, state_text(page, station_id)) == (when, station_id, text)
            css_class = "is-open" if text.startswith("营业中") else "is-closed"
            assert css_class in page.get_attribute(f"li[data-sanwei-station='{station_id}'] .sw-state", "class")
        when, states = next(times, (None, None))
        if when is None:
            break
        # A page left open catches up with the clock when the member comes back to it.
        page.clock.set_fixed_time(china_time(when))
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")


@pytest.mark.browser
@pytest.mark.parametrize(
    ("when", "station_id"),
    [
        ("2026-03-05 01:00", "night-market"),  # the night that began yesterday
        ("2026-03-04 10:00", "night-market"),
        ("2026-03-07 10:00", "weekdays"),
        ("2026-03-04 10:00", "pharmacy"),
        ("2026-03-04 23:00", "late-shop"),
    ],
)
def test_a_station_page_says_what_the_list_says(open_phone, site, when, station_id):
    page = open_phone()
    page.clock.set_fixed_time(china_time(when))
    page.goto(site + f"stations/{station_id}/")
    slot = page.wait_for_selector("[data-sanwei-open]:not([hidden])")
    assert slot.text_content() == OPEN_STATES[when][station_id]
    css_class = "is-open" if OPEN_STATES[when][station_id].startswith("营业中") else "is-closed"
    assert css_class in slot.get_attribute("class")


# ---- Filter ----


@pytest.mark.browser
def test_filtering_by_service_hides_stations_without_it(open_phone, site, content):
    page = open_phone()
    page.clock.set_fixed_time(china_time("2026-03-04 21:00"))
    page.goto(site + "stations/")
    page.click("details summary")
    chip_labels = page.eval_on_selector_all(
        "[data-finder-service]", "boxes => boxes.map(b => b.parentNode.textContent)"
    )
    offered = [s for s in SERVICES if any(s in station.services for station in content.stations)]
    assert chip_labels == [SERVICES[s].zh for s in offered]

    def having(*services):
        return [i for i in TOWN_ORDER if set(services) <= set(station_by_id(content, i).services)]

    page.check("[data-finder-service][value=restroom]")
    assert listed_ids(page) == having("restroom") == ["pharmacy", "night-market"]
    page.check("[data-finder-service][value=microwave]")
    assert listed_ids(page) == having("restroom", "microwave") == ["night-market"]
    assert "1 个" in page.text_content("[data-finder-count]")
    page.check("[data-finder-service][value=wifi]")
    assert listed_ids(page) == []
    assert "没有" in page.text_content("[data-finder-count]")
    for service in ("restroom", "microwave", "wifi"):
        page.uncheck(f"[data-finder-service][value={service}]")
    assert listed_ids(page) == TOWN_ORDER

    # At 21:00 on a Wednesday: the 24h pharmacy, the night market and the late shop.
    page.check("[data-finder-open-now]")
    assert listed_ids(page) == ["pharmacy", "night-market", "late-shop"]


# ---- Map links and phone ----


@pytest.mark.browser
def test_map_links_carry_gcj02_exactly_as_geo_py_makes_them(finder_page, content):
    for station in content.stations:
        links = finder_page.eval_on_selector_all(
            f"li[data-sanwei-station='{station.id}'] .sw-acts a", "links => links.map(a => [a.textContent, a.href])"
        )
        assert links == [
            ["打电话", f"tel:{station.phone}"],
            ["高德地图", amap_link(station.name, station.lat, station.lng)],
            ["腾讯地图", tencent_link(station.name, station.lat, station.lng)],
        ]


def test_the_list_is_written_in_gcj02_whichever_system_the_file_uses(content):
    as_wgs84 = dataclasses.replace(content, coordinates="wgs84")
    for written, to_gcj02 in ((content, lambda lat, lng: (lat, lng)), (as_wgs84, wgs84_to_gcj02)):
        page = render_stations_index(written)
        for station in written.stations:
            lat, lng = to_gcj02(station.lat, station.lng)
            assert f'data-sanwei-station="{station.id}" data-lat="{lat:.6f}" data-lng="{lng:.6f}"' in page


def wgs84_to_gcj02_in_the_page(page, points):
    return page.evaluate(
        "points => points.map(([lat, lng]) => window.sanweiFinder.wgs84ToGcj02(lat, lng))", [list(p) for p in points]
    )


@pytest.mark.browser
def test_the_pages_wgs84_to_gcj02_matches_published_pairs(finder_page):
    converted = wgs84_to_gcj02_in_the_page(finder_page, [wgs for wgs, _, _ in KNOWN_WGS_GCJ])
    for (wgs, gcj, tolerance), result in zip(KNOWN_WGS_GCJ, converted, strict=True):
        assert result == pytest.approx(gcj, abs=max(tolerance, 1e-6)), wgs


@pytest.mark.browser
def test_the_pages_wgs84_to_gcj02_agrees_with_geo_py_in_and_outside_china(finder_page):
    points = [wgs for wgs, _, _ in KNOWN_WGS_GCJ] + IN_CHINA + OUTSIDE_CHINA
    for point, result in zip(points, wgs84_to_gcj02_in_the_page(finder_page, points), strict=True):
        assert result == pytest.approx(wgs84_to_gcj02(*point), abs=1e-9), point


# ---- Without JavaScript, and small with many stations ----


@pytest.mark.browser
def test_without_javascript_the_list_is_plain_links(open_phone, site, content):
    page = open_phone(java_script_enabled=False)
    page.goto(site + "stations/")
    assert not page.is_visible("[data-finder]")
    assert listed_ids(page) == TOWN_ORDER
    for station in content.stations:
        item = f"li[data-sanwei-station='{station.id}']"
        assert page.get_attribute(f"{item} > a", "href") == f"{station.id}/"
        assert page.get_attribute(f"{item} a[href^='tel:']", "href") == f"tel:{station.phone}"
        # The hours as the station page words them, until the script says "open now".
        assert page.text_content(f"{item} .sw-state").startswith(station.hours.describe_zh()[0][0])
    page.click("li[data-sanwei-station='bank'] > a")
    assert "高德地图导航" in page.text_content(".sw-station")


def test_the_finder_script_is_loaded_on_the_stations_and_branches_lists_only(site, project):
    built = project / "site"
    for page in ("stations", "branches"):
        html = (built / page / "index.html").read_text(encoding="utf-8")
        assert '<script src="../assets/finder.js" defer></script>' in html, page
    for page in ("index.html", "stations/bank/index.html", "lessons/index.html", "register/index.html"):
        assert "finder.js" not in (built / page).read_text(encoding="utf-8"), page


def test_stations_are_listed_by_town_in_the_order_the_file_first_names_them(content):
    assert [station.id for station in by_town(content.stations)] == TOWN_ORDER


def test_many_stations_share_one_drawing_of_each_icon(content):
    copies = tuple(
        dataclasses.replace(station, id=f"{station.id}-{n}", name=f"{station.name}{n}")
        for n in range(100)
        for station in content.stations
    )
    page = render_stations_index(dataclasses.replace(content, stations=copies))
    for service in {service for station in copies for service in station.services}:
        symbol = icon_symbol(SERVICES[service].icon, f"sw-s-{service}")
        path = re.search(r'<path d="([^"]+)"', symbol).group(1)
        assert page.count(path) == 1, service
    # About 0.9 KB raw and under 60 bytes gzipped a station (an inline icon alone is 0.5-1 KB).
    assert len(page.encode()) / len(copies) < 1000
    assert len(gzip.compress(page.encode())) / len(copies) < 60


# ---- Many stations: the first in the page, the rest on request ----


@pytest.fixture(scope="module")
def short_list_site(project, tmp_path_factory):
    """The same stations with only the first two in the page, as 500 would be."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sitegen.pages, "FIRST_STATIONS_SHOWN", 2)
        site_dir = build_site(project, site_url="http://127.0.0.1/", site_dir=tmp_path_factory.mktemp("short"))
    with serve_site(site_dir) as site_url:
        yield site_url


@pytest.mark.browser
def test_the_rest_of_a_long_list_joins_it_when_asked_or_sorted(open_phone, short_list_site, content):
    page = open_phone(geolocation={"latitude": 33.48, "longitude": 117.89}, permissions=["geolocation"])
    page.goto(short_list_site + "stations/")
    page.wait_for_selector(".sw-finder.is-ready")
    assert len(listed_ids(page)) == 2
    page.click(f"text=显示其余 {len(content.stations) - 2} 个驿站")
    assert sorted(listed_ids(page)) == sorted(station.id for station in content.stations)

    page.reload()
    page.wait_for_selector(".sw-finder.is-ready")
    page.click("[data-finder-locate]")
    page.wait_for_function("document.querySelector('[data-finder-status]').textContent.includes('由近到远')")
    assert len(listed_ids(page)) == len(content.stations)


@pytest.mark.browser
def test_without_javascript_a_long_list_links_to_every_station(open_phone, short_list_site, content):
    page = open_phone(java_script_enabled=False)
    page.goto(short_list_site + "stations/")
    page.click(f"text=查看全部 {len(content.stations)} 个驿站")
    for station in content.stations:
        assert page.locator(f"a[href$='stations/{station.id}/']").count() == 1


# ---- The branches list ----


def branch_ids(page) -> list[str]:
    return page.eval_on_selector_all("[data-finder-list] > li", "items => items.map(li => li.dataset.sanweiBranch)")


@pytest.mark.browser
def test_the_branch_nearest_the_member_comes_first_with_its_distance(open_phone, site, content):
    riders = next(branch for branch in content.branches if branch.id == "riders")
    # The phone's GPS gives WGS-84, as the file is written: standing at the riders' branch.
    page = open_phone(geolocation={"latitude": riders.lat, "longitude": riders.lng}, permissions=["geolocation"])
    page.goto(site + "branches/")
    page.wait_for_selector(".sw-finder.is-ready")
    assert branch_ids(page) == BRANCH_TOWN_ORDER
    # No distance before the member asks: the line is empty, and takes no room.
    assert not page.is_visible("li[data-sanwei-branch='riders'] .sw-state")

    page.click("[data-finder-locate]")
    expect(page.locator("[data-finder-list] > li").first).to_have_attribute("data-sanwei-branch", "riders")
    here = riders.gcj02()
    expected = {branch.id: haversine_m(*here, *branch.gcj02()) for branch in content.branches}
    assert branch_ids(page) == sorted(expected, key=expected.get)
    assert page.text_content("li[data-sanwei-branch='riders'] .sw-state") == "距离 50 米内"
    assert page.text_content("li[data-sanwei-branch='dunji'] .sw-state") == f"距离 {expected['dunji'] / 1000:.1f} 公里"
    assert "由近到远" in page.text_content("[data-finder-status]")


@pytest.mark.browser
def test_each_branch_shows_when_it_meets_its_phone_and_map_links_in_gcj02(open_phone, site, content):
    page = open_phone()
    page.goto(site + "branches/")
    page.wait_for_selector(".sw-finder.is-ready")
    for branch in content.branches:
        item = f"li[data-sanwei-branch='{branch.id}']"
        assert page.text_content(f"{item} .sw-meets") == f"组织生活：{branch.meets}"
        assert f"{branch.kind_zh} · {branch.town} · {branch.address}" in page.text_content(item)
        lat, lng = branch.gcj02()
        links = page.eval_on_selector_all(f"{item} .sw-acts a", "links => links.map(a => [a.textContent, a.href])")
        assert links == [
            [f"打电话 {branch.phone}", f"tel:{branch.phone}"],
            ["高德地图", amap_link(branch.name, round(lat, 6), round(lng, 6))],
            ["腾讯地图", tencent_link(branch.name, round(lat, 6), round(lng, 6))],
        ]


@pytest.mark.browser
def test_the_home_page_leads_to_the_branches_and_without_javascript_they_are_all_there(open_phone, site, content):
    page = open_phone(java_script_enabled=False)
    page.goto(site)
    page.click("text=身边的支部")
    assert page.url == site + "branches/"
    assert not page.is_visible("[data-finder]")
    assert branch_ids(page) == BRANCH_TOWN_ORDER
    for branch in content.branches:
        item = f"li[data-sanwei-branch='{branch.id}']"
        assert page.is_visible(f"{item} .sw-meets")
        assert page.get_attribute(f"{item} a[href^='tel:']", "href") == f"tel:{branch.phone}"
