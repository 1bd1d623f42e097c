"""Read and validate stations.yaml into Station records."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sitegen.geo import COORDINATE_SYSTEMS, to_gcj02, to_wgs84
from sitegen.hours import HoursError, WeekHours, parse_hours
from sitegen.problems import (
    FileReport,
    Problem,
    did_you_mean,
    full_width_hint,
    is_number,
    kind_of,
    read_yaml_file,
)
from sitegen.services import HOSTS, SERVICES

STATIONS_FILE = "stations.yaml"
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
MAX_ID = 64
MAX_NAME = 60
LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
MOBILE = re.compile(r"1[3-9]\d{9}")
# The maps linked from station pages are Chinese; a point outside this box is a typo.
CHINA_LAT = (3.8, 53.6)
CHINA_LNG = (73.5, 135.1)

TOP_FIELDS = ("coordinates", "stations")


@dataclass(frozen=True)
class Station:
    """One rest station; lat/lng are as written, in the file's coordinate system."""

    id: str
    name: str
    address: str
    town: str
    lat: float
    lng: float
    hours: WeekHours
    services: tuple[str, ...]
    phone: str
    host: str
    line: int

    def gcj02(self, coordinates: str) -> tuple[float, float]:
        """The station's position in GCJ-02, given the system the file is written in."""
        return to_gcj02(self.lat, self.lng, coordinates)

    def wgs84(self, coordinates: str) -> tuple[float, float]:
        """The station's position in WGS-84, given the system the file is written in."""
        return to_wgs84(self.lat, self.lng, coordinates)


@dataclass(frozen=True)
class StationsFile:
    """The contents of a valid stations.yaml."""

    coordinates: str
    stations: tuple[Station, ...]


def read_stations(root: Path) -> tuple[StationsFile | None, list[Problem]]:
    """Load root/stations.yaml; return it (None if anything is wrong) and every problem found."""
    report = FileReport(STATIONS_FILE)
    missing = "找不到这个文件：网站需要在 lessons/ 旁边有一个 stations.yaml"
    parsed, data = read_yaml_file(root / STATIONS_FILE, report, missing)
    if not parsed:
        return None, report.problems
    if not isinstance(data, dict):
        found = "是空的" if data is None else f"里是{kind_of(data)}"
        report.at_line(1, f"stations.yaml {found}：文件要以 'coordinates: gcj02'（或 wgs84）和 'stations:' 两行开头")
        return None, report.problems

    report.check_keys(data, TOP_FIELDS, TOP_FIELDS, "stations.yaml ")
    coordinates = read_coordinates(data, report)
    entries = read_entries(data, "stations", "驿站", STATION_FIELDS, report)
    stations = tuple(Station(**values) for values in entries)
    if report.problems or coordinates is None:
        return None, report.problems
    return StationsFile(coordinates, stations), []


def read_coordinates(data: dict, report: FileReport) -> str | None:
    """The file's coordinate system from its `coordinates:` line; None (reported) if it is wrong."""
    if "coordinates" not in data:
        return None
    value = data["coordinates"]
    if value not in COORDINATE_SYSTEMS:
        report.at_value(
            data,
            "coordinates",
            f"coordinates 只能写 wgs84（手机定位给的）或 gcj02（高德、腾讯地图上取的点），这里是{kind_of(value)}",
        )
        return None
    return value


Fields = dict[str, Callable[[dict, str, FileReport], Any]]


def read_entries(data: dict, key: str, noun: str, fields: Fields, report: FileReport) -> list[dict[str, Any]]:
    """Read the list under `key` (stations, branches …), each entry with `fields`, ids unique.

    Return each valid entry's values (location split into lat and lng, with its line); report
    every problem, naming an entry by `noun` (驿站, 支部 …)."""
    if key not in data:
        return []
    entries = data[key]
    if not isinstance(entries, list):
        report.at_value(data, key, f"{key} 下面要列出{noun}，每个{noun}以 '  - id: ...' 开头，这里是{kind_of(entries)}")
        return []
    if not entries:
        report.at_value(data, key, f"{key} 是空的：至少列出一个{noun}（以 '  - id: ...' 开头）")
        return []
    valid = []
    first_line_of: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            report.at_item(
                entries, index, f"每个{noun}要写成一组字段（id: ...、name: ... 等，每行一个），这里是{kind_of(entry)}"
            )
            continue
        before = len(report.problems)
        values = _entry(entry, entries, index, noun, fields, report)
        entry_id = entry.get("id")
        if isinstance(entry_id, str):
            if entry_id in first_line_of:
                first = first_line_of[entry_id]
                report.at_value(
                    entry, "id", f"id '{entry_id}' 重复了（第 {first} 行已经用过）：每个{noun}的 id 都要不同"
                )
            else:
                first_line_of[entry_id] = report.key_line(entry, "id")
        if len(report.problems) == before and values is not None:
            valid.append(values)
    return valid


def _entry(entry: dict, entries: list, index: int, noun: str, fields: Fields, report: FileReport) -> dict | None:
    report.check_keys(entry, fields, fields, f"第 {index + 1} 个{noun}")
    values = {key: read(entry, key, report) for key, read in fields.items() if key in entry}
    if len(values) < len(fields) or any(value is None for value in values.values()):
        return None
    lat, lng = values.pop("location")
    return {**values, "lat": lat, "lng": lng, "line": report.item_line(entries, index)}


def text_field(entry: dict, key: str, report: FileReport, max_length: int | None = None, check=None) -> str | None:
    """A required text field, trimmed; None (reported) if empty, not text, too long or refused by `check`."""
    value = entry[key]
    if value is None:
        report.at_value(entry, key, f"{key} 不能是空的：在 '{key}:' 后面空一格写上内容")
        return None
    if not isinstance(value, str):
        hint = '：电话号码要加英文引号，例如 "0557-7021234"' if key == "phone" and isinstance(value, int) else ""
        report.at_value(entry, key, f"{key} 要写文字，这里是{kind_of(value)}{hint}")
        return None
    value = value.strip()
    if not value:
        report.at_value(entry, key, f"{key} 不能是空的：在 '{key}:' 后面空一格写上内容")
        return None
    if max_length is not None and len(value) > max_length:
        report.at_value(entry, key, f"{key} 有 {len(value)} 个字，太长了：最多 {max_length} 个字")
        return None
    message = check(value) if check else None
    if message:
        report.at_value(entry, key, message)
        return None
    return value


def check_id(value: str) -> str | None:
    """Why `value` cannot be an id (lowercase letters, digits, single hyphens); None if it can."""
    if SLUG.fullmatch(value):
        return None
    return (
        f"id '{value}' 只能用小写英文字母 a-z、数字 0-9 和单个连字符 -（例如 hongqi-first-street）"
        + full_width_hint(value)
    )


def _check_phone(value: str) -> str | None:
    digits = "".join(value.split())
    if LANDLINE.fullmatch(digits) or MOBILE.fullmatch(digits):
        return None
    return (
        f"电话 '{value}' 既不像固定电话（例如 0557-7021234）也不像 11 位手机号（例如 13912345678）：请核对"
        + full_width_hint(value)
    )


def _check_host(value: str) -> str | None:
    if value in HOSTS:
        return None
    hint = full_width_hint(value) or did_you_mean(value, HOSTS) or "（可以写：" + ", ".join(HOSTS) + "）"
    return f"host 不能写 '{value}'{hint}"


def phone_field(entry: dict, key: str, report: FileReport) -> str | None:
    """A landline or mobile number, spaces removed; None (reported) if it is neither."""
    phone = text_field(entry, key, report, check=_check_phone)
    # Editors group digits with spaces for reading; dialling wants them gone.
    return "".join(phone.split()) if phone else None


def location_field(entry: dict, key: str, report: FileReport) -> tuple[float, float] | None:
    """`{lat, lng}` in China, as (lat, lng); None (reported) if swapped, out of range or abroad."""
    location = entry[key]
    if not isinstance(location, dict):
        example = "{lat: 33.4772, lng: 117.8912}"
        report.at_value(entry, key, f"location 要写成 {example} 这样（纬度 lat、经度 lng），这里是{kind_of(location)}")
        return None
    report.check_keys(location, ("lat", "lng"), ("lat", "lng"), "location ")
    lat, lng = _number(location, "lat", report), _number(location, "lng", report)
    if lat is None or lng is None:
        return None
    in_china = CHINA_LAT[0] <= lat <= CHINA_LAT[1] and CHINA_LNG[0] <= lng <= CHINA_LNG[1]
    if not in_china and CHINA_LAT[0] <= lng <= CHINA_LAT[1] and CHINA_LNG[0] <= lat <= CHINA_LNG[1]:
        report.at_key(
            entry,
            "location",
            f"lat 和 lng 好像写反了（lat {lat}，lng {lng}）：纬度 lat 在前，约 3–54；经度 lng 约 73–135",
        )
        return None
    limits = (("lat", 90), ("lng", 180))
    out_of_range = [(axis, limit) for axis, limit in limits if not -limit <= location[axis] <= limit]
    for axis, limit in out_of_range:
        report.at_value(location, axis, f"{axis} {location[axis]} 超出了范围（-{limit} 到 {limit}）")
    if out_of_range:
        return None
    if not in_china:
        report.at_key(entry, "location", f"位置（{lat}, {lng}）在中国境外：这里的地图只覆盖中国，请核对经纬度")
        return None
    if set(location) != {"lat", "lng"}:
        return None
    return float(lat), float(lng)


def _number(location: dict, key: str, report: FileReport) -> float | None:
    if key not in location:
        return None
    value = location[key]
    if not is_number(value):
        report.at_value(location, key, f"{key} 要写度数（不加引号的数字，例如 33.4772），这里是{kind_of(value)}")
        return None
    return value


def _hours(entry: dict, key: str, report: FileReport) -> WeekHours | None:
    value = entry[key]
    try:
        return parse_hours(value)
    except HoursError as error:
        for day_key, index, message in error.errors:
            day_value = value if day_key is None else value[day_key]
            if index is not None:
                report.at_item(day_value, index, message)
            elif day_key is None:
                report.at_key(entry, key, message)
            else:
                report.at_key(value, day_key, message)
        return None


def _services(entry: dict, key: str, report: FileReport) -> tuple[str, ...] | None:
    services = entry[key]
    if not isinstance(services, list):
        report.at_value(entry, key, f"services 要写成列表，例如 [rest, water]，这里是{kind_of(services)}")
        return None
    if not services:
        report.at_value(entry, key, "services 是空的：至少写一项，例如 [rest, water]")
        return None
    ok = True
    seen: set[str] = set()
    for index, service in enumerate(services):
        if not isinstance(service, str):
            report.at_item(services, index, f"每项服务要写它的英文名，例如 water，这里是{kind_of(service)}")
            ok = False
        elif service not in SERVICES:
            hint = full_width_hint(service) or did_you_mean(service, SERVICES) or f"（可以写：{', '.join(SERVICES)}）"
            report.at_item(services, index, f"没有 '{service}' 这项服务{hint}")
            ok = False
        elif service in seen:
            report.at_item(services, index, f"服务 '{service}' 写了两次：删掉一个")
            ok = False
        else:
            seen.add(service)
    return tuple(services) if ok else None


# The schema of one station: every field is required, and each has the reader that validates it.
STATION_FIELDS: Fields = {
    "id": partial(text_field, max_length=MAX_ID, check=check_id),
    "name": partial(text_field, max_length=MAX_NAME),
    "address": text_field,
    "town": text_field,
    "location": location_field,
    "hours": _hours,
    "services": _services,
    "phone": phone_field,
    "host": partial(text_field, check=_check_host),
}
