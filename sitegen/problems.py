"""Problems in editors' files, each pinned to the line an editor should look at."""

from __future__ import annotations

import codecs
import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in one file, at one line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """The content has problems; str() lists every one of them, one per line."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """Return " (did you mean 'x'?)" for a near miss, else ""."""
    matches = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def kind_of(value: object) -> str:
    """Name the YAML type of value the way an editor would say it."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})" if math.isfinite(value) else f"'{value}', which is not a usable number"
    if isinstance(value, str):
        return f"text ('{value}')"
    if isinstance(value, datetime):
        return f"a date and time ({value.isoformat(sep=' ')})"
    if isinstance(value, date):
        return f"a date ({value.isoformat()})"
    if isinstance(value, dict):
        return "a mapping (key: value lines)"
    if isinstance(value, list):
        return "a list"
    return "a value of a kind this file does not use"


def is_integer(value: object) -> bool:
    """True for a YAML integer (YAML's true/false are ints to Python; they don't count)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    """True for a finite YAML integer or float."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class _Constructor(RoundTripConstructor):
    """ruamel's round-trip constructor, but an impossible date is a located YAML error."""

    def construct_yaml_timestamp(self, node, values=None):
        # ruamel raises a bare ValueError for 2026-02-30, which carries no line.
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError as error:
            raise ConstructorError(
                None, None, f"'{node.value}' is not a real date ({error})", node.start_mark
            ) from error


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


@dataclass
class FileReport:
    """Collects the problems of one file; YAML nodes are located through ruamel's `.lc`."""

    path: str
    # File line of the YAML text's first line (front matter starts below its `---`).
    first_line: int = 1
    problems: list[Problem] = field(default_factory=list)

    def at_line(self, line: int, message: str) -> None:
        """Record a problem at a 1-based line of the file."""
        self.problems.append(Problem(self.path, line, message))

    def node_line(self, node: Any) -> int:
        """File line where a YAML mapping or list starts."""
        return self.first_line + (getattr(getattr(node, "lc", None), "line", 0) or 0)

    def key_line(self, mapping: Any, key: object) -> int:
        """File line of a key in a YAML mapping."""
        try:
            return self.first_line + mapping.lc.key(key)[0]
        except (AttributeError, KeyError, TypeError):
            # Keys merged in with `<<: *anchor` have no position of their own.
            return self.node_line(mapping)

    def value_line(self, mapping: Any, key: object) -> int:
        """File line where a key's value starts."""
        # An empty value has no position of its own; ruamel gives the next token's.
        if mapping.get(key) is None:
            return self.key_line(mapping, key)
        try:
            return self.first_line + mapping.lc.value(key)[0]
        except (AttributeError, KeyError, TypeError):
            return self.key_line(mapping, key)

    def item_line(self, sequence: Any, index: int) -> int:
        """File line of an item in a YAML list."""
        try:
            return self.first_line + sequence.lc.item(index)[0]
        except (AttributeError, KeyError, TypeError):
            return self.node_line(sequence)

    def at_node(self, node: object, message: str) -> None:
        """Record a problem where a YAML mapping or list starts."""
        self.at_line(self.node_line(node), message)

    def at_key(self, mapping: object, key: object, message: str) -> None:
        """Record a problem at the line of a key in a YAML mapping."""
        self.at_line(self.key_line(mapping, key), message)

    def at_value(self, mapping: object, key: object, message: str) -> None:
        """Record a problem at the line where a key's value starts."""
        self.at_line(self.value_line(mapping, key), message)

    def at_item(self, sequence: object, index: int, message: str) -> None:
        """Record a problem at the line of an item in a YAML list."""
        self.at_line(self.item_line(sequence, index), message)

    def check_keys(self, mapping: dict, known: Iterable[str], required: Iterable[str], what: str) -> None:
        """Report unknown keys (with a suggestion) and missing required ones."""
        known = list(known)
        for key in mapping:
            if key not in known:
                self.at_key(mapping, key, f"unknown field '{key}'{did_you_mean(key, known)}")
        for key in required:
            if key not in mapping:
                self.at_node(mapping, f"{what} is missing the required field '{key}'")

    def parse_yaml(self, text: str) -> tuple[bool, object]:
        """Parse YAML text; on a syntax error record it at its line and return (False, None)."""
        yaml = YAML(typ="rt")
        yaml.Constructor = _Constructor
        try:
            return True, yaml.load(text)
        except MarkedYAMLError as error:
            line, message = _yaml_problem(error)
            self.at_line(self.first_line + line, message)
        except YAMLError as error:
            self.at_line(self.first_line, f"invalid YAML: {error}")
        return False, None


def _yaml_problem(error: MarkedYAMLError) -> tuple[int, str]:
    """The 0-based line and the editor's wording for a YAML syntax error."""
    problem, context = error.problem or "syntax error", error.context or ""
    # An unclosed quote or bracket is only noticed lines later; point at where it opens.
    if error.context_mark is not None and "quoted scalar" in context:
        return error.context_mark.line, f"invalid YAML: the quote opened here is never closed ({problem})"
    if error.context_mark is not None and "flow" in context:
        return error.context_mark.line, f"invalid YAML: the [ or {{ opened here is not closed properly ({problem})"
    mark = error.problem_mark or error.context_mark
    if "found duplicate key" in problem:
        problem = problem.split(" with value")[0]
    if problem.startswith("but ") and context:
        problem = f"{context}, {problem}"
    if "'\\t'" in problem:
        problem += " (indent with spaces, not tabs)"
    if "expected <block end>" in problem:
        problem += " (check this line's indentation)"
    return (mark.line if mark else 0), f"invalid YAML: {problem}"


def read_text(path, report: FileReport) -> str | None:
    """Read a UTF-8 file (a leading BOM is fine); record a problem if it isn't UTF-8."""
    # Editors on Windows often save with a BOM; it is not content.
    data = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        report.at_line(line, f"the file is not UTF-8 text (byte 0x{data[error.start]:02x}); save it as UTF-8")
        return None


def split_lines(text: str) -> list[str]:
    """Split text into lines the way editors count them (\\n, \\r\\n or \\r, nothing else)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
