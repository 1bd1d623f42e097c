"""The office's numbers, counted from the by_day index: members, study, check-ins and requests."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from chalicelib.dayindex import DayIndex, Filter, days_between
from chalicelib.jsonable import plain
from chalicelib.store import parse_timestamp
from chalicelib.workflow import STATUSES, resolved_at


def counted(counter: Mapping[str, int], order: Iterable[str] | None = None) -> list[dict]:
    """Return counts as [{key, count}], biggest first, or in the given order (zeros kept)."""
    if order is not None:
        return [{"key": key, "count": counter.get(key, 0)} for key in order]
    return [{"key": key, "count": count} for key, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def week_of(day: date) -> date:
    """Return the Monday of a day's week."""
    return day - timedelta(days=day.weekday())


def _day_of(item: Mapping) -> str:
    return item["day_key"].split("#")[1]


def count_registrations(items: Iterable[Mapping], day_from: date, day_to: date) -> dict:
    """Return members registered, with a liaison, by source tag and by week."""
    by_source: Counter[str] = Counter()
    by_week: Counter[str] = Counter()
    with_liaison = 0
    for item in items:
        by_source[item.get("data", {}).get("source", "")] += 1
        by_week[week_of(date.fromisoformat(_day_of(item))).isoformat()] += 1
        with_liaison += "liaison" in item
    weeks = sorted({week_of(day).isoformat() for day in days_between(day_from, day_to)})
    return {
        "total": sum(by_source.values()),
        "with_liaison": with_liaison,
        "by_source": counted(by_source),
        "by_week": counted(by_week, weeks),
    }


def count_by(items: Iterable[Mapping], field: str, day_from: date, day_to: date) -> dict:
    """Return events (study marks, check-ins) in total, by a data field and by day."""
    by_value: Counter[str] = Counter()
    by_day: Counter[str] = Counter()
    for item in items:
        by_value[item.get("data", {}).get(field, "")] += 1
        by_day[_day_of(item)] += 1
    days = [day.isoformat() for day in days_between(day_from, day_to)]
    return {"total": sum(by_day.values()), f"by_{field}": counted(by_value), "by_day": counted(by_day, days)}


def count_requests(items: Iterable[Mapping]) -> dict:
    """Return requests by status, and the median hours from submission to (last) resolution."""
    by_status: Counter[str] = Counter()
    hours = []
    for item in items:
        by_status[item["status"]] += 1
        resolved = resolved_at(plain(item.get("history", []))) if item["status"] == "resolved" else None
        if resolved is not None:
            seconds = (parse_timestamp(resolved) - parse_timestamp(item["created_at"])).total_seconds()
            hours.append(seconds / 3600)
    return {
        "total": sum(by_status.values()),
        "by_status": counted(by_status, STATUSES),
        "resolved": len(hours),
        "median_hours_to_resolve": round(statistics.median(hours), 1) if hours else None,
    }


def collect_stats(
    day_index: DayIndex,
    shards: int,
    day_from: date,
    day_to: date,
    station_filter: Filter | None,
    members: bool,
) -> dict:
    """Return the numbers for the office days: member sections only when `members`, stations filtered."""
    stats: dict = {"from": day_from.isoformat(), "to": day_to.isoformat()}
    if members:
        registrations = day_index.gather(
            "registration", day_from, day_to, shards, ("day_key", "data.source", "liaison.name")
        )
        stats["registrations"] = count_registrations(registrations, day_from, day_to)
        study = day_index.gather("study", day_from, day_to, shards, ("day_key", "data.lesson"))
        stats["study"] = count_by(study, "lesson", day_from, day_to)
    checkins = day_index.gather("checkin", day_from, day_to, shards, ("day_key", "data.station"), station_filter)
    stats["checkins"] = count_by(checkins, "station", day_from, day_to)
    requests = day_index.gather(
        "request", day_from, day_to, shards, ("day_key", "created_at", "status", "history"), station_filter
    )
    stats["requests"] = count_requests(requests)
    return stats
