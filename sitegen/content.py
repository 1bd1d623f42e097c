"""The one entry point to the site's content: lessons/, stations.yaml and activities/, loaded and validated together."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from sitegen.activities import Activity, read_activities
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
    activities: tuple[Activity, ...] = ()  # by start time


def check_content(root: Path) -> tuple[Content | None, list[Problem]]:
    """Load and validate lessons/, stations.yaml and activities/ under root; every problem in one pass."""
    root = Path(root)
    lessons, lesson_problems = read_lessons(root)
    stations_file, station_problems = read_stations(root)
    # With stations.yaml broken, an activity's station id cannot be checked until it is fixed.
    station_ids = None if stations_file is None else {station.id for station in stations_file.stations}
    activities, activity_problems = read_activities(root, station_ids, branches=())
    problems = sorted(lesson_problems + station_problems + activity_problems)
    if problems or stations_file is None:
        return None, problems
    published = sorted((lesson for lesson in lessons if not lesson.draft), key=_reading_order)
    drafts = tuple(sorted(lesson.slug for lesson in lessons if lesson.draft))
    return (
        Content(tuple(published), drafts, stations_file.stations, stations_file.coordinates, tuple(activities)),
        [],
    )


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
