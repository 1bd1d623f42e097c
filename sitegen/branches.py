"""Read and validate branches.yaml: the organisations a member can take part in near where they work."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sitegen.geo import to_gcj02
from sitegen.problems import FileReport, Problem, did_you_mean, full_width_hint, kind_of, read_yaml_file
from sitegen.stations import (
    MAX_ID,
    MAX_NAME,
    Fields,
    check_id,
    location_field,
    phone_field,
    read_coordinates,
    read_entries,
    text_field,
)

BRANCHES_FILE = "branches.yaml"
# Where organisation life meets, in an editor's own words ("每月第一个星期五 19:30，主题党日").
MAX_MEETS = 80
# A branch is organised where members work or live: a company, a neighbourhood, an office
# building, or a platform (the delivery and ride-hailing companies riders work through).
KINDS = {"enterprise": "企业支部", "community": "社区支部", "building": "楼宇支部", "platform": "平台支部"}

TOP_FIELDS = ("coordinates", "branches")


@dataclass(frozen=True)
class Branch:
    """One branch; lat/lng are as written, in the file's coordinate system `coordinates`."""

    id: str
    name: str
    kind: str
    town: str
    address: str
    lat: float
    lng: float
    phone: str
    meets: str
    coordinates: str
    line: int

    @property
    def kind_zh(self) -> str:
        """The branch's kind as members read it (企业支部 …)."""
        return KINDS[self.kind]

    def gcj02(self) -> tuple[float, float]:
        """The branch's position in GCJ-02, the system the map links take."""
        return to_gcj02(self.lat, self.lng, self.coordinates)


def read_branches(root: Path) -> tuple[tuple[Branch, ...], list[Problem]]:
    """Load root/branches.yaml if there is one; return its branches (none if anything is wrong)
    and every problem found. A site without the file has no branches."""
    path = root / BRANCHES_FILE
    if not path.exists():
        return (), []
    report = FileReport(BRANCHES_FILE)
    parsed, data = read_yaml_file(path, report, "找不到这个文件")
    if not parsed:
        return (), report.problems
    if not isinstance(data, dict):
        found = "是空的" if data is None else f"里是{kind_of(data)}"
        report.at_line(1, f"branches.yaml {found}：文件要以 'coordinates: gcj02'（或 wgs84）和 'branches:' 两行开头")
        return (), report.problems

    report.check_keys(data, TOP_FIELDS, TOP_FIELDS, "branches.yaml ")
    coordinates = read_coordinates(data, report)
    entries = read_entries(data, "branches", "支部", BRANCH_FIELDS, report)
    if report.problems or coordinates is None:
        return (), report.problems
    return tuple(Branch(**values, coordinates=coordinates) for values in entries), []


def _check_kind(value: str) -> str | None:
    if value in KINDS:
        return None
    choices = "、".join(f"{key}（{label}）" for key, label in KINDS.items())
    hint = full_width_hint(value) or did_you_mean(value, KINDS) or f"（可以写：{choices}）"
    return f"kind 不能写 '{value}'{hint}"


# The schema of one branch: every field is required; the shared ones read as a station's do.
BRANCH_FIELDS: Fields = {
    "id": partial(text_field, max_length=MAX_ID, check=check_id),
    "name": partial(text_field, max_length=MAX_NAME),
    "kind": partial(text_field, check=_check_kind),
    "town": text_field,
    "address": text_field,
    "location": location_field,
    "phone": phone_field,
    "meets": partial(text_field, max_length=MAX_MEETS),
}
