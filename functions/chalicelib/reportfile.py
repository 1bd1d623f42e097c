"""The office's report as an XLSX workbook: one sheet per section, then one per chart's series.

xlsxwriter is imported inside write_report_xlsx only, as for exports: the member's path never pays for it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ("项目", "本期", "上期", "变化", "单位")
# The charts' series, as sheets after the sections: (key in the report, sheet name, first column's header).
SERIES = (
    ("members_by_week", "按周归队", "周（周一）"),
    ("activities_by_month", "每月活动", "月份"),
    ("study_by_lesson", "各课学习", "课程"),
    ("checkins_by_station", "各驿站签到", "驿站"),
)


def report_filenames(report: Mapping) -> tuple[str, str]:
    """Return (the file's Chinese name, an ASCII name for old browsers and the S3 key)."""
    days = f"{report['from']}_{report['to']}"
    return f"工作报告_{days}.xlsx", f"report_{days}.xlsx"


@contextlib.contextmanager
def report_file(report: Mapping, names: Mapping[str, Mapping[str, str]]) -> Iterator[tuple[str, str, str]]:
    """Write the report to a temporary XLSX file; yield (path, Chinese name, ASCII name). The file goes after."""
    filename, fallback = report_filenames(report)
    # Lambda may write only under /tmp; the file leaves it as soon as it is uploaded.
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, fallback)
        write_report_xlsx(path, report, names)
        yield path, filename, fallback


def write_report_xlsx(path: str, report: Mapping, names: Mapping[str, Mapping[str, str]]) -> None:
    """Write the report to `path`; `names` maps the series' ids to names ({"stations": ..., "lessons": ...})."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        path, {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    try:
        bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
        title = workbook.add_format({"bold": True, "font_size": 14})
        period = f"本期 {report['from']} 至 {report['to']}；上期 {report['previous_from']} 至 {report['previous_to']}"
        for section in report["sections"]:
            sheet = workbook.add_worksheet(section["title"][:31])
            sheet.write_string(0, 0, section["title"], title)
            sheet.write_string(1, 0, period)
            sheet.write_row(3, 0, HEADER, bold)
            sheet.set_column(0, 0, 30)
            sheet.set_column(1, 4, 10)
            for row, figure in enumerate(section["figures"], start=4):
                sheet.write_string(row, 0, figure["label"])
                for column, value in ((1, figure["value"]), (2, figure["previous"]), (3, _change(figure))):
                    if value is not None:
                        sheet.write_number(row, column, value)
                sheet.write_string(row, 4, figure["unit"])
        series_names = {"study_by_lesson": names.get("lessons", {}), "checkins_by_station": names.get("stations", {})}
        for key, sheet_name, first in SERIES:
            sheet = workbook.add_worksheet(sheet_name)
            sheet.write_row(0, 0, (first, "次数"), bold)
            sheet.set_column(0, 0, 30)
            lookup = series_names.get(key, {})
            for row, entry in enumerate(report["charts"][key], start=1):
                sheet.write_string(row, 0, lookup.get(entry["key"], entry["key"]))
                sheet.write_number(row, 1, entry["count"])
    finally:
        workbook.close()


def _change(figure: Mapping) -> float | None:
    if figure["value"] is None or figure["previous"] is None:
        return None
    return figure["value"] - figure["previous"]
