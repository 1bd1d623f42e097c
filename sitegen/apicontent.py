"""What the build hands the API: the ids of the stations and branches (with names), lessons and
activities it built."""

from __future__ import annotations

from pathlib import Path

from sitegen.activities import Activity, china_time
from sitegen.content import Content
from sitegen.formdefs import CONTENT_IDS_FILE, ContentIds, write_content_ids


def content_ids_of(content: Content) -> ContentIds:
    """Return the ids the API checks: every station, every published lesson (no drafts), every
    branch, every activity with what the API needs to take its sign-ups and attendance."""
    return ContentIds(
        {station.id: station.name for station in content.stations},
        frozenset(lesson.slug for lesson in content.lessons),
        branches={branch.id: branch.name for branch in content.branches},
        activities={activity.id: activity_for_api(activity) for activity in content.activities},
    )


def activity_for_api(activity: Activity) -> dict:
    """An activity as the API reads it: times in China time, its capacity and place."""
    return {
        "title": activity.title,
        "kind": activity.kind,
        "start": china_time(activity.start),
        "end": china_time(activity.end),
        "capacity": activity.capacity,
        "deadline": china_time(activity.deadline) if activity.deadline else None,
        "online": activity.place.online,
        "link": activity.place.link,
        "station": activity.place.station,
        "branch": activity.place.branch,
    }


def hand_over_content_ids(content: Content, path: Path = CONTENT_IDS_FILE) -> None:
    """Write the content's ids where the API reads them (by default into the functions package)."""
    write_content_ids(content_ids_of(content), path)
