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
        # Split hours written as a list, in a flow or a block list, per day or for every day.
        ({"mon-fri": ["08:30-12:00", "14:00-17:30"], "sat-sun": "closed"}, (OFFICE,) * 5 + (CLOSED,) * 2),
        (["08:30-12:00", "14:00-17:30"], (OFFICE,) * 7),
        ({"every_day": ["14:00-17:30", "8:30 - 12:00"]}, (OFFICE,) * 7),
        ({"every_day": ["20:00-02:00"]}, (((0, 120), (1200, 1440)),) * 7),
    ],
)
def test_parse_hours(value, days):
    assert parse_hours(value).days == days


@pytest.mark.parametrize(
    ("value", "fragments"),
    [
        (8, ['或分几行写 mon-fri: "08:30-17:30" 和 sat-sun: closed），这里是数字（8）']),
        (
            {"every_day": None},
            [
                '开放时间要写成 "08:00-20:00"、"08:30-12:00, 14:00-17:30"、["08:30-12:00", "14:00-17:30"]、'
                '24h 或 closed（例如 every_day: "08:30-12:00, 14:00-17:30"），这里是空值'
            ],
        ),
        ("always", ['\'always\' 不是时间段：请写成 "08:00-20:00"、"08:30-12:00, 14:00-17:30"、["08:30-12:00"']),
        ({"every_day": "8点-20点"}, ["'8点-20点' 不是时间段"]),
        ({"every_day": "08:00-20:00, closed"}, ["'closed' 不是时间段"]),
        ({"every_day": "07:60-20:00"}, ["'07:60-20:00' 里有不存在的时间：请用 00:00 到 24:00 之间的时间"]),
        ({"every_day": "24:00-02:00"}, ["里有不存在的时间"]),
        ({"every_day": "08:00-24:30"}, ["里有不存在的时间"]),
        ({"every_day": "09:00-09:00"}, ["开门和关门是同一时间：全天开放请写 24h"]),
        ({"every_day": "08:00-12:00, 11:00-14:00"}, ["里的时间段重叠了：请把重叠的时间段合并成一段"]),
        ({"every_day": "20:00-02:00, 21:00-22:00"}, ["重叠了"]),
        ({"every_day": ["08:00-12:00", "11:00-14:00"]}, ["'08:00-12:00, 11:00-14:00' 里的时间段重叠了"]),
        (
            {"mon-fri": "08:00-17:00"},
            ["hours 没有写 sat（周六）、sun（周日） 开不开门：请补上，例如休息写 'sat: closed'"],
        ),
        ({}, ["没有写 mon（周一）、tue（周二）、wed（周三）、thu（周四）、fri（周五）、sat（周六）、sun（周日）"]),
        ({"every_day": "24h", "sat-sun": "closed"}, ["sat（周六）、sun（周日） 写了两次（'every_day' 里已经包含）"]),
        (
            {"monday": "24h", "tue-sun": "closed"},
            ["没有 'monday' 这种写法（是不是想写 'mon'？）：请用 every_day（每天）"],
        ),
        ({"mon-mon": "24h", "tue-sun": "closed"}, ["没有 'mon-mon' 这种写法"]),
        (
            {"mon，fri": "24h", "tue-thu": "closed", "sat-sun": "closed"},
            ["（其中有中文标点或全角空格，请改成英文的逗号 ,）"],
        ),
        ({"every_day": "x", "sun": "y"}, ["'x' 不是时间段", "'y' 不是时间段", "sun（周日） 写了两次"]),
        # Every other shape of split hours says how to write them.
        (
            {"every_day": []},
            ['时间段列表是空的：休息请写 closed，开门请列出时间段，例如 ["08:30-12:00", "14:00-17:30"]'],
        ),
        ({"every_day": ["08:30-12:00", 1400]}, ['列表里每一项写一个时间段，例如 "08:30-12:00"，这里是数字（1400）']),
        ({"every_day": ["24h"]}, ["列表里只写时间段：全天开放或休息时不用列表，直接写 every_day: 24h"]),
        ({"every_day": ["8点到12点", "14:00-17:30"]}, ["'8点到12点' 不是时间段"]),
        ([{"mon-fri": "08:00-17:00"}], ["按星期分开写时，每行前面不要加 '- '：直接写 mon-fri: \"08:30-17:30\""]),
        (
            {"every_day": {"open": "08:00", "close": "17:00"}},
            ['（例如 every_day: "08:30-12:00, 14:00-17:30"），这里是一组“名称: 值”'],
        ),
    ],
)
def test_parse_hours_rejects_with_every_reason(value, fragments):
    with pytest.raises(HoursError) as raised:
        parse_hours(value)
    messages = [message for _, _, message in raised.value.errors]
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
            None,
            "'nine to five' 不是时间段：请写成 "
            '"08:00-20:00"、"08:30-12:00, 14:00-17:30"、["08:30-12:00", "14:00-17:30"]、24h 或 closed',
        ),
        (None, None, "hours 没有写 sun（周日） 开不开门：请补上，例如休息写 'sun: closed'"),
    )


def test_hours_errors_in_a_list_name_the_item():
    with pytest.raises(HoursError) as raised:
        parse_hours({"mon-fri": ["08:30-12:00", "2点-5点"], "sat-sun": "closed"})
    assert [(key, index) for key, index, _ in raised.value.errors] == [("mon-fri", 1)]


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


def test_to_json_gives_plain_lists_for_the_page():
    hours = parse_hours({"mon-fri": "08:30-12:00, 14:00-17:30", "sat": "09:00-12:00", "sun": "closed"})
    assert hours.to_json() == [[[510, 720], [840, 1050]]] * 5 + [[[540, 720]], []]
    assert WeekHours((ALL_DAY,) * 7).to_json() == [[[0, 1440]]] * 7
