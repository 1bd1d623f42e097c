"""The one entry point to the site's content: lessons/, stations.yaml, branches.yaml and
activities/, loaded and validated together."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from sitegen.activities import Activity, read_activities
from sitegen.branches import Branch, read_branches
from sitegen.lessons import Lesson, read_lessons
from sitegen.problems import ContentError, Problem
from sitegen.stations import Station, read_stations


@dataclass(frozen=True)
class Content:
    """Everything the site is built from, valid by construction."""

    lessons: tuple[Lesson, ...]
    drafts: tuple[str, ...]
    stations: tuple[Station, ...]
    coordinates: str
    branches: tuple[Branch, ...] = ()
    activities: tuple[Activity, ...] = ()  # by start time


def check_content(root: Path) -> tuple[Content | None, list[Problem]]:
    """Load and validate lessons/, stations.yaml, branches.yaml and activities/ under root; every
    problem in one pass."""
    root = Path(root)
    lessons, lesson_problems = read_lessons(root)
    stations_file, station_problems = read_stations(root)
    branches, branch_problems = read_branches(root)
    # With stations.yaml or branches.yaml broken, an activity's place there cannot be checked
    # until the file is fixed.
    station_ids = None if stations_file is None else {station.id for station in stations_file.stations}
    branch_ids = None if branch_problems else {branch.id for branch in branches}
    activities, activity_problems = read_activities(root, station_ids, branch_ids)
    problems = sorted(lesson_problems + station_problems + branch_problems + activity_problems)
    if problems or stations_file is None:
        return None, problems
    published = sorted((lesson for lesson in lessons if not lesson.draft), key=_reading_order)
    drafts = tuple(sorted(lesson.slug for lesson in lessons if lesson.draft))
    content = Content(
        tuple(published), drafts, stations_file.stations, stations_file.coordinates, branches, tuple(activities)
    )
    return content, []


def load_content(root: Path) -> Content:
    """Load the content under root, or raise ContentError listing every problem."""
    content, problems = check_content(root)
    if content is None:
        raise ContentError(problems)
    return content


def _reading_order(lesson: Lesson) -> tuple[int, int, str]:
    # Explicit order first; then newest first; undated lessons after dated ones.
    newest_first = -lesson.date.toordinal() if lesson.date else 0
    return (sys.maxsize if lesson.order is None else lesson.order, newest_first, lesson.slug)
