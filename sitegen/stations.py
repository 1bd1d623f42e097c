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
from sitegen.problems import FileReport, Problem, did_you_mean, is_number, kind_of, read_text
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
    path = root / STATIONS_FILE
    if not path.is_file():
        report.at_line(1, "file not found: the site needs a stations.yaml next to lessons/")
        return None, report.problems
    text = read_text(path, report)
    if text is None:
        return None, report.problems
    parsed, data = report.parse_yaml(text)
    if not parsed:
        return None, report.problems
    if not isinstance(data, dict):
        found = "is empty" if data is None else f"holds {kind_of(data)}"
        report.at_line(1, f"stations.yaml {found}; it must start with 'coordinates:' and 'stations:'")
        return None, report.problems

    report.check_keys(data, TOP_FIELDS, TOP_FIELDS, "stations.yaml")
    coordinates = _coordinates(data, report)
    stations = _stations(data, report)
    if report.problems or coordinates is None:
        return None, report.problems
    return StationsFile(coordinates, stations), []


def _coordinates(data: dict, report: FileReport) -> str | None:
    if "coordinates" not in data:
        return None
    value = data["coordinates"]
    if value not in COORDINATE_SYSTEMS:
        known = ", ".join(COORDINATE_SYSTEMS)
        report.at_value(data, "coordinates", f"coordinates must be one of {known}, not {kind_of(value)}")
        return None
    return value


def _stations(data: dict, report: FileReport) -> tuple[Station, ...]:
    if "stations" not in data:
        return ()
    entries = data["stations"]
    if not isinstance(entries, list):
        report.at_value(data, "stations", f"stations must be a list of stations, not {kind_of(entries)}")
        return ()
    if not entries:
        report.at_value(data, "stations", "stations is empty; list at least one station")
        return ()
    stations = []
    first_line_of: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            report.at_item(entries, index, f"each station must be a mapping (id:, name:, ...), not {kind_of(entry)}")
            continue
        before = len(report.problems)
        station = _station(entry, entries, index, report)
        station_id = entry.get("id")
        if isinstance(station_id, str):
            if station_id in first_line_of:
                first = first_line_of[station_id]
                report.at_value(entry, "id", f"duplicate id '{station_id}' (first used on line {first})")
            else:
                first_line_of[station_id] = report.key_line(entry, "id")
        if len(report.problems) == before and station is not None:
            stations.append(station)
    return tuple(stations)


def _station(entry: dict, entries: list, index: int, report: FileReport) -> Station | None:
    report.check_keys(entry, STATION_FIELDS, STATION_FIELDS, f"station #{index + 1}")
    values = {key: read(entry, key, report) for key, read in STATION_FIELDS.items() if key in entry}
    if len(values) < len(STATION_FIELDS) or any(value is None for value in values.values()):
        return None
    lat, lng = values.pop("location")
    return Station(**values, lat=lat, lng=lng, line=report.item_line(entries, index))


def _text(entry: dict, key: str, report: FileReport, max_length: int | None = None, check=None) -> str | None:
    value = entry[key]
    if value is None:
        report.at_value(entry, key, f"{key} must not be empty")
        return None
    if not isinstance(value, str):
        hint = ' (put it in quotes, e.g. "0557-7021234")' if key == "phone" and isinstance(value, int) else ""
        report.at_value(entry, key, f"{key} must be text, not {kind_of(value)}{hint}")
        return None
    value = value.strip()
    if not value:
        report.at_value(entry, key, f"{key} must not be empty")
        return None
    if max_length is not None and len(value) > max_length:
        report.at_value(entry, key, f"{key} is {len(value)} characters long; keep it to {max_length}")
        return None
    message = check(value) if check else None
    if message:
        report.at_value(entry, key, message)
        return None
    return value


def _check_id(value: str) -> str | None:
    if SLUG.fullmatch(value):
        return None
    return f"id '{value}' may only use a-z, 0-9 and single hyphens between them (e.g. hongqi-first-street)"


def _check_phone(value: str) -> str | None:
    digits = "".join(value.split())
    if LANDLINE.fullmatch(digits) or MOBILE.fullmatch(digits):
        return None
    return f"phone '{value}' is neither a landline like 0557-7021234 nor an 11-digit mobile number"


def _check_host(value: str) -> str | None:
    if value in HOSTS:
        return None
    return f"unknown host '{value}'{did_you_mean(value, HOSTS) or ' (known: ' + ', '.join(HOSTS) + ')'}"


def _phone(entry: dict, key: str, report: FileReport) -> str | None:
    phone = _text(entry, key, report, check=_check_phone)
    # Editors group digits with spaces for reading; dialling wants them gone.
    return "".join(phone.split()) if phone else None


def _location(entry: dict, key: str, report: FileReport) -> tuple[float, float] | None:
    location = entry[key]
    if not isinstance(location, dict):
        example = "{lat: 33.4772, lng: 117.8912}"
        report.at_value(entry, key, f"location must be a mapping like {example}, not {kind_of(location)}")
        return None
    report.check_keys(location, ("lat", "lng"), ("lat", "lng"), "location")
    lat, lng = _number(location, "lat", report), _number(location, "lng", report)
    if lat is None or lng is None:
        return None
    in_china = CHINA_LAT[0] <= lat <= CHINA_LAT[1] and CHINA_LNG[0] <= lng <= CHINA_LNG[1]
    if not in_china and CHINA_LAT[0] <= lng <= CHINA_LAT[1] and CHINA_LNG[0] <= lat <= CHINA_LNG[1]:
        report.at_key(entry, "location", f"lat and lng look swapped (lat {lat}, lng {lng})")
        return None
    limits = (("lat", 90), ("lng", 180))
    out_of_range = [(axis, limit) for axis, limit in limits if not -limit <= location[axis] <= limit]
    for axis, limit in out_of_range:
        report.at_value(location, axis, f"{axis} {location[axis]} is out of range (-{limit} to {limit})")
    if out_of_range:
        return None
    if not in_china:
        report.at_key(entry, "location", f"location ({lat}, {lng}) is outside China; the maps here only cover China")
        return None
    if set(location) != {"lat", "lng"}:
        return None
    return float(lat), float(lng)


def _number(location: dict, key: str, report: FileReport) -> float | None:
    if key not in location:
        return None
    value = location[key]
    if not is_number(value):
        report.at_value(location, key, f"{key} must be a number of degrees, not {kind_of(value)}")
        return None
    return value


def _hours(entry: dict, key: str, report: FileReport) -> WeekHours | None:
    value = entry[key]
    try:
        return parse_hours(value)
    except HoursError as error:
        for day_key, message in error.errors:
            if day_key is None:
                report.at_key(entry, key, message)
            else:
                report.at_key(value, day_key, message)
        return None


def _services(entry: dict, key: str, report: FileReport) -> tuple[str, ...] | None:
    services = entry[key]
    if not isinstance(services, list):
        report.at_value(entry, key, f"services must be a list like [rest, water], not {kind_of(services)}")
        return None
    if not services:
        report.at_value(entry, key, "services is empty; list at least one, e.g. [rest, water]")
        return None
    ok = True
    seen: set[str] = set()
    for index, service in enumerate(services):
        if not isinstance(service, str):
            report.at_item(services, index, f"each service must be a name like water, not {kind_of(service)}")
            ok = False
        elif service not in SERVICES:
            hint = did_you_mean(service, SERVICES) or f" (known: {', '.join(SERVICES)})"
            report.at_item(services, index, f"unknown service '{service}'{hint}")
            ok = False
        elif service in seen:
            report.at_item(services, index, f"service '{service}' is listed twice")
            ok = False
        else:
            seen.add(service)
    return tuple(services) if ok else None


# The schema of one station: every field is required, and each has the reader that validates it.
STATION_FIELDS: dict[str, Callable[[dict, str, FileReport], Any]] = {
    "id": partial(_text, max_length=MAX_ID, check=_check_id),
    "name": partial(_text, max_length=MAX_NAME),
    "address": _text,
    "town": _text,
    "location": _location,
    "hours": _hours,
    "services": _services,
    "phone": _phone,
    "host": partial(_text, check=_check_host),
}
