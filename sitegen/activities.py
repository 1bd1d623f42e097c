"""Read and validate activities/*.md: organisation life, trainings and volunteer activities."""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sitegen.hours import CHINA_TIME as CHINA
from sitegen.problems import (
    FileReport,
    Problem,
    did_you_mean,
    full_width_hint,
    is_integer,
    kind_of,
    read_text,
    split_lines,
)
from sitegen.stations import SLUG, location_field

ACTIVITIES_DIR = "activities"
MAX_ID = 64
MAX_TITLE = 60

# The kinds of activity, and the forms of organisation life (the "三会一课" and 主题党日).
ORGANISATION_LIFE = "组织生活"
KINDS = (ORGANISATION_LIFE, "培训", "志愿活动", "其他")
FORMS = ("支部党员大会", "支委会", "党小组会", "党课", "主题党日")
# An activity happens at exactly one of these.
PLACES = ("station", "branch", "address", "online")
FIELDS = ("title", "kind", "form", "start", "end", *PLACES, "location", "organiser", "capacity", "deadline")
REQUIRED = ("title", "kind", "start", "end", "organiser")

_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2})")
TIME_EXAMPLE = "2026-12-05 09:00"


@dataclass(frozen=True)
class Place:
    """Where an activity happens: a station, a branch, an address (maybe with a location), or online."""

    station: str | None = None
    branch: str | None = None
    address: str | None = None
    lat: float | None = None
    lng: float | None = None
    link: str | None = None  # the online meeting's https address

    @property
    def online(self) -> bool:
        """True for an activity held online."""
        return self.link is not None


@dataclass(frozen=True)
class Activity:
    """One activity: its front matter, with times in China time, and its Markdown body."""

    id: str
    path: Path
    title: str
    kind: str
    form: str | None  # the form of organisation life; None for other kinds
    start: datetime.datetime
    end: datetime.datetime
    place: Place
    organiser: str
    capacity: int | None  # None: no limit
    deadline: datetime.datetime | None  # sign-up closes; None: until it starts
    body: str

    @property
    def kind_label(self) -> str:
        """The kind as a member reads it: "组织生活·党课", "培训"."""
        return f"{self.kind}·{self.form}" if self.form else self.kind


def china_time(moment: datetime.datetime) -> str:
    """The moment as the content ids write it: "2026-12-05T09:00+08:00"."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M+08:00")


def read_activities(
    root: Path, stations: Collection[str] | None, branches: Collection[str] | None
) -> tuple[list[Activity], list[Problem]]:
    """Read every activities/*.md under root, checking places against the station and branch
    ids given (None: they cannot be known, so not checked); return the valid activities, by
    start time, and every problem found."""
    folder = root / ACTIVITIES_DIR
    if not folder.is_dir():
        # A site may have no activities at all.
        return [], []
    paths = sorted(path for path in folder.glob("*.md") if path.is_file() and not path.name.startswith("."))
    activities, problems = [], []
    for path in paths:
        activity, report = _read_activity(path, stations, branches)
        if activity is not None:
            activities.append(activity)
        problems.extend(report.problems)
    return sorted(activities, key=lambda activity: (activity.start, activity.id)), problems


def _read_activity(
    path: Path, stations: Collection[str] | None, branches: Collection[str] | None
) -> tuple[Activity | None, FileReport]:
    report = FileReport(f"{ACTIVITIES_DIR}/{path.name}")
    if not (SLUG.fullmatch(path.stem) and len(path.stem) <= MAX_ID):
        report.at_line(
            1,
            f"文件名 '{path.name}' 只能用小写英文字母 a-z、数字 0-9 和单个连字符 -，"
            f"最多 {MAX_ID} 个字符（例如 2026-12-dangke.md）：请改名",
        )
    text = read_text(path, report)
    if text is None:
        return None, report
    lines = split_lines(text)
    close = next((index for index in range(1, len(lines)) if lines[index].rstrip() in ("---", "...")), None)
    if lines[0].rstrip() != "---" or close is None:
        report.at_line(
            1,
            "文件开头要有活动信息（front matter）：第一行写 '---'，"
            "接着写 title、kind、start、end 等字段，再写一行 '---'",
        )
        return None, report
    front = FileReport(report.path, first_line=2, problems=report.problems)
    parsed, data = front.parse_yaml("\n".join(lines[1:close]))
    if not parsed:
        return None, report
    if not isinstance(data, dict):
        front.at_line(2, f"开头的活动信息要写成“字段: 值”的几行，第一行是 'title: 活动名称'，这里是{kind_of(data)}")
        return None, report
    fields = _fields(data, front, stations, branches)
    if fields is None or report.problems:
        return None, report
    return Activity(id=path.stem, path=path, body="\n".join(lines[close + 1 :]), **fields), report


def _fields(
    data: dict, front: FileReport, stations: Collection[str] | None, branches: Collection[str] | None
) -> dict | None:
    before = len(front.problems)
    front.check_keys(data, FIELDS, REQUIRED, "开头的活动信息")
    kind, form = _kind(data, front)
    start, end = _time(data, "start", front), _time(data, "end", front)
    if start and end and end <= start:
        front.at_value(data, "end", f"结束时间 {_shown(end)} 不在开始时间 {_shown(start)} 之后：请核对 start 和 end")
    deadline = _time(data, "deadline", front)
    if deadline and start and deadline > start:
        front.at_value(
            data, "deadline", f"报名截止时间 {_shown(deadline)} 在活动开始 {_shown(start)} 之后：截止要在开始之前"
        )
    fields = {
        "title": _text(data, "title", front, MAX_TITLE),
        "kind": kind,
        "form": form,
        "start": start,
        "end": end,
        "place": _place(data, front, stations, branches),
        "organiser": _text(data, "organiser", front),
        "capacity": _capacity(data, front),
        "deadline": deadline,
    }
    return fields if len(front.problems) == before else None


def _text(data: dict, key: str, front: FileReport, max_length: int | None = None) -> str | None:
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        empty = value is None or (isinstance(value, str) and not value.strip())
        found = "是空的" if empty else f"要写文字，这里是{kind_of(value)}"
        front.at_value(data, key, f"{key} {found}：在 '{key}:' 后面空一格写上内容")
        return None
    value = value.strip()
    if max_length is not None and len(value) > max_length:
        front.at_value(data, key, f"{key} 有 {len(value)} 个字，太长了：最多 {max_length} 个字")
        return None
    return value


def _kind(data: dict, front: FileReport) -> tuple[str | None, str | None]:
    kind = _text(data, "kind", front)
    if kind is not None and kind not in KINDS:
        hint = full_width_hint(kind) or did_you_mean(kind, KINDS) or f"（可以写：{'、'.join(KINDS)}）"
        front.at_value(data, "kind", f"没有 '{kind}' 这种活动{hint}")
        return None, None
    if "form" not in data:
        if kind == ORGANISATION_LIFE:
            front.at_key(data, "kind", f"组织生活要写明形式：加一行 'form: ...'（可以写：{'、'.join(FORMS)}）")
        return kind, None
    form = _text(data, "form", front)
    if form is None:
        return kind, None
    if kind is not None and kind != ORGANISATION_LIFE:
        front.at_key(data, "form", f"form 只用于组织生活（kind: {ORGANISATION_LIFE}），{kind}不写 form：请删掉这一行")
        return kind, None
    if form not in FORMS:
        hint = full_width_hint(form) or did_you_mean(form, FORMS) or f"（可以写：{'、'.join(FORMS)}）"
        front.at_value(data, "form", f"组织生活没有 '{form}' 这种形式{hint}")
        return kind, None
    return kind, form


def _time(data: dict, key: str, front: FileReport) -> datetime.datetime | None:
    """A time written as "2026-12-05 09:00", China time (a time with seconds or an offset is fine too)."""
    if key not in data:
        return None
    value = data[key]
    if isinstance(value, datetime.datetime):
        # Seconds make YAML read a timestamp; without an offset it is China time, as written.
        return value.astimezone(CHINA) if value.tzinfo else value.replace(tzinfo=CHINA)
    match = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        found = (
            f"只写了日期（{value.isoformat()}），还要写几点几分" if isinstance(value, datetime.date) else kind_of(value)
        )
        front.at_value(data, key, f"{key} 要写成 {TIME_EXAMPLE} 这样的北京时间（年-月-日 时:分），这里{found}")
        return None
    try:
        moment = datetime.datetime.fromisoformat(f"{match.group(1)} {match.group(2).zfill(5)}")
    except ValueError as error:
        front.at_value(data, key, f"{key} '{value}' 不是真实存在的时间，请核对年月日和时分（{error}）")
        return None
    return moment.replace(tzinfo=CHINA)


def _shown(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _place(
    data: dict, front: FileReport, stations: Collection[str] | None, branches: Collection[str] | None
) -> Place | None:
    given = [key for key in PLACES if key in data]
    if len(given) != 1:
        found = "没有写" if not given else f"写了 {len(given)} 处（{'、'.join(given)}）"
        front.at_node(
            data,
            f"活动地点{found}：只写一处，station: 驿站 id、branch: 支部 id、address: 地址，"
            "或 online: 线上会议的 https 链接",
        )
        return None
    key = given[0]
    if "location" in data and key != "address":
        front.at_key(data, "location", f"location 只跟 address 一起写；{key} 的位置由它自己给出：请删掉这一行")
        return None
    value = _text(data, key, front)
    if value is None:
        return None
    if key in ("station", "branch"):
        known = stations if key == "station" else branches
        if known is not None and value not in known:
            what = "驿站（stations.yaml）" if key == "station" else "支部（branches.yaml）"
            hint = full_width_hint(value) or did_you_mean(value, known)
            front.at_value(data, key, f"没有 id 是 '{value}' 的{what}{hint}：请核对 id")
            return None
        return Place(station=value) if key == "station" else Place(branch=value)
    if key == "online":
        link = _link(value)
        if link is None:
            front.at_value(data, key, f"online 要写线上会议的完整链接，以 https:// 开头，这里是 '{value}'")
        return Place(link=link) if link else None
    if "location" not in data:
        return Place(address=value)
    location = location_field(data, "location", front)
    return Place(address=value, lat=location[0], lng=location[1]) if location else None


def _link(value: str) -> str | None:
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme != "https" or "." not in host or any(char.isspace() for char in value):
        return None
    return value


def _capacity(data: dict, front: FileReport) -> int | None:
    if "capacity" not in data:
        return None
    value = data["capacity"]
    if not is_integer(value) or value < 1:
        front.at_value(
            data,
            "capacity",
            "capacity 是最多能报名的人数，要写正整数（不加引号，例如 30；不限人数就删掉这一行），"
            f"这里是{kind_of(value)}",
        )
        return None
    return value
