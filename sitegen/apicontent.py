"""What the build hands the API: the ids of the stations, lessons and branches it built, with their names."""

from __future__ import annotations

from pathlib import Path

from sitegen.content import Content
from sitegen.formdefs import CONTENT_IDS_FILE, ContentIds, write_content_ids


def content_ids_of(content: Content) -> ContentIds:
    """Return the ids the API checks: every station, every published lesson (no drafts), every branch."""
    return ContentIds(
        {station.id: station.name for station in content.stations},
        {lesson.slug: lesson.title for lesson in content.lessons},
        branches={branch.id: branch.name for branch in content.branches},
    )


def hand_over_content_ids(content: Content, path: Path = CONTENT_IDS_FILE) -> None:
    """Write the content's ids where the API reads them (by default into the functions package)."""
    write_content_ids(content_ids_of(content), path)
