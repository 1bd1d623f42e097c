"""Editors' mistakes in lessons/ and stations.yaml are reported as file:line: message, all at once."""

from pathlib import Path

import material
import pytest

from sitegen.content import check_content, load_content
from sitegen.problems import ContentError, Problem
from sitegen.services import HOSTS, SERVICES

# Line numbers matter in these fixtures: the cases below point at them.
GOOD_STATIONS = """\
coordinates: gcj02
stations:
  - id: hongqi-first-street
    name: 泗州红旗驿站·泗州第一街
    address: 泗城镇第一街88号
    town: 泗城镇
    location: {lat: 33.4772, lng: 117.8912}
    hours: {mon-fri: "08:30-12:00, 14:00-17:30", sat: "09:00-12:00", sun: closed}
    services: [rest, water]
    phone: "0557-7021234"
    host: community
"""

SECOND_STATION = """\
  - id: bank-east
    name: 泗州红旗驿站·东关银行
    address: 东关路1号
    town: 泗城镇
    location: {lat: 33.48, lng: 117.90}
    hours: 24h
    services: [water, charging]
    phone: "13912345678"
    host: bank
"""

# The lines of GOOD_STATIONS that the cases below break.
NAME_LINE = "    name: 泗州红旗驿站·泗州第一街"
ADDRESS_LINE = "    address: 泗城镇第一街88号"
LOCATION_LINE = "    location: {lat: 33.4772, lng: 117.8912}"
HOURS_LINE = '    hours: {mon-fri: "08:30-12:00, 14:00-17:30", sat: "09:00-12:00", sun: closed}'
SERVICES_LINE = "    services: [rest, water]"
PHONE_LINE = '    phone: "0557-7021234"'
HOST_LINE = "    host: community"

GOOD_LESSON = """\
---
title: 归队码怎么扫
summary: 三步完成登记。
date: 2026-10-08
tags: [归队码, 入门]
order: 1
---

## 三步

登记之后见[结对](other.md)。

![步骤](steps.svg)
"""

OTHER_LESSON = """\
---
title: 登记之后
---

回到[归队码](guide.md#三步)。
"""


def make_site(root: Path, stations: str | bytes = GOOD_STATIONS, lessons: dict | None = None) -> Path:
    """Write a small content tree: stations.yaml and lessons/ with an image beside them."""
    lessons = {"guide.md": GOOD_LESSON, "other.md": OTHER_LESSON} if lessons is None else lessons
    (root / "lessons").mkdir()
    (root / "lessons" / "steps.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    for name, text in lessons.items():
        path = root / "lessons" / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    if stations is not None:
        (root / "stations.yaml").write_bytes(stations if isinstance(stations, bytes) else stations.encode())
    return root


def replace_line(text: str, old: str, new: str) -> str:
    """Swap one line of a fixture for a broken one, refusing to do nothing."""
    assert old in text, old
    return text.replace(old, new, 1)


def assert_reported(problems: list[Problem], prefix: str, fragment: str) -> None:
    shown = "\n".join(map(str, problems))
    found = any(str(p).startswith(prefix) and fragment in p.message for p in problems)
    assert found, f"want {prefix} {fragment!r}, got:\n{shown}"


STATION_CASES = [
    # (line to replace, replacement, expected "path:line:", message fragment)
    ("coordinates: gcj02", "coordinates: wgs", "stations.yaml:1:", "coordinates must be one of wgs84, gcj02"),
    (
        "coordinates: gcj02",
        "coordinate: gcj02",
        "stations.yaml:1:",
        "unknown field 'coordinate' (did you mean 'coordinates'?)",
    ),
    ("coordinates: gcj02", "# no system", "stations.yaml:2:", "missing the required field 'coordinates'"),
    ("  - id: hongqi-first-street", "  - id: Hongqi_First", "stations.yaml:3:", "id 'Hongqi_First' may only use a-z"),
    ("  - id: hongqi-first-street", "  - id: " + "a" * 65, "stations.yaml:3:", "keep it to 64"),
    (NAME_LINE, "    name: 123", "stations.yaml:4:", "name must be text, not a number (123)"),
    (NAME_LINE, "    name: " + "站" * 61, "stations.yaml:4:", "keep it to 60"),
    (NAME_LINE, "    name: ''", "stations.yaml:4:", "name must not be empty"),
    (NAME_LINE, "    name:", "stations.yaml:4:", "name must not be empty"),
    (NAME_LINE, "    nickname: 第一街", "stations.yaml:3:", "missing the required field 'name'"),
    (
        ADDRESS_LINE,
        "    adress: 泗城镇第一街88号",
        "stations.yaml:5:",
        "unknown field 'adress' (did you mean 'address'?)",
    ),
    ("    town: 泗城镇", "    town: [泗城镇]", "stations.yaml:6:", "town must be text, not a list"),
    (LOCATION_LINE, "    location: [33.4772, 117.8912]", "stations.yaml:7:", "location must be a mapping"),
    (
        LOCATION_LINE,
        "    location: {lat: '33.4772', lng: 117.8912}",
        "stations.yaml:7:",
        "lat must be a number of degrees, not text",
    ),
    (LOCATION_LINE, "    location: {lat: 95, lng: 117.8912}", "stations.yaml:7:", "lat 95 is out of range"),
    (LOCATION_LINE, "    location: {lat: .nan, lng: 117.8912}", "stations.yaml:7:", "not a usable number"),
    (LOCATION_LINE, "    location: {lat: 48.8566, lng: 2.3522}", "stations.yaml:7:", "outside China"),
    (LOCATION_LINE, "    location: {lat: 117.8912, lng: 33.4772}", "stations.yaml:7:", "look swapped"),
    (LOCATION_LINE, "    location: {lat: 33.4772}", "stations.yaml:7:", "location is missing the required field 'lng'"),
    (
        HOURS_LINE,
        '    hours: {mon-fri: "08:30-12:00", sat: "9点到12点", sun: closed}',
        "stations.yaml:8:",
        "'9点到12点' is not a time range",
    ),
    (
        HOURS_LINE,
        '    hours: {mon-fri: "08:30-12:00"}',
        "stations.yaml:8:",
        "don't say when the station is open on sat, sun",
    ),
    (
        HOURS_LINE,
        '    hours: {every_day: "08:30-12:00", sun: closed}',
        "stations.yaml:8:",
        "sun given twice (also in 'every_day')",
    ),
    (
        HOURS_LINE,
        '    hours: {mon-fir: "08:30-12:00", sat-sun: closed}',
        "stations.yaml:8:",
        "unknown day 'mon-fir' (did you mean 'mon-fri'?)",
    ),
    (HOURS_LINE, '    hours: {every_day: "12:00-12:00"}', "stations.yaml:8:", "closes when it opens"),
    (HOURS_LINE, '    hours: {every_day: "08:00-25:00"}', "stations.yaml:8:", "time that does not exist"),
    (HOURS_LINE, "    hours: 8", "stations.yaml:8:", "not a number (8)"),
    (
        HOURS_LINE,
        '    hours:\n      every_day: "08:00-20:00"\n      sat: late',
        "stations.yaml:10:",
        "'late' is not a time range",
    ),
    (SERVICES_LINE, "    services: [rest, spa]", "stations.yaml:9:", "unknown service 'spa' (known: rest, water,"),
    (SERVICES_LINE, "    services: [rest, watr]", "stations.yaml:9:", "unknown service 'watr' (did you mean 'water'?)"),
    (SERVICES_LINE, "    services: [rest, water, rest]", "stations.yaml:9:", "service 'rest' is listed twice"),
    (SERVICES_LINE, "    services: []", "stations.yaml:9:", "services is empty"),
    (
        SERVICES_LINE,
        "    services: [rest, 3]",
        "stations.yaml:9:",
        "each service must be a name like water, not a number",
    ),
    (SERVICES_LINE, "    services: rest", "stations.yaml:9:", "services must be a list"),
    (SERVICES_LINE, "    services:\n      - rest\n      - spa", "stations.yaml:11:", "unknown service 'spa'"),
    (PHONE_LINE, '    phone: "0557-70212"', "stations.yaml:10:", "neither a landline"),
    (PHONE_LINE, '    phone: "12912345678"', "stations.yaml:10:", "neither a landline"),
    (PHONE_LINE, "    phone: 13912345678", "stations.yaml:10:", "put it in quotes"),
    (HOST_LINE, "    host: bnak", "stations.yaml:11:", "unknown host 'bnak' (did you mean 'bank'?)"),
    (HOST_LINE, "    host: temple", "stations.yaml:11:", "unknown host 'temple' (known: shop, bank,"),
    (HOST_LINE, "    host: community\n    hostt: bank", "stations.yaml:12:", "unknown field 'hostt'"),
    (NAME_LINE, "    name: [unclosed", "stations.yaml:4:", "the [ or { opened here is not closed"),
    ("    town: 泗城镇", "    town: 泗城镇\n\ttown: x", "stations.yaml:7:", "indent with spaces, not tabs"),
    ("    town: 泗城镇", "    town: 泗城镇\n    town: 泗城", "stations.yaml:7:", 'duplicate key "town"'),
]


@pytest.mark.parametrize(("old", "new", "where", "fragment"), STATION_CASES, ids=[case[3] for case in STATION_CASES])
def test_station_mistake_is_reported_at_its_line(tmp_path, old, new, where, fragment):
    _, problems = check_content(make_site(tmp_path, stations=replace_line(GOOD_STATIONS, old, new)))
    assert_reported(problems, where, fragment)


WHOLE_FILE_CASES = [
    # (stations.yaml content, or None for no file; expected "path:line:"; message fragment)
    (None, "stations.yaml:1:", "file not found"),
    ("", "stations.yaml:1:", "stations.yaml is empty; it must start with 'coordinates:'"),
    ("- id: a\n", "stations.yaml:1:", "stations.yaml holds a list"),
    ("coordinates: gcj02\nstations: []\n", "stations.yaml:2:", "stations is empty"),
    ("coordinates: gcj02\nstations: {id: a}\n", "stations.yaml:2:", "stations must be a list"),
    ("coordinates: gcj02\nstations:\n  - just a name\n", "stations.yaml:3:", "each station must be a mapping"),
    (
        "coordinates: gcj02\nstations:\n  - id: a\n",
        "stations.yaml:3:",
        "station #1 is missing the required field 'name'",
    ),
    (GOOD_STATIONS + "extra: 1\n", "stations.yaml:12:", "unknown field 'extra'"),
    (
        GOOD_STATIONS + SECOND_STATION.replace("bank-east", "hongqi-first-street"),
        "stations.yaml:12:",
        "duplicate id 'hongqi-first-street' (first used on line 3)",
    ),
    (
        GOOD_STATIONS + "---\nmore: 1\n",
        "stations.yaml:12:",
        "expected a single document in the stream, but found another",
    ),
    (GOOD_STATIONS + "  extra: 1\n", "stations.yaml:12:", "check this line's indentation"),
    ("coordinates: gcj02\nstations:\n  - name: 驿站\n".encode("gbk"), "stations.yaml:3:", "not UTF-8"),
    (b"\xef\xbb\xbfcoordinates: gcj02\n\xff\n", "stations.yaml:2:", "not UTF-8 text (byte 0xff)"),
]


@pytest.mark.parametrize(
    ("stations", "where", "fragment"), WHOLE_FILE_CASES, ids=[case[2] for case in WHOLE_FILE_CASES]
)
def test_stations_file_mistake_is_reported(tmp_path, stations, where, fragment):
    _, problems = check_content(make_site(tmp_path, stations=stations))
    assert_reported(problems, where, fragment)


LESSON_CASES = [
    # (line of GOOD_LESSON to replace, replacement, expected "path:line:", message fragment)
    ("---\ntitle: 归队码怎么扫\n", "title: 归队码怎么扫\n", "lessons/guide.md:1:", "missing front matter"),
    ("order: 1\n---\n", "order: 1\n", "lessons/guide.md:1:", "front matter is not closed"),
    ("date: 2026-10-08\n", "date: 2026-10-08: 10\n", "lessons/guide.md:4:", "invalid YAML"),
    (
        "summary: 三步完成登记。\n",
        "summary: '三步完成登记。\n",
        "lessons/guide.md:3:",
        "the quote opened here is never closed",
    ),
    ("title: 归队码怎么扫\n", "", "lessons/guide.md:2:", "missing the required field 'title'"),
    ("title: 归队码怎么扫\n", "title: ''\n", "lessons/guide.md:2:", "title must not be empty"),
    ("title: 归队码怎么扫\n", "title:\n", "lessons/guide.md:2:", "title must not be empty"),
    ("title: 归队码怎么扫\n", "title: 2026\n", "lessons/guide.md:2:", "title must be text, not a number"),
    (
        "title: 归队码怎么扫\n",
        "titel: 归队码怎么扫\n",
        "lessons/guide.md:2:",
        "unknown field 'titel' (did you mean 'title'?)",
    ),
    ("summary: 三步完成登记。\n", "summary: [三步]\n", "lessons/guide.md:3:", "summary must be text, not a list"),
    ("order: 1\n", "order: 1\nminutes: 0\n", "lessons/guide.md:7:", "minutes must be at least 1"),
    ("order: 1\n", "order: 1\nminutes: '3'\n", "lessons/guide.md:7:", "minutes must be a whole number"),
    ("date: 2026-10-08\n", "date: 2026-02-30\n", "lessons/guide.md:4:", "not a real date"),
    ("date: 2026-10-08\n", "date: '2026-02-30'\n", "lessons/guide.md:4:", "not a real date"),
    ("date: 2026-10-08\n", "date: 上周\n", "lessons/guide.md:4:", "date must be a day like 2026-10-08"),
    ("date: 2026-10-08\n", "date: 2026-10-08T08:00:00\n", "lessons/guide.md:4:", "not a date and time"),
    ("tags: [归队码, 入门]\n", "tags: 入门\n", "lessons/guide.md:5:", "tags must be a list"),
    ("tags: [归队码, 入门]\n", "tags:\n  - 归队码\n  - 12\n", "lessons/guide.md:7:", "each tag must be non-empty text"),
    ("tags: [归队码, 入门]\n", "tags: [入门, 入门]\n", "lessons/guide.md:5:", "tag '入门' is listed twice"),
    ("order: 1\n", "order: first\n", "lessons/guide.md:6:", "order must be a whole number"),
    ("order: 1\n", "order: 1\ndraft: yes\n", "lessons/guide.md:7:", "draft must be true or false"),
    (
        "登记之后见[结对](other.md)。",
        "登记之后见[结对](others.md)。",
        "lessons/guide.md:11:",
        "link to a lesson that does not exist: 'others.md' (did you mean 'other.md'?)",
    ),
    (
        "登记之后见[结对](other.md)。",
        "登记之后见[结对](missing.md#part)。",
        "lessons/guide.md:11:",
        "link to a lesson that does not exist: 'missing.md'",
    ),
    (
        "登记之后见[结对](other.md)。",
        "登记之后见[下一课](upcoming.md)。",
        "lessons/guide.md:11:",
        "link to 'upcoming.md', a draft",
    ),
    ("![步骤](steps.svg)", "![步骤](step.svg)", "lessons/guide.md:13:", "image 'step.svg' not found"),
    (
        "![步骤](steps.svg)",
        '<img src="img/steps.png" alt="步骤">',
        "lessons/guide.md:13:",
        "image 'img/steps.png' not found",
    ),
    ("![步骤](steps.svg)", "[![步骤](gone.png)](other.md)", "lessons/guide.md:13:", "image 'gone.png' not found"),
]

DRAFT_LESSON = "---\ntitle: 即将开课\ndraft: true\n---\n\n敬请期待。\n"


@pytest.mark.parametrize(("old", "new", "where", "fragment"), LESSON_CASES, ids=[case[3] for case in LESSON_CASES])
def test_lesson_mistake_is_reported_at_its_line(tmp_path, old, new, where, fragment):
    lessons = {"guide.md": replace_line(GOOD_LESSON, old, new), "other.md": OTHER_LESSON, "upcoming.md": DRAFT_LESSON}
    _, problems = check_content(make_site(tmp_path, lessons=lessons))
    assert_reported(problems, where, fragment)


@pytest.mark.parametrize(
    ("name", "text", "where", "fragment"),
    [
        ("Bad_Name.md", "---\ntitle: x\n---\n", "lessons/Bad_Name.md:1:", "must be a slug"),
        ("latin.md", "---\ntitle: x\n---\n\n第二行\n".encode("gbk"), "lessons/latin.md:5:", "not UTF-8"),
        ("empty.md", "---\n---\nbody\n", "lessons/empty.md:2:", "must be 'field: value' lines"),
        ("listed.md", "---\n- title\n---\n", "lessons/listed.md:2:", "must be 'field: value' lines"),
    ],
)
def test_lesson_file_mistake_is_reported(tmp_path, name, text, where, fragment):
    _, problems = check_content(
        make_site(tmp_path, lessons={"guide.md": GOOD_LESSON, "other.md": OTHER_LESSON, name: text})
    )
    assert_reported(problems, where, fragment)


def test_missing_lessons_folder_is_reported(tmp_path):
    (tmp_path / "stations.yaml").write_text(GOOD_STATIONS)
    _, problems = check_content(tmp_path)
    assert [str(p) for p in problems] == ["lessons:1: folder not found: lessons/ holds the lessons as .md files"]


GOOD_STATION_VARIANTS = [
    GOOD_STATIONS,
    GOOD_STATIONS + SECOND_STATION,
    replace_line(GOOD_STATIONS, "coordinates: gcj02", "coordinates: wgs84"),
    replace_line(GOOD_STATIONS, HOURS_LINE, '    hours: {every_day: "20:00-02:00"}'),
    replace_line(
        GOOD_STATIONS, HOURS_LINE, "    hours:\n      mon-fri: 08:30-12:00，14:00-17:30\n      sat-sun: closed"
    ),
    replace_line(GOOD_STATIONS, HOURS_LINE, '    hours: "08:00-20:00"'),
    replace_line(GOOD_STATIONS, PHONE_LINE, '    phone: "139 1234 5678"'),
    replace_line(GOOD_STATIONS, PHONE_LINE, '    phone: "05577021234"'),
    replace_line(GOOD_STATIONS, LOCATION_LINE, "    location:\n      lat: 33\n      lng: 118"),
    "\ufeff" + GOOD_STATIONS.replace("\n", "\r\n"),
]


@pytest.mark.parametrize("stations", GOOD_STATION_VARIANTS)
def test_good_stations_have_no_problems(tmp_path, stations):
    content, problems = check_content(make_site(tmp_path, stations=stations))
    assert problems == []
    assert content is not None and content.stations


GOOD_LESSON_VARIANTS = [
    GOOD_LESSON,
    GOOD_LESSON + "\n```markdown\n[不检查](nowhere.md) ![也不检查](nothing.png)\n```\n\n`[代码](none.md)`\n",
    GOOD_LESSON + "\n[外链](https://example.org/a.md) [本页](#三步) [站点](/stations/) [邮件](mailto:a@b.cn)\n",
    GOOD_LESSON + '\n!!! note "提示"\n    见[结对](other.md "标题")和[归队码](<guide.md>)。\n',
    GOOD_LESSON + "\n[结对][ref]\n\n[ref]: other.md\n",
    replace_line(GOOD_LESSON, "登记之后见[结对](other.md)。", "见[结对](../lessons/other.md)。"),
    "\ufeff" + GOOD_LESSON.replace("\n", "\r\n"),
    replace_line(GOOD_LESSON, "date: 2026-10-08\n", "date: '2026-10-08'\nminutes: 5\ndraft: false\n"),
]


@pytest.mark.parametrize("lesson", GOOD_LESSON_VARIANTS)
def test_good_lessons_have_no_problems(tmp_path, lesson):
    content, problems = check_content(make_site(tmp_path, lessons={"guide.md": lesson, "other.md": OTHER_LESSON}))
    assert problems == []
    assert [lesson.slug for lesson in content.lessons] == ["guide", "other"]


def test_three_mistakes_in_one_file_are_all_reported(tmp_path):
    stations = replace_line(GOOD_STATIONS, "    town: 泗城镇", "    twon: 泗城镇")
    stations = replace_line(stations, SERVICES_LINE, "    services: [rest, spa]")
    stations = replace_line(stations, PHONE_LINE, '    phone: "555"')
    _, problems = check_content(make_site(tmp_path, stations=stations))
    assert [str(p).split(":")[:2] for p in problems] == [
        ["stations.yaml", "3"],
        ["stations.yaml", "6"],
        ["stations.yaml", "9"],
        ["stations.yaml", "10"],
    ]
    assert "missing the required field 'town'" in problems[0].message
    assert "unknown field 'twon' (did you mean 'town'?)" in problems[1].message


def test_problems_from_every_file_come_sorted_by_path_then_line(tmp_path):
    lessons = {
        "guide.md": replace_line(GOOD_LESSON, "![步骤](steps.svg)", "![步骤](gone.svg)"),
        "other.md": replace_line(OTHER_LESSON, "title: 登记之后", "title: ''"),
    }
    stations = replace_line(GOOD_STATIONS, HOST_LINE, "    host: temple")
    _, problems = check_content(make_site(tmp_path, stations=stations, lessons=lessons))
    assert [(p.path, p.line) for p in problems] == [
        ("lessons/guide.md", 13),
        ("lessons/other.md", 2),
        ("stations.yaml", 11),
    ]


def test_load_content_raises_with_every_problem(tmp_path):
    stations = replace_line(GOOD_STATIONS, HOST_LINE, "    host: temple")
    lessons = {
        "guide.md": replace_line(GOOD_LESSON, "![步骤](steps.svg)", "![步骤](gone.svg)"),
        "other.md": OTHER_LESSON,
    }
    with pytest.raises(ContentError) as raised:
        load_content(make_site(tmp_path, stations=stations, lessons=lessons))
    assert str(raised.value).splitlines() == [
        "lessons/guide.md:13: image 'gone.svg' not found next to the lesson",
        (
            "stations.yaml:11: unknown host 'temple' (known: shop, bank, pharmacy, community, office_building, "
            "company, government, gas_station)"
        ),
    ]
    assert len(raised.value.problems) == 2


def test_content_keeps_published_lessons_in_reading_order(tmp_path):
    lessons = {
        "guide.md": GOOD_LESSON,
        "other.md": OTHER_LESSON,
        "newer.md": "---\ntitle: 新\ndate: 2026-11-01\n---\n正文\n",
        "older.md": "---\ntitle: 旧\ndate: 2026-01-01\n---\n正文\n",
        "upcoming.md": DRAFT_LESSON,
    }
    content = load_content(make_site(tmp_path, lessons=lessons))
    assert [lesson.slug for lesson in content.lessons] == ["guide", "newer", "older", "other"]
    assert content.drafts == ("upcoming",)
    guide = content.lessons[0]
    assert (guide.title, guide.summary, guide.order, guide.tags) == (
        "归队码怎么扫",
        "三步完成登记。",
        1,
        ("归队码", "入门"),
    )
    assert str(guide.date) == "2026-10-08" and guide.links == ("other",) and guide.body.startswith("\n## 三步")


def test_content_reads_stations_in_file_order(tmp_path):
    content = load_content(make_site(tmp_path, stations=GOOD_STATIONS + SECOND_STATION))
    first, second = content.stations
    assert content.coordinates == "gcj02"
    assert (first.id, first.lat, first.lng, first.services, first.host, first.line) == (
        "hongqi-first-street",
        33.4772,
        117.8912,
        ("rest", "water"),
        "community",
        3,
    )
    assert (second.id, second.phone, second.line) == ("bank-east", "13912345678", 12)
    assert second.hours.describe_zh() == [("每天", "24小时")]
    assert first.gcj02("gcj02") == (33.4772, 117.8912)
    assert first.wgs84("gcj02") != (33.4772, 117.8912)


@pytest.mark.parametrize(
    ("body", "minutes"),
    [
        ("", 1),
        ("字" * 400, 1),
        ("字" * 401, 2),
        ("字" * 400 + " word" * 200, 2),
        ("[链接](https://example.org/a/very/long/address/that/nobody/reads/aloud)", 1),
    ],
)
def test_reading_minutes_are_computed_when_not_given(tmp_path, body, minutes):
    lessons = {"guide.md": f"---\ntitle: 计时\n---\n{body}\n"}
    content = load_content(make_site(tmp_path, lessons=lessons))
    assert content.lessons[0].minutes == minutes


def test_problem_reads_as_path_line_message():
    assert str(Problem("stations.yaml", 7, "unknown service 'spa'")) == "stations.yaml:7: unknown service 'spa'"


ICONS = Path(material.__file__).parent / "templates" / ".icons" / "material"


@pytest.mark.parametrize("service", SERVICES.values(), ids=list(SERVICES))
def test_every_service_icon_exists_in_material(service):
    assert service.icon.startswith("material-")
    assert (ICONS / f"{service.icon.removeprefix('material-')}.svg").is_file()


def test_vocabularies_are_complete():
    assert list(SERVICES) == [
        "rest",
        "water",
        "charging",
        "reading",
        "restroom",
        "microwave",
        "first_aid",
        "umbrella",
        "bike_repair",
        "wifi",
        "cooling",
        "heating",
        "parking",
        "mailbox",
    ]
    assert all(service.zh and service.en for service in SERVICES.values())
    assert HOSTS["community"] == "社区党群服务站" and len(HOSTS) == 8
