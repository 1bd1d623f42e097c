"""Reads of the by_day index: every item once, in order, across many small pages and shards."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from chalicelib.dayindex import DayIndex, Filter
from chalicelib.dynamo import day_key

FIRST_DAY = date(2026, 11, 20)
DAYS, SHARDS = 3, 4


@pytest.fixture
def indexed(submissions_table):
    """Items spread over days and shards, written out of order; return them oldest first."""
    items = []
    for number in range(60):
        day = FIRST_DAY + timedelta(days=number % DAYS)
        created = f"{day.isoformat()}T{number % 24:02d}:{number % 60:02d}:00.000000Z"
        items.append(
            {
                "pk": f"sub#{number:03d}",
                "day_key": day_key("test", day, number % SHARDS),
                "day_sk": f"{created}#{number:03d}",
                "n": number,
                "data": {"station": "east" if number % 2 else "west"},
            }
        )
    with submissions_table.batch_writer() as batch:
        for item in reversed(items):
            batch.put_item(Item=item)
    return sorted(items, key=lambda item: item["day_sk"])


def test_a_stream_of_small_pages_gives_every_item_once_oldest_first(submissions_table, indexed):
    index = DayIndex(submissions_table, page_size=2)
    streamed = list(index.stream("test", FIRST_DAY, FIRST_DAY + timedelta(days=DAYS - 1), SHARDS))
    assert streamed == indexed


def test_a_stream_keeps_to_its_days_and_filter(submissions_table, indexed):
    index = DayIndex(submissions_table, page_size=3)
    east = Filter("#d.#s = :s", {"#d": "data", "#s": "station"}, {":s": "east"})
    second_day = FIRST_DAY + timedelta(days=1)
    streamed = list(index.stream("test", second_day, second_day, SHARDS, east))
    wanted = [item for item in indexed if item["day_sk"].startswith(second_day.isoformat())]
    assert streamed == [item for item in wanted if item["data"]["station"] == "east"]


def test_gathering_with_a_projection_reads_only_those_attributes(submissions_table, indexed):
    index = DayIndex(submissions_table, page_size=2)
    gathered = list(index.gather("test", FIRST_DAY, FIRST_DAY + timedelta(days=DAYS - 1), SHARDS, ["n"]))
    assert sorted(gathered, key=lambda item: item["n"]) == [{"n": n} for n in range(60)]


def test_newest_first_pages_meet_without_gaps(submissions_table, indexed):
    index = DayIndex(submissions_table)
    pages, after = [], None
    while True:
        page, after = index.newest("test", FIRST_DAY, FIRST_DAY + timedelta(days=DAYS - 1), SHARDS, 7, after)
        pages += page
        if after is None:
            break
    assert pages == indexed[::-1]
