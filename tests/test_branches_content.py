"""Editors' mistakes in branches.yaml are reported as file:line: message, with the rest of the content's."""

from pathlib import Path

import pytest

from sitegen.apicontent import content_ids_of
from sitegen.branches import KINDS
from sitegen.content import check_content, load_content
from sitegen.formdefs import ContentIds
from tests.test_content_validation import assert_reported, make_site, replace_line

ROOT = Path(__file__).resolve().parent.parent

# Line numbers matter in this fixture: the cases below point at them.
GOOD_BRANCHES = """\
coordinates: gcj02
branches:
  - id: hongqi-community
    name: 泗城镇红旗社区党支部
    kind: community
    town: 泗城镇
    address: 红旗社区党群服务中心二楼
    location: {lat: 33.4788, lng: 117.8897}
    phone: "0557-7000112"
    meets: 每月 5 日 19:30 主题党日
"""

SECOND_BRANCH = """\
  - id: express-logistics
    name: 泗县快递物流行业党支部
    kind: enterprise
    town: 泗城镇
    address: 运河路快递物流分拨中心二楼
    location: {lat: 33.4623, lng: 117.9141}
    phone: "13955700231"
    meets: 每月第一个星期日 20:00
"""

KIND_LINE = "    kind: community"
LOCATION_LINE = "    location: {lat: 33.4788, lng: 117.8897}"
PHONE_LINE = '    phone: "0557-7000112"'
MEETS_LINE = "    meets: 每月 5 日 19:30 主题党日"

BRANCH_CASES = [
    # (line to replace, replacement, expected "path:line:", message fragment)
    ("coordinates: gcj02", "coordinates: bd09", "branches.yaml:1:", "coordinates 只能写 wgs84（手机定位给的）或 gcj02"),
    ("coordinates: gcj02", "# no system", "branches.yaml:2:", "缺少必填字段 'coordinates'"),
    ("branches:", "branch:", "branches.yaml:2:", "没有 'branch' 这个字段（是不是想写 'branches'？）"),
    (
        "  - id: hongqi-community",
        "  - id: Hongqi_Community",
        "branches.yaml:3:",
        "id 'Hongqi_Community' 只能用小写英文字母",
    ),
    ("    name: 泗城镇红旗社区党支部", "    name:", "branches.yaml:4:", "name 不能是空的"),
    ("    name: 泗城镇红旗社区党支部", "    title: 红旗", "branches.yaml:3:", "第 1 个支部缺少必填字段 'name'"),
    (KIND_LINE, "    kind: comunity", "branches.yaml:5:", "kind 不能写 'comunity'（是不是想写 'community'？）"),
    (KIND_LINE, "    kind: 社区", "branches.yaml:5:", "kind 不能写 '社区'（可以写：enterprise（企业支部）"),
    (KIND_LINE, "    kind: [community]", "branches.yaml:5:", "kind 要写文字，这里是列表"),
    ("    town: 泗城镇", "    twon: 泗城镇", "branches.yaml:6:", "没有 'twon' 这个字段（是不是想写 'town'？）"),
    ("    address: 红旗社区党群服务中心二楼", "    address: ''", "branches.yaml:7:", "address 不能是空的"),
    (LOCATION_LINE, "    location: {lat: 117.8897, lng: 33.4788}", "branches.yaml:8:", "lat 和 lng 好像写反了"),
    (LOCATION_LINE, "    location: {lat: 48.8566, lng: 2.3522}", "branches.yaml:8:", "在中国境外"),
    (LOCATION_LINE, "    location: {lat: 33.4788}", "branches.yaml:8:", "location 缺少必填字段 'lng'"),
    (PHONE_LINE, "    phone: 05577000112", "branches.yaml:9:", '电话号码要加英文引号，例如 "0557-7021234"'),
    (PHONE_LINE, '    phone: "7000112"', "branches.yaml:9:", "电话 '7000112' 既不像固定电话"),
    (MEETS_LINE, "    meets:", "branches.yaml:10:", "meets 不能是空的"),
    (MEETS_LINE, "    meets: " + "会" * 81, "branches.yaml:10:", "meets 有 81 个字，太长了：最多 80 个字"),
    (MEETS_LINE, "    meets：每月 5 日主题党日", "branches.yaml:10:", "字段名后面用了中文冒号"),
    (MEETS_LINE, "    meets: 每月 5 日: 主题党日", "branches.yaml:10:", "值里有“冒号加空格”"),
    (
        MEETS_LINE,
        MEETS_LINE + "\n" + SECOND_BRANCH.replace("express-logistics", "hongqi-community"),
        "branches.yaml:11:",
        "id 'hongqi-community' 重复了（第 3 行已经用过）：每个支部的 id 都要不同",
    ),
]


def write_branches(root: Path, text: str) -> Path:
    """A small content tree (lessons, stations) with this branches.yaml beside it."""
    make_site(root)
    (root / "branches.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(("old", "new", "where", "fragment"), BRANCH_CASES, ids=[case[3] for case in BRANCH_CASES])
def test_branch_mistake_is_reported_at_its_line(tmp_path, old, new, where, fragment):
    _, problems = check_content(write_branches(tmp_path, replace_line(GOOD_BRANCHES, old, new)))
    assert_reported(problems, where, fragment)


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ("", "branches.yaml:1:", "branches.yaml 是空的"),
        ("- hongqi-community\n", "branches.yaml:1:", "branches.yaml 里是列表"),
        ("coordinates: gcj02\nbranches:\n", "branches.yaml:2:", "branches 下面要列出支部"),
        ("coordinates: gcj02\nbranches: []\n", "branches.yaml:2:", "branches 是空的：至少列出一个支部"),
        ("coordinates: gcj02\nbranches:\n  - hongqi\n", "branches.yaml:3:", "每个支部要写成一组字段"),
        ("coordinates: gcj02\nbranches:\n\t- id: x\n", "branches.yaml:3:", "这一行用 Tab 键缩进了"),
    ],
)
def test_branches_file_mistake_is_reported(tmp_path, text, where, fragment):
    _, problems = check_content(write_branches(tmp_path, text))
    assert_reported(problems, where, fragment)


def test_branches_are_read_in_file_order_with_their_kind_and_position(tmp_path):
    content = load_content(write_branches(tmp_path, GOOD_BRANCHES + SECOND_BRANCH))
    assert [branch.id for branch in content.branches] == ["hongqi-community", "express-logistics"]
    first, second = content.branches
    assert (first.kind_zh, first.meets, first.line) == ("社区支部", "每月 5 日 19:30 主题党日", 3)
    assert (second.phone, second.line) == ("13955700231", 11)
    assert first.gcj02() == (33.4788, 117.8897)


def test_wgs84_branches_are_moved_to_gcj02_for_the_maps(tmp_path):
    content = load_content(write_branches(tmp_path, GOOD_BRANCHES.replace("gcj02", "wgs84")))
    lat, lng = content.branches[0].gcj02()
    # GCJ-02 shifts a point in Sixian by a few hundred metres, never nothing.
    assert 0.0005 < abs(lat - 33.4788) + abs(lng - 117.8897) < 0.01


def test_a_site_without_branches_yaml_has_no_branches(tmp_path):
    content = load_content(make_site(tmp_path))
    assert content.branches == ()


def test_branch_problems_come_with_the_other_files_problems(tmp_path):
    write_branches(tmp_path, replace_line(GOOD_BRANCHES, KIND_LINE, "    kind: club"))
    (tmp_path / "stations.yaml").write_text("coordinates: gcj02\nstations: []\n", encoding="utf-8")
    _, problems = check_content(tmp_path)
    assert [f"{p.path}:{p.line}" for p in problems] == ["branches.yaml:5", "stations.yaml:2"]


def test_the_api_is_handed_every_branch_by_name(tmp_path):
    ids = content_ids_of(load_content(write_branches(tmp_path, GOOD_BRANCHES + SECOND_BRANCH)))
    assert ids.branches == {"hongqi-community": "泗城镇红旗社区党支部", "express-logistics": "泗县快递物流行业党支部"}
    assert ContentIds.from_json(ids.to_json()) == ids


def test_a_content_ids_file_from_before_branches_still_loads():
    ids = ContentIds.from_json('{"stations": {"a": "A"}, "lessons": ["x"]}')
    assert ids.branches == {}


def test_the_sample_branches_pass_and_cover_every_kind():
    content = load_content(ROOT)
    assert {branch.kind for branch in content.branches} == set(KINDS)
    station_towns = {station.town for station in content.stations}
    assert {branch.town for branch in content.branches} <= station_towns
