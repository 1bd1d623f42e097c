"""The Atom feed of new lessons and activities, for the official account's editor and any reader."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

from sitegen.content import Content
from sitegen.hours import CHINA_TIME
from sitegen.pages import when_zh

ATOM = "http://www.w3.org/2005/Atom"
FEED_FILE = "feed.xml"
# Enough for a reader that checks daily or weekly; the lists on the site have the rest.
MAX_ENTRIES = 50


def atom_feed(content: Content, site_url: str, title: str, author: str) -> bytes:
    """The feed: dated lessons (by their date) and activities (by their start), newest first.
    A lesson without a `date:` has no moment it was new, so it is left out."""
    entries = [
        (
            datetime.datetime.combine(lesson.date, datetime.time(), CHINA_TIME),
            f"{site_url}lessons/{lesson.slug}/",
            lesson.title,
            lesson.summary or f"微课堂 · 约 {lesson.minutes} 分钟",
        )
        for lesson in content.lessons
        if lesson.date
    ]
    entries += [
        (
            activity.start,
            f"{site_url}activities/{activity.id}/",
            activity.title,
            f"{activity.kind_label} · {when_zh(activity)} · {activity.organiser}",
        )
        for activity in content.activities
    ]
    entries.sort(key=lambda entry: entry[0], reverse=True)
    entries = entries[:MAX_ENTRIES]

    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "zh-CN"})
    _text(feed, "id", site_url)
    _text(feed, "title", title)
    newest = entries[0][0] if entries else datetime.datetime(2000, 1, 1, tzinfo=CHINA_TIME)
    _text(feed, "updated", newest.isoformat())
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = author
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": f"{site_url}{FEED_FILE}"})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": site_url})
    for updated, url, entry_title, summary in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        # The page's address never changes for a lesson or an activity: a stable id.
        _text(entry, "id", url)
        _text(entry, "title", entry_title)
        _text(entry, "updated", updated.isoformat())
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": url})
        _text(entry, "summary", summary)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(parent: ET.Element, name: str, text: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{name}").text = text
