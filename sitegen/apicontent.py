"""What the build hands the API: the ids of the stations and teams (with names) and lessons it built."""

from __future__ import annotations

from pathlib import Path

from sitegen.content import Content
from sitegen.formdefs import CONTENT_IDS_FILE, ContentIds, write_content_ids


def content_ids_of(content: Content) -> ContentIds:
    """Return the ids a submission may name: every station, every published lesson (no drafts), every team."""
    return ContentIds(
        {station.id: station.name for station in content.stations},
        frozenset(lesson.slug for lesson in content.lessons),
        teams={team.id: team.name for team in content.teams},
    )


def hand_over_content_ids(content: Content, path: Path = CONTENT_IDS_FILE) -> None:
    """Write the content's ids where the API reads them (by default into the functions package)."""
    write_content_ids(content_ids_of(content), path)
