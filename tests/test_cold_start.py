"""A member's form loads what it needs and no more: importing the app leaves the staff side alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import FUNCTIONS_DIR, stage_environment

# Only staff routes use these; exports alone use the first three. A member's cold start pays
# for none of them (bench/cold_start.py measures what it does pay for).
STAFF_SIDE = (
    "xlsxwriter",
    "openpyxl",
    "chalicelib.exports",
    "chalicelib.staffinput",
    "chalicelib.records",
    "chalicelib.stats",
    "chalicelib.dayindex",
    "chalicelib.updates",
    "chalicelib.audit",
    "chalicelib.people",
    "chalicelib.tokens",
    "chalicelib.downloads",
)


def test_importing_the_app_loads_nothing_of_the_staff_side_or_the_exports():
    script = f"import json, sys, app; print(json.dumps([name for name in {STAFF_SIDE!r} if name in sys.modules]))"
    environment = {**os.environ, **stage_environment()}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=FUNCTIONS_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
