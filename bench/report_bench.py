"""Time the office's report over many submissions on the local DynamoDB-compatible server; print the figures.

    python -m bench.report_bench [--rows 100000] [--days 30]

Loads registrations, study marks, check-ins and requests (4 : 3 : 2 : 1) spread over the days
into moto's server (in a process of its own, as export_bench does), then counts the report
for those days, and the same number of days before, through the same code as
GET /staff/report. It prints the wall time and how many Queries the report made. moto answers
one request at a time, so the time is a bound from above of what DynamoDB, answering the
queries side by side, would take. It asserts nothing and is not run in CI.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "functions"))

import boto3
from chalicelib.contentids import ContentIds
from chalicelib.dayindex import DayIndex
from chalicelib.forms import FORMS
from chalicelib.personkeys import PersonKeys
from chalicelib.report import Period, collect_report
from chalicelib.store import OFFICE_TZ, SubmissionStore, format_timestamp
from chalicelib.tables import create_tables

from bench.export_bench import CREDENTIALS, REGION, moto_server, registration

SHARDS = 8
NO_SERVICE = {"total": {"records": 0, "times": 0, "hours": 0, "people": 0}}
LESSONS = [f"lesson-{n:02d}" for n in range(20)]
STATIONS = [f"station-{n:02d}" for n in range(16)]


def submission(n: int) -> tuple[str, dict]:
    """The n-th submission: its form and its fields, in the mix an office sees."""
    kind = n % 10
    if kind < 4:
        return "registration", registration(n)
    if kind < 7:
        return "study", {"lesson": LESSONS[n % 20], **({"member": str(uuid.UUID(int=n))} if n % 2 else {})}
    if kind < 9:
        return "checkin", {"station": STATIONS[n % 16]}
    return "request", {"station": STATIONS[n % 16], "category": "station_service", "message": "饮水机坏了"}


def load(table, rows: int, days: int, first_day) -> float:
    """Write the submissions over the days, as save() shapes them; return seconds."""
    start = datetime.combine(first_day, datetime.min.time(), OFFICE_TZ) + timedelta(hours=7)
    step = timedelta(seconds=(days * 86400 - 8 * 3600) / rows)
    moments = (start + step * n for n in itertools.count())
    store = SubmissionStore(table, SHARDS, clock=lambda: next(moments), person_keys=PersonKeys(table))
    began = time.perf_counter()
    with table.batch_writer() as batch:
        for n in range(rows):
            form, data = submission(n)
            item = store.build_item(FORMS[form], str(uuid.uuid4()), data)
            if form == "request":
                item["status"] = "resolved" if n % 3 else "new"
                if n % 3:
                    resolved = format_timestamp(datetime.now(UTC))
                    item["history"] = [{"from": "new", "to": "resolved", "at": resolved, "by": "bench"}]
            if form == "registration" and n % 3 == 0:
                item["liaison"] = {"name": "王联络"}
            batch.put_item(Item=item)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    os.environ.update(CREDENTIALS)
    today = datetime.now(OFFICE_TZ).date()
    period = Period(today - timedelta(days=args.days - 1), today)
    with moto_server() as url:
        dynamodb = boto3.resource("dynamodb", endpoint_url=url, region_name=REGION)
        create_tables(dynamodb.meta.client, {"submissions": "bench-submissions"})
        table = dynamodb.Table("bench-submissions")
        seconds = load(table, args.rows, args.days, period.first)
        print(f"loaded {args.rows:,} submissions over {args.days} days in {seconds:.1f} s")
        began = time.perf_counter()
        content = ContentIds({station: station for station in STATIONS}, {lesson: lesson for lesson in LESSONS})
        # No teams in the bench: service totals are one Query per team, apart from the rest.
        report = collect_report(DayIndex(table), SHARDS, period, content, lambda first, last: NO_SERVICE)
        took = time.perf_counter() - began
    figures = {figure["key"]: figure["value"] for section in report["sections"] for figure in section["figures"]}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    queries = 5 * 2 * args.days * SHARDS
    print(f"report of {args.days} days beside the {args.days} before: {took:.1f} s wall time")
    print(
        f"queries: {queries:,} (one per form (5), office day and shard, in both periods; more where 1 MB is not enough)"
    )
    print(f"figures: {figures}")


if __name__ == "__main__":
    main()
