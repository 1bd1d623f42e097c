"""The pure tests run on a machine with no browser driver and no DynamoDB emulator installed."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

# Content, forms, hours, geometry and compression: no server, no browser. (test_build.py needs
# neither too, but builds whole sites; running it twice would add most of a minute.)
PURE_TESTS = [
    "tests/test_compress.py",
    "tests/test_content_validation.py",
    "tests/test_forms_validation.py",
    "tests/test_geo.py",
    "tests/test_hours.py",
]
# pytest, run with every import of the browser driver and of the emulator refused, as if they
# were not installed.
WITHOUT_BROWSER_OR_EMULATOR = """
import importlib.abc
import sys

import pytest


class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("playwright", "moto"):
            raise ModuleNotFoundError(f"{name} refused: not installed here", name=name)
        return None


sys.meta_path.insert(0, Refuse())
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", *sys.argv[1:]]))
"""


def run_without_browser_or_emulator(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_BROWSER_OR_EMULATOR, *args],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_pure_tests_run_without_a_browser_driver_or_emulator():
    run = run_without_browser_or_emulator(*PURE_TESTS)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert " passed" in run.stdout and "refused" not in run.stdout


@pytest.mark.parametrize("test_file", ["tests/test_finder.py", "tests/test_store.py::test_day_key_uses_the_office_day"])
def test_a_test_that_needs_them_fails_there(test_file):
    # The refusal is real: a browser test cannot even be collected, and a table test cannot
    # start its server.
    run = run_without_browser_or_emulator(test_file)
    assert run.returncode != 0
    assert "refused: not installed here" in run.stdout
