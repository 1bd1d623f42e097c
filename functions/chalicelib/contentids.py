"""The site's content as the API knows it: station and branch ids with their names, lesson ids, activities.

The build writes this file into chalicelib/ (`python build.py`, and `build.py serve`), so
Chalice packages it with the function: a deploy hands over the ids of the content it was
built from. CONTENT_IDS_FILE names another file (the tests hand the app their own).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

CONTENT_IDS_FILE = Path(__file__).with_name("content-ids.json")
CONTENT_IDS_VARIABLE = "CONTENT_IDS_FILE"


@dataclass(frozen=True)
class ContentIds:
    """The stations (id → name as the site shows it), lessons and activities a submission may name,
    and the branches (id → name) staff may assign a member to."""

    stations: dict[str, str] = field(default_factory=dict)
    lessons: frozenset[str] = frozenset()
    branches: dict[str, str] = field(default_factory=dict)
    # Per activity id: title, kind, start, end, capacity, deadline, online, link, station, branch.
    activities: dict[str, dict] = field(default_factory=dict)

    def to_json(self) -> str:
        """Return the file's text: stations and branches in the content's order, lessons sorted."""
        body = {
            "stations": self.stations,
            "lessons": sorted(self.lessons),
            "branches": self.branches,
            "activities": self.activities,
        }
        return json.dumps(body, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ContentIds:
        """Return the ids a file written by to_json() holds; parts a part older file lacks are empty."""
        body = json.loads(text)
        return cls(
            dict(body["stations"]),
            frozenset(body["lessons"]),
            branches=dict(body.get("branches", {})),
            activities=dict(body.get("activities", {})),
        )


def content_ids_path() -> Path:
    """Return the file the API reads: CONTENT_IDS_FILE if set, else the one packaged beside this module."""
    return Path(os.environ.get(CONTENT_IDS_VARIABLE) or CONTENT_IDS_FILE)


def read_content_ids(path: Path) -> ContentIds:
    """Return the content ids in `path`; refuse to go on without them rather than accept any id."""
    try:
        return ContentIds.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuntimeError(
            f"{path} is missing: build the site (python build.py) before running or deploying the API, "
            f"or name the file in {CONTENT_IDS_VARIABLE}"
        ) from None


def write_content_ids(ids: ContentIds, path: Path) -> None:
    """Write the ids to `path` at once, so an API reading it never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False) as file:
        file.write(ids.to_json())
    os.replace(file.name, path)
