"""Editors' mistakes in activities/*.md are reported as file:line: message; good activities reach
the content and the API's content ids in China time."""

import datetime
import json
from pathlib import Path

import pytest
from chalicelib.contentids import ContentIds

from sitegen.activities import FORMS, KINDS
from sitegen.apicontent import content_ids_of
from sitegen.content import check_content, load_content
from sitegen.hours import CHINA_TIME as CHINA
from tests.test_content_validation import assert_reported, make_site, replace_line

ROOT = Path(__file__).resolve().parent.parent

# Line numbers matter in these fixtures: the cases below point at them.
GOOD_ACTIVITY = """\
---
title: 十二月党课
kind: 组织生活
form: 党课
start: 2026-12-05 19:30
end: 2026-12-05 21:00
station: hongqi-first-street
organiser: 泗县快递物流行业党委
capacity: 40
deadline: 2026-12-04 18:00
---

送完单再来。
"""

KIND_LINE = "kind: 组织生活"
FORM_LINE = "form: 党课"
START_LINE = "start: 2026-12-05 19:30"
END_LINE = "end: 2026-12-05 21:00"
STATION_LINE = "station: hongqi-first-street"
CAPACITY_LINE = "capacity: 40"
DEADLINE_LINE = "deadline: 2026-12-04 18:00"
PATH = "activities/dangke.md"

BRANCHES = """\
coordinates: gcj02
branches:
  - id: express-logistics
    name: 泗县快递物流行业党支部
    kind: enterprise
    town: 泗城镇
    address: 泗城镇运河路东首快递物流分拨中心二楼
    location: {lat: 33.4623, lng: 117.9141}
    phone: "0557-7000186"
    meets: 每月第一个星期日 20:00
"""


def make_activities(root: Path, activities: dict[str, str]) -> Path:
    """A small content tree (one station, two lessons) with the given activities/ files."""
    make_site(root)
    (root / "branches.yaml").write_text(BRANCHES, encoding="utf-8")
    (root / "activities").mkdir()
    for name, text in activities.items():
        (root / "activities" / name).write_text(text, encoding="utf-8")
    return root


ACTIVITY_CASES = [
    # (line to replace, replacement, expected "path:line:", message fragment)
    ("title: 十二月党课", "title:", f"{PATH}:2:", "title 是空的"),
    ("title: 十二月党课", "title: " + "课" * 61, f"{PATH}:2:", "最多 60 个字"),
    ("title: 十二月党课", "titel: 十二月党课", f"{PATH}:2:", "没有 'titel' 这个字段（是不是想写 'title'？）"),
    (KIND_LINE, "kind: 学习", f"{PATH}:3:", "没有 '学习' 这种活动（可以写：组织生活、培训、志愿活动、其他）"),
    (KIND_LINE, "kind: 组织活动", f"{PATH}:3:", "（是不是想写 '组织生活'？）"),
    (FORM_LINE, "form: 党员大会", f"{PATH}:4:", "组织生活没有 '党员大会' 这种形式（是不是想写 '支部党员大会'？）"),
    (FORM_LINE, "", f"{PATH}:3:", "组织生活要写明形式：加一行 'form: ...'"),
    (KIND_LINE, "kind: 培训", f"{PATH}:4:", "form 只用于组织生活"),
    (START_LINE, "start: 2026-12-05", f"{PATH}:5:", "只写了日期（2026-12-05），还要写几点几分"),
    (START_LINE, "start: 12月5日 19:30", f"{PATH}:5:", "start 要写成 2026-12-05 09:00 这样的北京时间"),
    (START_LINE, "start: 2026-02-30 19:30", f"{PATH}:5:", "不是真实存在的时间"),
    (START_LINE, "start: 2026-12-05 25:30", f"{PATH}:5:", "不是真实存在的时间"),
    (END_LINE, "end: 2026-12-05 19:00", f"{PATH}:6:", "结束时间 2026-12-05 19:00 不在开始时间 2026-12-05 19:30 之后"),
    (END_LINE, "end: 2026-12-05 19:30", f"{PATH}:6:", "不在开始时间"),
    (END_LINE, "", f"{PATH}:2:", "缺少必填字段 'end'"),
    (STATION_LINE, "station: hongqi-first", f"{PATH}:7:", "没有 id 是 'hongqi-first' 的驿站（stations.yaml）"),
    (
        STATION_LINE,
        "branch: express-logistic",
        f"{PATH}:7:",
        "没有 id 是 'express-logistic' 的支部（branches.yaml）（是不是想写 'express-logistics'？）",
    ),
    (STATION_LINE, "", f"{PATH}:2:", "活动地点没有写"),
    (STATION_LINE, STATION_LINE + "\naddress: 泗城镇", f"{PATH}:2:", "活动地点写了 2 处（station、address）"),
    (STATION_LINE, "online: http://meeting.example.cn/1", f"{PATH}:7:", "online 要写线上会议的完整链接，以 https://"),
    (STATION_LINE, "online: 腾讯会议 123", f"{PATH}:7:", "以 https:// 开头"),
    (STATION_LINE, "online: https://", f"{PATH}:7:", "以 https:// 开头"),
    (STATION_LINE, STATION_LINE + "\nlocation: {lat: 33.47, lng: 117.89}", f"{PATH}:8:", "location 只跟 address"),
    (STATION_LINE, "address: 泗城镇\nlocation: {lat: 117.89, lng: 33.47}", f"{PATH}:8:", "lat 和 lng 好像写反了"),
    (STATION_LINE, "address: 泗城镇\nlocation: {lat: 33.47}", f"{PATH}:8:", "location 缺少必填字段 'lng'"),
    (CAPACITY_LINE, "capacity: 0", f"{PATH}:9:", "capacity 是最多能报名的人数，要写正整数"),
    (CAPACITY_LINE, "capacity: -3", f"{PATH}:9:", "要写正整数"),
    (CAPACITY_LINE, "capacity: 12.5", f"{PATH}:9:", "这里是数字（12.5）"),
    (CAPACITY_LINE, 'capacity: "40"', f"{PATH}:9:", "这里是文字（'40'）"),
    (CAPACITY_LINE, "capacity: 四十", f"{PATH}:9:", "要写正整数"),
    (DEADLINE_LINE, "deadline: 2026-12-05 20:00", f"{PATH}:10:", "报名截止时间 2026-12-05 20:00 在活动开始"),
    (DEADLINE_LINE, "deadline：2026-12-04 18:00", f"{PATH}:10:", "冒号"),
    ("organiser: 泗县快递物流行业党委", "organizer: 泗县", f"{PATH}:8:", "是不是想写 'organiser'"),
]


@pytest.mark.parametrize(("old", "new", "where", "fragment"), ACTIVITY_CASES, ids=[case[3] for case in ACTIVITY_CASES])
def test_activity_mistake_is_reported_at_its_line(tmp_path, old, new, where, fragment):
    root = make_activities(tmp_path, {"dangke.md": replace_line(GOOD_ACTIVITY, old, new)})
    content, problems = check_content(root)
    assert content is None
    assert_reported(problems, where, fragment)


@pytest.mark.parametrize(
    ("name", "text", "where", "fragment"),
    [
        ("Dang_Ke.md", GOOD_ACTIVITY, "activities/Dang_Ke.md:1:", "文件名 'Dang_Ke.md' 只能用小写英文字母"),
        ("dangke.md", "送完单再来。\n", f"{PATH}:1:", "文件开头要有活动信息（front matter）"),
        ("dangke.md", "---\ntitle: 党课\n", f"{PATH}:1:", "文件开头要有活动信息"),
        ("dangke.md", "---\n- 党课\n---\n", f"{PATH}:2:", "开头的活动信息要写成“字段: 值”的几行"),
        ("dangke.md", "---\ntitle: [党课\n---\n", f"{PATH}:2:", "["),
    ],
)
def test_activity_file_mistake_is_reported(tmp_path, name, text, where, fragment):
    _, problems = check_content(make_activities(tmp_path, {name: text}))
    assert_reported(problems, where, fragment)


GOOD_VARIANTS = [
    GOOD_ACTIVITY,
    replace_line(replace_line(GOOD_ACTIVITY, KIND_LINE, "kind: 培训"), FORM_LINE + "\n", ""),
    replace_line(GOOD_ACTIVITY, STATION_LINE, "online: https://meeting.tencent.com/dm/abc?x=1"),
    replace_line(GOOD_ACTIVITY, STATION_LINE, "address: 泗城镇汴河大道88号\nlocation: {lat: 33.4738, lng: 117.8931}"),
    replace_line(GOOD_ACTIVITY, STATION_LINE, "address: 泗城镇汴河大道88号"),
    replace_line(GOOD_ACTIVITY, STATION_LINE, "branch: express-logistics"),
    replace_line(replace_line(GOOD_ACTIVITY, CAPACITY_LINE + "\n", ""), DEADLINE_LINE + "\n", ""),
    # Seconds make YAML read a timestamp; an offset is taken as written.
    replace_line(GOOD_ACTIVITY, START_LINE, "start: 2026-12-05 19:30:00"),
    replace_line(GOOD_ACTIVITY, START_LINE, "start: 2026-12-05T11:30:00Z"),
    replace_line(GOOD_ACTIVITY, DEADLINE_LINE, "deadline: 2026-12-05 19:30"),
    *(replace_line(GOOD_ACTIVITY, FORM_LINE, f"form: {form}") for form in FORMS),
]


@pytest.mark.parametrize("text", GOOD_VARIANTS)
def test_good_activities_have_no_problems(tmp_path, text):
    _, problems = check_content(make_activities(tmp_path, {"dangke.md": text}))
    assert problems == []


def test_an_activity_s_branch_is_not_checked_while_branches_yaml_is_broken(tmp_path):
    root = make_activities(tmp_path, {"dangke.md": replace_line(GOOD_ACTIVITY, STATION_LINE, "branch: gone")})
    (root / "branches.yaml").write_text("coordinates: gcj02\nbranches: []\n", encoding="utf-8")
    _, problems = check_content(root)
    assert [problem.path for problem in problems] == ["branches.yaml"]


def test_a_site_without_activities_has_none(tmp_path):
    assert load_content(make_site(tmp_path)).activities == ()


def test_every_broken_activity_is_reported_in_one_pass(tmp_path):
    broken = replace_line(replace_line(GOOD_ACTIVITY, CAPACITY_LINE, "capacity: 0"), KIND_LINE, "kind: 学习")
    root = make_activities(tmp_path, {"dangke.md": broken, "other.md": replace_line(GOOD_ACTIVITY, END_LINE, "")})
    _, problems = check_content(root)
    assert [str(problem).split(": ")[0] for problem in problems] == [
        "activities/dangke.md:3",
        "activities/dangke.md:9",
        "activities/other.md:2",
    ]


def test_activities_come_by_start_time_in_china_time(tmp_path):
    later = replace_line(GOOD_ACTIVITY, START_LINE, "start: 2026-12-05T11:30:00Z")
    earlier = replace_line(
        replace_line(
            replace_line(GOOD_ACTIVITY, START_LINE, "start: 2026-11-05 08:00"), END_LINE, "end: 2026-11-05 09:00"
        ),
        DEADLINE_LINE,
        "deadline: 2026-11-04 18:00",
    )
    content = load_content(make_activities(tmp_path, {"a-later.md": later, "b-earlier.md": earlier}))
    assert [activity.id for activity in content.activities] == ["b-earlier", "a-later"]
    later_start = content.activities[1].start
    assert later_start == datetime.datetime(2026, 12, 5, 19, 30, tzinfo=CHINA)
    assert later_start.utcoffset() == datetime.timedelta(hours=8)


def test_the_api_gets_each_activity_as_the_contract_says(tmp_path):
    online = replace_line(
        replace_line(GOOD_ACTIVITY, STATION_LINE, "online: https://meeting.tencent.com/dm/abc"),
        CAPACITY_LINE + "\n",
        "",
    )
    content = load_content(make_activities(tmp_path, {"dangke.md": GOOD_ACTIVITY, "online.md": online}))
    ids = content_ids_of(content)
    assert ids.activities == {
        "dangke": {
            "title": "十二月党课",
            "kind": "组织生活",
            "start": "2026-12-05T19:30+08:00",
            "end": "2026-12-05T21:00+08:00",
            "capacity": 40,
            "deadline": "2026-12-04T18:00+08:00",
            "online": False,
            "link": None,
            "station": "hongqi-first-street",
            "branch": None,
        },
        "online": {
            "title": "十二月党课",
            "kind": "组织生活",
            "start": "2026-12-05T19:30+08:00",
            "end": "2026-12-05T21:00+08:00",
            "capacity": None,
            "deadline": "2026-12-04T18:00+08:00",
            "online": True,
            "link": "https://meeting.tencent.com/dm/abc",
            "station": None,
            "branch": None,
        },
    }
    assert ContentIds.from_json(ids.to_json()) == ids


def test_content_ids_written_before_activities_still_load():
    old = json.dumps({"stations": {"a": "甲"}, "lessons": ["x"]})
    assert ContentIds.from_json(old) == ContentIds({"a": "甲"}, frozenset({"x"}))


def test_the_sample_activities_are_valid_and_varied():
    content = load_content(ROOT)
    kinds = {activity.kind for activity in content.activities}
    places = {key for activity in content.activities for key, value in vars(activity.place).items() if value}
    assert len(content.activities) >= 5
    assert kinds <= set(KINDS) and len(kinds) >= 3
    assert {"station", "branch", "address", "link"} <= places
