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

from sitegen.yamlerrors import explain_yaml_error


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
    """Return "（是不是想写 'x'？）" for a near miss, else ""."""
    matches = difflib.get_close_matches(str(word), list(choices), n=1)
    return f"（是不是想写 '{matches[0]}'？）" if matches else ""


def kind_of(value: object) -> str:
    """Name the YAML type of value the way an editor would say it, in Chinese."""
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return f"真假值（{str(value).lower()}）"
    if isinstance(value, (int, float)):
        return f"数字（{value}）" if math.isfinite(value) else f"'{value}'（不是能用的数字）"
    if isinstance(value, str):
        return f"文字（'{value}'）"
    if isinstance(value, datetime):
        return f"日期加时间（{value.isoformat(sep=' ')}）"
    if isinstance(value, date):
        return f"日期（{value.isoformat()}）"
    if isinstance(value, dict):
        return "一组“名称: 值”"
    if isinstance(value, list):
        return "列表"
    return "本文件用不到的一种值"


def is_integer(value: object) -> bool:
    """True for a YAML integer (YAML's true/false are ints to Python; they don't count)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    """True for a finite YAML integer or float."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# Full-width punctuation that a Chinese input method types where YAML and ids want ASCII.
_FULL_WIDTH = {
    "：": "冒号 :",
    "，": "逗号 ,",
    "“": '引号 "',
    "”": '引号 "',
    "‘": "引号 '",
    "’": "引号 '",
    "\u3000": "空格",
}


def full_width_hint(text: object) -> str:
    """Return "（其中的中文逗号“，”请改成英文逗号 ,）" when text holds full-width punctuation, else ""."""
    found = dict.fromkeys(_FULL_WIDTH[char] for char in str(text) if char in _FULL_WIDTH)
    if not found:
        return ""
    return "（其中有中文标点或全角空格，请改成英文的" + "、".join(found) + "）"


class ImpossibleDateError(ConstructorError):
    """A date that looks like one but is not on the calendar (2026-02-30)."""


class _Constructor(RoundTripConstructor):
    """ruamel's round-trip constructor, but an impossible date is a located YAML error."""

    def construct_yaml_timestamp(self, node, values=None):
        # ruamel raises a bare ValueError for 2026-02-30, which carries no line.
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError as error:
            raise ImpossibleDateError(
                None, None, f"'{node.value}' 不是真实存在的日期，请核对年月日（{error}）", node.start_mark
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
                hint = full_width_hint(key) or did_you_mean(key, known) or f"（可以写的字段：{', '.join(known)}）"
                self.at_key(mapping, key, f"没有 '{key}' 这个字段{hint}")
        for key in required:
            if key not in mapping:
                self.at_node(mapping, f"{what}缺少必填字段 '{key}'：请补上 '{key}: ...'")

    def parse_yaml(self, text: str) -> tuple[bool, object]:
        """Parse YAML text; on a syntax error record it at its line and return (False, None)."""
        yaml = YAML(typ="rt")
        yaml.Constructor = _Constructor
        try:
            return True, yaml.load(text)
        except ImpossibleDateError as error:
            self.at_line(self.first_line + error.problem_mark.line, error.problem)
        except MarkedYAMLError as error:
            line, message = explain_yaml_error(error, text)
            self.at_line(self.first_line + line, message)
        except YAMLError as error:
            self.at_line(self.first_line, f"YAML 格式有误（{error}）")
        return False, None


def read_text(path, report: FileReport) -> str | None:
    """Read a UTF-8 file (a leading BOM is fine); record a problem if it isn't UTF-8."""
    # Editors on Windows often save with a BOM; it is not content.
    data = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        report.at_line(line, f"文件不是 UTF-8 编码（字节 0x{data[error.start]:02x}）：请在编辑器里“另存为”UTF-8 编码")
        return None


def read_yaml_file(path, report: FileReport, missing: str) -> tuple[bool, object]:
    """Read and parse a YAML file as read_text and FileReport.parse_yaml do; a missing file is
    recorded at line 1 with the message `missing`. Return (parsed, data)."""
    if not path.is_file():
        report.at_line(1, missing)
        return False, None
    text = read_text(path, report)
    if text is None:
        return False, None
    return report.parse_yaml(text)


def split_lines(text: str) -> list[str]:
    """Split text into lines the way editors count them (\\n, \\r\\n or \\r, nothing else)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
