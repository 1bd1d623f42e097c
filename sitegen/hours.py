"""Opening hours of a station: parsed from stations.yaml, asked "open now?", described in Chinese."""

from __future__ import annotations

import datetime
import itertools
import re
from dataclasses import dataclass

from sitegen.problems import did_you_mean, kind_of

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
EVERY_DAY = "every_day"
MINUTES_PER_DAY = 24 * 60
ALL_DAY = ((0, MINUTES_PER_DAY),)

Span = tuple[int, int]

_RANGE = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")
# Chinese input methods produce full-width colons and commas and various dashes;
# they mean the same thing, so editors should not have to hunt for them.
_NORMALISE = str.maketrans({"：": ":", "，": ",", "、": ",", "–": "-", "—": "-", "~": "-", "～": "-", "至": "-"})
_HINT = 'like "08:00-20:00", "08:30-12:00, 14:00-17:30", "24h" or "closed"'


@dataclass(frozen=True)
class WeekHours:
    """Open intervals for Monday..Sunday, in minutes after midnight; 24h is ((0, 1440),)."""

    days: tuple[tuple[Span, ...], ...]

    def _span_at(self, day: int, minute: int) -> Span | None:
        return next((span for span in self.days[day] if span[0] <= minute < span[1]), None)

    def is_open(self, when: datetime.datetime) -> bool:
        """Whether the station is open at this local wall-clock time."""
        return self._span_at(when.weekday(), when.hour * 60 + when.minute) is not None

    def closes_at(self, when: datetime.datetime) -> datetime.time | None:
        """When the current opening ends (across midnight); None if closed now or never closing."""
        day = when.weekday()
        span = self._span_at(day, when.hour * 60 + when.minute)
        if span is None:
            return None
        end = span[1]
        for _ in range(len(DAYS)):
            if end < MINUTES_PER_DAY:
                return datetime.time(end // 60, end % 60)
            day = (day + 1) % len(DAYS)
            following = self.days[day][:1]
            if not following or following[0][0] != 0:
                return datetime.time(0, 0)
            end = following[0][1]
        return None

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
    """Mistakes in hours; .errors pairs each message with the key it is about (None: the whole value)."""

    def __init__(self, errors: list[tuple[object, str]]):
        self.errors = tuple(errors)
        super().__init__("; ".join(message for _, message in self.errors))


def parse_hours(value: object) -> WeekHours:
    """Parse "24h", a range for every day, or a mapping of days to ranges; raise HoursError (a ValueError)."""
    if isinstance(value, str):
        entries = [(None, EVERY_DAY, value)]
    elif isinstance(value, dict):
        entries = [(key, key, text) for key, text in value.items()]
    else:
        raise HoursError([(None, f"hours must be {_HINT}, or days mapped to those, not {kind_of(value)}")])

    errors: list[tuple[object, str]] = []
    covered_by: dict[int, object] = {}
    written: list[tuple[int, list[Span]]] = []
    for key, days_text, text in entries:
        days, day_error = _parse_days(days_text)
        spans, spans_error = _parse_spans(text)
        errors.extend((key, message) for message in (day_error, spans_error) if message)
        twice = [day for day in days if day in covered_by]
        if twice:
            firsts = ", ".join(dict.fromkeys(f"'{covered_by[day]}'" for day in twice))
            errors.append((key, f"{', '.join(DAYS[day] for day in twice)} given twice (also in {firsts})"))
        for day in days:
            covered_by.setdefault(day, days_text)
            if spans is not None and day not in twice:
                written.append((day, spans))
    missing = [DAYS[day] for day in range(len(DAYS)) if day not in covered_by]
    # An unknown day name already explains the gap; saying it twice would only confuse.
    if missing and not any(message.startswith("unknown day") for _, message in errors):
        names, example = ", ".join(missing), f"{missing[0]}: closed"
        errors.append((None, f"hours don't say when the station is open on {names} (write e.g. '{example}')"))
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
    return [], f"unknown day '{text}'{did_you_mean(text, choices)}; use every_day, mon..sun or a range like mon-fri"


def _parse_spans(text: object) -> tuple[list[Span] | None, str | None]:
    if not isinstance(text, str):
        return None, f"hours must be text {_HINT}, not {kind_of(text)}"
    normalised = text.translate(_NORMALISE).strip()
    word = "".join(normalised.split()).lower()
    if word == "24h":
        return list(ALL_DAY), None
    if word == "closed":
        return [], None
    spans = []
    for part in (part.strip() for part in normalised.split(",")):
        match = _RANGE.fullmatch("".join(part.split()))
        if not match:
            return None, f"'{part or text}' is not a time range; write it {_HINT}"
        start_h, start_m, end_h, end_m = map(int, match.groups())
        if start_h > 23 or start_m > 59 or end_h > 24 or end_m > 59 or (end_h == 24 and end_m):
            return None, f"'{part}' has a time that does not exist (use 00:00 to 24:00)"
        start, end = start_h * 60 + start_m, end_h * 60 + end_m
        if start == end:
            return None, f"'{part}' closes when it opens (write 24h for round the clock)"
        spans.append((start, end))
    # An overnight range (20:00-02:00) ends on the next day, so compare them unrolled.
    unrolled = sorted((start, end if end > start else end + MINUTES_PER_DAY) for start, end in spans)
    for (_, end), (start, _) in itertools.pairwise(unrolled):
        if start < end:
            return None, f"the ranges in '{text}' overlap"
    return spans, None


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
