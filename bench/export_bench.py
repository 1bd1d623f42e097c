"""Export many submissions from the local DynamoDB-compatible server as CSV and XLSX; print the figures.

    python -m bench.export_bench [--rows 100000] [--days 10]
    python -m bench.export_bench --generated [--sizes 100000,1000000]

Starts moto's server (DynamoDB and S3) in a process of its own and loads the rows with
batch_writer. Each export then runs in a fresh process, so its peak memory is its own, through
the same code as POST /staff/exports: rows stream from the by_day index into the file.
The export process's CPU time is its own work (parsing the answers, formatting, writing),
none of the emulator's, which runs in another process; the time it spends waiting for the
next row is measured apart from the time it spends formatting and writing.

With --generated, no emulator: each export formats and writes generated rows through
the job's own writers (CSV in S3-sized parts, XLSX in one piece), in a fresh process per format and size, so that its
rows a second per vCPU (rows over the process's CPU time) and its peak memory are the
export's own work. The rows are drawn in turn from a thousand registrations in their stored
shape, built up front: making them costs next to nothing and holds the same memory at any
size, so a peak that grew with the rows would be the export's. It asserts nothing and is not
run in CI.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "functions"))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from chalicelib.downloads import Downloads, create_bucket  # noqa: E402
from chalicelib.exports import CONTENT_TYPES, columns_for, csv_parts, export_filenames, write_export  # noqa: E402
from chalicelib.exportwork import PART_CHARS  # noqa: E402
from chalicelib.forms import FORMS  # noqa: E402
from chalicelib.personkeys import PersonKeys  # noqa: E402
from chalicelib.records import StaffRecords  # noqa: E402
from chalicelib.store import OFFICE_TZ, SubmissionStore  # noqa: E402
from chalicelib.tables import create_tables  # noqa: E402

REGION = "cn-north-1"
# A local server has no per-bucket host names.
S3_STYLE = Config(s3={"addressing_style": "path"})
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": REGION}
FORM = FORMS["registration"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "明芳军伟强磊洋勇艳杰娟涛超秀英华平刚桂兰"
TOWNS = ["泗城镇", "丁湖镇", "草沟镇", "长沟镇", "大庄镇", "黑塔镇", "屏山镇", "山头镇"]
EMPLOYERS = ["某外卖平台泗县站", "某快递公司城关网点", "某网约车平台", "某物流公司", "=某公司（以等号开头）"]
JOBS = ["food_delivery", "courier", "ride_hailing", "freight", "other"]
SOURCES = ["letter-home", "wechat-account", "hongqi-first-street", "caogou-bank", ""]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """Run the embedded moto server (DynamoDB and S3) in its own process; yield its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sitegen.embedded_aws", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        # werkzeug may keep serving a slow request after SIGTERM: the figures are in by now.
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def registration(n: int) -> dict:
    """A plausible registration, in Chinese, different for every n."""
    return {
        "name": SURNAMES[n % 20] + GIVEN[(n // 20) % 20] + GIVEN[(n // 400) % 20],
        "mobile": f"13{n % 10}{n:08d}"[:11],
        "home_org": f"{TOWNS[n % 8]}第{n % 37 + 1}村党支部",
        "employer": EMPLOYERS[n % 5],
        "work_area": TOWNS[(n // 8) % 8],
        "job_type": JOBS[n % 5],
        **({"source": SOURCES[n % 5]} if SOURCES[n % 5] else {}),
        "consent": True,
    }


def load(table, rows: int, first_day: date, days: int, dump: Path) -> float:
    """Write `rows` registrations over the days, as save() would, and a copy to `dump`; return seconds."""
    start = datetime.combine(first_day, datetime.min.time(), OFFICE_TZ) + timedelta(hours=7)
    step = timedelta(seconds=(days * 86400 - 8 * 3600) / rows)
    moments = (start + step * n for n in itertools.count())
    store = SubmissionStore(table, clock=lambda: next(moments), person_keys=PersonKeys(table))
    began = time.perf_counter()
    with table.batch_writer() as batch, dump.open("w", encoding="utf-8") as copy:
        for n in range(rows):
            item = store.build_item(FORM, str(uuid.uuid4()), registration(n))
            if n % 3 == 0:
                item["liaison"] = {"name": "王联络", "mobile": "13900139000", "assigned_at": item["created_at"]}
            if n % 7 == 0:
                item["follow_ups"] = [{"date": first_day.isoformat(), "note": "电话联系，情况良好", "by": "bench"}]
            batch.put_item(Item=item)
            copy.write(json.dumps(item, ensure_ascii=False) + "\n")
    return time.perf_counter() - began


def rss_mb() -> float:
    """Return this process's resident memory now, in MiB (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Timed:
    """An iterator that adds up the time spent waiting for each next item."""

    def __init__(self, items) -> None:
        self._items = iter(items)
        self.waiting = 0.0

    def __iter__(self):
        return self

    def __next__(self):
        began = time.perf_counter()
        try:
            return next(self._items)
        finally:
            self.waiting += time.perf_counter() - began


def format_alone(file_format: str, dump: Path) -> dict:
    """Write the export from rows already in memory (read from the dump, untimed): formatting alone."""
    with dump.open(encoding="utf-8") as copy:
        items = [json.loads(line) for line in copy]
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        rows = write_export(os.path.join(folder, f"alone.{file_format}"), FORM, file_format, items, {})
        return {"mode": f"alone-{file_format}", "rows": rows, "seconds": time.perf_counter() - began}


def generated_rows(rows: int, first_day: date) -> Iterator[dict]:
    """Yield `rows` registrations in their stored shape, drawn in turn from a thousand built up front."""
    pool_size = 1000
    moments = iter(
        [
            datetime.combine(first_day, datetime.min.time(), OFFICE_TZ) + timedelta(seconds=37 * n)
            for n in range(pool_size)
        ]
    )
    store = SubmissionStore(None, clock=lambda: next(moments))
    pool = []
    for n in range(pool_size):
        item = store.build_item(FORM, str(uuid.uuid4()), registration(n))
        if n % 3 == 0:
            item["liaison"] = {"name": "王联络", "mobile": "13900139000", "assigned_at": item["created_at"]}
        if n % 7 == 0:
            item["follow_ups"] = [{"date": first_day.isoformat(), "note": "电话联系，情况良好", "by": "bench"}]
        pool.append(item)
    return itertools.islice(itertools.cycle(pool), rows)


def format_generated(file_format: str, rows: int) -> dict:
    """Export `rows` generated registrations through the job's writers; return the figures."""
    day = datetime.now(UTC).astimezone(OFFICE_TZ).date()
    items = generated_rows(rows, day)
    figures: dict = {"start_rss_mb": round(rss_mb(), 1)}
    _, fallback = export_filenames(FORM, day, day, None, None, file_format, {})
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, fallback)
        began, cpu_began = time.perf_counter(), time.process_time()
        if file_format == "csv":
            # Each part as the job makes it for S3, written to disk here instead of uploaded.
            written = 0
            with open(path, "wb") as file:
                for part in csv_parts(columns_for(FORM, {}), items, True, PART_CHARS):
                    file.write(part.data)
                    written += part.rows
        else:
            written = write_export(path, FORM, file_format, items, {})
        figures["seconds"] = time.perf_counter() - began
        figures["cpu"] = time.process_time() - cpu_began
        figures["rows"] = written
        figures["file_mb"] = os.path.getsize(path) / 2**20
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return figures


def generated_table(sizes: list[int]) -> None:
    """Export generated rows at each size, CSV then XLSX, each in a fresh process; print a line each."""
    print("generated rows, no emulator: formatting and writing through the export job's writers")
    print(f"{'':6}{'rows':>11}{'total s':>9}{'CPU s':>8}{'rows/s per vCPU':>17}", end="")
    print(f"{'peak RSS MiB':>14}{'at start':>10}{'file MiB':>10}")
    for file_format in ("csv", "xlsx"):
        for rows in sizes:
            command = [sys.executable, "-m", "bench.export_bench", "--child", f"generated-{file_format}-{rows}"]
            result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
            run = json.loads(result.stdout.strip().splitlines()[-1])
            print(
                f"{file_format.upper():6}{run['rows']:>11,}{run['seconds']:>9.1f}{run['cpu']:>8.1f}"
                f"{run['rows'] / run['cpu']:>17,.0f}{run['peak_rss_mb']:>14.1f}{run['start_rss_mb']:>10.1f}"
                f"{run['file_mb']:>10.1f}",
                flush=True,
            )
    print()
    print("rows/s per vCPU: rows over the export process's CPU time (it runs on one thread). Peak RSS is")
    print("the whole process's, Python and boto3 included; at start: before the first row.")


def child(mode: str, endpoint: str, table_name: str, bucket: str, day_from: date, day_to: date) -> dict:
    """Export once in this (fresh) process; return its figures."""
    if mode.startswith("alone-"):
        return format_alone(mode.removeprefix("alone-"), Path(endpoint))
    dynamodb = boto3.resource("dynamodb", endpoint_url=endpoint, region_name=REGION)
    records = StaffRecords(dynamodb.Table(table_name))
    rows = Timed(records.stream(FORM, day_from, day_to))
    figures: dict = {"mode": mode, "start_rss_mb": round(rss_mb(), 1)}
    with tempfile.TemporaryDirectory() as folder:
        filename, fallback = export_filenames(FORM, day_from, day_to, None, None, mode, {})
        path = os.path.join(folder, fallback)
        began, cpu_began = time.perf_counter(), time.process_time()
        figures["rows"] = write_export(path, FORM, mode, rows, {})
        figures["seconds"] = time.perf_counter() - began
        # Every thread of this process: parsing the emulator's answers, formatting, writing.
        # The emulator runs in a process of its own, so none of its work is in here.
        figures["cpu"] = time.process_time() - cpu_began
        figures["waiting"] = rows.waiting
        figures["file_mb"] = os.path.getsize(path) / 2**20
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, config=S3_STYLE)
        began = time.perf_counter()
        downloads = Downloads(s3, bucket)
        key = downloads.key_for(str(uuid.uuid4()), fallback)
        downloads.put_file(path, key, filename, fallback, CONTENT_TYPES[mode])
        figures["upload_seconds"] = time.perf_counter() - began
    # ru_maxrss is in KiB on Linux: the most this process ever held, interpreter included.
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return figures


def measure(mode: str, endpoint: str, table_name: str, bucket: str, day_from: date, day_to: date) -> dict:
    command = [sys.executable, "-m", "bench.export_bench", "--child", mode, "--endpoint-url", endpoint]
    command += ["--table", table_name, "--bucket", bucket, "--from", day_from.isoformat(), "--to", day_to.isoformat()]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="registrations to load (default 100000)")
    parser.add_argument("--days", type=int, default=10, help="office days they are spread over (default 10)")
    parser.add_argument("--generated", action="store_true", help="export generated rows, no emulator")
    parser.add_argument(
        "--sizes", default="100000,1000000", help="with --generated: rows of each export (default 100000,1000000)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--endpoint-url", help=argparse.SUPPRESS)
    parser.add_argument("--table", help=argparse.SUPPRESS)
    parser.add_argument("--bucket", help=argparse.SUPPRESS)
    parser.add_argument("--from", dest="day_from", help=argparse.SUPPRESS)
    parser.add_argument("--to", dest="day_to", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name, value in CREDENTIALS.items():
        os.environ.setdefault(name, value)
    if args.child and args.child.startswith("generated-"):
        _, file_format, rows = args.child.split("-")
        print(json.dumps(format_generated(file_format, int(rows))))
        return 0
    if args.child:
        day_from, day_to = date.fromisoformat(args.day_from), date.fromisoformat(args.day_to)
        print(json.dumps(child(args.child, args.endpoint_url, args.table, args.bucket, day_from, day_to)))
        return 0
    if args.generated:
        print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
        generated_table([int(size) for size in args.sizes.split(",")])
        return 0

    day_to = datetime.now(UTC).astimezone(OFFICE_TZ).date()
    day_from = day_to - timedelta(days=args.days - 1)
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    with moto_server() as endpoint:
        table_name, bucket = "bench-submissions", "bench-exports"
        create_tables(boto3.client("dynamodb", endpoint_url=endpoint), {"submissions": table_name})
        create_bucket(boto3.client("s3", endpoint_url=endpoint, config=S3_STYLE), bucket, REGION)
        table = boto3.resource("dynamodb", endpoint_url=endpoint).Table(table_name)
        dump = Path(tempfile.mkdtemp()) / "rows.jsonl"
        seconds = load(table, args.rows, day_from, args.days, dump)
        print(
            f"loaded {args.rows:,} registrations over {args.days} office days in {seconds:.1f} s (batch_writer)",
            flush=True,
        )
        print()
        print(f"{'':6}{'rows':>9}{'total s':>9}{'export CPU s':>14}{'waiting for rows s':>20}", end="")
        print(f"{'formatting+writing s':>22}{'upload s':>10}{'peak RSS MiB':>14}{'at start':>10}{'file MiB':>10}")
        for mode in ("csv", "xlsx"):
            # Printed as each one ends: a read of this many rows from moto takes many minutes.
            run = measure(mode, endpoint, table_name, bucket, day_from, day_to)
            print(
                f"{mode.upper():6}{run['rows']:>9,}{run['seconds']:>9.2f}{run['cpu']:>14.2f}{run['waiting']:>20.2f}"
                f"{run['seconds'] - run['waiting']:>22.2f}{run['upload_seconds']:>10.2f}"
                f"{run['peak_rss_mb']:>14.1f}{run['start_rss_mb']:>10.1f}{run['file_mb']:>10.1f}",
                flush=True,
            )
    alone = {mode: measure(f"alone-{mode}", str(dump), "", "", day_from, day_to) for mode in ("csv", "xlsx")}
    dump.unlink()
    print()
    for mode, run in alone.items():
        rows, took = f"{run['rows']:,}", f"{run['seconds']:.2f}"
        print(f"{mode.upper()} formatting and writing alone, {rows} rows already in memory: {took} s")
    print()
    print("total: the export, reading and writing the file, wall clock; export CPU: the CPU time of the")
    print("export's own process (parsing answers, formatting, writing), none of the emulator's; waiting:")
    print("blocked on the next row (moto answering, pages being parsed); formatting+writing: total less")
    print("waiting. The upload to the emulator's S3 is apart. Peak RSS is each export's own process,")
    print("Python and boto3 included.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
