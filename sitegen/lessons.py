"""Read and validate lessons/*.md: front matter, reading time, links between lessons, images."""

from __future__ import annotations

import datetime
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from sitegen.problems import (
    FileReport,
    Problem,
    did_you_mean,
    is_integer,
    is_number,
    kind_of,
    read_text,
    split_lines,
)

LESSONS_DIR = "lessons"
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
MAX_SLUG = 64
FIELDS = ("title", "summary", "minutes", "date", "tags", "order", "draft")
REQUIRED = ("title",)
CHARACTERS_PER_MINUTE = 400
WORDS_PER_MINUTE = 200

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")
_FENCE = re.compile(r"\s*(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+).+?\1")
_TEXT = r"\[(?:[^\[\]]|\[[^\[\]]*\])*\]"
_TARGET = r"\(\s*(<[^>]*>|[^\s()]+)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
_IMAGE = re.compile("!" + _TEXT + _TARGET)
_LINK = re.compile("(?<!!)" + _TEXT + _TARGET)
_HTML_IMAGE = re.compile(r"""<img\b[^>]*?\ssrc\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_DEFINITION = re.compile(r"\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?")
_EXTERNAL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:|//|/|#")
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif")
# Link targets and HTML tags are not read by anyone, so they don't add reading time.
_NOT_READ = re.compile(r"\]\([^)]*\)|<[^>]+>")
# A level-one heading on the body's first written line: "# 标题", or "#标题" as Markdown takes it too.
_OWN_TITLE = re.compile(r"\A(?:[ \t]*\n)*#(?!#)[^\n]*(?:\n|\Z)")


@dataclass(frozen=True)
class Lesson:
    """One lesson: its front matter, its Markdown body and the lessons it links to."""

    slug: str
    path: Path
    title: str
    summary: str
    minutes: int
    date: datetime.date | None
    tags: tuple[str, ...]
    order: int | None
    draft: bool
    body: str
    links: tuple[str, ...]


@dataclass(frozen=True)
class _Reference:
    """A link or image target in a lesson body, with its file line."""

    line: int
    target: str
    image: bool


def read_lessons(root: Path) -> tuple[list[Lesson], list[Problem]]:
    """Read every lessons/*.md under root; return the readable lessons and every problem found."""
    folder = root / LESSONS_DIR
    if not folder.is_dir():
        return [], [Problem(LESSONS_DIR, 1, "找不到 lessons/ 文件夹：课程要以 .md 文件放在 lessons/ 里")]
    # Editors' tools leave hidden files such as emacs lock files beside the lessons.
    paths = sorted(path for path in folder.glob("*.md") if path.is_file() and not path.name.startswith("."))
    slugs = {path.stem for path in paths}
    read = [_read_lesson(path, folder) for path in paths]
    drafts = {lesson.slug for lesson, _, _ in read if lesson is not None and lesson.draft}
    lessons, problems = [], []
    for lesson, references, report in read:
        is_draft = lesson is not None and lesson.draft
        for reference in references:
            _check_reference(reference, folder, slugs, set() if is_draft else drafts, report)
        if lesson is not None:
            lessons.append(lesson)
        problems.extend(report.problems)
    return lessons, problems


def _read_lesson(path: Path, folder: Path) -> tuple[Lesson | None, list[_Reference], FileReport]:
    report = FileReport(f"{LESSONS_DIR}/{path.name}")
    if not (SLUG.fullmatch(path.stem) and len(path.stem) <= MAX_SLUG):
        report.at_line(
            1,
            f"文件名 '{path.name}' 只能用小写英文字母 a-z、数字 0-9 和单个连字符 -，"
            f"最多 {MAX_SLUG} 个字符（例如 return-code-guide.md）：请改名",
        )
    text = read_text(path, report)
    if text is None:
        return None, [], report
    lines = split_lines(text)
    if lines[0].rstrip() != "---":
        report.at_line(
            1, "文件开头缺少课程信息（front matter）：第一行写 '---'，接着写 'title: 课程标题'，再写一行 '---'"
        )
        return None, [], report
    close = next((index for index in range(1, len(lines)) if lines[index].rstrip() in ("---", "...")), None)
    if close is None:
        report.at_line(1, "开头的课程信息（front matter）没有结束：在最后一个字段下面加一行 '---'")
        return None, [], report

    body_lines = lines[close + 1 :]
    body = "\n".join(body_lines)
    references = _references(body_lines, first_line=close + 2)
    meta = _front_matter("\n".join(lines[1:close]), report)
    if meta is None or report.problems:
        return None, references, report
    links = tuple(
        dict.fromkeys(slug for slug in (_lesson_slug(ref, folder) for ref in references) if slug and slug != path.stem)
    )
    lesson = Lesson(
        slug=path.stem,
        path=path,
        body=body,
        links=links,
        minutes=meta.pop("minutes", None) or reading_minutes(body),
        **meta,
    )
    return lesson, references, report


def _front_matter(text: str, report: FileReport) -> dict | None:
    """Validate the front matter; return the Lesson fields it gives, or None."""
    # The YAML starts on line 2, below the opening '---'.
    front = FileReport(report.path, first_line=2, problems=report.problems)
    parsed, data = front.parse_yaml(text)
    if not parsed:
        return None
    if not isinstance(data, dict):
        front.at_line(2, f"开头的课程信息要写成“字段: 值”的几行，第一行是 'title: 课程标题'，这里是{kind_of(data)}")
        return None
    before = len(report.problems)
    front.check_keys(data, FIELDS, REQUIRED, "开头的课程信息")
    meta = {
        "title": _title(data, front),
        "summary": _optional(data, "summary", front, str, "文字", ""),
        "minutes": _minutes(data, front),
        "date": _date(data, front),
        "tags": _tags(data, front),
        "order": _optional(data, "order", front, is_integer, "整数（例如 3）", None),
        "draft": _optional(data, "draft", front, bool, "成 true 或 false", False),
    }
    return meta if len(report.problems) == before else None


def _optional(data: dict, key: str, front: FileReport, accepts, expected: str, default):
    if key not in data:
        return default
    value = data[key]
    ok = isinstance(value, accepts) if isinstance(accepts, type) else accepts(value)
    if not ok:
        front.at_value(data, key, f"{key} 要写{expected}，这里是{kind_of(value)}")
        return default
    return value.strip() if isinstance(value, str) else value


def _title(data: dict, front: FileReport) -> str:
    if "title" in data and (data["title"] is None or str(data["title"]).strip() == ""):
        front.at_value(data, "title", "title 不能是空的：在 'title:' 后面空一格写上课程标题")
        return ""
    if is_number(data.get("title")):
        # YAML reads a title such as 2026 as a number.
        title = data["title"]
        front.at_value(data, "title", f'title 要写文字，这里是{kind_of(title)}：数字标题请加英文引号，例如 "{title}"')
        return ""
    return _optional(data, "title", front, str, "文字", "")


def _minutes(data: dict, front: FileReport) -> int | None:
    minutes = _optional(data, "minutes", front, is_integer, "整数分钟（不加引号，例如 3）", None)
    if minutes is not None and minutes < 1:
        front.at_value(data, "minutes", f"minutes 至少是 1，这里是 {minutes}")
        return None
    return minutes


def _date(data: dict, front: FileReport) -> datetime.date | None:
    if "date" not in data:
        return None
    value = data["date"]
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError as error:
            front.at_value(data, "date", f"date '{value}' 不是真实存在的日期，请核对年月日（{error}）")
            return None
    front.at_value(data, "date", f"date 要写成 2026-10-08 这样的日期（只写年月日），这里是{kind_of(value)}")
    return None


def _tags(data: dict, front: FileReport) -> tuple[str, ...]:
    tags = _optional(data, "tags", front, list, "列表，例如 [归队码, 入门]", [])
    seen: list[str] = []
    for index, tag in enumerate(tags):
        if not isinstance(tag, str) or not tag.strip():
            front.at_item(tags, index, f"每个标签要写文字（不能空着），这里是{kind_of(tag)}")
        elif tag.strip() in seen:
            front.at_item(tags, index, f"标签 '{tag}' 写了两次：删掉一个")
        else:
            seen.append(tag.strip())
    return tuple(seen)


def without_own_title(markdown: str) -> str:
    """Return a lesson body without a `# title` line of its own at the top.

    The page shows the front matter's title as its heading (lists, search and the menu use
    it too); an editor who also starts the text with the title would see it twice."""
    return _OWN_TITLE.sub("", markdown, count=1)


def reading_minutes(markdown: str) -> int:
    """Minutes to read: Chinese characters at 400 a minute plus Latin words at 200 a minute, at least 1."""
    text = _NOT_READ.sub(" ", markdown)
    minutes = len(_HAN.findall(text)) / CHARACTERS_PER_MINUTE + len(_WORD.findall(text)) / WORDS_PER_MINUTE
    return max(1, math.ceil(minutes))


def only_words_changed(old: str, new: str) -> bool:
    """True when two versions of a lesson file differ only in words of its text: the same front
    matter, the same links and images in the same order, the same reading time. Such a change
    reaches no page but the lesson's own and changes nothing its checks look at."""
    old_lines, new_lines = split_lines(old), split_lines(new)
    old_close, new_close = _front_matter_end(old_lines), _front_matter_end(new_lines)
    if old_close is None or old_close != new_close or old_lines[: old_close + 1] != new_lines[: new_close + 1]:
        return False
    old_body, new_body = old_lines[old_close + 1 :], new_lines[new_close + 1 :]
    targets = [[(ref.target, ref.image) for ref in _references(body, 0)] for body in (old_body, new_body)]
    if targets[0] != targets[1]:
        return False
    return reading_minutes("\n".join(old_body)) == reading_minutes("\n".join(new_body))


def _front_matter_end(lines: list[str]) -> int | None:
    """The index of the line that closes the front matter, or None when there is none."""
    if lines[0].rstrip() != "---":
        return None
    return next((index for index in range(1, len(lines)) if lines[index].rstrip() in ("---", "...")), None)


def _references(lines: list[str], first_line: int) -> list[_Reference]:
    """Link and image targets outside code, with their file lines."""
    references = []
    fence = None
    for offset, line in enumerate(lines):
        opening = _FENCE.match(line)
        if fence:
            if (
                opening
                and opening.group(1)[0] == fence[0]
                and len(opening.group(1)) >= len(fence)
                and not line[opening.end() :].strip()
            ):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        text = _CODE_SPAN.sub(lambda match: " " * len(match.group()), line)
        number = first_line + offset
        references += [_Reference(number, _target(m), True) for m in _IMAGE.finditer(text)]
        references += [_Reference(number, m.group(1), True) for m in _HTML_IMAGE.finditer(text)]
        references += [_Reference(number, _target(m), False) for m in _LINK.finditer(text)]
        definition = _DEFINITION.match(text)
        if definition:
            target = definition.group(1)
            references.append(_Reference(number, target, _local_path(target).lower().endswith(_IMAGE_SUFFIXES)))
    return references


def _target(match: re.Match) -> str:
    return match.group(1).removeprefix("<").removesuffix(">").strip()


def _local_path(target: str) -> str:
    """The file part of a relative target ('' for web addresses, anchors and site-absolute paths)."""
    if _EXTERNAL.match(target):
        return ""
    return unquote(target.split("#", 1)[0].split("?", 1)[0])


def _lesson_slug(reference: _Reference, folder: Path) -> str | None:
    """The slug a link points at, if it is a .md file in the lessons folder."""
    local = _local_path(reference.target)
    if reference.image or not local.endswith(".md"):
        return None
    target = Path(os.path.normpath(folder / local))
    return target.stem if target.parent == Path(os.path.normpath(folder)) else None


def _check_reference(
    reference: _Reference, folder: Path, slugs: set[str], drafts: set[str], report: FileReport
) -> None:
    local = _local_path(reference.target)
    if not local:
        return
    if reference.image:
        if not (folder / local).is_file():
            report.at_line(reference.line, f"找不到图片 '{local}'：请把图片放在 lessons/ 里课程旁边，或核对文件名")
        return
    slug = _lesson_slug(reference, folder)
    if slug is None:
        return
    if slug not in slugs:
        # Compare slugs, not file names: the shared ".md" makes every name look alike.
        suggestion = did_you_mean(slug, slugs).replace("'？）", ".md'？）")
        report.at_line(reference.line, f"链接的课程 '{local}' 不存在{suggestion}：请核对文件名")
    elif slug in drafts:
        report.at_line(
            reference.line, f"链接的课程 '{local}' 是草稿（draft: true），不会发布：请先删掉这个链接或发布那一课"
        )
