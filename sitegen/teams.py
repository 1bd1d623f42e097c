"""Read and validate teams.yaml: the volunteer teams members can join and staff record service for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sitegen.formdefs import TEAM_SERVICES
from sitegen.problems import FileReport, Problem, did_you_mean, full_width_hint, kind_of, read_yaml_file
from sitegen.stations import MAX_ID, MAX_NAME, check_id, text_field

TEAMS_FILE = "teams.yaml"
MAX_LEADER = 20


@dataclass(frozen=True)
class Team:
    """One volunteer team: who leads it, where it works and what kind of service it gives."""

    id: str
    name: str
    area: str
    leader: str
    service: str
    line: int


def read_teams(root: Path) -> tuple[tuple[Team, ...], list[Problem]]:
    """Load root/teams.yaml (no file: no teams); return the teams (none if anything is wrong) and every problem."""
    path = Path(root) / TEAMS_FILE
    if not path.exists():
        return (), []
    report = FileReport(TEAMS_FILE)
    parsed, data = read_yaml_file(path, report, "")
    if not parsed:
        return (), report.problems
    if not isinstance(data, dict) or "teams" not in data:
        found = "是空的" if data is None else f"里是{kind_of(data)}"
        report.at_line(1, f"teams.yaml {found}：文件要以 'teams:' 一行开头，下面每个服务队以 '  - id: ...' 开头")
        return (), report.problems
    report.check_keys(data, ("teams",), ("teams",), "teams.yaml ")
    teams = _teams(data, report)
    return (() if report.problems else teams), report.problems


def _teams(data: dict, report: FileReport) -> tuple[Team, ...]:
    entries = data["teams"]
    if not isinstance(entries, list) or not entries:
        found = "是空的" if not entries else f"是{kind_of(entries)}"
        report.at_value(data, "teams", f"teams 下面要列出服务队，每个以 '  - id: ...' 开头，这里{found}")
        return ()
    teams = []
    first_line_of: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            report.at_item(
                entries, index, f"每个服务队要写成一组字段（id: ...、name: ... 等，每行一个），这里是{kind_of(entry)}"
            )
            continue
        report.check_keys(entry, TEAM_FIELDS, TEAM_FIELDS, f"第 {index + 1} 个服务队")
        values = {key: read(entry, key, report) for key, read in TEAM_FIELDS.items() if key in entry}
        team_id = values.get("id")
        if team_id is not None:
            if team_id in first_line_of:
                first = first_line_of[team_id]
                report.at_value(
                    entry, "id", f"id '{team_id}' 重复了（第 {first} 行已经用过）：每个服务队的 id 都要不同"
                )
                continue
            first_line_of[team_id] = report.key_line(entry, "id")
        if len(values) == len(TEAM_FIELDS) and None not in values.values():
            teams.append(Team(**values, line=report.item_line(entries, index)))
    return tuple(teams)


def _check_service(value: str) -> str | None:
    if value in TEAM_SERVICES:
        return None
    choices = "、".join(f"{key} {label}" for key, label in TEAM_SERVICES.items())
    hint = full_width_hint(value) or did_you_mean(value, TEAM_SERVICES) or f"（可以写：{choices}）"
    return f"service 不能写 '{value}'{hint}"


# The schema of one team: every field is required, each with the reader that validates it.
TEAM_FIELDS: dict[str, Callable[[dict, str, FileReport], Any]] = {
    "id": partial(text_field, max_length=MAX_ID, check=check_id),
    "name": partial(text_field, max_length=MAX_NAME),
    "area": partial(text_field, max_length=MAX_NAME),
    "leader": partial(text_field, max_length=MAX_LEADER),
    "service": partial(text_field, check=_check_service),
}
