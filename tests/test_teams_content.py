"""teams.yaml: editors' mistakes are reported as teams.yaml:line: message; good teams reach the API's ids."""

from pathlib import Path

import pytest

from sitegen.apicontent import content_ids_of
from sitegen.content import check_content, load_content
from sitegen.formdefs import TEAM_SERVICES
from tests.test_content_validation import assert_reported, make_site, replace_line

# Line numbers matter: the cases below point at them.
GOOD_TEAMS = """\
teams:
  - id: rider-team-east
    name: 城东骑手志愿服务队
    area: 泗城镇城东片区
    leader: 陈志强
    service: logistics

  - id: courier-transport-team
    name: 快递车辆应急运输队
    area: 泗城镇及周边乡镇
    leader: 周建国
    service: emergency
"""

TEAM_CASES = [
    # (line to replace, replacement, expected "path:line:", message fragment)
    ("teams:", "team:", "teams.yaml:1:", "文件要以 'teams:' 一行开头"),
    ("  - id: rider-team-east", "  - id: Rider_East", "teams.yaml:2:", "id 'Rider_East' 只能用小写英文字母 a-z"),
    (
        "  - id: rider-team-east",
        "  - id: courier-transport-team",
        "teams.yaml:8:",
        "id 'courier-transport-team' 重复了（第 2 行已经用过）",
    ),
    ("    name: 城东骑手志愿服务队", "    name:", "teams.yaml:3:", "name 不能是空的"),
    ("    name: 城东骑手志愿服务队", "    name: " + "队" * 61, "teams.yaml:3:", "最多 60 个字"),
    (
        "    area: 泗城镇城东片区",
        "    areas: 泗城镇城东片区",
        "teams.yaml:4:",
        "没有 'areas' 这个字段（是不是想写 'area'？）",
    ),
    ("    area: 泗城镇城东片区", "    areas: 泗城镇城东片区", "teams.yaml:2:", "第 1 个服务队缺少必填字段 'area'"),
    ("    leader: 陈志强", "    leader: 1234", "teams.yaml:5:", "leader 要写文字，这里是数字（1234）"),
    ("    leader: 陈志强", "    leader: " + "陈" * 21, "teams.yaml:5:", "最多 20 个字"),
    (
        "    service: logistics",
        "    service: logistic",
        "teams.yaml:6:",
        "service 不能写 'logistic'（是不是想写 'logistics'？）",
    ),
    ("    service: logistics", "    service: 送货", "teams.yaml:6:", "可以写：logistics 物资运送"),
    ("    service: logistics", "    service：logistics", "teams.yaml:6:", "用了中文冒号"),
]


@pytest.mark.parametrize(("old", "new", "where", "fragment"), TEAM_CASES, ids=[case[3] for case in TEAM_CASES])
def test_team_mistake_is_reported_at_its_line(tmp_path, old, new, where, fragment):
    make_site(tmp_path)
    (tmp_path / "teams.yaml").write_text(replace_line(GOOD_TEAMS, old, new), encoding="utf-8")
    content, problems = check_content(tmp_path)
    assert content is None
    assert_reported(problems, where, fragment)


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ("", "teams.yaml:1:", "teams.yaml 是空的"),
        ("teams: []\n", "teams.yaml:1:", "teams 下面要列出服务队"),
        ("teams:\n  - 城东骑手志愿服务队\n", "teams.yaml:2:", "每个服务队要写成一组字段"),
    ],
)
def test_teams_file_mistake_is_reported(tmp_path, text, where, fragment):
    make_site(tmp_path)
    (tmp_path / "teams.yaml").write_text(text, encoding="utf-8")
    assert_reported(check_content(tmp_path)[1], where, fragment)


def test_teams_are_read_in_file_order_and_handed_to_the_api(tmp_path):
    make_site(tmp_path)
    (tmp_path / "teams.yaml").write_text(GOOD_TEAMS, encoding="utf-8")
    content = load_content(tmp_path)
    assert [(team.id, team.leader, team.service, team.line) for team in content.teams] == [
        ("rider-team-east", "陈志强", "logistics", 2),
        ("courier-transport-team", "周建国", "emergency", 8),
    ]
    assert content_ids_of(content).teams == {
        "rider-team-east": "城东骑手志愿服务队",
        "courier-transport-team": "快递车辆应急运输队",
    }


def test_a_site_without_teams_yaml_has_no_teams(tmp_path):
    assert load_content(make_site(tmp_path)).teams == ()


def test_sample_teams_are_valid_and_set_in_the_sample_county():
    content = load_content(Path(__file__).resolve().parent.parent)
    assert len(content.teams) >= 3
    assert all(team.service in TEAM_SERVICES for team in content.teams)
    towns = {station.town for station in content.stations}
    assert all(any(town in team.area for town in towns) for team in content.teams)
