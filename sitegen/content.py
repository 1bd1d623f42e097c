"""The one entry point to the site's content: lessons/, stations.yaml and teams.yaml, loaded and validated together."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from sitegen.lessons import Lesson, read_lessons
from sitegen.problems import ContentError, Problem
from sitegen.stations import Station, read_stations
from sitegen.teams import Team, read_teams


@dataclass(frozen=True)
class Content:
    """Everything the site is built from, valid by construction."""

    lessons: tuple[Lesson, ...]
    drafts: tuple[str, ...]
    stations: tuple[Station, ...]
    coordinates: str
    teams: tuple[Team, ...] = ()


def check_content(root: Path) -> tuple[Content | None, list[Problem]]:
    """Load and validate lessons/ and stations.yaml under root; every problem in one pass."""
    root = Path(root)
    lessons, lesson_problems = read_lessons(root)
    stations_file, station_problems = read_stations(root)
    teams, team_problems = read_teams(root)
    problems = sorted(lesson_problems + station_problems + team_problems)
    if problems or stations_file is None:
        return None, problems
    published = sorted((lesson for lesson in lessons if not lesson.draft), key=_reading_order)
    drafts = tuple(sorted(lesson.slug for lesson in lessons if lesson.draft))
    content = Content(tuple(published), drafts, stations_file.stations, stations_file.coordinates, teams=teams)
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
