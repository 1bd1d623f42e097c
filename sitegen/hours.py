"""Opening hours of a station: parsed from stations.yaml, asked "open now?", described in Chinese."""

from __future__ import annotations

import datetime
import itertools
import re
from dataclasses import dataclass

from sitegen.problems import did_you_mean, full_width_hint, kind_of

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
EVERY_DAY = "every_day"
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = len(DAYS) * MINUTES_PER_DAY
ALL_DAY = ((0, MINUTES_PER_DAY),)
# Stations keep China's time, UTC+8 with no daylight saving, whatever a phone is set to.
CHINA_TIME = datetime.timezone(datetime.timedelta(hours=8))
# What a member is told about "open now", word by word (the page's script says the same).
STATE_WORDS = {
    "open": "营业中",
    "closed": "已休息",
    "all_day": "24 小时",
    "closes": "关门",
    "opens": "开门",
    "tomorrow": "明天",
    "next_week": "下",
    "midnight": "24:00",
}

Span = tuple[int, int]

_RANGE = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")
# Chinese input methods produce full-width colons and commas and various dashes;
# they mean the same thing, so editors should not have to hunt for them.
_NORMALISE = str.maketrans({"：": ":", "，": ",", "、": ",", "–": "-", "—": "-", "~": "-", "～": "-", "至": "-"})
_HINT = '"08:00-20:00"、"08:30-12:00, 14:00-17:30"、["08:30-12:00", "14:00-17:30"]、24h 或 closed'


def page_rule() -> dict:
    """The constants of the "open now" rule, handed to the page's hours.js by the build."""
    return {
        "utcOffsetMinutes": int(CHINA_TIME.utcoffset(None).total_seconds()) // 60,
        "minutesPerDay": MINUTES_PER_DAY,
        "dayNames": list(DAY_NAMES_ZH),
        "words": STATE_WORDS,
    }


def china_week_minute(moment: datetime.datetime) -> int:
    """Minutes since Monday 00:00 in China's time, for an aware moment in any time zone."""
    china = moment.astimezone(CHINA_TIME)
    return china.weekday() * MINUTES_PER_DAY + china.hour * 60 + china.minute


@dataclass(frozen=True)
class WeekHours:
    """Open intervals for Monday..Sunday, in minutes after midnight; 24h is ((0, 1440),)."""

    days: tuple[tuple[Span, ...], ...]

    def open_state(self, moment: datetime.datetime) -> tuple[bool, str]:
        """Whether open at an aware moment, in China's time, and what the member is told:
        "营业中 · 20:00 关门", "已休息 · 明天 08:00 开门" (hours.js says the same)."""
        now = china_week_minute(moment)
        for start, end in self._week_spans():
            if start <= now < end:
                if end - start >= 2 * MINUTES_PER_WEEK:
                    return True, f"{STATE_WORDS['open']} · {STATE_WORDS['all_day']}"
                # A span that ends at midnight closes "24:00" today rather than "明天 00:00".
                at_midnight = end % MINUTES_PER_DAY == 0 and end - now <= MINUTES_PER_DAY
                closes = STATE_WORDS["midnight"] if at_midnight else _when(end, now)
                return True, f"{STATE_WORDS['open']} · {closes} {STATE_WORDS['closes']}"
            if start > now:
                return False, f"{STATE_WORDS['closed']} · {_when(start, now)} {STATE_WORDS['opens']}"
        return False, STATE_WORDS["closed"]

    def _week_spans(self) -> list[list[int]]:
        """The week laid over three weeks, last week to next, touching spans joined: a night
        past midnight (or past Sunday into Monday) is one span, so nothing needs a special case."""
        spans: list[list[int]] = []
        for week in (-1, 0, 1):
            for day, day_spans in enumerate(self.days):
                for start, end in day_spans:
                    offset = week * MINUTES_PER_WEEK + day * MINUTES_PER_DAY
                    if spans and offset + start <= spans[-1][1]:
                        spans[-1][1] = max(spans[-1][1], offset + end)
                    else:
                        spans.append([offset + start, offset + end])
        return spans

    def describe_zh(self) -> list[tuple[str, str]]:
        """Group days with the same hours: [("周一至周五", "08:30–12:00, 14:00–17:30"), ("周日", "休息")]."""
        texts = [self._day_text_zh(day) for day in range(len(DAYS))]
        groups: dict[str, list[int]] = {}
        for day, text in enumerate(texts):
            groups.setdefault(text, []).append(day)
        if len(groups) == 1:
            return [("每天", texts[0])]
        return [(_days_label_zh(days), text) for text, days in groups.items()]

    def to_json(self) -> list[list[list[int]]]:
        """The days as plain lists for the page's JavaScript: [[[open, close], ...], ...]."""
        return [[list(span) for span in day] for day in self.days]

    def _continues_into(self, day: int) -> bool:
        """Whether the last span of `day` runs on past midnight into a partial first span of the next day."""
        spans, following = self.days[day], self.days[(day + 1) % len(DAYS)]
        return (
            bool(spans)
            and bool(following)
            and spans[-1][1] == MINUTES_PER_DAY
            and spans[-1] != ALL_DAY[0]
            and following[0][0] == 0
            and following[0] != ALL_DAY[0]
        )

    def _day_text_zh(self, day: int) -> str:
        spans = list(self.days[day])
        if spans == list(ALL_DAY):
            return "24小时"
        if self._continues_into((day - 1) % len(DAYS)):
            # Already shown on the previous day as "…–次日HH:MM".
            spans = spans[1:]
        parts = [f"{_clock(start)}–{_clock(end)}" for start, end in spans]
        if parts and self._continues_into(day):
            next_end = self.days[(day + 1) % len(DAYS)][0][1]
            parts[-1] = f"{_clock(spans[-1][0])}–次日{_clock(next_end)}"
        return ", ".join(parts) or "休息"


class HoursError(ValueError):
    """Mistakes in hours; .errors holds (day key or None for the whole value, list index or None, message)."""

    def __init__(self, errors: list[tuple[object, int | None, str]]):
        self.errors = tuple(errors)
        super().__init__("; ".join(message for _, _, message in self.errors))


def parse_hours(value: object) -> WeekHours:
    """Parse hours for every day ("24h", "08:00-20:00", a list of ranges) or a mapping of days
    to those; raise HoursError (a ValueError) naming every mistake."""
    if isinstance(value, (str, list)):
        entries = [(None, EVERY_DAY, value)]
    elif isinstance(value, dict):
        entries = [(key, key, text) for key, text in value.items()]
    else:
        example = 'hours: "08:00-20:00"，或分几行写 mon-fri: "08:30-17:30" 和 sat-sun: closed'
        raise HoursError([(None, None, f"hours 要写成 {_HINT}（例如 {example}），这里是{kind_of(value)}")])

    errors: list[tuple[object, int | None, str]] = []
    covered_by: dict[int, object] = {}
    written: list[tuple[int, list[Span]]] = []
    unknown_day = False
    for key, days_text, text in entries:
        days, day_error = _parse_days(days_text)
        if day_error:
            unknown_day = True
            errors.append((key, None, day_error))
        spans, spans_errors = _parse_spans(text, days_text)
        errors.extend((key, index, message) for index, message in spans_errors)
        twice = [day for day in days if day in covered_by]
        if twice:
            firsts = "、".join(dict.fromkeys(f"'{covered_by[day]}'" for day in twice))
            names = "、".join(f"{DAYS[day]}（{DAY_NAMES_ZH[day]}）" for day in twice)
            errors.append((key, None, f"{names} 写了两次（{firsts} 里已经包含）：每天只能写一次"))
        for day in days:
            covered_by.setdefault(day, days_text)
            if spans is not None and day not in twice:
                written.append((day, spans))
    missing = [day for day in range(len(DAYS)) if day not in covered_by]
    # An unknown day name already explains the gap; saying it twice would only confuse.
    if missing and not unknown_day:
        names = "、".join(f"{DAYS[day]}（{DAY_NAMES_ZH[day]}）" for day in missing)
        example = f"{DAYS[missing[0]]}: closed"
        errors.append((None, None, f"hours 没有写 {names} 开不开门：请补上，例如休息写 '{example}'"))
    if errors:
        raise HoursError(errors)
    return _week(written)


def _parse_days(text: object) -> tuple[list[int], str | None]:
    if text == EVERY_DAY:
        return list(range(len(DAYS))), None
    if text in DAYS:
        return [DAYS.index(text)], None
    first, dash, last = str(text).partition("-")
    if dash and first in DAYS and last in DAYS and first != last:
        start, stop = DAYS.index(first), DAYS.index(last)
        # A range may run over the weekend, e.g. fri-mon.
        return [(start + offset) % len(DAYS) for offset in range((stop - start) % len(DAYS) + 1)], None
    choices = [EVERY_DAY, *DAYS, "mon-fri", "sat-sun"]
    hint = full_width_hint(text) or did_you_mean(text, choices)
    return [], (
        f"没有 '{text}' 这种写法{hint}：请用 every_day（每天）、mon tue wed thu fri sat sun（周一到周日）"
        "或 mon-fri 这样的范围"
    )


def _parse_spans(value: object, days_text: object) -> tuple[list[Span] | None, list[tuple[int | None, str]]]:
    """The spans of one day's hours: a text or a list of ranges; else every mistake, by list index."""
    if isinstance(value, list):
        return _parse_span_list(value, days_text)
    if not isinstance(value, str):
        example = f'{days_text}: "08:30-12:00, 14:00-17:30"'
        return None, [(None, f"开放时间要写成 {_HINT}（例如 {example}），这里是{kind_of(value)}")]
    normalised = value.translate(_NORMALISE).strip()
    word = "".join(normalised.split()).lower()
    if word == "24h":
        return list(ALL_DAY), []
    if word == "closed":
        return [], []
    spans: list[Span] = []
    for part in (part.strip() for part in normalised.split(",")):
        span, message = _parse_range(part or value)
        if span is None:
            return None, [(None, message or "")]
        spans.append(span)
    message = _overlap(spans, value)
    return (None, [(None, message)]) if message else (spans, [])


def _parse_span_list(items: list, days_text: object) -> tuple[list[Span] | None, list[tuple[int | None, str]]]:
    """Split hours written as a list of ranges: ["08:30-12:00", "14:00-17:30"] or a block list."""
    if not items:
        return None, [
            (None, '时间段列表是空的：休息请写 closed，开门请列出时间段，例如 ["08:30-12:00", "14:00-17:30"]')
        ]
    spans: list[Span] = []
    errors: list[tuple[int | None, str]] = []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            errors.append((index, "按星期分开写时，每行前面不要加 '- '：直接写 mon-fri: \"08:30-17:30\""))
        elif not isinstance(item, str):
            errors.append((index, f'列表里每一项写一个时间段，例如 "08:30-12:00"，这里是{kind_of(item)}'))
        elif "".join(item.split()).lower() in ("24h", "closed"):
            errors.append((index, f"列表里只写时间段：全天开放或休息时不用列表，直接写 {days_text}: {item.strip()}"))
        else:
            for part in item.translate(_NORMALISE).split(","):
                span, message = _parse_range(part.strip() or item)
                if span is None:
                    errors.append((index, message or ""))
                    break
                spans.append(span)
    if errors:
        return None, errors
    message = _overlap(spans, ", ".join(items))
    return (None, [(None, message)]) if message else (spans, [])


def _parse_range(part: str) -> tuple[Span, None] | tuple[None, str]:
    """One "HH:MM-HH:MM" range in minutes, or what is wrong with it."""
    match = _RANGE.fullmatch("".join(part.translate(_NORMALISE).split()))
    if not match:
        return None, f"'{part}' 不是时间段{full_width_hint(part)}：请写成 {_HINT}"
    start_h, start_m, end_h, end_m = map(int, match.groups())
    if start_h > 23 or start_m > 59 or end_h > 24 or end_m > 59 or (end_h == 24 and end_m):
        return None, f"'{part}' 里有不存在的时间：请用 00:00 到 24:00 之间的时间，例如 \"08:00-24:00\""
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start == end:
        return None, f"'{part}' 开门和关门是同一时间：全天开放请写 24h"
    return (start, end), None


def _overlap(spans: list[Span], text: str) -> str | None:
    # An overnight range (20:00-02:00) ends on the next day, so compare them unrolled.
    unrolled = sorted((start, end if end > start else end + MINUTES_PER_DAY) for start, end in spans)
    for (_, end), (start, _) in itertools.pairwise(unrolled):
        if start < end:
            return f"'{text}' 里的时间段重叠了：请把重叠的时间段合并成一段"
    return None


def _week(written: list[tuple[int, list[Span]]]) -> WeekHours:
    days: list[list[Span]] = [[] for _ in DAYS]
    for day, spans in written:
        for start, end in spans:
            if end > start:
                days[day].append((start, end))
            else:
                days[day].append((start, MINUTES_PER_DAY))
                if end:
                    days[(day + 1) % len(DAYS)].append((0, end))
    return WeekHours(tuple(_merge(spans) for spans in days))


def _merge(spans: list[Span]) -> tuple[Span, ...]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _when(minute: int, now: int) -> str:
    """A moment in three-week minutes as a member reads it from `now`: "20:00", "明天 08:00", "下周一 08:00"."""
    days = minute // MINUTES_PER_DAY - now // MINUTES_PER_DAY
    time = _clock(minute % MINUTES_PER_DAY)
    if days == 0:
        return time
    if days == 1:
        return f"{STATE_WORDS['tomorrow']} {time}"
    name = DAY_NAMES_ZH[minute % MINUTES_PER_WEEK // MINUTES_PER_DAY]
    return f"{STATE_WORDS['next_week'] if days >= 7 else ''}{name} {time}"


def _days_label_zh(days: list[int]) -> str:
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    labels = []
    for run in runs:
        if len(run) >= 3:
            labels.append(f"{DAY_NAMES_ZH[run[0]]}至{DAY_NAMES_ZH[run[-1]]}")
        else:
            labels.extend(DAY_NAMES_ZH[day] for day in run)
    return "、".join(labels)
