"""The office's report: the figures it publishes for a period, each beside the period before.

Every figure is counted from the by_day index (one Query per office day and shard, with a
projection of just what is counted), over the period and over the same number of days just
before it. Figures about members describe the members who returned in the period, as they
stand now: "paired with a liaison" counts those of them who have one today, and so on.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta

from chalicelib.activities import WAITING
from chalicelib.contentids import ContentIds
from chalicelib.dayindex import DayIndex, days_between
from chalicelib.dynamo import attendance_day_key, signups_day_key
from chalicelib.jsonable import plain
from chalicelib.stats import counted, week_of
from chalicelib.store import parse_timestamp
from chalicelib.workflow import resolved_at

# A possible duplicate is two registrations with one mobile number: listed for staff to look
# at, never merged by itself (a family may share a phone).
MAX_DUPLICATE_GROUPS = 100


@dataclass(frozen=True)
class Period:
    """Office days from `first` to `last`, both included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def before(self) -> Period:
        """Return the period of as many days that ends the day before this one starts."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))


@dataclass(frozen=True)
class FigureDef:
    """One figure of the report: its key in the counts, its Chinese label and unit."""

    key: str
    label: str
    unit: str


@dataclass(frozen=True)
class SectionDef:
    """A section of the report (a sheet of its XLSX, a block of the printed page)."""

    key: str
    title: str
    figures: tuple[FigureDef, ...]


SECTIONS = (
    SectionDef(
        "members",
        "党员归队",
        (
            FigureDef("members_returned", "归队党员（按手机号去重）", "人"),
            FigureDef("registrations", "归队登记", "次"),
            FigureDef("members_with_liaison", "其中已结对联系人", "人"),
            FigureDef("members_with_branch", "其中已分配到支部", "人"),
            FigureDef("members_transferred", "其中已完成组织关系转接", "人"),
        ),
    ),
    SectionDef(
        "study",
        "微课堂",
        (
            FigureDef("study_sessions", "学习人次", "人次"),
            FigureDef("learners", "学习的归队党员（去重）", "人"),
            FigureDef("lessons_studied", "被学习的课程", "课"),
        ),
    ),
    SectionDef(
        "activities",
        "组织生活、培训和活动",
        (
            FigureDef("activities", "举办活动", "场"),
            FigureDef("activities_organisation_life", "其中组织生活", "场"),
            FigureDef("activities_training", "其中培训", "场"),
            FigureDef("activities_volunteering", "其中志愿活动", "场"),
            FigureDef("signups", "报名", "人次"),
            FigureDef("attendance", "参加（签到）", "人次"),
            FigureDef("training_attendance", "其中参加培训", "人次"),
        ),
    ),
    SectionDef(
        "volunteers",
        "志愿服务",
        (
            FigureDef("volunteers", "报名志愿者（按手机号去重）", "人"),
            FigureDef("volunteers_in_teams", "其中已加入服务队", "人"),
            FigureDef("teams", "志愿服务队", "个"),
            FigureDef("service_records", "服务记录（已核实）", "条"),
            FigureDef("service_times", "服务次数或趟数", "次"),
            FigureDef("service_hours", "服务时长", "小时"),
            FigureDef("service_people", "参加服务", "人次"),
        ),
    ),
    SectionDef(
        "stations",
        "驿站服务",
        (
            FigureDef("stations", "驿站", "个"),
            FigureDef("checkins", "服务人次（签到）", "人次"),
            FigureDef("requests", "收集诉求", "件"),
            FigureDef("requests_resolved", "其中已解决", "件"),
            FigureDef("median_hours_to_resolve", "解决用时中位数", "小时"),
        ),
    ),
)


def _day_of(item: Mapping) -> date:
    return date.fromisoformat(item["day_key"].split("#")[1])


def _person_of(item: Mapping) -> str:
    # Registrations stored before the person index existed have no key: each counts as its own person.
    return item.get("person_key") or f"id:{item['id']}"


def count_members(registrations: Iterable[Mapping]) -> tuple[dict, list[dict], list[dict]]:
    """Return the member figures, registrations by week, and groups of registrations sharing a number."""
    people: dict[str, list[Mapping]] = defaultdict(list)
    for item in registrations:
        people[_person_of(item)].append(item)
    # A person counts as paired or transferred when any of their registrations is.
    figures = {
        "members_returned": len(people),
        "registrations": sum(len(items) for items in people.values()),
        "members_with_liaison": sum(any("liaison" in item for item in items) for items in people.values()),
        "members_with_branch": sum(any("branch" in item for item in items) for items in people.values()),
        "members_transferred": sum(
            any(item.get("transfer", {}).get("state") == "done" for item in items) for items in people.values()
        ),
    }
    by_week = Counter(week_of(_day_of(item)).isoformat() for items in people.values() for item in items)
    duplicates = [
        sorted(({"id": item["id"], "created_at": item["created_at"]} for item in items), key=lambda r: r["created_at"])
        for items in people.values()
        if len(items) > 1
    ]
    duplicates.sort(key=lambda group: group[0]["created_at"])
    return figures, counted(by_week), [{"registrations": group} for group in duplicates[:MAX_DUPLICATE_GROUPS]]


def count_study(marks: Iterable[Mapping]) -> tuple[dict, list[dict]]:
    """Return the study figures and study sessions by lesson."""
    by_lesson: Counter[str] = Counter()
    learners: set[str] = set()
    for item in marks:
        data = item.get("data", {})
        by_lesson[data.get("lesson", "")] += 1
        if data.get("member"):
            learners.add(data["member"])
    figures = {
        "study_sessions": sum(by_lesson.values()),
        "learners": len(learners),
        "lessons_studied": len(by_lesson),
    }
    return figures, counted(by_lesson)


# The kinds of activity counted on their own line (the content's own words for them).
ACTIVITY_KINDS = {
    "组织生活": "activities_organisation_life",
    "培训": "activities_training",
    "志愿活动": "activities_volunteering",
}
TRAINING = "培训"


def activities_held(activities: Mapping[str, Mapping], period: Period) -> dict[str, Mapping]:
    """Return the content's activities that start on an office day of the period (their start is China time)."""
    return {
        activity_id: activity
        for activity_id, activity in activities.items()
        if period.first <= date.fromisoformat(activity["start"][:10]) <= period.last
    }


def count_activities(held: Mapping[str, Mapping], signups: Mapping[str, int], attended: Mapping[str, int]) -> dict:
    """Return the activity figures from the activities held and each one's sign-ups and attendance."""
    figures = {"activities": len(held), **{key: 0 for key in ACTIVITY_KINDS.values()}}
    for activity in held.values():
        if activity["kind"] in ACTIVITY_KINDS:
            figures[ACTIVITY_KINDS[activity["kind"]]] += 1
    figures["signups"] = sum(signups.get(activity_id, 0) for activity_id in held)
    figures["attendance"] = sum(attended.get(activity_id, 0) for activity_id in held)
    figures["training_attendance"] = sum(
        attended.get(activity_id, 0) for activity_id, activity in held.items() if activity["kind"] == TRAINING
    )
    return figures


def count_volunteers(volunteers: Iterable[Mapping]) -> dict:
    """Return volunteers (one per mobile number) and how many of them a team has taken in."""
    people: dict[str, list[Mapping]] = defaultdict(list)
    for item in volunteers:
        people[_person_of(item)].append(item)
    taken_in = sum(
        any(item.get("team_decision", {}).get("state") == "approved" for item in items) for items in people.values()
    )
    return {"volunteers": len(people), "volunteers_in_teams": taken_in}


def count_service(totals: Mapping) -> dict:
    """Return the service figures from the teams' totals of confirmed records."""
    total = totals["total"]
    return {
        "service_records": total["records"],
        "service_times": total["times"],
        "service_hours": float(total["hours"]),
        "service_people": total["people"],
    }


def count_stations(checkins: Iterable[Mapping], requests: Iterable[Mapping], stations: int) -> tuple[dict, list[dict]]:
    """Return the station figures and check-ins by station."""
    by_station = Counter(item.get("data", {}).get("station", "") for item in checkins)
    hours = []
    collected = 0
    for item in requests:
        collected += 1
        resolved = resolved_at(plain(item.get("history", []))) if item.get("status") == "resolved" else None
        if resolved is not None:
            hours.append((parse_timestamp(resolved) - parse_timestamp(item["created_at"])).total_seconds() / 3600)
    figures = {
        "stations": stations,
        "checkins": sum(by_station.values()),
        "requests": collected,
        "requests_resolved": len(hours),
        "median_hours_to_resolve": round(statistics.median(hours), 1) if hours else None,
    }
    return figures, counted(by_station)


@dataclass(frozen=True)
class Counts:
    """What one period's items add up to: the figures by key, and the series the charts draw."""

    figures: dict
    members_by_week: list[dict]
    activities_by_month: list[dict]
    study_by_lesson: list[dict]
    checkins_by_station: list[dict]
    duplicates: list[dict]


ServiceTotals = Callable[[date, date], Mapping]


def count_period(
    day_index: DayIndex, shards: int, period: Period, content: ContentIds, service_totals: ServiceTotals
) -> Counts:
    """Read one period's items from the by_day index (an activity's under its own key) and count them."""

    def gather(form: str, projection: tuple[str, ...]):
        return day_index.gather(form, period.first, period.last, shards, projection)

    members, by_week, duplicates = count_members(
        gather(
            "registration", ("id", "day_key", "created_at", "person_key", "liaison.name", "branch.id", "transfer.state")
        )
    )
    study, by_lesson = count_study(gather("study", ("data.lesson", "data.member")))
    served, by_station = count_stations(
        gather("checkin", ("data.station",)),
        gather("request", ("created_at", "status", "history")),
        len(content.stations),
    )
    held = activities_held(content.activities, period)
    # An activity's sign-ups and attendance are as many as its places: one Query each.
    signups = {
        activity_id: sum(item.get("status") != WAITING for item in day_index.under(signups_day_key(activity_id)))
        for activity_id in held
    }
    attended = {activity_id: len(day_index.under(attendance_day_key(activity_id))) for activity_id in held}
    activities = count_activities(held, signups, attended)
    by_month = Counter(activity["start"][:7] for activity in held.values())
    volunteers = count_volunteers(gather("volunteer", ("id", "person_key", "team_decision.state")))
    service = {"teams": len(content.teams), **count_service(service_totals(period.first, period.last))}
    weeks = sorted({week_of(day).isoformat() for day in days_between(period.first, period.last)})
    week_counts = {entry["key"]: entry["count"] for entry in by_week}
    return Counts(
        {**members, **study, **activities, **volunteers, **service, **served},
        [{"key": week, "count": week_counts.get(week, 0)} for week in weeks],
        [{"key": month, "count": count} for month, count in sorted(by_month.items())],
        by_lesson,
        by_station,
        duplicates,
    )


def collect_report(
    day_index: DayIndex, shards: int, period: Period, content: ContentIds, service_totals: ServiceTotals
) -> dict:
    """Return the report of a period: each section's figures beside the period before's, and the charts' series.

    Series name stations and lessons by id, as every staff answer does; the console shows their names.
    """
    before = period.before()
    with ThreadPoolExecutor(max_workers=2) as pool:
        now, then = pool.map(lambda p: count_period(day_index, shards, p, content, service_totals), (period, before))
    sections = [
        {
            "key": section.key,
            "title": section.title,
            "figures": [
                {
                    "key": figure.key,
                    "label": figure.label,
                    "unit": figure.unit,
                    "value": now.figures[figure.key],
                    "previous": then.figures[figure.key],
                }
                for figure in section.figures
            ],
        }
        for section in SECTIONS
    ]
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "previous_from": before.first.isoformat(),
        "previous_to": before.last.isoformat(),
        "sections": sections,
        "charts": {
            "members_by_week": now.members_by_week,
            "activities_by_month": now.activities_by_month,
            "study_by_lesson": now.study_by_lesson,
            "checkins_by_station": now.checkins_by_station,
        },
        "duplicates": now.duplicates,
    }
