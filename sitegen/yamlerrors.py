"""Explain a YAML syntax error in Chinese, at the line where the mistake is, with what to write instead.

The parser notices most mistakes a line or more after them and words them for people who
write parsers ("mapping values are not allowed here"). Editors type with a Chinese input
method, so the usual cause is a full-width colon, comma, quote or space, a tab, or a line
indented one space off: look for those on the lines around the error before falling back
to the parser's own words.
"""

from __future__ import annotations

import re

from ruamel.yaml.error import MarkedYAMLError

# A key written with a full-width colon: `title：归队码` (no ASCII colon before it).
_FULL_WIDTH_COLON_KEY = re.compile(r"^(\s*(?:-\s+)?)([^\s:#'\"\[\]{}][^:：]*?)\s*：\s*(.*)$")
# A key with no space after its colon: `name:泗州驿站` (times like 08:30 start with a digit).
_NO_SPACE_AFTER_COLON = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][\w-]*):(?![\s:/])(.+)$")
_DUPLICATE_KEY = re.compile(r'found duplicate key "(.*?)"')
_QUOTES = {"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"'}
# A key and the separator after it, to find where a value starts.
_KEY = re.compile(r"^\s*(?:-\s+)?[^\s:#'\"\[\]{}][^:]*:(?=\s|$)")
# A quote opened after [ { or a comma in a flow list or mapping.
_QUOTE_AFTER_BRACKET = re.compile(r"[\[{,:]\s*[“‘「]")
# A full-width space where YAML needs a space: after a key's colon or a list dash.
_MISPLACED_FULL_WIDTH_SPACE = re.compile(r"((?:^\s*-|:))\u3000+")
_BRACKETS = (("[", "]", "方括号"), ("{", "}", "花括号"))


def explain_yaml_error(error: MarkedYAMLError, text: str) -> tuple[int, str]:
    """The 0-based line where the mistake is, and what is wrong there and how to write it, in Chinese."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    problem, context = error.problem or "", error.context or ""
    marks = [mark.line for mark in (error.context_mark, error.problem_mark) if mark is not None]
    last = max(marks, default=0)
    first = max(0, min(marks, default=0) - 1)
    if error.context_mark is not None and ("quoted scalar" in context or "flow" in context):
        # Everything after an unclosed quote or bracket is swallowed: only its own line counts.
        first = last = error.context_mark.line
    # The nearest typing mistake at or above the line the parser stopped on.
    for number in range(min(last, len(lines) - 1), first - 1, -1):
        message = _typing_mistake(lines[number])
        if message:
            return number, message
    if "duplicate key" in problem:
        key = _DUPLICATE_KEY.search(problem)
        name = key.group(1) if key else ""
        return last, f"字段 '{name}' 写了两次，同一层里每个字段只能写一次：删掉多余的那一行（duplicate key）"
    if "expected a single document" in context:
        return last, "这里又出现了一行 '---'：这个文件只能有一段内容，请删掉这一行和它后面多余的内容"
    if "could not find expected ':'" in problem and error.context_mark is not None:
        return error.context_mark.line, _missing_colon_message(lines[error.context_mark.line])
    if "quoted scalar" in context and error.context_mark is not None:
        return (
            error.context_mark.line,
            '这一行的引号没有配对：值开头有引号，结尾也要有同样的英文引号，例如 "0557-7021234"',
        )
    if "flow" in context or "']'" in problem or "'}'" in problem:
        number = error.context_mark.line if "flow" in context and error.context_mark is not None else last
        return number, _bracket_message(lines[number] if number < len(lines) else "")
    if "mapping values are not allowed" in problem or "expected <block end>" in problem:
        previous = next((n for n in range(min(last, len(lines)) - 1, -1, -1) if lines[n].strip()), None)
        # `title 归队码` above a field: a line with no colon at all is the mistake, not this one.
        if previous is not None and _lacks_colon(lines[previous]):
            return previous, _missing_colon_message(lines[previous])
        return last, _indentation_message(lines, last)
    return last, f"YAML 格式有误，请检查这一行（{context + ', ' if context else ''}{problem or 'syntax error'}）"


def _typing_mistake(line: str) -> str | None:
    """What is mistyped on one line, with the line as it should be; None if nothing is."""
    if line.lstrip().startswith("#"):
        return None
    indent = line[: len(line) - len(line.lstrip())]
    if "\t" in indent:
        return "这一行用 Tab 键缩进了，YAML 只认空格：请把行首的 Tab 换成空格，与上面同一层的字段对齐"
    if line.lstrip(" ").startswith("\u3000"):
        return "这一行行首有全角空格（中文输入法打出的空格）：请换成英文空格，与上面同一层的字段对齐"
    # Inside a value a full-width space or quote is text; where YAML expects a separator or
    # a quote, it is a slip.
    if _MISPLACED_FULL_WIDTH_SPACE.search(line):
        fixed = _MISPLACED_FULL_WIDTH_SPACE.sub(lambda match: match.group(1) + " ", line)
        return f"这一行有全角空格（中文输入法打出的空格）：请换成英文空格，写成 '{fixed.strip()}'"
    value = _KEY.sub("", line, count=1).strip().removeprefix("- ").strip()
    quoting = value[:1] in _QUOTES or _QUOTE_AFTER_BRACKET.search(value)
    if quoting or (any(quote in value for quote in _QUOTES) and (value.count('"') + value.count("'")) % 2):
        fixed = "".join(_QUOTES.get(char, char) for char in line)
        return f"这一行用了中文引号 “ ” 或 ‘ ’：请改用英文引号，写成 '{fixed.strip()}'"
    colon = _FULL_WIDTH_COLON_KEY.match(line)
    if colon and ":" not in colon.group(2):
        fixed = f"{colon.group(1)}{colon.group(2)}: {colon.group(3)}".rstrip()
        return f"字段名后面用了中文冒号“：”：请改用英文冒号加一个空格，写成 '{fixed.strip()}'"
    if "，" in line and any(opener in line for opener, _, _ in _BRACKETS):
        fixed = line.replace("，", ", ")
        return f"方括号或花括号里用了中文逗号“，”：请改用英文逗号，写成 '{fixed.strip()}'"
    missing = _NO_SPACE_AFTER_COLON.match(line)
    if missing:
        fixed = f"{missing.group(1)}{missing.group(2)}: {missing.group(3)}"
        return f"冒号后面少了一个空格：请写成 '{fixed.strip()}'"
    key = _KEY.match(line)
    if key and ": " in value and value[:1] not in "\"'[{|>":
        # `summary: 注意: 雨天慢行` reads as a second key inside the value.
        fixed = f'{key.group().strip()} "{value}"'
        return f"值里有“冒号加空格”，YAML 会把它当成又一个字段：请给整个值加上英文引号，写成 '{fixed}'"
    return None


def _lacks_colon(line: str) -> bool:
    stripped = line.strip()
    return not stripped.startswith(("#", "- ", "---")) and stripped != "-" and ":" not in stripped


def _missing_colon_message(line: str) -> str:
    words = line.strip().split(None, 1)
    prefix = line[: len(line) - len(line.lstrip())]
    if len(words) == 2 and re.fullmatch(r"-?[A-Za-z_][\w-]*", words[0]):
        return f"这一行的字段名后面少了英文冒号“:”：请写成 '{(prefix + words[0] + ': ' + words[1]).strip()}'"
    return "这一行少了英文冒号“:”：每个字段写成 '名称: 值'（冒号后面空一格）"


def _bracket_message(line: str) -> str:
    for opener, closer, name in _BRACKETS:
        opened, closed = line.count(opener), line.count(closer)
        if opened > closed:
            example = "[rest, water]" if opener == "[" else "{lat: 33.47, lng: 117.89}"
            return f"这一行的{name} {opener} 没有配对：请在这一行的值末尾补上 {closer}，例如 {example}"
        if closed > opened:
            return f"这一行多了一个 {closer}：{name}要成对，请删掉多余的 {closer}"
    return "这一行的方括号 [ ] 或花括号 { } 里写错了：项目之间用英文逗号加空格隔开，例如 [rest, water]"


def _indentation_message(lines: list[str], number: int) -> str:
    line = lines[number] if number < len(lines) else ""
    width = _key_column(line)
    is_item = line.lstrip().startswith("- ")
    # Earlier lines of the same kind (list items, or fields) show the indentations in use.
    columns = []
    for earlier in lines[:number]:
        if earlier.strip() and not earlier.lstrip().startswith("#"):
            if is_item:
                if earlier.lstrip().startswith("- "):
                    columns.append(len(earlier) - len(earlier.lstrip()))
            else:
                columns.append(_key_column(earlier))
    here = len(line) - len(line.lstrip()) if is_item else width
    if columns:
        # The nearest indentation in use; on a tie, the one used last.
        best = min(reversed(columns), key=lambda column: abs(column - here))
        if best != here:
            return (
                f"这一行的缩进不对：它前面有 {here} 个空格，同一层的行前面是 {best} 个空格；"
                f"请改成 {best} 个空格（只用空格，不用 Tab），与上面同一层的字段对齐"
            )
    return "这一行的缩进不对，或上一行没有写完：同一层的字段要左边对齐（只用空格），每个字段写成 '名称: 值'"


def _key_column(line: str) -> int:
    """Column where a line's key starts (after any list dash)."""
    stripped = line.lstrip()
    column = len(line) - len(stripped)
    while stripped.startswith("- "):
        rest = stripped[2:].lstrip()
        column += len(stripped) - len(rest)
        stripped = rest
    return column
