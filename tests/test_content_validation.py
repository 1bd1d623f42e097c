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
    ("coordinates: gcj02", "coordinates: wgs", "stations.yaml:1:", "coordinates 只能写 wgs84（手机定位给的）或 gcj02"),
    (
        "coordinates: gcj02",
        "coordinate: gcj02",
        "stations.yaml:1:",
        "没有 'coordinate' 这个字段（是不是想写 'coordinates'？）",
    ),
    ("coordinates: gcj02", "# no system", "stations.yaml:2:", "缺少必填字段 'coordinates'：请补上 'coordinates: ...'"),
    (
        "  - id: hongqi-first-street",
        "  - id: Hongqi_First",
        "stations.yaml:3:",
        "id 'Hongqi_First' 只能用小写英文字母 a-z",
    ),
    ("  - id: hongqi-first-street", "  - id: " + "a" * 65, "stations.yaml:3:", "id 有 65 个字，太长了：最多 64 个字"),
    (NAME_LINE, "    name: 123", "stations.yaml:4:", "name 要写文字，这里是数字（123）"),
    (NAME_LINE, "    name: " + "站" * 61, "stations.yaml:4:", "最多 60 个字"),
    (NAME_LINE, "    name: ''", "stations.yaml:4:", "name 不能是空的：在 'name:' 后面空一格写上内容"),
    (NAME_LINE, "    name:", "stations.yaml:4:", "name 不能是空的"),
    (NAME_LINE, "    nickname: 第一街", "stations.yaml:3:", "第 1 个驿站缺少必填字段 'name'"),
    (
        ADDRESS_LINE,
        "    adress: 泗城镇第一街88号",
        "stations.yaml:5:",
        "没有 'adress' 这个字段（是不是想写 'address'？）",
    ),
    ("    town: 泗城镇", "    town: [泗城镇]", "stations.yaml:6:", "town 要写文字，这里是列表"),
    (
        LOCATION_LINE,
        "    location: [33.4772, 117.8912]",
        "stations.yaml:7:",
        "location 要写成 {lat: 33.4772, lng: 117.8912} 这样",
    ),
    (
        LOCATION_LINE,
        "    location: {lat: '33.4772', lng: 117.8912}",
        "stations.yaml:7:",
        "lat 要写度数（不加引号的数字，例如 33.4772），这里是文字",
    ),
    (LOCATION_LINE, "    location: {lat: 95, lng: 117.8912}", "stations.yaml:7:", "lat 95 超出了范围（-90 到 90）"),
    (LOCATION_LINE, "    location: {lat: .nan, lng: 117.8912}", "stations.yaml:7:", "'nan'（不是能用的数字）"),
    (LOCATION_LINE, "    location: {lat: 48.8566, lng: 2.3522}", "stations.yaml:7:", "在中国境外"),
    (LOCATION_LINE, "    location: {lat: 117.8912, lng: 33.4772}", "stations.yaml:7:", "lat 和 lng 好像写反了"),
    (LOCATION_LINE, "    location: {lat: 33.4772}", "stations.yaml:7:", "location 缺少必填字段 'lng'"),
    (
        HOURS_LINE,
        '    hours: {mon-fri: "08:30-12:00", sat: "9点到12点", sun: closed}',
        "stations.yaml:8:",
        "'9点到12点' 不是时间段：请写成 \"08:00-20:00\"",
    ),
    (
        HOURS_LINE,
        '    hours: {mon-fri: "08:30-12:00"}',
        "stations.yaml:8:",
        "hours 没有写 sat（周六）、sun（周日） 开不开门：请补上，例如休息写 'sat: closed'",
    ),
    (
        HOURS_LINE,
        '    hours: {every_day: "08:30-12:00", sun: closed}',
        "stations.yaml:8:",
        "sun（周日） 写了两次（'every_day' 里已经包含）",
    ),
    (
        HOURS_LINE,
        '    hours: {mon-fir: "08:30-12:00", sat-sun: closed}',
        "stations.yaml:8:",
        "没有 'mon-fir' 这种写法（是不是想写 'mon-fri'？）",
    ),
    (HOURS_LINE, '    hours: {every_day: "12:00-12:00"}', "stations.yaml:8:", "开门和关门是同一时间：全天开放请写 24h"),
    (HOURS_LINE, '    hours: {every_day: "08:00-25:00"}', "stations.yaml:8:", "里有不存在的时间"),
    (HOURS_LINE, "    hours: 8", "stations.yaml:8:", 'hours 要写成 "08:00-20:00"'),
    (
        HOURS_LINE,
        '    hours:\n      every_day: "08:00-20:00"\n      sat: late',
        "stations.yaml:10:",
        "'late' 不是时间段",
    ),
    (
        HOURS_LINE,
        "    hours:\n      mon-fri:\n        - 08:30-12:00\n        - 2点-5点\n      sat-sun: closed",
        "stations.yaml:11:",
        "'2点-5点' 不是时间段",
    ),
    (
        HOURS_LINE,
        "    hours:\n      - mon-fri: 08:30-17:30\n      - sat-sun: closed",
        "stations.yaml:10:",
        "按星期分开写时，每行前面不要加 '- '",
    ),
    (SERVICES_LINE, "    services: [rest, spa]", "stations.yaml:9:", "没有 'spa' 这项服务（可以写：rest, water,"),
    (SERVICES_LINE, "    services: [rest, watr]", "stations.yaml:9:", "没有 'watr' 这项服务（是不是想写 'water'？）"),
    (SERVICES_LINE, "    services: [rest, water, rest]", "stations.yaml:9:", "服务 'rest' 写了两次"),
    (SERVICES_LINE, "    services: []", "stations.yaml:9:", "services 是空的：至少写一项"),
    (
        SERVICES_LINE,
        "    services: [rest, 3]",
        "stations.yaml:9:",
        "每项服务要写它的英文名，例如 water，这里是数字",
    ),
    (SERVICES_LINE, "    services: rest", "stations.yaml:9:", "services 要写成列表，例如 [rest, water]"),
    (SERVICES_LINE, "    services:\n      - rest\n      - spa", "stations.yaml:11:", "没有 'spa' 这项服务"),
    (PHONE_LINE, '    phone: "0557-70212"', "stations.yaml:10:", "既不像固定电话（例如 0557-7021234）"),
    (PHONE_LINE, '    phone: "12912345678"', "stations.yaml:10:", "也不像 11 位手机号"),
    (PHONE_LINE, "    phone: 13912345678", "stations.yaml:10:", '电话号码要加英文引号，例如 "0557-7021234"'),
    (HOST_LINE, "    host: bnak", "stations.yaml:11:", "host 不能写 'bnak'（是不是想写 'bank'？）"),
    (HOST_LINE, "    host: temple", "stations.yaml:11:", "host 不能写 'temple'（可以写：shop, bank,"),
    (HOST_LINE, "    host: community\n    hostt: bank", "stations.yaml:12:", "没有 'hostt' 这个字段"),
    (NAME_LINE, "    name: [unclosed", "stations.yaml:4:", "这一行的方括号 [ 没有配对：请在这一行的值末尾补上 ]"),
    ("    town: 泗城镇", "    town: 泗城镇\n    town: 泗城", "stations.yaml:7:", "字段 'town' 写了两次"),
    (SERVICES_LINE, "    services: [rest，water]", "stations.yaml:9:", "没有 'rest，water' 这项服务（其中有中文标点"),
    (
        HOST_LINE,
        "    host: “bank”",
        "stations.yaml:11:",
        "host 不能写 '“bank”'（其中有中文标点或全角空格，请改成英文的引号 \"）",
    ),
]


@pytest.mark.parametrize(("old", "new", "where", "fragment"), STATION_CASES, ids=[case[3] for case in STATION_CASES])
def test_station_mistake_is_reported_at_its_line(tmp_path, old, new, where, fragment):
    _, problems = check_content(make_site(tmp_path, stations=replace_line(GOOD_STATIONS, old, new)))
    assert_reported(problems, where, fragment)


# The mistakes a Chinese input method and a plain editor make, each reported at the line
# where it is (not where the parser gives up) with what to write instead.
YAML_SYNTAX_CASES = [
    # (line of GOOD_STATIONS to replace, replacement, expected "path:line:", message fragment)
    ("stations:", "stations：", "stations.yaml:2:", "中文冒号“：”：请改用英文冒号加一个空格，写成 'stations:'"),
    ("    town: 泗城镇", "    town：泗城镇", "stations.yaml:6:", "写成 'town: 泗城镇'"),
    ("    town: 泗城镇", "    town:泗城镇", "stations.yaml:6:", "冒号后面少了一个空格：请写成 'town: 泗城镇'"),
    (
        "    town: 泗城镇",
        "    town:\u3000泗城镇",
        "stations.yaml:6:",
        "有全角空格（中文输入法打出的空格）：请换成英文空格，写成 'town: 泗城镇'",
    ),
    ("    town: 泗城镇", "  \u3000town: 泗城镇", "stations.yaml:6:", "行首有全角空格"),
    ("    town: 泗城镇", "\u3000\u3000town: 泗城镇", "stations.yaml:6:", "行首有全角空格"),
    (
        "    town: 泗城镇",
        "\ttown: 泗城镇",
        "stations.yaml:6:",
        "用 Tab 键缩进了，YAML 只认空格：请把行首的 Tab 换成空格",
    ),
    ("    town: 泗城镇", "    town: 泗城镇\n\ttown: x", "stations.yaml:7:", "用 Tab 键缩进了"),
    (
        LOCATION_LINE,
        "    location: {lat: 33.4772，lng: 117.8912}",
        "stations.yaml:7:",
        "中文逗号“，”：请改用英文逗号，写成 'location: {lat: 33.4772, lng: 117.8912}'",
    ),
    (
        PHONE_LINE,
        '    phone: "0557-7021234”',
        "stations.yaml:10:",
        "中文引号 “ ” 或 ‘ ’：请改用英文引号，写成 'phone: \"0557-7021234\"'",
    ),
    (
        PHONE_LINE,
        '    phone: "0557-7021234',
        "stations.yaml:10:",
        "引号没有配对：值开头有引号，结尾也要有同样的英文引号",
    ),
    (
        LOCATION_LINE,
        "    location: {lat: 33.4772, lng: 117.8912",
        "stations.yaml:7:",
        "花括号 { 没有配对：请在这一行的值末尾补上 }",
    ),
    (LOCATION_LINE, "    location: {lat: 33.4772, lng: 117.8912}}", "stations.yaml:7:", "多了一个 }：花括号要成对"),
    (
        "    town: 泗城镇",
        "     town: 泗城镇",
        "stations.yaml:6:",
        "缩进不对：它前面有 5 个空格，同一层的行前面是 4 个空格；请改成 4 个空格",
    ),
    ("    town: 泗城镇", "   town: 泗城镇", "stations.yaml:6:", "它前面有 3 个空格，同一层的行前面是 4 个空格"),
    ("    town: 泗城镇", "    town 泗城镇", "stations.yaml:6:", "字段名后面少了英文冒号“:”：请写成 'town: 泗城镇'"),
    # Full-width quotes and spaces inside a value are text: the slip is elsewhere.
    (
        ADDRESS_LINE,
        "    address: 泗城镇“第一街”\u300088号\n    town:泗城镇",
        "stations.yaml:6:",
        "请写成 'town: 泗城镇'",
    ),
    (PHONE_LINE, '    phone: "0557-7021234\n    host: “bank”', "stations.yaml:10:", "引号没有配对"),
]


@pytest.mark.parametrize(
    ("old", "new", "where", "fragment"), YAML_SYNTAX_CASES, ids=[case[1] for case in YAML_SYNTAX_CASES]
)
def test_yaml_typing_mistake_is_reported_where_it_is_with_the_fix(tmp_path, old, new, where, fragment):
    _, problems = check_content(make_site(tmp_path, stations=replace_line(GOOD_STATIONS, old, new)))
    assert_reported(problems, where, fragment)
    assert len(problems) == 1, problems


FRONT_MATTER_SYNTAX_CASES = [
    # (line of GOOD_LESSON to replace, replacement, expected "path:line:", message fragment)
    (
        "title: 归队码怎么扫\n",
        "title：归队码怎么扫\n",
        "lessons/guide.md:2:",
        "中文冒号“：”：请改用英文冒号加一个空格，写成 'title: 归队码怎么扫'",
    ),
    (
        "summary: 三步完成登记。\n",
        "summary:三步完成登记。\n",
        "lessons/guide.md:3:",
        "冒号后面少了一个空格：请写成 'summary: 三步完成登记。'",
    ),
    (
        "tags: [归队码, 入门]\n",
        "tags: [归队码, 入门\n",
        "lessons/guide.md:5:",
        "方括号 [ 没有配对：请在这一行的值末尾补上 ]",
    ),
    (
        "title: 归队码怎么扫\n",
        "title 归队码怎么扫\n",
        "lessons/guide.md:2:",
        "少了英文冒号“:”：请写成 'title: 归队码怎么扫'",
    ),
    ("tags: [归队码, 入门]\n", "\ttags: [归队码, 入门]\n", "lessons/guide.md:5:", "用 Tab 键缩进了"),
    ("summary: 三步完成登记。\n", "summary: '三步完成登记。\n", "lessons/guide.md:3:", "引号没有配对"),
    ("summary: 三步完成登记。\n", "summary: “三步”完成登记: 三步\n", "lessons/guide.md:3:", "中文引号"),
    (
        "order: 1\n",
        " order: 1\n",
        "lessons/guide.md:6:",
        "它前面有 1 个空格，同一层的行前面是 0 个空格；请改成 0 个空格",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "where", "fragment"),
    FRONT_MATTER_SYNTAX_CASES,
    ids=[case[1] for case in FRONT_MATTER_SYNTAX_CASES],
)
def test_front_matter_typing_mistake_is_reported_where_it_is_with_the_fix(tmp_path, old, new, where, fragment):
    lessons = {"guide.md": replace_line(GOOD_LESSON, old, new), "other.md": OTHER_LESSON}
    _, problems = check_content(make_site(tmp_path, lessons=lessons))
    assert_reported(problems, where, fragment)
    assert len(problems) == 1, problems


WHOLE_FILE_CASES = [
    # (stations.yaml content, or None for no file; expected "path:line:"; message fragment)
    (None, "stations.yaml:1:", "找不到这个文件"),
    ("", "stations.yaml:1:", "stations.yaml 是空的：文件要以 'coordinates: gcj02'（或 wgs84）和 'stations:' 两行开头"),
    ("- id: a\n", "stations.yaml:1:", "stations.yaml 里是列表"),
    ("coordinates: gcj02\nstations: []\n", "stations.yaml:2:", "stations 是空的：至少列出一个驿站"),
    ("coordinates: gcj02\nstations: {id: a}\n", "stations.yaml:2:", "stations 下面要列出驿站"),
    ("coordinates: gcj02\nstations:\n  - just a name\n", "stations.yaml:3:", "每个驿站要写成一组字段"),
    ("coordinates: gcj02\nstations:\n  - id: a\n", "stations.yaml:3:", "第 1 个驿站缺少必填字段 'name'"),
    (GOOD_STATIONS + "extra: 1\n", "stations.yaml:12:", "没有 'extra' 这个字段（可以写的字段：coordinates, stations）"),
    (
        GOOD_STATIONS + SECOND_STATION.replace("bank-east", "hongqi-first-street"),
        "stations.yaml:12:",
        "id 'hongqi-first-street' 重复了（第 3 行已经用过）",
    ),
    (GOOD_STATIONS + "---\nmore: 1\n", "stations.yaml:12:", "这里又出现了一行 '---'"),
    (GOOD_STATIONS + "  extra: 1\n", "stations.yaml:12:", "这一行的缩进不对"),
    ("coordinates: gcj02\nstations:\n  - name: 驿站\n".encode("gbk"), "stations.yaml:3:", "文件不是 UTF-8 编码"),
    (b"\xef\xbb\xbfcoordinates: gcj02\n\xff\n", "stations.yaml:2:", "文件不是 UTF-8 编码（字节 0xff）：请在编辑器里"),
]


@pytest.mark.parametrize(
    ("stations", "where", "fragment"), WHOLE_FILE_CASES, ids=[case[2] for case in WHOLE_FILE_CASES]
)
def test_stations_file_mistake_is_reported(tmp_path, stations, where, fragment):
    _, problems = check_content(make_site(tmp_path, stations=stations))
    assert_reported(problems, where, fragment)


LESSON_CASES = [
    # (line of GOOD_LESSON to replace, replacement, expected "path:line:", message fragment)
    (
        "---\ntitle: 归队码怎么扫\n",
        "title: 归队码怎么扫\n",
        "lessons/guide.md:1:",
        "文件开头缺少课程信息（front matter）",
    ),
    ("order: 1\n---\n", "order: 1\n", "lessons/guide.md:1:", "开头的课程信息（front matter）没有结束"),
    (
        "summary: 三步完成登记。\n",
        "summary: 注意: 三步完成登记\n",
        "lessons/guide.md:3:",
        "值里有“冒号加空格”，YAML 会把它当成又一个字段：请给整个值加上英文引号，写成 'summary: \"注意: 三步完成登记\"'",
    ),
    ("title: 归队码怎么扫\n", "", "lessons/guide.md:2:", "开头的课程信息缺少必填字段 'title'：请补上 'title: ...'"),
    (
        "title: 归队码怎么扫\n",
        "title: ''\n",
        "lessons/guide.md:2:",
        "title 不能是空的：在 'title:' 后面空一格写上课程标题",
    ),
    ("title: 归队码怎么扫\n", "title:\n", "lessons/guide.md:2:", "title 不能是空的"),
    (
        "title: 归队码怎么扫\n",
        "title: 2026\n",
        "lessons/guide.md:2:",
        'title 要写文字，这里是数字（2026）：数字标题请加英文引号，例如 "2026"',
    ),
    (
        "title: 归队码怎么扫\n",
        "titel: 归队码怎么扫\n",
        "lessons/guide.md:2:",
        "没有 'titel' 这个字段（是不是想写 'title'？）",
    ),
    ("summary: 三步完成登记。\n", "summary: [三步]\n", "lessons/guide.md:3:", "summary 要写文字，这里是列表"),
    ("order: 1\n", "order: 1\nminutes: 0\n", "lessons/guide.md:7:", "minutes 至少是 1，这里是 0"),
    ("order: 1\n", "order: 1\nminutes: '3'\n", "lessons/guide.md:7:", "minutes 要写整数分钟（不加引号，例如 3）"),
    (
        "date: 2026-10-08\n",
        "date: 2026-02-30\n",
        "lessons/guide.md:4:",
        "'2026-02-30' 不是真实存在的日期，请核对年月日",
    ),
    ("date: 2026-10-08\n", "date: '2026-02-30'\n", "lessons/guide.md:4:", "不是真实存在的日期"),
    ("date: 2026-10-08\n", "date: 上周\n", "lessons/guide.md:4:", "date 要写成 2026-10-08 这样的日期"),
    ("date: 2026-10-08\n", "date: 2026-10-08T08:00:00\n", "lessons/guide.md:4:", "（只写年月日），这里是日期加时间"),
    ("tags: [归队码, 入门]\n", "tags: 入门\n", "lessons/guide.md:5:", "tags 要写列表，例如 [归队码, 入门]"),
    ("tags: [归队码, 入门]\n", "tags:\n  - 归队码\n  - 12\n", "lessons/guide.md:7:", "每个标签要写文字"),
    ("tags: [归队码, 入门]\n", "tags: [入门, 入门]\n", "lessons/guide.md:5:", "标签 '入门' 写了两次"),
    ("order: 1\n", "order: first\n", "lessons/guide.md:6:", "order 要写整数（例如 3）"),
    ("order: 1\n", "order: 1\ndraft: yes\n", "lessons/guide.md:7:", "draft 要写成 true 或 false，这里是文字（'yes'）"),
    (
        "登记之后见[结对](other.md)。",
        "登记之后见[结对](others.md)。",
        "lessons/guide.md:11:",
        "链接的课程 'others.md' 不存在（是不是想写 'other.md'？）",
    ),
    (
        "登记之后见[结对](other.md)。",
        "登记之后见[结对](missing.md#part)。",
        "lessons/guide.md:11:",
        "链接的课程 'missing.md' 不存在",
    ),
    (
        "登记之后见[结对](other.md)。",
        "登记之后见[下一课](upcoming.md)。",
        "lessons/guide.md:11:",
        "链接的课程 'upcoming.md' 是草稿",
    ),
    ("![步骤](steps.svg)", "![步骤](step.svg)", "lessons/guide.md:13:", "找不到图片 'step.svg'"),
    (
        "![步骤](steps.svg)",
        '<img src="img/steps.png" alt="步骤">',
        "lessons/guide.md:13:",
        "找不到图片 'img/steps.png'",
    ),
    ("![步骤](steps.svg)", "[![步骤](gone.png)](other.md)", "lessons/guide.md:13:", "找不到图片 'gone.png'"),
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
        ("Bad_Name.md", "---\ntitle: x\n---\n", "lessons/Bad_Name.md:1:", "文件名 'Bad_Name.md' 只能用小写英文字母"),
        ("latin.md", "---\ntitle: x\n---\n\n第二行\n".encode("gbk"), "lessons/latin.md:5:", "文件不是 UTF-8 编码"),
        ("empty.md", "---\n---\nbody\n", "lessons/empty.md:2:", "开头的课程信息要写成“字段: 值”的几行"),
        ("listed.md", "---\n- title\n---\n", "lessons/listed.md:2:", "开头的课程信息要写成“字段: 值”的几行"),
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
    assert [str(p) for p in problems] == ["lessons:1: 找不到 lessons/ 文件夹：课程要以 .md 文件放在 lessons/ 里"]


GOOD_STATION_VARIANTS = [
    GOOD_STATIONS,
    GOOD_STATIONS + SECOND_STATION,
    replace_line(GOOD_STATIONS, "coordinates: gcj02", "coordinates: wgs84"),
    replace_line(GOOD_STATIONS, HOURS_LINE, '    hours: {every_day: "20:00-02:00"}'),
    replace_line(
        GOOD_STATIONS, HOURS_LINE, "    hours:\n      mon-fri: 08:30-12:00，14:00-17:30\n      sat-sun: closed"
    ),
    replace_line(GOOD_STATIONS, HOURS_LINE, '    hours: "08:00-20:00"'),
    replace_line(GOOD_STATIONS, HOURS_LINE, '    hours: {mon-fri: ["08:30-12:00", "14:00-17:30"], sat-sun: closed}'),
    replace_line(
        GOOD_STATIONS,
        HOURS_LINE,
        "    hours:\n      mon-fri:\n        - 08:30-12:00\n        - 14:00-17:30\n      sat-sun: closed",
    ),
    replace_line(GOOD_STATIONS, HOURS_LINE, '    hours: ["08:30-12:00", "14:00-17:30"]'),
    replace_line(GOOD_STATIONS, PHONE_LINE, '    phone: "139 1234 5678"'),
    replace_line(GOOD_STATIONS, ADDRESS_LINE, "    address: 泗城镇“第一街”\u300088号：东侧"),
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
    assert "缺少必填字段 'town'" in problems[0].message
    assert "没有 'twon' 这个字段（是不是想写 'town'？）" in problems[1].message


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
        "lessons/guide.md:13: 找不到图片 'gone.svg'：请把图片放在 lessons/ 里课程旁边，或核对文件名",
        (
            "stations.yaml:11: host 不能写 'temple'（可以写：shop, bank, pharmacy, community, office_building, "
            "company, government, gas_station）"
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
    assert str(Problem("stations.yaml", 7, "没有 'spa' 这项服务")) == "stations.yaml:7: 没有 'spa' 这项服务"


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
