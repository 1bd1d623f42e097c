"""An activity as an iCalendar (.ics) file, so a member can add it to the phone's calendar."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import icalendar

from sitegen.activities import Activity


def activity_calendar(activity: Activity, page_url: str, place: str, revised: datetime.datetime) -> bytes:
    """The .ics file of one activity: its page's address, place and times in UTC (every calendar
    app shows them in the phone's own time, without a time zone definition to carry). `revised`
    is when the activity was last changed (its DTSTAMP)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Sanwei//activities//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    event = icalendar.Event()
    # The same activity keeps the same UID, so adding it again updates the entry, not doubles it.
    event.add("uid", f"activity-{activity.id}@{urlsplit(page_url).hostname}")
    event.add("dtstamp", revised.astimezone(datetime.UTC).replace(microsecond=0))
    event.add("dtstart", activity.start.astimezone(datetime.UTC))
    event.add("dtend", activity.end.astimezone(datetime.UTC))
    event.add("summary", activity.title)
    event.add("location", place)
    event.add("description", f"{activity.kind_label} · {activity.organiser}\n{page_url}")
    event.add("url", page_url)
    calendar.add_component(event)
    return calendar.to_ical()
