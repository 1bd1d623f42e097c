"""An export streams its rows into the file: memory stays flat however many rows there are
(a CSV holds one part of its multipart upload at a time)."""

from __future__ import annotations

import os
import tempfile
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

# Loaded before memory is traced: importing the library is not what an export holds.
import xlsxwriter  # noqa: F401
from chalicelib.exports import columns_for, csv_parts, write_export
from chalicelib.forms import FORMS
from chalicelib.store import SubmissionStore
from conftest import STAFF_REGISTRATION

FORM = FORMS["registration"]
ROWS = 300
# Each row carries this much text of its own: were the rows (or their cells) all held at once,
# the export would hold ROWS times it.
ROW_TEXT_BYTES = 40_000
# The CSV's parts, as small here as the rows are few: a part is what a CSV export holds at once.
PART_CHARS = 10 * ROW_TEXT_BYTES // 2


def fresh_rows() -> Iterator[dict]:
    """Yield ROWS registrations in their stored shape, each made only when it is asked for."""
    store = SubmissionStore(None, clock=lambda: datetime.now(UTC))
    for n in range(ROWS):
        # Distinct text for every row, in Chinese (two bytes a character in memory).
        employer = f"{n:06d}" + "某" * (ROW_TEXT_BYTES // 2)
        yield store.build_item(FORM, str(uuid.uuid4()), {**STAFF_REGISTRATION, "employer": employer})


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_holds_a_few_rows_at_a_time_not_all_of_them(file_format):
    tracemalloc.start()
    try:
        if file_format == "csv":
            # Each part goes to S3 and is let go before the next is written.
            rows = sum(part.rows for part in csv_parts(columns_for(FORM, {}), fresh_rows(), True, PART_CHARS))
        else:
            with tempfile.TemporaryDirectory() as folder:
                rows = write_export(os.path.join(folder, "rows.xlsx"), FORM, "xlsx", fresh_rows(), {})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == ROWS
    # Every row held at once would be ROWS * ROW_TEXT_BYTES (12 MB); streaming holds a row or two
    # (CSV: a part of ten), beside what the writer holds whatever the rows (xlsxwriter: about 1.5 MB,
    # the same at 100 rows).
    assert peak < ROWS * ROW_TEXT_BYTES / 4, f"peak {peak / 2**20:.1f} MiB"
