"""Files that open right in Excel: CSV (UTF-8 with a BOM, CRLF) and XLSX, from a form's records.

xlsxwriter is imported inside write_xlsx only: the member's form submission never pays for it.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chalicelib.activities import STATUS_LABELS as SIGNUP_LABELS
from chalicelib.activities import WAY_LABELS
from chalicelib.forms import FormDef
from chalicelib.staffinput import APPROVAL_LABELS, REVIEW_LABELS
from chalicelib.store import OFFICE_TZ, parse_timestamp
from chalicelib.workflow import STATUS_LABELS, TRANSFER_LABELS, resolved_at

# A cell starting with one of these is a formula (or the start of one) to Excel.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
CSV_DATETIME = "%Y-%m-%d %H:%M:%S"
XLSX_DATETIME = "yyyy-mm-dd hh:mm:ss"
XLSX_DATE = "yyyy-mm-dd"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# How often the clock is read while rows are written: often enough, and nearly free.
CLOCK_EVERY_ROWS = 1000
# Excel's own limit: 1,048,576 rows a sheet, the header included.
XLSX_MAX_ROWS = 1_048_575


class OutOfTime(Exception):
    """The rows could not all be written before the deadline."""

    def __init__(self, rows: int) -> None:
        super().__init__(f"out of time after {rows} rows")
        self.rows = rows


def before(deadline: float, items: Iterable[Mapping], clock: Callable[[], float] = time.monotonic) -> Iterator[Mapping]:
    """Yield the items; raise OutOfTime once the clock is past the deadline."""
    for rows, item in enumerate(items):
        if rows % CLOCK_EVERY_ROWS == 0 and clock() > deadline:
            raise OutOfTime(rows)
        yield item


class TooManyRows(Exception):
    """The rows do not fit in one Excel sheet."""


def out_of_time_message(rows: int, seconds: float) -> str:
    """Tell staff, by the end-date field, that an Excel file held more rows than fit in the time."""
    minutes = max(1, round(seconds / 60))
    return (
        f"这段时间的记录太多，{minutes} 分钟内只写完 {rows} 行 Excel：请改用 CSV（多少行都可以），"
        "或把结束日期提前，分几次导出"
    )


def too_many_rows_message() -> str:
    """Tell staff, by the format field, that the rows are more than one Excel sheet holds."""
    return f"记录超过 {XLSX_MAX_ROWS} 行，一个 Excel 工作表放不下：请改用 CSV，或把结束日期提前，分几次导出"


@dataclass(frozen=True)
class Column:
    """One column of an export: its Chinese header, the kind of its values, width and getter."""

    header: str
    kind: str  # "text", "datetime", "date" or "number"
    width: int  # in Excel's character units
    value: Callable[[Mapping], object]


def neutralise(text: str) -> str:
    """Return a CSV cell's text so that Excel never reads it as a formula (a leading quote)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def office_time(timestamp: str | None) -> datetime | None:
    """Return a stored UTC timestamp as the office's wall-clock time to the second (naive, as Excel wants it)."""
    if not timestamp:
        return None
    return parse_timestamp(timestamp).astimezone(OFFICE_TZ).replace(tzinfo=None, microsecond=0)


def _data(name: str) -> Callable[[Mapping], Any]:
    return lambda item: item.get("data", {}).get(name)


def _station_columns(field, station_names: Mapping[str, str]) -> list[Column]:
    # Staff read stations by name, as the console shows them; the id stays beside it for
    # sorting and filtering. A station since removed from the content keeps its id as its name.
    get = _data(field.name)
    name = Column("驿站", "text", 24, lambda item: station_names.get(get(item), get(item)))
    return [name, _field_column(field)]


def _field_column(field) -> Column:
    get = _data(field.name)
    if field.kind == "choice":
        labels = {choice.value: choice.zh for choice in field.choices}
        return Column(field.label_zh, "text", 14, lambda item: labels.get(get(item), get(item)))
    if field.kind == "multichoice":
        labels = {choice.value: choice.zh for choice in field.choices}
        return Column(field.label_zh, "text", 24, lambda item: "、".join(labels.get(v, v) for v in get(item) or []))
    if field.kind == "mobile":
        return Column(field.label_zh, "text", 14, get)
    width = min(max(len(field.label_zh) * 2 + 2, (field.max_length or 20) // 2), 60)
    return Column(field.label_zh, "text", width, get)


def _branch_day(item: Mapping) -> date | None:
    assigned = office_time(item.get("branch", {}).get("assigned_at"))
    return assigned.date() if assigned else None


def _last_follow_up(item: Mapping) -> date | None:
    dates = [entry["date"] for entry in item.get("follow_ups", [])]
    return date.fromisoformat(max(dates)) if dates else None


_REQUEST_COLUMNS = (
    Column("受理编号", "text", 11, lambda item: item.get("ticket")),
    Column("处理状态", "text", 10, lambda item: STATUS_LABELS.get(item.get("status", ""), item.get("status"))),
    Column("答复", "text", 40, lambda item: item.get("reply")),
    Column("内部备注", "text", 30, lambda item: item.get("note")),
    Column("解决时间", "datetime", 20, lambda item: office_time(resolved_at(item.get("history", [])))),
)
_REGISTRATION_COLUMNS = (
    Column("联系人", "text", 10, lambda item: item.get("liaison", {}).get("name")),
    Column("联系人电话", "text", 14, lambda item: item.get("liaison", {}).get("mobile")),
    # The branch's name as it was when the member was assigned (updates.set_branch says why).
    Column("所属支部", "text", 24, lambda item: item.get("branch", {}).get("name")),
    Column("分配支部日期", "date", 13, _branch_day),
    Column("跟进次数", "number", 9, lambda item: len(item.get("follow_ups", []))),
    Column("最近跟进", "date", 12, _last_follow_up),
    Column(
        "组织关系转接",
        "text",
        13,
        lambda item: TRANSFER_LABELS.get(item.get("transfer", {}).get("state", "not_started")),
    ),
)


# What staff decided on a volunteer and on a member's report of service.
_VOLUNTEER_COLUMNS = (
    Column(
        "审核情况",
        "text",
        10,
        lambda item: APPROVAL_LABELS[item.get("team_decision", {}).get("state", "pending")],
    ),
    Column("批准加入的服务队", "text", 16, lambda item: item.get("team_decision", {}).get("team")),
)
_SERVICE_COLUMNS = (
    Column("核实结果", "text", 10, lambda item: REVIEW_LABELS.get(item.get("review", {}).get("state", ""), "待核实")),
)
_SIGNUP_COLUMNS = (
    Column("报名状态", "text", 10, lambda item: SIGNUP_LABELS.get(item.get("status", ""), item.get("status"))),
    Column("序号", "number", 6, lambda item: item.get("place")),
    Column("是否签到", "text", 9, lambda item: "已签到" if item.get("attended") else "未签到"),
)
_ATTENDANCE_COLUMNS = (
    Column("签到方式", "text", 12, lambda item: WAY_LABELS.get(item["data"].get("way"), item["data"].get("way"))),
    Column("签到时刻", "datetime", 20, lambda item: office_time(item["data"].get("scanned_at"))),
    Column("代签工作人员", "text", 12, lambda item: item.get("by_name")),
)
# Values a column of their own shows better than the raw field: how and when someone signed in.
_SHOWN_ELSEWHERE = {"signup": ("waitlist",), "attendance": ("way", "scanned_at")}


def columns_for(form: FormDef, station_names: Mapping[str, str]) -> tuple[Column, ...]:
    """Return the export columns of a form: id and time, its fields (a station by name and
    id), then what staff added."""
    columns = [
        Column("提交编号", "text", 37, lambda item: item["id"]),
        Column("提交时间", "datetime", 20, lambda item: office_time(item["created_at"])),
    ]
    for field in form.fields:
        if field.name == "station":
            columns += _station_columns(field, station_names)
        # A stored submission always had consent: a column of "yes" says nothing.
        elif field.kind != "consent" and field.name not in _SHOWN_ELSEWHERE.get(form.name, ()):
            columns.append(_field_column(field))
    if form.issues_ticket:
        columns += _REQUEST_COLUMNS
    if form.name == "registration":
        columns += _REGISTRATION_COLUMNS
    if form.name == "volunteer":
        columns += _VOLUNTEER_COLUMNS
    if form.name == "service":
        columns += _SERVICE_COLUMNS
    if form.name == "signup":
        columns += _SIGNUP_COLUMNS
    if form.name == "attendance":
        columns += _ATTENDANCE_COLUMNS
    return tuple(columns)


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(CSV_DATETIME)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def write_csv(path: str, columns: tuple[Column, ...], items: Iterable[Mapping]) -> int:
    """Write the items as CSV for Excel (BOM, CRLF, Chinese header); return the number of rows."""
    rows = 0
    # utf-8-sig writes the BOM that tells Excel on Windows the file is UTF-8.
    with open(path, "w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow([column.header for column in columns])
        getters = [column.value for column in columns]
        for item in items:
            writer.writerow([_csv_cell(get(item)) for get in getters])
            rows += 1
    return rows


@dataclass(frozen=True)
class CsvPart:
    """A part of a CSV file: its bytes, its rows, the last of them, and whether it ends the file."""

    data: bytes
    rows: int
    last_item: Mapping | None
    ends: bool


def csv_parts(
    columns: tuple[Column, ...], items: Iterable[Mapping], with_header: bool, part_chars: int
) -> Iterator[CsvPart]:
    """Write the items as CSV for Excel in parts of at least `part_chars` characters (but the last).

    A part ends at the first row that brings it to the size, whenever it is written: the same rows
    make the same parts, so a part written twice is the same part.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    size = rows = 0
    if with_header:
        # The BOM tells Excel on Windows the file is UTF-8.
        size += buffer.write("\ufeff") + writer.writerow([column.header for column in columns])
    getters = [column.value for column in columns]
    remaining = iter(items)
    item = next(remaining, None)
    last = None
    while item is not None:
        # writerow answers the characters it wrote: never fewer than the bytes they become.
        size += writer.writerow([_csv_cell(get(item)) for get in getters])
        rows += 1
        last = item
        item = next(remaining, None)
        if size >= part_chars and item is not None:
            yield CsvPart(buffer.getvalue().encode("utf-8"), rows, last, False)
            buffer.seek(0)
            buffer.truncate()
            size = rows = 0
            last = None
    yield CsvPart(buffer.getvalue().encode("utf-8"), rows, last, True)


def write_xlsx(path: str, columns: tuple[Column, ...], items: Iterable[Mapping], sheet_name: str) -> int:
    """Write the items as an XLSX workbook (frozen header, widths, real dates); return the rows."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        path,
        {
            # Rows go straight to a temporary file: memory stays flat however many there are.
            "constant_memory": True,
            # Data is data: nothing a member typed becomes a formula, a link or a number.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        sheet = workbook.add_worksheet(sheet_name[:31])
        header = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
        formats = {"datetime": workbook.add_format({"num_format": XLSX_DATETIME})}
        formats["date"] = workbook.add_format({"num_format": XLSX_DATE})
        for number, column in enumerate(columns):
            sheet.set_column(number, number, column.width)
        sheet.write_row(0, 0, [column.header for column in columns], header)
        sheet.freeze_panes(1, 0)
        plan = [
            (number, column.value, _xlsx_writer(sheet, column.kind, formats.get(column.kind)))
            for number, column in enumerate(columns)
        ]
        row = 0
        for item in items:
            row += 1
            if row > XLSX_MAX_ROWS:
                raise TooManyRows()
            for number, get, write in plan:
                value = get(item)
                # An empty cell stays empty: nothing is written for it.
                if value is not None and value != "":
                    write(row, number, value)
        sheet.autofilter(0, 0, max(row, 1), len(columns) - 1)
    finally:
        workbook.close()
    return row


def _xlsx_writer(sheet, kind: str, cell_format):
    if kind in ("datetime", "date"):
        return lambda row, column, value: sheet.write_datetime(row, column, value, cell_format)
    if kind == "number":
        return sheet.write_number
    # write_string, never write(): a string cell is never evaluated, whatever it starts with.
    return sheet.write_string


def export_filenames(
    form: FormDef,
    day_from: date,
    day_to: date,
    station: str | None,
    status: str | None,
    file_format: str,
    station_names: Mapping[str, str],
    branch: str | None = None,
    branch_names: Mapping[str, str] | None = None,
) -> tuple[str, str]:
    """Return (the file's Chinese name, an ASCII name for old browsers and the S3 key)."""
    chinese = [form.title_zh, day_from.isoformat(), day_to.isoformat()]
    plain = [form.name, day_from.isoformat(), day_to.isoformat()]
    if station:
        chinese.append(station_names.get(station, station))
        plain.append(station)
    if status:
        chinese.append(STATUS_LABELS[status])
        plain.append(status)
    if branch:
        chinese.append((branch_names or {}).get(branch, branch))
        plain.append(branch)
    return "_".join(chinese) + f".{file_format}", "_".join(plain) + f".{file_format}"


def activity_export_filenames(form: FormDef, activity_id: str, title: str, file_format: str) -> tuple[str, str]:
    """Return (the file's Chinese name, an ASCII name) of an activity's sign-ups or attendance."""
    # A title may hold a slash or other characters a file name cannot: those become "_".
    safe_title = "".join("_" if character in '\\/:*?"<>|' else character for character in title)
    return f"{form.title_zh}_{safe_title}.{file_format}", f"{form.name}_{activity_id}.{file_format}"


def write_export(
    path: str, form: FormDef, file_format: str, items: Iterable[Mapping], station_names: Mapping[str, str]
) -> int:
    """Write a form's records to `path` as CSV or XLSX; return the number of rows."""
    return write_rows(path, columns_for(form, station_names), form.title_zh, file_format, items)


def write_rows(path: str, columns: tuple[Column, ...], title: str, file_format: str, items: Iterable[Mapping]) -> int:
    """Write the items' columns to `path` as CSV or XLSX (a sheet named `title`); return the number of rows."""
    if file_format == "xlsx":
        return write_xlsx(path, columns, items, title)
    return write_csv(path, columns, items)


SERVICE_TITLE = "志愿服务记录"
SERVICE_SOURCES = {"staff": "工作人员记录", "report": "党员上报"}


def service_columns(team_names: Mapping[str, str]) -> tuple[Column, ...]:
    """Return the export columns of confirmed service records: the team by name, then the piece of service."""
    return (
        Column("服务队", "text", 20, lambda item: team_names.get(item["team"], item["team"])),
        Column("服务日期", "date", 12, lambda item: date.fromisoformat(item["date"])),
        Column("服务内容", "text", 40, lambda item: item["what"]),
        Column("次数或趟数", "number", 11, lambda item: item["times"]),
        Column("服务时长（小时）", "number", 15, lambda item: item["hours"]),
        Column("参加人数", "number", 9, lambda item: item["people"]),
        Column("来源", "text", 12, lambda item: SERVICE_SOURCES.get(item["source"], item["source"])),
        Column("记录或核实人", "text", 12, lambda item: item["by_name"]),
        Column("记录时间", "datetime", 20, lambda item: office_time(item["created_at"])),
        Column("记录编号", "text", 37, lambda item: item["id"]),
    )


@contextlib.contextmanager
def small_file(
    filename: str, columns: tuple[Column, ...], title: str, file_format: str, items: Iterable[Mapping]
) -> Iterator[tuple[str, int]]:
    """Write a few records (a team's service, an activity's lists: what one request writes with time
    to spare) to a temporary file; yield (path, rows). The file is deleted when the block ends."""
    # Lambda may write only under /tmp; the file leaves it as soon as it is uploaded.
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, filename)
        yield path, write_rows(path, columns, title, file_format, items)


def service_file(
    file_format: str, items: Iterable[Mapping], team_names: Mapping[str, str], filename: str
) -> contextlib.AbstractContextManager[tuple[str, int]]:
    """Write confirmed service records to a temporary file (a team records a handful a day)."""
    return small_file(filename, service_columns(team_names), SERVICE_TITLE, file_format, items)
