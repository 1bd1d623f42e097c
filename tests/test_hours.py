"""Opening hours: what editors may write, what members are told, and "open now?"."""

import datetime

import pytest

from sitegen.hours import ALL_DAY, HoursError, WeekHours, parse_hours

# 2026-10-05 is a Monday; day offsets below count from it.
MONDAY = datetime.date(2026, 10, 5)
OFFICE = ((510, 720), (840, 1050))
CLOSED = ()


def at(day: int, clock: str) -> datetime.datetime:
    """A wall-clock time on the given day of the test week (0 = Monday)."""
    return datetime.datetime.combine(MONDAY + datetime.timedelta(days=day), datetime.time.fromisoformat(clock))


@pytest.mark.parametrize(
    ("value", "days"),
    [
        ("24h", (ALL_DAY,) * 7),
        ("08:00-20:00", (((480, 1200),),) * 7),
        ({"every_day": "24h"}, (ALL_DAY,) * 7),
        ({"every_day": "08:00-24:00"}, (((480, 1440),),) * 7),
        (
            {"mon-fri": "08:30-12:00, 14:00-17:30", "sat": "09:00-12:00", "sun": "closed"},
            (OFFICE,) * 5 + (((540, 720),), CLOSED),
        ),
        ({"mon-fri": "8:30 - 12:00，14:00–17:30", "sat-sun": "Closed"}, (OFFICE,) * 5 + (CLOSED,) * 2),
        ({"fri-mon": "10:00-16:00", "tue-thu": "closed"}, (((600, 960),),) + (CLOSED,) * 3 + (((600, 960),),) * 3),
        ({"every_day": "20:00-02:00"}, (((0, 120), (1200, 1440)),) * 7),
        (
            {"mon-sat": "20:00-02:00", "sun": "closed"},
            (((1200, 1440),),) + (((0, 120), (1200, 1440)),) * 5 + (((0, 120),),),
        ),
        ({"mon-sat": "18:00-00:00", "sun": "closed"}, (((1080, 1440),),) * 6 + (CLOSED,)),
        ({"mon": "00:00-12:00, 12:00-24:00", "tue-sun": "closed"}, (ALL_DAY,) + (CLOSED,) * 6),
    ],
)
def test_parse_hours(value, days):
    assert parse_hours(value).days == days


@pytest.mark.parametrize(
    ("value", "fragments"),
    [
        (8, ["not a number (8)"]),
        (["08:00-20:00"], ["not a list"]),
        ("always", ["'always' is not a time range"]),
        ({"every_day": None}, ["not empty"]),
        ({"every_day": "8点-20点"}, ["'8点-20点' is not a time range"]),
        ({"every_day": "08:00-20:00, closed"}, ["'closed' is not a time range"]),
        ({"every_day": "07:60-20:00"}, ["time that does not exist"]),
        ({"every_day": "24:00-02:00"}, ["time that does not exist"]),
        ({"every_day": "08:00-24:30"}, ["time that does not exist"]),
        ({"every_day": "09:00-09:00"}, ["closes when it opens"]),
        ({"every_day": "08:00-12:00, 11:00-14:00"}, ["overlap"]),
        ({"every_day": "20:00-02:00, 21:00-22:00"}, ["overlap"]),
        ({"mon-fri": "08:00-17:00"}, ["open on sat, sun"]),
        ({}, ["open on mon, tue, wed, thu, fri, sat, sun"]),
        ({"every_day": "24h", "sat-sun": "closed"}, ["sat, sun given twice (also in 'every_day')"]),
        ({"monday": "24h", "tue-sun": "closed"}, ["unknown day 'monday' (did you mean 'mon'?)"]),
        ({"mon-mon": "24h", "tue-sun": "closed"}, ["unknown day 'mon-mon'"]),
        ({"every_day": "x", "sun": "y"}, ["'x' is not a time range", "'y' is not a time range", "sun given twice"]),
    ],
)
def test_parse_hours_rejects_with_every_reason(value, fragments):
    with pytest.raises(HoursError) as raised:
        parse_hours(value)
    messages = [message for _, message in raised.value.errors]
    assert len(messages) == len(fragments)
    for message, fragment in zip(messages, fragments, strict=True):
        assert fragment in message
    assert isinstance(raised.value, ValueError) and fragments[0] in str(raised.value)


def test_hours_errors_name_the_key_they_are_about():
    with pytest.raises(HoursError) as raised:
        parse_hours({"mon-fri": "nine to five", "sat": "closed"})
    assert raised.value.errors == (
        (
            "mon-fri",
            (
                "'nine to five' is not a time range; write it like \"08:00-20:00\", "
                '"08:30-12:00, 14:00-17:30", "24h" or "closed"'
            ),
        ),
        (None, "hours don't say when the station is open on sun (write e.g. 'sun: closed')"),
    )


@pytest.mark.parametrize(
    ("value", "described"),
    [
        ("24h", [("每天", "24小时")]),
        ({"every_day": "08:00-20:00"}, [("每天", "08:00–20:00")]),
        (
            {"mon-fri": "08:30-12:00, 14:00-17:30", "sat": "09:00-12:00", "sun": "closed"},
            [("周一至周五", "08:30–12:00, 14:00–17:30"), ("周六", "09:00–12:00"), ("周日", "休息")],
        ),
        (
            {"mon-fri": "09:00-17:00", "sat-sun": "10:00-16:00"},
            [("周一至周五", "09:00–17:00"), ("周六、周日", "10:00–16:00")],
        ),
        ({"mon": "closed", "tue-sun": "24h"}, [("周一", "休息"), ("周二至周日", "24小时")]),
        (
            {"mon": "09:00-17:00", "tue": "closed", "wed": "09:00-17:00", "thu-sun": "closed"},
            [("周一、周三", "09:00–17:00"), ("周二、周四至周日", "休息")],
        ),
        ({"every_day": "20:00-02:00"}, [("每天", "20:00–次日02:00")]),
        ({"mon-sat": "20:00-02:00", "sun": "closed"}, [("周一至周六", "20:00–次日02:00"), ("周日", "休息")]),
        ({"mon-fri": "18:00-24:00", "sat-sun": "closed"}, [("周一至周五", "18:00–24:00"), ("周六、周日", "休息")]),
        ({"mon": "00:00-24:00", "tue-sun": "closed"}, [("周一", "24小时"), ("周二至周日", "休息")]),
    ],
)
def test_describe_zh_groups_days_with_the_same_hours(value, described):
    assert parse_hours(value).describe_zh() == described


OFFICE_WEEK = {"mon-fri": "08:30-12:00, 14:00-17:30", "sat": "09:00-12:00", "sun": "closed"}
NIGHT_WEEK = {"mon-sat": "20:00-02:00", "sun": "closed"}


@pytest.mark.parametrize(
    ("value", "when", "is_open", "closes_at"),
    [
        (OFFICE_WEEK, at(0, "08:29"), False, None),
        (OFFICE_WEEK, at(0, "08:30"), True, "12:00"),
        (OFFICE_WEEK, at(0, "11:59"), True, "12:00"),
        (OFFICE_WEEK, at(0, "12:00"), False, None),
        (OFFICE_WEEK, at(4, "15:00"), True, "17:30"),
        (OFFICE_WEEK, at(5, "10:00"), True, "12:00"),
        (OFFICE_WEEK, at(6, "10:00"), False, None),
        (NIGHT_WEEK, at(0, "01:00"), False, None),
        (NIGHT_WEEK, at(0, "21:00"), True, "02:00"),
        (NIGHT_WEEK, at(1, "01:59"), True, "02:00"),
        (NIGHT_WEEK, at(1, "02:00"), False, None),
        (NIGHT_WEEK, at(5, "23:30"), True, "02:00"),
        (NIGHT_WEEK, at(6, "01:00"), True, "02:00"),
        (NIGHT_WEEK, at(6, "21:00"), False, None),
        ({"every_day": "18:00-24:00"}, at(2, "23:59"), True, "00:00"),
        ({"mon-fri": "24h", "sat": "00:00-06:00", "sun": "closed"}, at(2, "12:00"), True, "06:00"),
        ("24h", at(3, "12:00"), True, None),
    ],
)
def test_is_open_and_closes_at(value, when, is_open, closes_at):
    hours = parse_hours(value)
    assert hours.is_open(when) is is_open
    assert hours.closes_at(when) == (datetime.time.fromisoformat(closes_at) if closes_at else None)


def test_to_json_gives_plain_lists_for_the_page():
    hours = parse_hours({"mon-fri": "08:30-12:00, 14:00-17:30", "sat": "09:00-12:00", "sun": "closed"})
    assert hours.to_json() == [[[510, 720], [840, 1050]]] * 5 + [[[540, 720]], []]
    assert WeekHours((ALL_DAY,) * 7).to_json() == [[[0, 1440]]] * 7
